import { normalizeUrl, parseWebUrl } from '../common/url';

/** Where a link must point to count as a link back to one edition of a link-up. */
export interface LinkBackTargets {
  /** The hosts of the current co-hosts' blogs (blogUrl), `www.` dropped: any address on them. */
  blogHosts: Set<string>;
  /** Exact pages (normalizeUrl): co-hosts' posts' canonicalUrl, the edition's embed pages. */
  pages: Set<string>;
}

/** A host name as blogs are compared: lowercase, `www.` and a final dot dropped. */
export function siteHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^www\./, '');
}

/**
 * The targets of the edition `number` of the link-up `linkUpSlug`: its current co-hosts' blogs
 * and posts, and (when the API's public origin is known) `/embed/{slug}` and
 * `/embed/{slug}/{number}` there.
 */
export function linkBackTargets(parts: {
  blogUrls: readonly string[];
  canonicalUrls: readonly string[];
  publicUrl: string | undefined;
  linkUpSlug: string;
  number: number;
}): LinkBackTargets {
  const blogHosts = new Set<string>();
  for (const blogUrl of parts.blogUrls) {
    const parsed = parseWebUrl(blogUrl);
    if ('url' in parsed) blogHosts.add(siteHost(parsed.url.hostname));
  }
  const embeds = parts.publicUrl
    ? [
        `${parts.publicUrl}/embed/${parts.linkUpSlug}`,
        `${parts.publicUrl}/embed/${parts.linkUpSlug}/${parts.number}`,
      ]
    : [];
  const pages = new Set(
    [...parts.canonicalUrls, ...embeds].map(normalizeUrl).filter((u): u is string => !!u),
  );
  return { blogHosts, pages };
}

/** Whether the absolute URL `link` points at one of `targets`. */
export function isLinkBack(link: string, targets: LinkBackTargets): boolean {
  const parsed = parseWebUrl(link);
  if ('problem' in parsed) return false;
  if (targets.blogHosts.has(siteHost(parsed.url.hostname))) return true;
  const normalized = normalizeUrl(link);
  return normalized !== null && targets.pages.has(normalized);
}
