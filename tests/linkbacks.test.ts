import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunningApi, start } from '../src/index';
import {
  codes,
  freshDatabase,
  gqlAt,
  GqlResult,
  startTestApi,
  TEST_JWT_SECRET,
  TestApi,
} from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { liveClient, subscribe, untilLive } from './helpers/live';
import { TcpProxy } from './helpers/tcp-proxy';

/**
 * Link-backs end to end: the real API checks pages served by small blogs the tests start on
 * 127.0.0.1 (and ::1), through its background jobs and its outbound fetcher; results are polled,
 * never waited for with fixed sleeps.
 */

const ENTRY = 'id number status linkBack linkBackCheckedAt imageUrl';
const UPDATE = `mutation($id: ID!, $editToken: String, $input: UpdateEntryInput!) {
  updateEntry(id: $id, editToken: $editToken, input: $input) { ${ENTRY} } }`;
const SUBMIT = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { ${ENTRY} editToken } }`;
const RECHECK = `mutation($id: ID!) { recheckLinkBack(id: $id) { ${ENTRY} } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on Entry { ${ENTRY} } } }`;
const ROUNDUP = `query($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) { status entryCount pendingEntryCount } }`;
const ENTRY_EVENTS = `subscription($roundupId: ID!) { entryEvents(roundupId: $roundupId) { kind number } }`;

/** A blog on the loopback interface: pages by path, every request it received. */
interface Blog {
  origin: string;
  hits: string[];
  pages: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  close(): Promise<void>;
}

async function startBlog(host = '127.0.0.1'): Promise<Blog> {
  const hits: string[] = [];
  const pages: Blog['pages'] = new Map();
  const server: Server = createServer((req, res) => {
    hits.push(req.url!);
    const page = pages.get(req.url!.split('?')[0]);
    if (page) page(req, res);
    else res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    hits,
    pages,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const html =
  (body: string, head = '') =>
  (_req: IncomingMessage, res: ServerResponse) =>
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);

const COHOST_BLOG = 'https://cohost-blog.test';
const CANONICAL = 'https://posts.example/@cohost/our-linkup-this-week';
const PUBLIC_URL = 'https://roundup.test';

/** What these tests need of a running API: SQL on its database, GraphQL over its HTTP. */
type Api = Pick<TestApi, 'sql' | 'gql' | 'url'>;

/** The same for an instance started without the test helper (the restart test). */
const apiOf = (api: RunningApi): Api => ({
  url: api.url,
  sql: (query, params) => api.db.query(query, params),
  gql: (query, variables, options) => gqlAt(api.url, query, variables, options),
});

/** Polls the entry's row until its check is done (linkBack no longer PENDING), 10 s at most. */
async function checked(t: Api, entryId: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await t.sql(
      'SELECT link_back, link_back_problem, status, image_url FROM entries WHERE id = $1',
      [entryId],
    );
    if (row.link_back !== 'PENDING') return row;
    if (Date.now() > deadline) throw new Error(`entry ${entryId} still PENDING after ${ms} ms`);
    await sleep(100);
  }
}

let addresses = 0;
/** A fresh client address for each write (TRUST_PROXY): the per-IP write limit stays away. */
const newIp = () => `10.8.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`;

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

let n = 0;
async function submit(
  t: Api,
  roundup: Made,
  url: string,
  extra: Record<string, unknown> = {},
  token?: string,
) {
  n++;
  const r = await t.gql(
    SUBMIT,
    {
      input: {
        roundupId: roundup.gid,
        title: `Long run ${n}`,
        url,
        name: `Runner ${n}`,
        email: `runner${n}@test.example`,
        ...extra,
      },
    },
    { token, headers: { 'x-forwarded-for': newIp() } },
  );
  const entry = ok(r).submitEntry;
  return { ...entry, dbId: Buffer.from(entry.id, 'base64url').toString().split(':')[1] };
}

/** POSTs a webmention form from a fresh address; the answer's status and text. */
async function webmention(t: Api, form: Record<string, string>, type?: string) {
  const res = await fetch(t.url.replace('/graphql', '/webmention'), {
    method: 'POST',
    headers: {
      'content-type': type ?? 'application/x-www-form-urlencoded',
      'x-forwarded-for': newIp(),
    },
    body: type ? JSON.stringify(form) : new URLSearchParams(form).toString(),
  });
  return { status: res.status, text: await res.text() };
}

describe('with OUTBOUND_ALLOW_PRIVATE=on (local blogs)', () => {
  let t: TestApi;
  let f: ReturnType<typeof fixtures>;
  let blog: Blog;
  let cohost: MadeHost;
  let second: MadeHost;
  let stranger: MadeHost;
  let admin: MadeHost;

  beforeAll(async () => {
    t = await startTestApi({ OUTBOUND_ALLOW_PRIVATE: 'on', PUBLIC_URL, TRUST_PROXY: 'on' });
    f = fixtures(t);
    blog = await startBlog();
    cohost = await f.host({ blog_url: COHOST_BLOG });
    second = await f.host({ blog_url: 'https://second-cohost.test/blog' });
    stranger = await f.host({ blog_url: 'https://stranger.test' });
    admin = await f.host({ role: 'ADMIN' });
    await f.post(second.id, { canonical_url: CANONICAL });
    blog.pages.set(
      '/links-blog',
      html(`Linking up with <a href="https://www.cohost-blog.test/2026/11/weekly">Cohost</a>.`),
    );
    blog.pages.set('/links-post', html(`Read <a href="${CANONICAL}?utm_source=me">this</a>.`));
    blog.pages.set('/plain', html('<p>My run. <a href="https://stranger.test/">a friend</a></p>'));
    blog.pages.set(
      '/og',
      html(
        `<a href="${COHOST_BLOG}">linked</a>`,
        '<meta property="og:image" content="https://cdn.runner.test/run.jpg">',
      ),
    );
    blog.pages.set('/json', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ link: COHOST_BLOG })),
    );
    // Answers after 6 s: past the fetcher's 5 s for the whole fetch.
    blog.pages.set('/stall', (_req, res) => {
      const timer = setTimeout(() => html(`<a href="${COHOST_BLOG}">late</a>`)(_req, res), 6000);
      res.on('close', () => clearTimeout(timer));
    });
    blog.pages.set('/huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = `<p>${'x'.repeat(64 * 1024 - 7)}</p>`;
      let sent = 0;
      const more = () => {
        while (sent < 160 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end(`<a href="${COHOST_BLOG}">at the end</a>`);
      };
      more();
    });
    for (const [from, to] of [
      ['/loop-a', '/loop-b'],
      ['/loop-b', '/loop-a'],
      ['/r1', '/r2'],
      ['/r2', '/r3'],
      ['/r3', '/links-blog'],
    ]) {
      blog.pages.set(from, (_req, res) => res.writeHead(302, { location: to }).end());
    }
  });
  afterAll(async () => {
    await t?.stop();
    await blog?.close();
  });

  async function edition(values: Record<string, unknown> = {}, roundupValues = {}) {
    const linkUp = await f.linkUp([cohost.id, second.id], values);
    const roundup = await f.roundup(linkUp.id, [cohost.id, second.id], roundupValues);
    return { linkUp, roundup };
  }

  it('a page that links to a co-host blog, a co-host post or the embed page is VERIFIED', async () => {
    const { linkUp, roundup } = await edition();
    blog.pages.set(
      '/links-embed',
      html(`<a href="${PUBLIC_URL}/embed/${linkUp.slug}/${roundup.number}/">the roundup</a>`),
    );
    for (const path of ['/links-blog', '/links-post', '/links-embed', '/r1']) {
      const entry = await submit(t, roundup, `${blog.origin}${path}`);
      expect(entry).toMatchObject({ status: 'VISIBLE', linkBack: 'PENDING' });
      expect(await checked(t, entry.dbId)).toMatchObject({
        link_back: 'VERIFIED',
        link_back_problem: null,
      });
    }
    const last = await submit(t, roundup, `${blog.origin}/og`);
    await checked(t, last.dbId);
    const read = ok(await t.gql(NODE, { id: last.id })).node;
    expect(read.linkBack).toBe('VERIFIED');
    expect(read.linkBackCheckedAt).not.toBeNull();
    expect(blog.hits).toContain('/r3'); // three redirects are followed
  });

  it('under requireLinkBack: PENDING until verified, then VISIBLE by itself with an APPROVED event', async () => {
    const { roundup, linkUp } = await edition({ require_link_back: true });
    const live = liveClient(t.url);
    try {
      const sub = subscribe(live, ENTRY_EVENTS, { roundupId: roundup.gid });
      let pokes = 0;
      await untilLive(
        sub,
        () => submit(t, roundup, `https://poke.invalid/${++pokes}`, {}, cohost.token),
        (e: any) => e.entryEvents.kind === 'ADDED',
      );
      const entry = await submit(t, roundup, `${blog.origin}/links-blog?run=held`);
      expect(entry).toMatchObject({ status: 'PENDING', linkBack: 'PENDING' });
      expect(await checked(t, entry.dbId)).toMatchObject({
        link_back: 'VERIFIED',
        status: 'VISIBLE',
      });
      await sub.waitFor(
        1,
        (e: any) => e.entryEvents.kind === 'APPROVED' && e.entryEvents.number === entry.number,
      );
      const node = ok(await t.gql(NODE, { id: entry.id })).node;
      expect(node).toMatchObject({ status: 'VISIBLE', linkBack: 'VERIFIED' });
      expect(new Date(node.linkBackCheckedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const missing = await submit(t, roundup, `${blog.origin}/plain`);
      expect(await checked(t, missing.dbId)).toMatchObject({
        link_back: 'MISSING',
        status: 'PENDING',
      });
      const seen = ok(
        await t.gql(
          ROUNDUP,
          { slug: linkUp.slug, number: roundup.number },
          { token: cohost.token },
        ),
      ).roundup;
      expect(seen.pendingEntryCount).toBe(1);
      // Co-hosts' own entries need no link back.
      const own = await submit(t, roundup, `${blog.origin}/plain?own`, {}, cohost.token);
      expect(own.status).toBe('VISIBLE');
    } finally {
      await live.dispose();
    }
  });

  it('under requireLinkBack, a held entry on the word lists or HOLD_ALL waits for the co-hosts even when verified', async () => {
    const { roundup } = await edition({ require_link_back: true, entry_moderation: 'HOLD_ALL' });
    const entry = await submit(t, roundup, `${blog.origin}/links-blog?hold-all`);
    expect(await checked(t, entry.dbId)).toMatchObject({
      link_back: 'VERIFIED',
      status: 'PENDING',
    });
  });

  it('a verified entry shows only while there is room: it fills and closes the edition as an approval does', async () => {
    const { roundup, linkUp } = await edition({ require_link_back: true }, { max_entries: 1 });
    // Both pages answer once both entries are in: the first verified one fills the edition.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    blog.pages.set('/gated', (req, res) => {
      void gate.then(() => html(`<a href="${COHOST_BLOG}">link</a>`)(req, res));
    });
    const first = await submit(t, roundup, `${blog.origin}/gated?full=1`);
    const second = await submit(t, roundup, `${blog.origin}/gated?full=2`);
    open();
    const results = [await checked(t, first.dbId), await checked(t, second.dbId)];
    expect(results.map((r) => r.link_back)).toEqual(['VERIFIED', 'VERIFIED']);
    expect(results.map((r) => r.status).sort()).toEqual(['PENDING', 'VISIBLE']);
    const after = ok(
      await t.gql(ROUNDUP, { slug: linkUp.slug, number: roundup.number }, { token: cohost.token }),
    ).roundup;
    expect(after).toMatchObject({ status: 'CLOSED', entryCount: 1, pendingEntryCount: 1 });
  });

  it('under requireLinkBack, a submitter who moves a shown entry to a new URL puts it on hold until that page is verified', async () => {
    const { roundup } = await edition({ require_link_back: true });
    const entry = await submit(t, roundup, `${blog.origin}/links-blog?move`);
    expect(await checked(t, entry.dbId)).toMatchObject({ status: 'VISIBLE' });
    const moved = ok(
      await t.gql(
        UPDATE,
        { id: entry.id, editToken: entry.editToken, input: { url: `${blog.origin}/plain?moved` } },
        { headers: { 'x-forwarded-for': newIp() } },
      ),
    ).updateEntry;
    expect(moved).toMatchObject({ status: 'PENDING', linkBack: 'PENDING' });
    expect(await checked(t, entry.dbId)).toMatchObject({ link_back: 'MISSING', status: 'PENDING' });
    // Moved again, to a page that links back: held until that is verified, then shown.
    const back = ok(
      await t.gql(
        UPDATE,
        {
          id: entry.id,
          editToken: entry.editToken,
          input: { url: `${blog.origin}/links-post?back` },
        },
        { headers: { 'x-forwarded-for': newIp() } },
      ),
    ).updateEntry;
    expect(back.status).toBe('PENDING');
    expect(await checked(t, entry.dbId)).toMatchObject({
      link_back: 'VERIFIED',
      status: 'VISIBLE',
    });
  });

  it('a 404, a 5 s stall, a 10 MB page, a redirect loop and a JSON answer are UNREACHABLE; the API goes on', async () => {
    const { roundup } = await edition({ require_link_back: true });
    const cases: [string, RegExp][] = [
      ['/gone', /^status: HTTP 404/],
      ['/stall', /^timeout/],
      ['/huge', /^too-large/],
      ['/loop-a', /^redirects/],
      ['/json', /^not-html/],
    ];
    const entries = [];
    for (const [path] of cases) entries.push(await submit(t, roundup, `${blog.origin}${path}`));
    for (const [i, [, problem]] of cases.entries()) {
      const row = await checked(t, entries[i].dbId);
      expect(row).toMatchObject({ link_back: 'UNREACHABLE', status: 'PENDING' });
      expect(row.link_back_problem).toMatch(problem);
    }
    // Four redirects at most were asked for in the loop: the first address and three more.
    expect(blog.hits.filter((h) => h.startsWith('/loop-')).length).toBe(4);
    const health = await fetch(t.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
  });

  it("fills a missing imageUrl from the page's og:image, and never replaces a given one", async () => {
    const { roundup } = await edition();
    const bare = await submit(t, roundup, `${blog.origin}/og`);
    expect(await checked(t, bare.dbId)).toMatchObject({
      link_back: 'VERIFIED',
      image_url: 'https://cdn.runner.test/run.jpg',
    });
    expect(ok(await t.gql(NODE, { id: bare.id })).node.imageUrl).toBe(
      'https://cdn.runner.test/run.jpg',
    );
    const given = await submit(t, roundup, `${blog.origin}/og?given`, {
      imageUrl: 'https://img.runner.test/mine.png',
    });
    expect(await checked(t, given.dbId)).toMatchObject({
      image_url: 'https://img.runner.test/mine.png',
    });
  });

  it('a webmention turns a MISSING entry VERIFIED (and shows it under requireLinkBack)', async () => {
    const { roundup } = await edition({ require_link_back: true });
    blog.pages.set('/later', html('<p>No link yet.</p>'));
    const entry = await submit(t, roundup, `${blog.origin}/later`);
    expect(await checked(t, entry.dbId)).toMatchObject({ link_back: 'MISSING', status: 'PENDING' });
    blog.pages.set('/later', html(`<p>Now <a href="${COHOST_BLOG}/">linked</a>.</p>`));
    const answer = await webmention(t, {
      source: `${blog.origin}/later`,
      target: `${COHOST_BLOG}/`,
    });
    expect(answer.status).toBe(202);
    expect(await checked(t, entry.dbId)).toMatchObject({
      link_back: 'VERIFIED',
      status: 'VISIBLE',
    });
  });

  it('refuses a webmention with 400 and the reason in plain text', async () => {
    const { roundup } = await edition();
    const entry = await submit(t, roundup, `${blog.origin}/links-blog?wm`);
    await checked(t, entry.dbId);
    const source = `${blog.origin}/links-blog?wm`;
    const cases: [Record<string, string>, RegExp, string?][] = [
      [{ target: COHOST_BLOG }, /source is missing/],
      [{ source }, /target is missing/],
      [{ source: 'not a url', target: COHOST_BLOG }, /source must be an http\(s\) URL/],
      [{ source, target: 'javascript:alert(1)' }, /target must be an http\(s\) URL/],
      [{ source, target: source }, /must differ/],
      [{ source: `${blog.origin}/unknown`, target: COHOST_BLOG }, /not an entry of a recent/],
      [{ source, target: 'https://stranger.test/' }, /target is not a co-host's blog/],
      [{ source, target: COHOST_BLOG }, /x-www-form-urlencoded/, 'application/json'],
    ];
    for (const [form, reason, type] of cases) {
      const answer = await webmention(t, form, type);
      expect(answer).toMatchObject({ status: 400 });
      expect(answer.text).toMatch(reason);
    }
    // The entry was not queued again by any of them.
    const [row] = await t.sql('SELECT link_back FROM entries WHERE id = $1', [entry.dbId]);
    expect(row.link_back).toBe('VERIFIED');
  });

  it('counts webmentions toward the per-IP limit of anonymous writes: 429 with Retry-After', async () => {
    const ip = newIp();
    const post = () =>
      fetch(t.url.replace('/graphql', '/webmention'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
        body: new URLSearchParams({
          source: `${blog.origin}/never-entered`,
          target: COHOST_BLOG,
        }).toString(),
      });
    for (let i = 0; i < 30; i++) expect((await post()).status).toBe(400);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Too many requests/);
  });

  it("recheckLinkBack: the link-up's current co-hosts and admins only", async () => {
    const { roundup, linkUp } = await edition();
    blog.pages.set('/recheck', html('<p>nothing yet</p>'));
    const entry = await submit(t, roundup, `${blog.origin}/recheck`);
    expect((await checked(t, entry.dbId)).link_back).toBe('MISSING');

    expect(codes(await t.gql(RECHECK, { id: entry.id }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await t.gql(RECHECK, { id: entry.id }, { token: stranger.token }))).toEqual([
      'FORBIDDEN',
    ]);
    blog.pages.set('/recheck', html(`<p><a href="${COHOST_BLOG}">linked now</a></p>`));
    const asked = ok(await t.gql(RECHECK, { id: entry.id }, { token: second.token }));
    expect(asked.recheckLinkBack.linkBack).toBe('PENDING');
    expect((await checked(t, entry.dbId)).link_back).toBe('VERIFIED');
    ok(await t.gql(RECHECK, { id: entry.id }, { token: admin.token }));
    await checked(t, entry.dbId);

    // A removed co-host loses the power at once (and their blog no longer counts).
    await t.sql('DELETE FROM link_up_cohosts WHERE link_up_id = $1 AND host_id = $2', [
      linkUp.id,
      cohost.id,
    ]);
    expect(codes(await t.gql(RECHECK, { id: entry.id }, { token: cohost.token }))).toEqual([
      'FORBIDDEN',
    ]);
    ok(await t.gql(RECHECK, { id: entry.id }, { token: second.token }));
    expect((await checked(t, entry.dbId)).link_back).toBe('MISSING');
  });
});

