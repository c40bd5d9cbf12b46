import { Eta } from 'eta';
import { BaseUrl, Edition, NoEdition } from './reads';

/**
 * HTML (and the Atom feed) of the embed routes, built with Eta templates: `<%= %>` escapes every
 * value, and the raw `<%~ %>` only ever outputs another template's output (a rendered edition),
 * so user text (titles, names, addresses) can never become markup. Addresses are http(s) only
 * (reads.ts's safeUrl, and the entries table's constraints). Eta over Handlebars: the same
 * escaping, about 2.4 times faster on an edition of 200 entries (docs/performance.md).
 */
const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false });

/** A template compiled once; rendering gives it `data` as `it`. */
export function template<T extends object>(text: string): (data: T) => string {
  const render = eta.compile(text);
  return (data) => render.call(eta, data);
}

const TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});
/** A readable UTC time; the `<time datetime>` beside it carries the exact instant. */
const readable = (iso: string) => `${TIME.format(new Date(iso))} UTC`;

const STATUS_TEXT = {
  OPEN: 'Open for entries',
  SCHEDULED: 'Not open yet',
  CLOSED: 'Closed',
  CANCELLED: 'Cancelled',
};

/** Where the page's other formats live: oEmbed, Atom and JSON Feed. */
function alternates(base: BaseUrl, slug: string, pageUrl: string) {
  const s = encodeURIComponent(slug);
  return {
    oembedUrl: `${base}/oembed?url=${encodeURIComponent(pageUrl)}&format=json`,
    atomUrl: `${base}/feeds/${s}.atom`,
    jsonFeedUrl: `${base}/feeds/${s}.json`,
  };
}

