import { Parser } from 'htmlparser2';

/** What the link-back check and thumbnails need from a page. */
export interface PageFacts {
  /** Every `<a href>` as an absolute URL (resolved against `<base href>`, else the page). */
  links: string[];
  /** The first `og:image` that is an absolute http(s) URL; null without one. */
  ogImage: string | null;
}

/** Links beyond this many are ignored: a 1 MB page of links is not a blog post. */
const MAX_LINKS = 10_000;

/** `href` as an absolute http(s) URL (relative to `base` when given), or null. */
function absolute(href: string, base?: string): string | null {
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Reads a page with a real HTML parser (htmlparser2, as a browser tokenises), never regexes. */
export function readPage(html: string, pageUrl: string): PageFacts {
  const hrefs: string[] = [];
  let base: string | null = null;
  let ogImage: string | null = null;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'a' && attributes.href !== undefined && hrefs.length < MAX_LINKS) {
          hrefs.push(attributes.href);
        } else if (name === 'base' && base === null && attributes.href !== undefined) {
          base = absolute(attributes.href, pageUrl);
        } else if (name === 'meta' && ogImage === null) {
          const property = (attributes.property ?? attributes.name ?? '').toLowerCase();
          // Absolute only: without a base, a relative address fails to parse.
          if (property === 'og:image' || property === 'og:image:url') {
            ogImage = absolute(attributes.content ?? '');
          }
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  const resolveAgainst: string = base ?? pageUrl;
  return {
    links: hrefs.map((href) => absolute(href, resolveAgainst)).filter((h): h is string => !!h),
    ogImage,
  };
}
