import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, Dispatcher, request } from 'undici';

/**
 * The one way the API fetches pages of the open web (link-back checks, thumbnails). Anyone can
 * make it fetch (an entry's URL), so it is built against server-side request forgery:
 *
 * - http(s) only, no user name or password in the address, any port;
 * - every address a host name resolves to is checked, and the connection is made to the checked
 *   address (undici's `connect.lookup` answers with what was checked: no DNS rebinding window);
 *   addresses written in the URL are checked before anything is sent;
 * - only public unicast addresses pass (see `blockedAddress`);
 * - at most 3 redirects, each one checked as the first address; 5 s in all; 1 MB at most;
 *   `text/html` only; an honest User-Agent; no cookies, no proxy from the environment.
 */

export const OUTBOUND_LIMITS = {
  redirects: 3,
  totalMs: 5000,
  maxBytes: 1024 * 1024,
};

/** Why a fetch gave no page: each a short reason for logs and co-hosts. */
export class OutboundError extends Error {
  constructor(
    readonly reason:
      | 'address'
      | 'scheme'
      | 'status'
      | 'redirects'
      | 'timeout'
      | 'too-large'
      | 'not-html'
      | 'network',
    detail: string,
  ) {
    super(detail);
  }
}

/** IPv6 forms that carry an IPv4 address in their last 32 bits: judged by that address. */
const EMBEDS_V4_AT_END = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052']);

/**
 * Why `address` may not be fetched from, or null when it is a public unicast address. Refused:
 * IPv4 loopback, private, link-local (the 169.254.169.254 metadata service included), CGNAT
 * (100.64/10), multicast, 0.0.0.0/8, broadcast and every reserved block; IPv6 loopback,
 * unspecified, link-local, unique-local (fc00::/7), multicast, discard, documentation and other
 * special blocks; IPv4-mapped, IPv4-translated, NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * addresses are judged by the IPv4 address they carry; Teredo and the local-use NAT64 prefix
 * 64:ff9b:1::/48, whose IPv4 part is obfuscated or unknown, are refused.
 */
export function blockedAddress(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const range = v6.range();
    const parts = v6.parts;
    if (range === 'rfc6052' && parts[1] === 0xff9b && parts[2] === 1) {
      return 'local-use NAT64 (64:ff9b:1::/48)';
    }
    if (EMBEDS_V4_AT_END.has(range)) {
      parsed = ipaddr.fromByteArray(v6.toByteArray().slice(12));
    } else if (range === '6to4') {
      parsed = ipaddr.fromByteArray(v6.toByteArray().slice(2, 6));
    } else if (range !== 'unicast') {
      return `IPv6 ${range}`;
    } else {
      return null;
    }
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `IPv4 ${range}`;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net.connect that resolves `hostname`, refuses it when ANY of its addresses is
 * blocked (a name that also points inside is not trusted with its public ones), and hands back
 * the checked addresses, so the socket connects to exactly what was checked.
 */
function checkedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    // RFC 6761: *.localhost is loopback, though this system's resolver may not say so.
    if (!allowPrivate && name.endsWith('.localhost')) {
      return callback(refusal(`${hostname} is a loopback name`), []);
    }
    dnsLookup(hostname, { all: true, family: Number(options.family) || 0 }, (error, found) => {
      if (error) return callback(error, []);
      if (found.length === 0) return callback(refusal(`${hostname} has no address`), []);
      if (!allowPrivate) {
        for (const { address } of found) {
          const why = blockedAddress(address);
          if (why) return callback(refusal(`${hostname} resolves to ${address} (${why})`), []);
        }
      }
      if (options.all) callback(null, found);
      else callback(null, found[0].address, found[0].family);
    });
  };
}

/** A lookup refusal: undici passes it up as the request's error. */
function refusal(message: string): NodeJS.ErrnoException {
  return Object.assign(new OutboundError('address', message), { code: 'EBLOCKEDADDRESS' });
}