describe('without OUTBOUND_ALLOW_PRIVATE', () => {
  let t: TestApi;
  let f: ReturnType<typeof fixtures>;
  let v4: Blog;
  let v6: Blog;
  let roundup: Made;

  beforeAll(async () => {
    t = await startTestApi({ TRUST_PROXY: 'on' });
    f = fixtures(t);
    v4 = await startBlog('127.0.0.1');
    v6 = await startBlog('::1');
    for (const blog of [v4, v6]) {
      blog.pages.set('/', html(`<a href="${COHOST_BLOG}">link</a>`));
    }
    const cohost = await f.host({ blog_url: COHOST_BLOG });
    const linkUp = await f.linkUp([cohost.id]);
    roundup = await f.roundup(linkUp.id, [cohost.id]);
  });
  afterAll(async () => {
    await t?.stop();
    await v4?.close();
    await v6?.close();
  });

  it('refuses loopback written in every form, and names that resolve to it: UNREACHABLE, no request sent', async () => {
    const port4 = new URL(v4.origin).port;
    const port6 = new URL(v6.origin).port;
    const urls = [
      `http://127.0.0.1:${port4}/dotted`,
      `http://[::1]:${port6}/v6`,
      `http://2130706433:${port4}/decimal`,
      `http://0x7f.1:${port4}/hex`,
      `http://[::ffff:127.0.0.1]:${port4}/mapped`,
      `http://localhost:${port4}/name`,
      `http://blog.localhost:${port4}/subdomain`,
    ];
    for (const url of urls) {
      const entry = await submit(t, roundup, url);
      const row = await checked(t, entry.dbId);
      expect({ url, ...row }).toMatchObject({ url, link_back: 'UNREACHABLE' });
      expect(row.link_back_problem).toMatch(/^address: /);
      // A name is refused on what it resolves to, in the connection's own lookup.
      if (url.includes('//localhost')) {
        expect(row.link_back_problem).toMatch(/^address: localhost resolves to (127\.0\.0\.1|::1)/);
      }
    }
    expect(v4.hits).toEqual([]);
    expect(v6.hits).toEqual([]);
  });

  it('refuses a private address before any packet leaves', async () => {
    // Only once loopback was refused above: this address must never be contacted.
    expect(v4.hits).toEqual([]);
    const entry = await submit(t, roundup, 'http://10.0.0.1/post');
    const row = await checked(t, entry.dbId);
    expect(row).toMatchObject({ link_back: 'UNREACHABLE' });
    expect(row.link_back_problem).toBe('address: 10.0.0.1 (IPv4 private)');
  });
});

