/*
 * /embed.js: turns every <div data-roundup="{linkUpSlug}"> on a blog into the roundup's live
 * list, drawn in a shadow root from the EmbedSnapshot (src/embed/snapshot.ts) that
 * /embed/{slug}/events sends; with data-number="{n}", edition n's, from
 * /embed/{slug}/{n}/events. Until the first snapshot, and for good when it cannot connect, the
 * box shows what it holds, or else a plain link to the embed page. No third-party requests, no
 * eval, no HTML parsing of user text: nodes are built with createElement and textContent, and a
 * link gets its address only when it is http(s).
 */
(function () {
  'use strict';

  const script = document.currentScript;
  const API = new URL(script && script.src ? script.src : '/', location.href).origin;
  /** The longest wait between two reconnections after the server refused one (ms). */
  const MAX_RETRY_MS = 60000;

  const CSS = `
:host{all:initial;display:block;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
--fg:var(--roundup-fg,#1d1d1f);--bg:var(--roundup-bg,#fff);--muted:var(--roundup-muted,#5f6368);
--line:var(--roundup-line,#e3e3e6);--accent:var(--roundup-accent,#0b63c5);--star:#b26a00;--ok:#1a7f37}
@media (prefers-color-scheme:dark){:host{--fg:var(--roundup-fg,#ececef);
--bg:var(--roundup-bg,#1c1c20);--muted:var(--roundup-muted,#a3a3ab);
--line:var(--roundup-line,#34343a);--accent:var(--roundup-accent,#7db4ff);--star:#f0b44c;--ok:#3fb950}}
.box{color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:10px;
padding:14px 16px;max-width:44em}
a{color:var(--accent);text-decoration:none}a:hover,a:focus-visible{text-decoration:underline}
h2{font-size:1.15em;margin:0 0 4px}
p{margin:4px 0}
.meta,.blog,.empty{color:var(--muted);font-size:.9em}
.status{display:inline-block;border:1px solid currentColor;border-radius:99px;padding:0 8px;
margin-right:6px;font-size:.8em;font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.OPEN{color:var(--ok)}.CANCELLED{color:#c62828}
.welcome{color:var(--star)}
ol{list-style:none;margin:12px 0;padding:0}
li{display:flex;gap:10px;align-items:center;padding:7px 0;border-top:1px solid var(--line)}
li:first-child{border-top:0}
.n{min-width:2em;text-align:right;color:var(--muted);font-variant-numeric:tabular-nums}
.thumb{width:44px;height:44px;flex:none;border-radius:6px;object-fit:cover;background:var(--line)}
.text{min-width:0;overflow-wrap:anywhere}
.title{font-weight:600}
.tag{font-size:.75em;color:var(--star);font-weight:600;margin-left:4px}
.submit{display:inline-block;margin-top:4px;padding:6px 14px;border-radius:6px;
background:var(--accent);color:var(--bg);font-weight:600}
.submit:hover{text-decoration:none;opacity:.9}`;

  /** The address when it is http(s), else null (never a javascript: or data: link). */
  function safeUrl(value) {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }

  /** An element with a class and text; children appended after. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (let i = 3; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
    return node;
  }

  /** A link when `href` is http(s), else its text alone in a span. */
  function link(href, className, text, rel) {
    const url = safeUrl(href);
    const node = el(url ? 'a' : 'span', className, text);
    if (url) {
      node.href = url;
      if (rel) node.rel = rel;
    }
    return node;
  }

  const dateFormat = (() => {
    try {
      return new Intl.DateTimeFormat(undefined, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: 'numeric',
        minute: '2-digit',
      });
    } catch {
      return null;
    }
  })();

  function time(iso) {
    const node = el('time', '', iso);
    node.dateTime = iso;
    const date = new Date(iso);
    if (!isNaN(date.getTime()))
      node.textContent = dateFormat ? dateFormat.format(date) : date.toLocaleString();
    return node;
  }

  /** "Open, closes Mon 3 Jun, 09:00": the edition's state in words and times. */
  function meta(roundup) {
    const p = el('p', 'meta');
    const words = {
      SCHEDULED: ['Scheduled', 'opens ', roundup.opensAt],
      OPEN: ['Open', 'opened ', roundup.opensAt, ', closes ', roundup.closesAt],
      CLOSED: ['Closed', 'closed ', roundup.closedAt || roundup.closesAt],
      CANCELLED: ['Cancelled'],
    }[roundup.status] || [roundup.status];
    p.appendChild(el('span', 'status ' + roundup.status, words[0]));
    for (let i = 1; i < words.length; i += 2) {
      p.appendChild(document.createTextNode(words[i]));
      p.appendChild(time(words[i + 1]));
    }
    return p;
  }

  /** "Hosted by A, B and C", then a welcome for each new co-host. */
  function cohosts(list) {
    const frag = document.createDocumentFragment();
    if (!list.length) return frag;
    const p = el('p', 'meta', 'Hosted by ');
    list.forEach((c, i) => {
      if (i > 0) p.appendChild(document.createTextNode(i === list.length - 1 ? ' and ' : ', '));
      p.appendChild(link(c.blogUrl, 'host', c.name));
    });
    frag.appendChild(p);
    for (const c of list)
      if (c.isNew) frag.appendChild(el('p', 'welcome', `Welcome, ${c.name}, our new co-host!`));
    return frag;
  }

  function entryItem(entry) {
    const li = el('li', entry.featured ? 'featured' : '');
    li.value = entry.number;
    li.appendChild(el('span', 'n', entry.number));
    const image = safeUrl(entry.imageUrl);
    if (image) {
      const img = el('img', 'thumb');
      img.src = image;
      img.alt = '';
      img.loading = 'lazy';
      img.referrerPolicy = 'no-referrer';
      li.appendChild(img);
    }
    li.appendChild(
      el(
        'span',
        'text',
        null,
        link(entry.url, 'title', entry.title, 'ugc'),
        entry.featured ? el('span', 'tag', '\u2605 Featured') : null,
        entry.blogName ? el('span', 'blog', ` \u00b7 ${entry.blogName}`) : null,
      ),
    );
    return li;
  }

  /** Each drawn item's entry, as JSON: an item is kept while its entry stays the same. */
  const keys = new WeakMap();

  /**
   * Brings the list to the snapshot's entries, keeping the items that did not change, so that
   * `aria-live` reads out what is new rather than the whole list again.
   */
  function updateList(ol, entries) {
    const old = new Map();
    for (const li of Array.from(ol.children)) old.set(keys.get(li), li);
    let at = ol.firstChild;
    for (const entry of entries) {
      const key = JSON.stringify(entry);
      let li = old.get(key);
      if (li) old.delete(key);
      else {
        li = entryItem(entry);
        keys.set(li, key);
      }
      if (li === at) at = at.nextSibling;
      else ol.insertBefore(li, at);
    }
    for (const li of old.values()) li.remove();
  }

  /** One embed: its shadow root, the list that stays between snapshots, its connection. */
  function mount(host) {
    const slug = host.getAttribute('data-roundup');
    const number = host.getAttribute('data-number');
    if (!slug || host.shadowRoot || host.hasAttribute('data-roundup-mounted')) return;
    host.setAttribute('data-roundup-mounted', '');
    const path =
      '/embed/' + encodeURIComponent(slug) + (number ? '/' + encodeURIComponent(number) : '');
    // What shows until the first snapshot, and for good when it cannot connect: what the box
    // already holds (the embed page renders the list in it), else a link to the embed page.
    const hasContent = host.childElementCount > 0;
    const fallback = hasContent ? el('slot') : link(API + path, '', 'See the roundup');
    if (typeof host.attachShadow !== 'function' || typeof EventSource !== 'function') {
      if (!hasContent) host.appendChild(fallback);
      return;
    }
    const root = host.attachShadow({ mode: 'open' });
    root.appendChild(el('style', '', CSS));
    const box = el('section', 'box');
    root.appendChild(box);
    box.appendChild(fallback);

    const ol = el('ol');
    ol.setAttribute('role', 'list');
    ol.setAttribute('aria-live', 'polite');
    const empty = el('p', 'empty', 'No entries yet.');
    const top = el('div');
    const bottom = el('div');

    let seen = false;
    let retryMs = 1000;

    function draw(s) {
      if (!seen) {
        seen = true;
        box.replaceChildren(top, ol, empty, bottom);
      }
      // The embed page's title: "Monday Miles #12: Hills".
      const title =
        `${s.linkUp.name} #${s.roundup.number}` + (s.roundup.title ? `: ${s.roundup.title}` : '');
      top.replaceChildren(
        el('h2', '', null, link(s.roundup.url, '', title)),
        s.linkUp.description ? el('p', 'meta', s.linkUp.description) : '',
        meta(s.roundup),
        cohosts(s.cohosts),
      );
      box.setAttribute('aria-label', title);
      updateList(ol, s.entries);
      empty.hidden = s.entries.length > 0;
      const submit = s.roundup.status === 'OPEN' && safeUrl(s.roundup.submitUrl);
      bottom.replaceChildren(submit ? link(submit, 'submit', 'Link up') : el('span'));
    }

    function connect() {
      const events = new EventSource(API + path + '/events');
      events.addEventListener('snapshot', (event) => {
        let snapshot;
        try {
          snapshot = JSON.parse(event.data);
        } catch {
          return;
        }
        retryMs = 1000;
        draw(snapshot);
      });
      events.onerror = () => {
        // Before the first snapshot the plain link stays, and that is all. After it, the browser
        // retries a dropped stream by itself; a refused one (an error status) is retried here.
        if (!seen) events.close();
        else if (events.readyState === EventSource.CLOSED) {
          setTimeout(connect, retryMs);
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
        }
      };
    }

    connect();
  }

  function mountAll() {
    document.querySelectorAll('div[data-roundup]').forEach(mount);
  }

  mountAll();
  // An async script may run before the rest of the page is parsed.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
})();