/** The title of an edition: "Monday Miles #12: Hills". */
export function editionTitle(edition: Pick<Edition, 'linkUp' | 'roundup'>): string {
  const { linkUp, roundup } = edition;
  return `${linkUp.name} #${roundup.number}${roundup.title ? `: ${roundup.title}` : ''}`;
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.3rem;margin:0 0 .25rem}
.status{font-weight:600}
.entries{padding-left:2rem}
.entries li{margin:.5rem 0}
.entries img{width:64px;height:64px;object-fit:cover;vertical-align:middle;margin-right:.5rem;border-radius:4px}
.featured{background:#fff8dc}
.blog{color:#555}
.new{font-weight:600}
a{color:#0645ad}
`;

/**
 * One edition's list (shared by the page and the feeds' HTML content). A thumbnail's alt is empty:
 * the link beside it names the entry, which a screen reader would otherwise hear twice.
 */
export const EDITION_HTML = template<ReturnType<typeof editionView>>(`<header>
<h1><%= it.title %></h1>
<% if (it.linkUp.description) { %><p><%= it.linkUp.description %></p><% } %>
<p class="status" data-status="<%= it.roundup.status %>"><%= it.statusText %></p>
<p>Open from <time datetime="<%= it.roundup.opensAt %>"><%= it.opensAtText %></time> to <time datetime="<%= it.roundup.closesAt %>"><%= it.closesAtText %></time><% if (it.roundup.closedAt) { %>; closed <time datetime="<%= it.roundup.closedAt %>"><%= it.closedAtText %></time><% } %>.</p>
<% if (it.cohosts.length) { %><p>Hosted by</p>
<ul class="cohosts"><% for (const c of it.cohosts) { %>
<li><% if (c.blogUrl) { %><a href="<%= c.blogUrl %>"><%= c.name %></a><% } else { %><%= c.name %><% } %><% if (c.isNew) { %> <span class="new">(new co-host: welcome, <%= c.name %>!)</span><% } %></li><% } %>
</ul><% } %>
</header>
<% if (it.entries.length) { %><ol class="entries"><% for (const e of it.entries) { %>
<li value="<%= e.number %>"<% if (e.featured) { %> class="featured"<% } %>><% if (e.imageUrl) { %><img src="<%= e.imageUrl %>" alt="" loading="lazy"> <% } %><a href="<%= e.url %>" rel="ugc"><%= e.title %></a><% if (e.blogName) { %> <span class="blog">(<%= e.blogName %>)</span><% } %><% if (e.featured) { %> <strong>Featured</strong><% } %></li><% } %>
</ol><% } else { %><p>No entries yet.</p><% } %>
<% if (it.more) { %><p>And <%= it.more %> more entries.</p><% } %>
<% if (it.submitUrl) { %><p><a class="submit" href="<%= it.submitUrl %>"><%= it.submitText %></a></p><% } %>`);

interface PageView {
  title: string;
  linkUp: Edition['linkUp'];
  pageUrl: string;
  oembedUrl: string;
  atomUrl: string;
  jsonFeedUrl: string;
  live: boolean;
  /** The rendered edition (EDITION_HTML), or null when the link-up has none yet. */
  editionHtml: string | null;
}

const PAGE = template<PageView>(
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %></title>
<base target="_blank">
<link rel="canonical" href="<%= it.pageUrl %>">
<link rel="alternate" type="application/json+oembed" href="<%= it.oembedUrl %>" title="<%= it.title %>">
<link rel="alternate" type="application/atom+xml" href="<%= it.atomUrl %>" title="<%= it.linkUp.name %> (Atom)">
<link rel="alternate" type="application/feed+json" href="<%= it.jsonFeedUrl %>" title="<%= it.linkUp.name %> (JSON Feed)">
<style>${STYLE}</style>
</head>
<body>
<main>
<% if (it.live) { %><div data-roundup="<%= it.linkUp.slug %>"><% } %>
<article class="roundup">
<% if (it.editionHtml !== null) { %><%~ it.editionHtml %><% } else { %><header><h1><%= it.linkUp.name %></h1>
<% if (it.linkUp.description) { %><p><%= it.linkUp.description %></p><% } %></header>
<p class="status">No edition yet: the first one is not scheduled.</p><% } %>
</article>
<% if (it.live) { %></div>
<script src="/embed.js" defer></script><% } %>
</main>
</body>
</html>
`,
);

const ERROR = template<{ heading: string; message: string }>(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title><%= it.heading %></title></head>
<body><main><h1><%= it.heading %></h1><p><%= it.message %></p></main></body></html>
`);

const HEADINGS: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  503: 'Unavailable',
};

/** What the edition template shows: the edition, with readable times and checked addresses. */
export function editionView(edition: Edition) {
  const { roundup } = edition;
  const shown = edition.entries.length;
  return {
    ...edition,
    title: editionTitle(edition),
    statusText: STATUS_TEXT[roundup.status],
    opensAtText: readable(roundup.opensAt),
    closesAtText: readable(roundup.closesAt),
    closedAtText: roundup.closedAt && readable(roundup.closedAt),
    more: edition.entryCount > shown ? edition.entryCount - shown : 0,
    submitUrl: roundup.submitUrl,
    submitText:
      roundup.status === 'OPEN'
        ? 'Link up your post'
        : roundup.status === 'SCHEDULED'
          ? 'Where to link up when it opens'
          : 'Where this edition was hosted',
  };
}

/**
 * The embed page of an edition. `live`: the current edition's page, whose list `/embed.js` keeps
 * up to date (its `data-roundup` box holds the list as plain HTML for readers without scripts).
 */
export function renderPage(
  base: BaseUrl,
  edition: Edition | NoEdition,
  pageUrl: string,
  live: boolean,
): string {
  const view = edition.roundup ? editionView(edition as Edition) : null;
  return PAGE({
    title: view?.title ?? edition.linkUp.name,
    linkUp: edition.linkUp,
    ...alternates(base, edition.linkUp.slug, pageUrl),
    pageUrl,
    live,
    editionHtml: view && EDITION_HTML(view),
  });
}

/** The small page of a refused embed request (HTTP `status`). */
export function renderError(status: number, message: string): string {
  return ERROR({ heading: HEADINGS[status] ?? 'Error', message });
}
