import { request } from 'node:http';
import { GqlResult, gqlAt, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { launch, Server } from './helpers/launch';
import { liveClient, LiveClient, submitAt, subscribe, untilLive } from './helpers/live';
import { Nginx, startNginx } from './helpers/services';

/**
 * Two API instances behind the real nginx with deploy/nginx.conf (docs/scaling.md), on one
 * PostgreSQL, live updates through Redis when REDIS_URL names one (else LISTEN/NOTIFY), both
 * with TRUST_PROXY on. Through nginx: concurrent submits are numbered without a gap whichever
 * instance takes them; a subscription upgraded through nginx hears writes made on either
 * instance; the API sees the client's own address; with one instance sent SIGTERM under load,
 * every request is still answered. PostgreSQL only: instances share a database there.
 */

const ENTRY_EVENTS = `subscription($roundupId: ID!) {
  entryEvents(roundupId: $roundupId) { kind entry { number title } } }`;
const ENTRIES = `query($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) { entries(first: 100) { edges { node { number } } } } }`;

const describeOnPostgres = process.env.DATABASE_URL ? describe : describe.skip;

/** Sends SIGTERM and resolves with the exit code. */
function terminate(server: Server | undefined): Promise<number | null> {
  if (!server || server.child.exitCode !== null)
    return Promise.resolve(server?.child.exitCode ?? null);
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  return exited;
}

describeOnPostgres('two instances behind nginx', () => {
  const env = {
    RATE_LIMITS: 'off',
    TRUST_PROXY: 'on',
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  };
  let a: TestApi;
  /** The second instance is a process of its own, so the test can send it a real SIGTERM. */
  let b: Server & { port: number };
  let bStopped = false;
  let nginx: Nginx;
  let graphql: string;
  let cohost: MadeHost;
  let linkUp: Made & { slug: string };
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    a = await startTestApi(env);
    // A grace longer than nginx.conf's upstream keepalive_timeout (4 s), as docs/scaling.md asks.
    const launched = await launch(a.databaseUrl, { ...env, SHUTDOWN_GRACE_MS: '4500' });
    b = { ...launched, port: Number(new URL(launched.url).port) };
    // Which instance answered, for the test only: nginx.conf itself keeps its upstreams private.
    nginx = await startNginx([a.api.port, b.port], 'add_header X-Upstream $upstream_addr always;');
    graphql = `${nginx.url}/graphql`;
    const f = fixtures(a);
    cohost = await f.host();
    linkUp = await f.linkUp([cohost.id]);
  }, 60_000);
  afterEach(() => Promise.all(clients.splice(0).map((c) => c.dispose())));
  afterAll(async () => {
    await nginx?.stop();
    if (!bStopped) await terminate(b);
    await a?.stop();
  });

  const newRoundup = () => fixtures(a).roundup(linkUp.id, [cohost.id]);

  it('numbers 50 concurrent submits 1..50, taken by both instances', async () => {
    const roundup = await newRoundup();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => submitAt(graphql, roundup, n)),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const numbers = results.map((r) => r.data.submitEntry.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
    const upstreams = new Set(results.map((r) => r.headers.get('x-upstream')));
    expect(upstreams).toEqual(new Set([`127.0.0.1:${a.api.port}`, `127.0.0.1:${b.port}`]));
  });

  it('carries a graphql-ws subscription (WebSocket upgrade) that hears writes on either instance', async () => {
    const roundup = await newRoundup();
    const live = liveClient(graphql);
    clients.push(live);
    const sub = subscribe(live, ENTRY_EVENTS, { roundupId: roundup.gid });
    let n = 0;
    const isPoke = (e: any) => e.entryEvents.entry.title.startsWith('Run poke-');
    await untilLive(sub, () => submitAt(a.url, roundup, `poke-${++n}`), isPoke);
    // One of the two is another instance than the socket's.
    await submitAt(a.url, roundup, 'on-a');
    await submitAt(b.url, roundup, 'on-b');
    const titles = (await sub.waitFor(2, (e: any) => /Run on-[ab]/.test(e.entryEvents.entry.title)))
      .map((e: any) => e.entryEvents.entry.title)
      .sort();
    expect(titles).toEqual(['Run on-a', 'Run on-b']);
    sub.stop();
  });

  it("gives the API the client's address, not one the client wrote into X-Forwarded-For", async () => {
    const roundup = await newRoundup();
    // The client connects from 127.0.0.7 (nginx itself reaches the API from 127.0.0.1).
    const answer = await postFrom('127.0.0.7', graphql, {
      query: `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { number } }`,
      variables: {
        input: {
          roundupId: roundup.gid,
          title: 'Spoofed',
          url: 'https://runner.example/spoofed',
          name: 'Spoofer',
          email: 'spoofer@runner.example',
        },
      },
    });
    expect(answer.errors).toBeUndefined();
    const [row] = await a.sql('SELECT ip FROM entries WHERE roundup_id = $1', [roundup.id]);
    expect(row.ip).toBe('127.0.0.7');
  });

  it('keeps answering, without a failed request, while one instance stops under load', async () => {
    const roundup = await newRoundup();
    const results: GqlResult[] = [];
    let loading = true;
    let n = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) {
          results.push(await submitAt(graphql, roundup, `load-${++n}`));
          results.push(
            await gqlAt(graphql, ENTRIES, { slug: linkUp.slug, number: roundup.number }),
          );
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    // SIGTERM: readiness 503 for SHUTDOWN_GRACE_MS, then the instance drains and exits.
    bStopped = true;
    expect(await terminate(b)).toBe(0);
    const stoppedAt = results.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    loading = false;
    await load;

    const before = new Set(results.slice(0, stoppedAt).map((r) => r.headers.get('x-upstream')));
    expect(before).toContain(`127.0.0.1:${b.port}`);
    expect(results.length).toBeGreaterThan(stoppedAt);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.errors).toBeUndefined();
    }
    // After the stop, only the other instance answers.
    const after = results.slice(stoppedAt).map((r) => r.headers.get('x-upstream'));
    expect(new Set(after.slice(-8))).toEqual(new Set([`127.0.0.1:${a.api.port}`]));
    // Every submit that was answered is stored, numbered without a gap.
    const submitted = results.filter((r) => r.data?.submitEntry).length;
    const rows = await a.sql('SELECT number FROM entries WHERE roundup_id = $1 ORDER BY number', [
      roundup.id,
    ]);
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: submitted }, (_, i) => i + 1));
  });
});

/** POSTs JSON to `url` from the local address `from` (any 127.x address is this machine). */
function postFrom(from: string, url: string, body: object): Promise<GqlResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          const parsed = JSON.parse(text);
          resolve({ ...parsed, status: res.statusCode, text } as GqlResult);
        });
      },
    );
    req.once('error', reject);
    req.end(JSON.stringify(body));
  });
}
