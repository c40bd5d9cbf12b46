import { IncomingMessage } from 'node:http';

/**
 * The client's address behind `hops` proxies (TRUST_PROXY), the one rule for HTTP requests and
 * WebSocket upgrades alike. Each proxy appends the address it was called from to
 * X-Forwarded-For, so only the last `hops` entries were written by proxies we run; anything to
 * their left came from the client and may be invented. Counting from the right: the socket's
 * peer is hop 0 (no proxy trusted), the right-most X-Forwarded-For entry hop 1, and so on; a
 * header shorter than that stops at its left-most entry. Express's `trust proxy` set to the same
 * number picks the same address.
 */
export function clientIp(request: IncomingMessage, hops: number): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (hops === 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const addresses = [peer, ...forwarded.reverse()];
  return addresses[Math.min(hops, addresses.length - 1)];
}
