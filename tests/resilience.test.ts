import net, { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunningApi, start } from '../src/index';
import { freshDatabase, TEST_JWT_SECRET } from './helpers/api';
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

async function post(url: string, query: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as any };
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
  const early = await post(`${base}/graphql`, FEED);
  expect(early.status).toBe(503);
  expect(early.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');

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

  it('fails in-flight requests cleanly while the database is cut, and recovers by itself', async () => {
    expect((await post(api.url, FEED)).body.errors).toBeUndefined();
    proxy.latencyMs = 200;
    const inFlight = Promise.all(Array.from({ length: 10 }, () => post(api.url, FEED)));
    await sleep(50);
    proxy.cut();
    for (const r of await inFlight) {
      const text = JSON.stringify(r.body);
      if (r.body.errors) {
        expect(r.body.errors.map((e: any) => e.extensions.code)).toContain('INTERNAL_SERVER_ERROR');
        expect(text).not.toMatch(/stacktrace|ECONN|SELECT|at .*\.(ts|js)/);
      }
    }
    const down = await post(api.url, FEED);
    expect(down.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
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
