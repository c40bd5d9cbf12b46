import { ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import autocannon from 'autocannon';
import { ROUNDUP_PAGE } from './operations';
import { deployedNodeOptions, memory } from './proc';
import { fmt, median } from './report';

/**
 * `npm run bench:embed`: the live embed on one instance (issue 13's targets). Starts the API as
 * deployed on a fresh PostgreSQL database with the demo data, then
 * - opens FANOUT_SUBSCRIBERS (1,000) Server-Sent Event streams on `/embed/{slug}/events` of the
 *   demo link-up, submits one entry a second for FANOUT_SECONDS (20) and measures, for every
 *   stream, the delay from each submit to the first snapshot holding its entry: p50/p99/max
 *   (target p99 under 1 s), what arrived, and the API's resident memory per open stream;
 * - load-tests the embed page of the open edition against the GraphQL roundup page of the same
 *   edition (bench/operations.ts's ROUNDUP_PAGE) in alternating rounds (BENCH_ROUNDS of
 *   BENCH_SECONDS): target median ratio 0.8 at least.
 */

const ROOT = path.resolve(__dirname, '..');
const BASE_URL = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
const SUBSCRIBERS = Number(process.env.FANOUT_SUBSCRIBERS ?? 1000);
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 20);
const SLUG = 'weekly-run-roundup';
const TARGET_P99_MS = 1000;
const TARGET_PAGE_RATIO = 0.8;
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Requests per second answered 200 by `url` (GET, or POST of `body`), at 16 connections. */
async function throughput(url: string, body?: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: 16,
    duration: LOAD_SECONDS,
    ...(body ? { method: 'POST', body, headers: { 'content-type': 'application/json' } } : {}),
  });
  if (result.non2xx || result.errors)
    throw new Error(`load: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const log = (line: string) => console.log(`[embed] ${line}`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function admin<T>(sql: string): Promise<T[]> {
  const client = new Client(BASE_URL);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** One stream: the arrival time of each snapshot's entry titles. */
function openStream(port: number, agent: http.Agent, seen: Map<string, number>[]) {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const mine = new Map<string, number>();
    seen.push(mine);
    const req = http.get(
      { host: '127.0.0.1', port, path: `/embed/${SLUG}/events`, agent },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: HTTP ${res.statusCode}`));
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!block.startsWith('event: snapshot\ndata: ')) continue;
            const now = Date.now();
            const snapshot = JSON.parse(block.slice(22)) as { entries: { title: string }[] };
            for (const { title } of snapshot.entries) if (!mine.has(title)) mine.set(title, now);
            resolve(res);
          }
        });
      },
    );
    req.on('error', reject);
  });
}

async function main() {
  const database = `roundup_fanout_${process.pid}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  const port = await freePort();
  let api: ChildProcess | undefined;
  const streams: http.IncomingMessage[] = [];
  try {
    api = spawn(process.execPath, ['-r', '@swc-node/register', 'src/index.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: deployedNodeOptions(),
        NODE_ENV: 'production',
        JWT_SECRET: 'fanout-bench-secret-that-is-long-enough-for-hs256',
        DATABASE_URL: url.toString(),
        PORT: String(port),
        DEMO_DATA: 'on',
        RATE_LIMITS: 'off',
        LOG_LEVEL: 'warn',
        MAX_SOCKETS_PER_IP: String(SUBSCRIBERS + 10),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('the API was not ready within 60 s');
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      await sleep(100);
    }
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: any; errors?: unknown[] };
    };
    const current = await gql(
      `query { linkUp(slug: "${SLUG}") { currentRoundup { id number status } } }`,
    );
    const roundup = current.data?.linkUp?.currentRoundup;
    if (roundup?.status !== 'OPEN') throw new Error(`the demo link-up has no open edition`);

    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const seen: Map<string, number>[] = [];
    streams.push(await openStream(port, agent, seen));
    await sleep(1000);
    const before = memory(api.pid!)!;
    log(`opening ${SUBSCRIBERS} streams`);
    while (streams.length < SUBSCRIBERS) streams.push(await openStream(port, agent, seen));
    await sleep(2000);
    const after = memory(api.pid!)!;
    const perStreamKB = ((after.rss - before.rss) * 1e3) / (SUBSCRIBERS - 1);

    log(`submitting one entry a second for ${SECONDS} s`);
    const sent = new Map<string, number>();
    for (let i = 0; i < SECONDS; i++) {
      const title = `Fan-out ${i} ${Date.now()}`;
      sent.set(title, Date.now());
      const r = await gql(
        `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { number status } }`,
        {
          input: {
            roundupId: roundup.id,
            title,
            url: `https://fanout.example/${process.pid}/${i}`,
            name: `Reader ${i}`,
            email: `reader-${i}@fanout.example`,
          },
        },
      );
      if (r.errors || r.data.submitEntry.status !== 'VISIBLE')
        throw new Error(`submitEntry: ${JSON.stringify(r)}`);
      await sleep(1000);
    }
    await sleep(2000);

    const delays: number[] = [];
    let missing = 0;
    for (const mine of seen) {
      for (const [title, at] of sent) {
        const arrived = mine.get(title);
        if (arrived === undefined) missing++;
        else delays.push(arrived - at);
      }
    }
    delays.sort((a, b) => a - b);
    const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))];
    const p99 = pct(0.99);
    log(
      `${SUBSCRIBERS} streams x ${SECONDS} submits: ${delays.length} deliveries, ${missing} missing; ` +
        `delay p50 ${fmt(pct(0.5), 0)} ms, p99 ${fmt(p99, 0)} ms, max ${fmt(delays.at(-1)!, 0)} ms`,
    );
    log(
      `API resident memory: ${fmt(before.rss, 1)} MB with 1 stream, ${fmt(after.rss, 1)} MB with ` +
        `${SUBSCRIBERS}: ${fmt(perStreamKB, 1)} KB per stream`,
    );
    // After the fan-out: the memory per stream is read on a process the load has not grown.
    streams.forEach((stream) => stream.destroy());
    log(
      `embed page vs GraphQL roundup page: ${ROUNDS} rounds of ${LOAD_SECONDS} s each, ` +
        'alternating, after a warm-up of each',
    );
    const graphqlBody = JSON.stringify({
      query: ROUNDUP_PAGE,
      variables: { linkUpSlug: SLUG, number: roundup.number },
    });
    const embedUrl = `${base}/embed/${SLUG}`;
    await throughput(`${base}/graphql`, graphqlBody);
    await throughput(embedUrl);
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const graphqlRps = await throughput(`${base}/graphql`, graphqlBody);
      const embedRps = await throughput(embedUrl);
      ratios.push(embedRps / graphqlRps);
      log(
        `  round ${round}: GraphQL roundup page ${fmt(graphqlRps, 0)} req/s, /embed/${SLUG} ` +
          `${fmt(embedRps, 0)} req/s (${fmt(embedRps / graphqlRps, 2)}x)`,
      );
    }
    const ratio = median(ratios);
    log(`  embed / GraphQL: median ${fmt(ratio, 2)}`);

    const met = missing === 0 && p99 < TARGET_P99_MS && ratio >= TARGET_PAGE_RATIO;
    log(
      met
        ? `targets met (page ${fmt(ratio, 2)}x >= ${TARGET_PAGE_RATIO}, p99 < ${TARGET_P99_MS} ms)`
        : 'TARGET MISSED',
    );
    process.exitCode = met ? 0 : 1;
  } finally {
    streams.forEach((s) => s.destroy());
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await new Promise((resolve) => api!.once('exit', resolve));
    }
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