/** A connection pool whose sockets are only ever opened through the checked lookup. */
function checkedAgent(allowPrivate: boolean): Agent {
  return new Agent({
    connect: { lookup: checkedLookup(allowPrivate), timeout: OUTBOUND_LIMITS.totalMs },
    headersTimeout: OUTBOUND_LIMITS.totalMs,
    bodyTimeout: OUTBOUND_LIMITS.totalMs,
    keepAliveTimeout: 1000,
    connections: 4,
  });
}

/** The URL, if it may be fetched before any connection: its scheme and any literal address. */
function checkUrl(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('scheme', `${url.protocol} is not http(s)`);
  }
  if (url.username || url.password) throw new OutboundError('scheme', 'credentials in the URL');
  // WHATWG parsing already turned 2130706433, 0x7f.1 and the like into dotted IPv4.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host)) {
    const why = blockedAddress(host);
    if (why) throw new OutboundError('address', `${host} (${why})`);
  }
}

export interface OutboundOptions {
  /** Let fetches reach private and loopback addresses: tests only (OUTBOUND_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  userAgent: string;
}

export interface FetchedPage {
  /** Where the page was found, after redirects: links in it are relative to this. */
  url: string;
  html: string;
}

/** The fetcher of one server: its own connection pool, closed when the server stops. */
export class Outbound {
  private readonly agent: Agent;

  constructor(private readonly options: OutboundOptions) {
    this.agent = checkedAgent(options.allowPrivate);
  }

  /**
   * The HTML page at `address` within OUTBOUND_LIMITS; OutboundError says why not. An abort by
   * `signal` (a worker shutting down) is thrown as the signal's reason, not as an OutboundError.
   */
  async fetchPage(address: string, signal?: AbortSignal): Promise<FetchedPage> {
    const deadline = AbortSignal.timeout(OUTBOUND_LIMITS.totalMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      return await follow(address, this.options, this.agent, both);
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (deadline.aborted) {
        throw new OutboundError('timeout', `no page within ${OUTBOUND_LIMITS.totalMs} ms`);
      }
      if (error instanceof OutboundError) throw error;
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof OutboundError) throw cause;
      throw new OutboundError('network', (error as Error).message);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

async function follow(
  address: string,
  options: OutboundOptions,
  dispatcher: Dispatcher,
  signal: AbortSignal,
): Promise<FetchedPage> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new OutboundError('scheme', 'not a URL');
  }
  for (let redirects = 0; ; redirects++) {
    checkUrl(url, options.allowPrivate);
    const response = await request(url, {
      dispatcher,
      signal,
      method: 'GET',
      maxRedirections: 0,
      headers: {
        'user-agent': options.userAgent,
        accept: 'text/html,application/xhtml+xml;q=0.9',
      },
    });
    const location = response.headers.location;
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      discard(response.body);
      if (redirects >= OUTBOUND_LIMITS.redirects) {
        throw new OutboundError('redirects', `more than ${OUTBOUND_LIMITS.redirects} redirects`);
      }
      url = new URL(String(location), url);
      continue;
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      discard(response.body);
      throw new OutboundError('status', `HTTP ${response.statusCode}`);
    }
    const type = String(response.headers['content-type'] ?? '');
    if (!/^text\/html\s*(;|$)/i.test(type)) {
      discard(response.body);
      throw new OutboundError('not-html', `content-type "${type.slice(0, 100)}"`);
    }
    if (Number(response.headers['content-length']) > OUTBOUND_LIMITS.maxBytes) {
      discard(response.body);
      throw new OutboundError('too-large', `over ${OUTBOUND_LIMITS.maxBytes} bytes`);
    }
    return { url: url.href, html: await readCapped(response.body, type) };
  }
}

/**
 * Stops a download we do not want: the socket is closed. undici then emits an abort 'error' on
 * the body, which must be listened for, or it would crash the process.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The body as text, refused (and the download stopped) past OUTBOUND_LIMITS.maxBytes. */
async function readCapped(body: Dispatcher.ResponseData['body'], type: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > OUTBOUND_LIMITS.maxBytes) {
      discard(body);
      throw new OutboundError('too-large', `over ${OUTBOUND_LIMITS.maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const charset = /charset="?([\w-]+)/i.exec(type)?.[1] ?? 'utf-8';
  const bytes = Buffer.concat(chunks);
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // an unknown charset label
  }
}
