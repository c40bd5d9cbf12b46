import { createHash } from 'node:crypto';

/**
 * Who may keep an HTTP answer. Public: the same for every reader (anonymous GraphQL queries, the
 * embed and feed routes), kept by browsers and shared caches for PUBLIC_CACHE_SECONDS and
 * revalidated by ETag. Private: signed-in answers, mutations and errors, kept by no one.
 */
export const publicCache = (seconds: number) => `public, max-age=${seconds}`;
export const PRIVATE_NO_STORE = 'private, no-store';

/** A strong ETag on the exact body, before any compression. */
export const etagOf = (body: string) =>
  `"${createHash('sha256').update(body).digest('base64url')}"`;
