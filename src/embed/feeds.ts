import { BaseUrl, Edition, FeedData, safeUrl } from './reads';
import { EDITION_HTML, editionTitle, editionView, template } from './render';

/**
 * The feeds of a link-up: one item per edition that has opened (newest first, FEED_EDITIONS at
 * most), its content the edition's list as HTML (the embed page's own template). An item's id
 * is its edition's embed page, which never changes; `updated` is when it closed, else when it
 * opened (entries arriving while it is open do not move it: readers fetch the content anyway).
 */

const updatedOf = (edition: Edition) => edition.roundup.closedAt ?? edition.roundup.opensAt;

function feedView(base: BaseUrl, data: FeedData) {
  const slug = encodeURIComponent(data.linkUp.slug);
  const authors = data.cohosts.map((c) => ({ name: c.name, url: safeUrl(c.blogUrl) }));
  return {
    linkUp: data.linkUp,
    homeUrl: `${base}/embed/${slug}`,
    atomUrl: `${base}/feeds/${slug}.atom`,
    jsonUrl: `${base}/feeds/${slug}.json`,
    // Atom wants an author for the feed; a link-up without co-hosts is signed by its name.
    authors: authors.length ? authors : [{ name: data.linkUp.name, url: null }],
    updated: data.editions.map(updatedOf).sort().at(-1) ?? null,
    items: data.editions.map((edition) => ({
      id: edition.roundup.url,
      url: edition.roundup.url,
      title: editionTitle(edition),
      html: EDITION_HTML(editionView(edition)),
      published: edition.roundup.opensAt,
      updated: updatedOf(edition),
      authors: edition.cohosts.map((c) => ({ name: c.name, url: c.blogUrl })),
      edition,
    })),
  };
}

const ATOM = template<ReturnType<typeof feedView>>(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id><%= it.homeUrl %></id>
<title><%= it.linkUp.name %></title>
<% if (it.linkUp.description) { %><subtitle><%= it.linkUp.description %></subtitle>
<% } %><updated><%= it.updated ?? '1970-01-01T00:00:00.000Z' %></updated>
<link rel="self" type="application/atom+xml" href="<%= it.atomUrl %>"/>
<link rel="alternate" type="text/html" href="<%= it.homeUrl %>"/>
<% for (const a of it.authors) { %><author><name><%= a.name %></name><% if (a.url) { %><uri><%= a.url %></uri><% } %></author>
<% } %><generator>Roundup API</generator>
<% for (const item of it.items) { %><entry>
<id><%= item.id %></id>
<title><%= item.title %></title>
<link rel="alternate" type="text/html" href="<%= item.url %>"/>
<published><%= item.published %></published>
<updated><%= item.updated %></updated>
<% for (const a of item.authors) { %><author><name><%= a.name %></name><% if (a.url) { %><uri><%= a.url %></uri><% } %></author>
<% } %><content type="html"><%= item.html %></content>
</entry>
<% } %></feed>
`);

/** Atom 1.0 (RFC 4287): the HTML content is escaped text, as `type="html"` wants. */
export function atomFeed(base: BaseUrl, data: FeedData): string {
  return ATOM(feedView(base, data));
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), the edition's data in `_roundup`. */
export function jsonFeed(base: BaseUrl, data: FeedData): string {
  const view = feedView(base, data);
  const author = (a: { name: string; url: string | null }) =>
    a.url ? { name: a.name, url: a.url } : { name: a.name };
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: data.linkUp.name,
    home_page_url: view.homeUrl,
    feed_url: view.jsonUrl,
    ...(data.linkUp.description ? { description: data.linkUp.description } : {}),
    authors: view.authors.map(author),
    language: 'en',
    items: view.items.map((item) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      content_html: item.html,
      date_published: item.published,
      date_modified: item.updated,
      ...(item.authors.length ? { authors: item.authors.map(author) } : {}),
      _roundup: {
        number: item.edition.roundup.number,
        status: item.edition.roundup.status,
        opensAt: item.edition.roundup.opensAt,
        closesAt: item.edition.roundup.closesAt,
        closedAt: item.edition.roundup.closedAt,
        submitUrl: item.edition.roundup.submitUrl,
        entryCount: item.edition.entryCount,
        entries: item.edition.entries,
      },
    })),
  });
}
