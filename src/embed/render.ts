import Handlebars from 'handlebars';
import { BaseUrl, Edition, NoEdition } from './reads';

/**
 * HTML of the embed routes, built with Handlebars: `{{ }}` escapes every value, and no template
 * uses the unescaped `{{{ }}}`, so user text (titles, names, addresses) can never become markup.
 * Addresses are http(s) only (reads.ts's safeUrl, and the entries table's constraints).
 */
export const hbs = Handlebars.create();

/** Templates use only the built-in helpers and no @data variables: Handlebars skips both lookups. */
const FAST = { knownHelpersOnly: true, data: false };

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
const EDITION = `<header>
<h1>{{title}}</h1>
{{#if linkUp.description}}<p>{{linkUp.description}}</p>{{/if}}
<p class="status" data-status="{{roundup.status}}">{{statusText}}</p>
<p>Open from <time datetime="{{roundup.opensAt}}">{{opensAtText}}</time> to <time datetime="{{roundup.closesAt}}">{{closesAtText}}</time>{{#if roundup.closedAt}}; closed <time datetime="{{roundup.closedAt}}">{{closedAtText}}</time>{{/if}}.</p>
{{#if cohosts.length}}<p>Hosted by</p>
<ul class="cohosts">{{#each cohosts}}
<li>{{#if blogUrl}}<a href="{{blogUrl}}">{{name}}</a>{{else}}{{name}}{{/if}}{{#if isNew}} <span class="new">(new co-host: welcome, {{name}}!)</span>{{/if}}</li>{{/each}}
</ul>{{/if}}
</header>
{{#if entries.length}}<ol class="entries">{{#each entries}}
<li value="{{number}}"{{#if featured}} class="featured"{{/if}}>{{#if imageUrl}}<img src="{{imageUrl}}" alt="" loading="lazy"> {{/if}}<a href="{{url}}" rel="ugc">{{title}}</a>{{#if blogName}} <span class="blog">({{blogName}})</span>{{/if}}{{#if featured}} <strong>Featured</strong>{{/if}}</li>{{/each}}
</ol>{{else}}<p>No entries yet.</p>{{/if}}
{{#if more}}<p>And {{more}} more entries.</p>{{/if}}
{{#if submitUrl}}<p><a class="submit" href="{{submitUrl}}">{{submitText}}</a></p>{{/if}}`;

const PAGE = hbs.compile(
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<base target="_blank">
<link rel="canonical" href="{{pageUrl}}">
<link rel="alternate" type="application/json+oembed" href="{{oembedUrl}}" title="{{title}}">
<link rel="alternate" type="application/atom+xml" href="{{atomUrl}}" title="{{linkUp.name}} (Atom)">
<link rel="alternate" type="application/feed+json" href="{{jsonFeedUrl}}" title="{{linkUp.name}} (JSON Feed)">
<style>${STYLE}</style>
</head>
<body>
<main>
{{#if live}}<div data-roundup="{{linkUp.slug}}">{{/if}}
<article class="roundup">
{{#if roundup}}{{> edition}}{{else}}<header><h1>{{linkUp.name}}</h1>
{{#if linkUp.description}}<p>{{linkUp.description}}</p>{{/if}}</header>
<p class="status">No edition yet: the first one is not scheduled.</p>{{/if}}
</article>
{{#if live}}</div>
<script src="/embed.js" defer></script>{{/if}}
</main>
</body>
</html>
`,
  FAST,
);

const ERROR = hbs.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{heading}}</title></head>
<body><main><h1>{{heading}}</h1><p>{{message}}</p></main></body></html>
`);

const HEADINGS: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  503: 'Unavailable',
};

export const EDITION_HTML = hbs.compile(EDITION, FAST);
hbs.registerPartial('edition', EDITION_HTML);

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
  const view = edition.roundup
    ? editionView(edition as Edition)
    : { linkUp: edition.linkUp, title: edition.linkUp.name };
  return PAGE({ ...view, ...alternates(base, edition.linkUp.slug, pageUrl), pageUrl, live });
}

/** The small page of a refused embed request (HTTP `status`). */
export function renderError(status: number, message: string): string {
  return ERROR({ heading: HEADINGS[status] ?? 'Error', message });
}