describe('a restart in the middle of a check', () => {
  let database: { url: string; drop: () => Promise<void> };
  let blog: Blog;
  const apis: RunningApi[] = [];
  const env = () => ({
    PORT: '0',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'off',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: database.url,
    OUTBOUND_ALLOW_PRIVATE: 'on',
  });

  beforeAll(async () => {
    database = await freshDatabase();
    blog = await startBlog();
    let first = true;
    // The first request stalls (the API stops under it); later ones find the link.
    blog.pages.set('/slow', (req, res) => {
      if (first) {
        first = false;
        return;
      }
      html(`<a href="${COHOST_BLOG}">link</a>`)(req, res);
    });
  });
  afterAll(async () => {
    for (const api of apis) await api.stop().catch(() => undefined);
    await blog?.close();
    await database?.drop();
  });

  it('loses no job: another instance on the same database finishes it', async () => {
    const a = await start(env());
    apis.push(a);
    const f = fixtures(apiOf(a) as TestApi);
    const cohost = await f.host({ blog_url: COHOST_BLOG });
    const linkUp = await f.linkUp([cohost.id], { require_link_back: true });
    const roundup = await f.roundup(linkUp.id, [cohost.id]);
    const entry = await submit(apiOf(a), roundup, `${blog.origin}/slow`);
    for (const deadline = Date.now() + 10_000; blog.hits.length === 0;) {
      if (Date.now() > deadline) throw new Error('the check never started');
      await sleep(50);
    }
    await a.stop();
    apis.splice(0);
    // Stopped mid-fetch: the check was aborted and handed back to the queue, not lost or settled.
    const db = new Client(database.url);
    await db.connect();
    const { rows } = await db.query(
      `SELECT j.attempts, j.locked_at, e.link_back FROM graphile_worker.jobs j, entries e
       WHERE j.key = $1 AND e.id = $2`,
      [`link-back:${entry.dbId}`, entry.dbId],
    );
    await db.end();
    expect(rows).toEqual([{ attempts: 1, locked_at: null, link_back: 'PENDING' }]);

    const b = await start(env());
    apis.push(b);
    expect(await checked(apiOf(b), entry.dbId, 20_000)).toMatchObject({
      link_back: 'VERIFIED',
      status: 'VISIBLE',
    });
    expect(blog.hits).toEqual(['/slow', '/slow']);
  });

  it('takes jobs again once the database is back after an outage', async () => {
    const proxy = await TcpProxy.start(database.url);
    try {
      const a = await start({ ...env(), DATABASE_URL: proxy.url(database.url) });
      apis.push(a);
      // At once, while the workers make their first poll (the case that needs new workers).
      proxy.cut();
      await sleep(3000);
      proxy.restore();
      const f = fixtures(apiOf(a) as TestApi);
      const cohost = await f.host({ blog_url: COHOST_BLOG });
      const linkUp = await f.linkUp([cohost.id]);
      const roundup = await f.roundup(linkUp.id, [cohost.id]);
      blog.pages.set('/after-outage', html(`<a href="${COHOST_BLOG}/week">link</a>`));
      const entry = await submit(apiOf(a), roundup, `${blog.origin}/after-outage`);
      expect(await checked(apiOf(a), entry.dbId, 20_000)).toMatchObject({ link_back: 'VERIFIED' });
    } finally {
      for (const api of apis.splice(0)) await api.stop().catch(() => undefined);
      await proxy.stop();
    }
  });
});
