import net, { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { Tokens } from '../src/common/auth';
import { toGlobalId } from '../src/common/ids';
import { RunningApi, start } from '../src/index';
import { freshDatabase, TEST_JWT_SECRET } from './helpers/api';
import { launch } from './helpers/launch';
import { TcpProxy } from './helpers/tcp-proxy';

/** The API talks to its database through a proxy the test controls. */
let database: Awaited<ReturnType<typeof freshDatabase>>;
let proxy: TcpProxy;

const env = (databaseUrl: string, port = '0') => ({
  DATABASE_URL: databaseUrl,
  PORT: port,
  LOG_LEVEL: 'silent',
  DEMO_DATA: 'on',
  JWT_SECRET: TEST_JWT_SECRET,
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function post(url: string, query: string, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/**
 * HTTP 503 SERVICE_UNAVAILABLE with a retry time, kept by no cache, and nothing of the
 * database's error.
 */
function expectUnavailable(r: Awaited<ReturnType<typeof post>>) {
  expect(r.status).toBe(503);
  expect(r.headers.get('retry-after')).toBe('5');
  expect(r.headers.get('cache-control')).toBe('private, no-store');
  for (const error of r.body.errors) {
    expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 5 });
  }
  expect(JSON.stringify(r.body)).not.toMatch(/stacktrace|ECONN|SELECT|terminated|at .*\.(ts|js)/);
}

/** Polls until `check` passes, for at most `seconds`; the last failure is rethrown. */
async function eventually<T>(check: () => Promise<T>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

const FEED = '{ posts(first: 5) { edges { node { title author { name } commentCount } } } }';

beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database?.drop());
afterEach(() => proxy?.stop());

it('starts while the database is down, answering health but not readiness, then recovers', async () => {
  proxy = await TcpProxy.start(database.url, false);
  const port = await freePort();
  const starting = start(env(proxy.url(database.url), String(port)));
  const base = `http://127.0.0.1:${port}`;
  await eventually(async () => expect((await fetch(`${base}/healthz`)).status).toBe(200));
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  expectUnavailable(await post(`${base}/graphql`, FEED));

  proxy.restore();
  const api = await starting;
  try {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const r = await post(api.url, FEED);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.posts.edges.length).toBe(5);
  } finally {
    await api.stop();
  }
});

describe('with a running API', () => {
  let api: RunningApi;
  beforeEach(async () => {
    proxy = await TcpProxy.start(database.url);
    api = await start(env(proxy.url(database.url)));
  });
  afterEach(() => api?.stop());

  it('answers 503 while the database is cut, in flight or not, and recovers by itself', async () => {
    expect((await post(api.url, FEED)).body.errors).toBeUndefined();
    proxy.latencyMs = 200;
    const inFlight = Promise.all(Array.from({ length: 10 }, () => post(api.url, FEED)));
    await sleep(50);
    proxy.cut();
    for (const r of await inFlight) if (r.body.errors) expectUnavailable(r);
    expectUnavailable(await post(api.url, FEED));
    // So does a signed-in one, whose statement also reads the viewer's row.
    const token = await new Tokens(TEST_JWT_SECRET).sign({
      id: '1',
      passwordHash: 'x',
      role: 'HOST',
    });
    expectUnavailable(await post(api.url, FEED, token));
    expect((await fetch(api.url.replace('/graphql', '/readyz'))).status).toBe(503);

    proxy.latencyMs = 0;
    proxy.restore();
    await eventually(async () => expect((await post(api.url, FEED)).body.errors).toBeUndefined());
    expect((await fetch(api.url.replace('/graphql', '/readyz'))).status).toBe(200);
  });

  it('on shutdown turns readiness to 503, finishes in-flight requests, then stops', async () => {
    proxy.latencyMs = 300;
    const inFlight = post(api.url, FEED);
    await sleep(50);
    const stopping = api.stop(1000);
    const ready = await fetch(api.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(503);
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    await stopping;
    await expect(fetch(api.url.replace('/graphql', '/healthz'))).rejects.toThrow();
    api = undefined as unknown as RunningApi;
  });
});

it('answers 503 with Retry-After when started against a closed port, by GET and POST', async () => {
  const [apiPort, closedPort] = [await freePort(), await freePort()];
  const closed = new URL(database.url);
  closed.port = String(closedPort);
  const server = await launch(
    closed.toString(),
    { PORT: String(apiPort) },
    /database not reachable, retrying/,
  );
  try {
    expect(server.logs.join('\n')).toMatch(/ECONNREFUSED/);
    const base = server.url.replace('/graphql', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expectUnavailable(await post(server.url, FEED));
    const byGet = await fetch(`${server.url}?query=${encodeURIComponent(FEED)}`);
    expectUnavailable({ status: byGet.status, body: await byGet.json(), headers: byGet.headers });
  } finally {
    server.child.kill('SIGKILL');
  }
});

/**
 * The table `table` locked by another session (all of the database, on PGlite, which runs one
 * session at a time) while `during` runs.
 */
async function whileLocked<T>(table: string, during: () => Promise<T>): Promise<T> {
  const locker = new Client(database.url);
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return await during();
  } finally {
    await locker.query('ROLLBACK');
    await locker.end();
  }
}

describe.each([
  ['compiled reads', 'on'],
  ['the resolvers', 'off'],
])('a pool wait timeout, %s', (_path, compiledReads) => {
  let api: RunningApi;
  beforeAll(async () => {
    // Statements may wait longer than a pooled connection may be waited for (5 s).
    api = await start({
      ...env(database.url),
      STATEMENT_TIMEOUT_MS: '30000',
      COMPILED_READS: compiledReads,
    });
  });
  afterAll(() => api?.stop());

  it('answers 503 with Retry-After once every pooled connection is busy for 5 s', async () => {
    /** Ten requests, the pool's size, each holding a connection behind the lock; then `next`. */
    const behindTheLock = <T>(next: () => Promise<T>) =>
      whileLocked('posts', async () => {
        const busy = Promise.all(Array.from({ length: 10 }, () => post(api.url, FEED)));
        await sleep(300);
        return { busy, next: await next() };
      });
    const answered = (rs: Awaited<ReturnType<typeof post>>[]) =>
      rs.map((r) => [r.status, r.body.errors]);
    const tenAnswered = Array(10).fill([200, undefined]);

    // First to open the ten connections: on PGlite, opening one waits for the lock too.
    const warm = await behindTheLock(async () => undefined);
    expect(answered(await warm.busy)).toEqual(tenAnswered);

    const { busy, next } = await behindTheLock(async () => {
      const started = Date.now();
      return { late: await post(api.url, FEED), waited: Date.now() - started };
    });
    expectUnavailable(next.late);
    expect(next.waited).toBeGreaterThanOrEqual(4900);
    expect(answered(await busy)).toEqual(tenAnswered);
  }, 30_000);
});

/** The compiled path's statement timeout is in bounds.test.ts. */
describe('a statement past STATEMENT_TIMEOUT_MS', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await start({ ...env(database.url), STATEMENT_TIMEOUT_MS: '300', COMPILED_READS: 'off' });
  });
  afterAll(() => api?.stop());

  it('answers 503 with Retry-After from the resolvers', async () => {
    expectUnavailable(await whileLocked('posts', () => post(api.url, FEED)));
  });

  it('answers 503 with Retry-After to a mutation, writing nothing', async () => {
    const [{ id }] = await sql("SELECT id FROM posts WHERE status = 'PUBLISHED' LIMIT 1");
    const before = await sql('SELECT count(*)::int AS n FROM comments');
    const ADD = `mutation { addComment(input: { postId: "${toGlobalId('Post', id)}", body: "Slow day",
      guest: { name: "Timed Out", email: "timeout@test.example" } }) { id } }`;
    expectUnavailable(await whileLocked('comments', () => post(api.url, ADD)));
    expect(await sql('SELECT count(*)::int AS n FROM comments')).toEqual(before);
  });
});

async function sql(query: string) {
  const c = new Client(database.url);
  await c.connect();
  try {
    return (await c.query(query)).rows;
  } finally {
    await c.end();
  }
}
