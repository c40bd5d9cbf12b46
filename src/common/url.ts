/** Query parameters that only track where a click came from; they never change the page. */
const TRACKING_PARAMS = /^(utm_.*|fbclid|gclid)$/i;

export type UrlProblem = 'invalid' | 'scheme' | 'credentials';

/** A parsed http(s) URL, or why it is not one we accept. */
export function parseWebUrl(raw: string): { url: URL } | { problem: UrlProblem } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { problem: 'invalid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'scheme' };
  if (!url.hostname) return { problem: 'invalid' };
  if (url.username || url.password) return { problem: 'credentials' };
  return { url };
}

/**
 * The form of an entry URL used for the duplicate check: scheme and host lowercased, default
 * port, fragment, tracking parameters (utm_*, fbclid, gclid) and trailing slashes dropped.
 * Other query parameters keep their order and encoding. Null when `raw` is not an http(s) URL.
 */
export function normalizeUrl(raw: string): string | null {
  const parsed = parseWebUrl(raw);
  if ('problem' in parsed) return null;
  const { url } = parsed;
  const query = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !TRACKING_PARAMS.test(decodeKey(pair.split('=')[0])));
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${query.length ? `?${query.join('&')}` : ''}`;
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}
