import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { cacheExchange, Client, fetchExchange } from '@urql/core';
import { createHash } from 'node:crypto';
import http, { IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { toGlobalId } from '../src/common/ids';
import { RunningApi } from '../src/index';
import { startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures } from './helpers/fixtures';

/**
 * HTTP as GraphQL clients, browsers and CDNs use it (DESIGN.md, "HTTP for GraphQL clients"):
 * queries by GET without extra headers, persisted queries, who may cache what, ETags and 304,
 * compression, compact JSON from both executors, RateLimit headers, and GraphiQL. The data is
 * the demo data, and FEED the README's front-page query.
 */

const FEED = `{
  posts(first: 5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      title publishedAt
      author { name blogName }
      commentCount
      comments(first: 5) { edges { node {
        author { displayName } bodyHtml
        replies { author { displayName } body }
      } } }
      roundup { number status cohosts { isNew host { name } } entryCount }
    } }
  }
}`;
/** The feed as the compiler answers it in one statement today (bodyHtml is rendered in Node). */
const COMPILED_FEED = FEED.replace('bodyHtml', 'body');
const SMALL = '{ posts(first: 1) { totalCount } }';

let t: TestApi;
/** The same database, every answer from the resolvers. */
let resolved: RunningApi;
let token: string;

beforeAll(async () => {
  t = await startTestApi({ DEMO_DATA: 'on', PUBLIC_CACHE_SECONDS: '42' });
  resolved = await startAnotherApi(t, { COMPILED_READS: 'off', PUBLIC_CACHE_SECONDS: '42' });
  token = (await fixtures(t).host()).token;
});
afterAll(async () => {
  await resolved?.stop();
  await t?.stop();
});

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** A request with exactly these headers (fetch would add Accept-Encoding and decompress). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString() });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `/graphql?query=...` at `base` (the API's /graphql URL), with other parameters as JSON. */
function getUrl(base: string, params: { query?: string; variables?: object; extensions?: object }) {
  const search = new URLSearchParams();
  if (params.query) search.set('query', params.query);
  if (params.variables) search.set('variables', JSON.stringify(params.variables));
  if (params.extensions) search.set('extensions', JSON.stringify(params.extensions));
  return `${base}?${search}`;
}

const post = (url: string, body: object, headers: Record<string, string> = {}) =>
  raw(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const json = (r: Raw) => JSON.parse(r.text);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PUBLIC = 'public, max-age=42';
const PRIVATE = 'private, no-store';

describe('queries by GET', () => {
  it('answer with no header at all, as urql and CDNs send them', async () => {
    const r = await raw(getUrl(t.url, { query: SMALL }));
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ data: { posts: { totalCount: 9 } } });
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it("answer urql's own headers, in the GraphQL-over-HTTP media type it asks for", async () => {
    const r = await raw(getUrl(t.url, { query: SMALL }), {
      headers: {
        accept:
          'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
    expect(json(r).data.posts.totalCount).toBe(9);
  });

  it('refuse a mutation with HTTP 405 and Allow: POST, writing nothing', async () => {
    const [before] = await t.sql('SELECT count(*)::int AS n FROM comments');
    const [{ id }] = await t.sql("SELECT id FROM posts WHERE status = 'PUBLISHED' LIMIT 1");
    const mutation = `mutation { addComment(input: { postId: "${toGlobalId('Post', id)}", body: "By GET",
      guest: { name: "Get", email: "get@test.example" } }) { id } }`;
    const r = await raw(getUrl(t.url, { query: mutation }));
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('POST');
    expect(r.headers['cache-control']).toBe(PRIVATE);
    expect(json(r)).toEqual({
      errors: [
        {
          message: 'GET requests only support query operations, not mutation operations',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
    expect(await t.sql('SELECT count(*)::int AS n FROM comments')).toEqual([before]);
  });
});

describe('automatic persisted queries', () => {
  const extensions = (query: string) => ({
    persistedQuery: { version: 1, sha256Hash: sha256(query) },
  });

  it('register and answer by GET: the hash alone is a cacheable URL', async () => {
    const query = '{ hosts(first: 2) { totalCount edges { node { name } } } }';
    const byHash = getUrl(t.url, { extensions: extensions(query) });
    const missing = await raw(byHash);
    expect(missing.status).toBe(200);
    expect(json(missing).errors.map((e: any) => e.extensions.code)).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    expect(missing.headers['cache-control']).toBe(PRIVATE);

    const registered = await raw(getUrl(t.url, { query, extensions: extensions(query) }));
    expect(json(registered).data.hosts.totalCount).toBe(8);
    const hit = await raw(byHash);
    expect(hit.status).toBe(200);
    expect(hit.text).toBe(registered.text);
    expect(hit.headers['cache-control']).toBe(PUBLIC);
    expect(hit.headers.etag).toBe(registered.headers.etag);
  });

  it('register and answer by POST', async () => {
    const query = '{ linkUps { name } }';
    const missing = await post(t.url, { extensions: extensions(query) });
    expect(json(missing).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(t.url, { query, extensions: extensions(query) });
    expect(json(registered).data.linkUps).toEqual([
      { name: 'The Weekly Run Roundup' },
      { name: 'Trail Tales' },
    ]);
    const hit = await post(t.url, { extensions: extensions(query) });
    expect(hit.status).toBe(200);
    expect(hit.text).toBe(registered.text);
  });

  it("work through Apollo Client's PersistedQueryLink with GET for hashed queries", async () => {
    const methods: string[] = [];
    const client = new ApolloClient({
      link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
        new HttpLink({ uri: t.url, fetch: recording(methods) }),
      ),
      cache: new InMemoryCache(),
    });
    const query = gql('{ roundup(linkUpSlug: "weekly-run-roundup", number: 2) { title } }');
    const { data } = await client.query({ query });
    expect(data).toEqual({ roundup: { __typename: 'Roundup', title: expect.any(String) } });
    const again = await client.query({ query, fetchPolicy: 'network-only' });
    expect(again.data).toEqual(data);
    // The hash alone (not found), the hash with the document (Apollo POSTs that one), then the
    // hash alone again, found.
    expect(methods).toEqual(['GET', 'POST', 'GET']);
  });
});

describe('caching headers', () => {
  it('make an anonymous answer public for PUBLIC_CACHE_SECONDS, with a strong ETag of its bytes', async () => {
    const r = await raw(getUrl(t.url, { query: SMALL }));
    expect(r.headers['cache-control']).toBe(PUBLIC);
    expect(r.headers.vary).toBe('Origin, Authorization, Accept-Encoding');
    expect(r.headers.etag).toBe(`"${createHash('sha256').update(r.body).digest('base64url')}"`);
  });

  it('are the same from both executors, whose bodies are the same bytes', async () => {
    const compiled = await raw(getUrl(t.url, { query: COMPILED_FEED }));
    const resolvers = await raw(getUrl(resolved.url, { query: COMPILED_FEED }));
    expect(compiled.headers['x-sql-statements']).toBe('1');
    expect(Number(resolvers.headers['x-sql-statements'])).toBeGreaterThan(1);
    expect(compiled.text).toBe(resolvers.text);
    for (const header of ['cache-control', 'etag', 'vary', 'content-type'])
      expect([header, compiled.headers[header]]).toEqual([header, resolvers.headers[header]]);
  });

  it('make signed-in answers, mutations and answers with errors private and unstored', async () => {
    const signedIn = await raw(getUrl(t.url, { query: SMALL }), {
      headers: { authorization: `Bearer ${token}` },
    });
    const mutation = await post(t.url, {
      query: 'mutation { signIn(email: "nobody@test.example", password: "wrong") { token } }',
    });
    const badCursor = await raw(
      getUrl(t.url, { query: '{ posts(after: "nope") { totalCount } }' }),
    );
    const invalid = await raw(getUrl(t.url, { query: '{ posts { titel } }' }));
    const refusedToken = await raw(getUrl(t.url, { query: SMALL }), {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(
      [signedIn, mutation, badCursor, invalid, refusedToken].map((r) => [
        r.status,
        r.headers['cache-control'],
        r.headers.etag,
        r.headers.vary,
      ]),
    ).toEqual(
      [200, 200, 200, 400, 401].map((status) => [
        status,
        PRIVATE,
        undefined,
        'Origin, Authorization, Accept-Encoding',
      ]),
    );
    expect(json(signedIn).data.posts.totalCount).toBe(9);
  });

  it('make an anonymous query by POST public too: the answer is the same for anyone', async () => {
    const r = await post(t.url, { query: SMALL });
    expect(r.headers['cache-control']).toBe(PUBLIC);
    expect(r.headers.etag).toMatch(/^"[\w-]{43}"$/);
  });
});

describe('ETag revalidation', () => {
  it('answers a GET whose If-None-Match matches with 304, no body and the same headers', async () => {
    const url = getUrl(t.url, { query: COMPILED_FEED });
    const first = await raw(url);
    const again = await raw(url, { headers: { 'if-none-match': first.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['cache-control']).toBe(PUBLIC);
    expect(again.headers.vary).toBe('Origin, Authorization, Accept-Encoding');
    // Weak comparison, as If-None-Match asks: a CDN that compressed it may have weakened it.
    const weak = await raw(url, { headers: { 'if-none-match': `W/${first.headers.etag}` } });
    expect(weak.status).toBe(304);
  });

  it('answers 200 with the body to an ETag of other data, and to a POST', async () => {
    const url = getUrl(t.url, { query: SMALL });
    const first = await raw(url);
    const other = await raw(url, { headers: { 'if-none-match': '"something-else"' } });
    expect([other.status, other.text]).toEqual([200, first.text]);
    const byPost = await post(t.url, { query: SMALL }, { 'if-none-match': first.headers.etag! });
    expect([byPost.status, byPost.text]).toEqual([200, first.text]);
  });
});

describe('compression and compact JSON', () => {
  it('sends gzip or brotli, as accepted, for answers of 1 KB or more; the same bytes decoded', async () => {
    const url = getUrl(t.url, { query: FEED });
    const plain = await raw(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    const gzip = await raw(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(plain.text);
    const br = await raw(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(plain.text);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    // The ETag names the JSON, whatever its coding.
    expect(new Set([plain, gzip, br].map((r) => r.headers.etag)).size).toBe(1);
  });

  it('leaves answers under 1 KB uncompressed', async () => {
    const r = await raw(getUrl(t.url, { query: SMALL }), { headers: { 'accept-encoding': 'br' } });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers.vary).toBe('Origin, Authorization, Accept-Encoding');
  });

  it.each([
    ['the compiled statement', () => t.url, COMPILED_FEED],
    ['the resolvers', () => resolved.url, COMPILED_FEED],
    ["the README's feed (bodyHtml included)", () => t.url, FEED],
  ])('is written without padding by %s', async (_path, url, query) => {
    const r = await raw(getUrl(url(), { query }));
    expect(r.text).toBe(`${JSON.stringify(JSON.parse(r.text))}\n`);
    expect(r.text).not.toMatch(/" : |, "/);
  });
});

it('sends Retry-After and the RateLimit headers with RATE_LIMITED', async () => {
  const email = 'maya-trails@roundup.example';
  const signIn = () =>
    post(t.url, {
      query: `mutation { signIn(email: "${email}", password: "wrong password") { token } }`,
    });
  for (let i = 0; i < 5; i++)
    expect(json(await signIn()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  const limited = await signIn();
  const [error] = json(limited).errors;
  expect(error.extensions.code).toBe('RATE_LIMITED');
  const retryAfter = error.extensions.retryAfter;
  expect(retryAfter).toBeGreaterThan(15 * 60 - 30);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  expect(limited.headers['retry-after']).toBe(String(retryAfter));
  expect(limited.headers['ratelimit-limit']).toBe('5');
  expect(limited.headers['ratelimit-remaining']).toBe('0');
  expect(limited.headers['ratelimit-reset']).toBe(String(retryAfter));
  expect(limited.headers['cache-control']).toBe(PRIVATE);
});

/** A fetch that records each request's method. */
function recording(methods: string[]): typeof fetch {
  return (input, init) => {
    methods.push(init?.method ?? 'GET');
    return fetch(input, init);
  };
}

describe('stock clients on their default settings', () => {
  it('urql (GET for short queries) reads the feed without an error', async () => {
    const methods: string[] = [];
    const client = new Client({
      url: t.url,
      exchanges: [cacheExchange, fetchExchange],
      fetch: recording(methods),
    });
    const result = await client.query(FEED, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.posts.edges).toHaveLength(5);
    expect(methods).toEqual(['GET']);
  });

  it('Apollo Client with useGETForQueries reads the feed without an error', async () => {
    const methods: string[] = [];
    const client = new ApolloClient({
      link: new HttpLink({ uri: t.url, useGETForQueries: true, fetch: recording(methods) }),
      cache: new InMemoryCache(),
    });
    const { data, error } = await client.query({ query: gql(FEED) });
    expect(error).toBeUndefined();
    expect((data as any).posts.edges).toHaveLength(5);
    expect(methods).toEqual(['GET']);
  });
});

describe('/graphiql', () => {
  let page: Raw;
  beforeAll(async () => {
    page = await raw(t.url.replace('/graphql', '/graphiql'));
  });

  it('serves GraphiQL under a CSP that admits only this origin', async () => {
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;" +
        "font-src 'self' data:;connect-src 'self';base-uri 'none';form-action 'none';frame-ancestors 'self'",
    );
    // The API's own routes keep their headers: no CSP there (the sandbox loads Apollo's scripts).
    expect((await raw(getUrl(t.url, { query: SMALL }))).headers['content-security-policy']).toBe(
      undefined,
    );
  });

  it('loads nothing from another origin: every asset is ours, kept a year', async () => {
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toHaveLength(5);
    expect(page.text).not.toMatch(/https?:\/\//);
    const origin = new URL(t.url).origin;
    for (const ref of refs) {
      expect(ref).toMatch(/^\/graphiql\/assets\/[\w-]{12}\/[\w.-]+\.(js|css)$/);
      const asset = await raw(`${origin}${ref}`);
      expect([ref, asset.status]).toEqual([ref, 200]);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-type']).toMatch(
        ref.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/,
      );
      if (ref.endsWith('.css')) {
        // Fonts and icons are data: URLs; no @import, no remote url().
        const urls = [...asset.text.matchAll(/url\(\s*['"]?([^'")]+)/g)].map((m) => m[1]);
        expect(urls.length).toBeGreaterThan(0);
        expect(urls.filter((u) => !u.startsWith('data:'))).toEqual([]);
        expect(asset.text).not.toMatch(/@import/);
      }
    }
    expect((await raw(`${origin}/graphiql/assets/other/graphiql.min.js`)).status).toBe(404);
  });

  it('is 404 where introspection is off, like the sandbox', async () => {
    const closed = await startAnotherApi(t, { INTROSPECTION: 'off' });
    try {
      const r = await raw(closed.url.replace('/graphql', '/graphiql'));
      expect(r.status).toBe(404);
      const asset = page.text.match(/src="([^"]+graphiql\.min\.js)"/)![1];
      expect((await raw(`${new URL(closed.url).origin}${asset}`)).status).toBe(404);
    } finally {
      await closed.stop();
    }
  });
});
