import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { toGlobalId } from '../src/common/ids';
import { encodeCursor } from '../src/common/pagination';
import { load, LoadResult } from './load';
import { FLOOR_APPLICATION_NAME } from './floor';
import { body, FEED, NODE, random, ROUNDUP_PAGE, SUBMIT_ENTRY } from './operations';
import { newestProfile, summarise } from './profile';
import { prepareBenchDatabase, SIZES } from './seed';

/**
 * `npm run bench`: seeds (or reuses) the bench database, starts the API in production mode and
 * the floor (bench/floor.ts), checks they answer the feed identically, then loads each
 * operation with autocannon and writes bench/results.json. BENCH_SECONDS and BENCH_WARMUP
 * shorten the runs for a quick try; BENCH_ONLY picks phases; BENCH_PROFILE=1 writes a CPU
 * profile of the API under bench/profiles (summarised by bench/profile.ts).
 */

const ROOT = path.resolve(__dirname, '..');
const BASE_URL = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
const DB_NAME = process.env.BENCH_DATABASE || 'roundup_bench';
const SETTINGS = {
  connections: 16,
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 5),
  seconds: Number(process.env.BENCH_SECONDS ?? 20),
};
const PROFILE = process.env.BENCH_PROFILE === '1';
/** Runs only the phases whose "server: operation" contains this (e.g. "api: feed"). */
const ONLY = process.env.BENCH_ONLY ?? '';
/** The whole run stops (children killed) past this, seeding included. */
const DEADLINE_MS = 14 * 60 * 1000;
const OPEN_ROUNDUP_TITLE = 'Bench: open roundup';
const LOG_FILE = path.join(ROOT, 'bench', 'api.log');

const log = (line: string) => console.log(`[bench] ${line}`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const children: ChildProcess[] = [];

function startChild(
  args: string[],
  env: Record<string, string>,
  logFd: number | 'ignore',
): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', logFd, logFd],
  });
  children.push(child);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function post(url: string, payload: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Polls until `check` says yes (the child may take a few seconds to start), or fails. */
async function waitFor(
  what: string,
  child: ChildProcess,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
}

/** What the load needs from the seeded data: deep cursors, post ids, an open roundup. */
async function fixtures(url: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Every 30th published post from the 2,000th on: thousands of real positions deep in the feed.
    const { rows: positions } = await client.query<{ published_at: Date; id: string }>(
      `SELECT published_at, id FROM (
         SELECT published_at, id, row_number() OVER (ORDER BY published_at DESC, id DESC) AS n
         FROM posts WHERE status = 'PUBLISHED') x
       WHERE n > 2000 AND n % 30 = 0`,
    );
    const cursors = positions.map((p) => encodeCursor([p.published_at.toISOString(), p.id]));
    const { rows: posts } = await client.query<{ id: string }>(
      `SELECT id FROM posts WHERE status = 'PUBLISHED' AND id % 7 = 0 ORDER BY id`,
    );
    // A roundup open now, made for this run (and removed after it) so submitEntry has a target.
    await client.query(`DELETE FROM roundups WHERE title = $1`, [OPEN_ROUNDUP_TITLE]);
    const {
      rows: [open],
    } = await client.query<{ id: string }>(
      `INSERT INTO roundups (link_up_id, number, title, opens_at, closes_at)
       SELECT 1, max(number) + 1, $1, now() - interval '1 hour', now() + interval '1 day' FROM roundups WHERE link_up_id = 1
       RETURNING id`,
      [OPEN_ROUNDUP_TITLE],
    );
    await client.query(
      `INSERT INTO roundup_cohosts (roundup_id, host_id, position) SELECT $1, host_id, position FROM link_up_cohosts WHERE link_up_id = 1`,
      [open.id],
    );
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]
      .server_version;
    return { cursors, postIds: posts.map((p) => p.id), openRoundupId: open.id, postgres: version };
  } finally {
    await client.end();
  }
}

async function removeOpenRoundup(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client
    .query(`DELETE FROM roundups WHERE title = $1`, [OPEN_ROUNDUP_TITLE])
    .finally(() => client.end());
}

/** SQL statements per request, from the API's request log lines (one per GraphQL request). */
function requestLog(fromByte: number) {
  const text = readFileSync(LOG_FILE).subarray(fromByte).toString('utf8');
  const statements: number[] = [];
  for (const line of text.split('\n')) {
    if (line.includes('"sqlStatements"')) statements.push(JSON.parse(line).sqlStatements);
  }
  if (statements.length === 0) return null;
  return {
    mean: statements.reduce((a, b) => a + b, 0) / statements.length,
    min: Math.min(...statements),
    max: Math.max(...statements),
  };
}

function logSize(): number {
  return readFileSync(LOG_FILE).length;
}

/** The first place two JSON texts differ, with some context, for the mismatch report. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at character ${i}:\n  api:   ...${a.slice(Math.max(0, i - 120), i + 80)}\n  floor: ...${b.slice(Math.max(0, i - 120), i + 80)}`;
}

interface Row extends LoadResult {
  operation: string;
  server: 'api' | 'floor';
  sqlStatements: { mean: number; min: number; max: number } | null;
  /** CPU time per successful request of the server process and of its PostgreSQL backends. */
  cpuMsPerRequest: { server: number | null; postgres: number | null };
}

/** CPU time (user + system) in ms of each local process still there, from /proc (Linux, USER_HZ 100). */
function cpuMs(pids: number[]): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // exited, or not a local process
    }
  }
  return times;
}

/** CPU ms used between two readings by the processes present in both; null when there were none. */
function cpuDelta(before: Map<number, number>, after: Map<number, number>): number | null {
  const common = [...before.keys()].filter((pid) => after.has(pid));
  return common.length
    ? common.reduce((sum, pid) => sum + after.get(pid)! - before.get(pid)!, 0)
    : null;
}

/** The PostgreSQL backends of the API or of the floor, when the database runs on this machine. */
async function backendPids(
  monitor: Client,
  url: string,
  server: 'api' | 'floor',
): Promise<number[]> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) return [];
  const { rows } = await monitor.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
       AND (application_name = $1) = $2`,
    [FLOOR_APPLICATION_NAME, server === 'floor'],
  );
  return rows.map((r) => r.pid);
}

const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || isNaN(n) ? '-' : n.toFixed(digits);

function table(rows: Row[]): string {
  const head = [
    'operation',
    'server',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'SQL/req',
    'CPU ms/req server + pg',
  ];
  const lines = rows.map((r) => [
    r.operation,
    r.server,
    fmt(r.rps, 0),
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.p99),
    `${r.errors}/${r.requests}`,
    r.sqlStatements
      ? r.sqlStatements.min === r.sqlStatements.max
        ? `${r.sqlStatements.min}`
        : `${fmt(r.sqlStatements.mean)} (${r.sqlStatements.min}-${r.sqlStatements.max})`
      : r.server === 'floor'
        ? '1'
        : '-',
    `${fmt(r.cpuMsPerRequest.server, 2)} + ${fmt(r.cpuMsPerRequest.postgres, 2)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    row(head),
    `|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`,
    ...lines.map(row),
  ].join('\n');
}

async function main() {
  const started = Date.now();
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: '',
    /** Other work on the machine skews the figures: the 1-minute load average before the run. */
    loadAverage: os.loadavg()[0],
  };
  const db = await prepareBenchDatabase(BASE_URL, DB_NAME, log);
  const data = await fixtures(db.url);
  machine.postgres = data.postgres;
  log(
    `${data.cursors.length} deep cursors, ${data.postIds.length} post ids, open roundup ${data.openRoundupId}`,
  );

  const [apiPort, floorPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
  const floorUrl = `http://127.0.0.1:${floorPort}/graphql`;
  mkdirSync(path.dirname(LOG_FILE), { recursive: true });
  const logFd = openSync(LOG_FILE, 'w');
  const api = startChild(
    [
      ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'profiles')}`] : []),
      '-r',
      '@swc-node/register',
      'src/index.ts',
    ],
    {
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-only-secret-not-for-production-use-0123456789',
      DATABASE_URL: db.url,
      PORT: String(apiPort),
      RATE_LIMITS: 'off',
      DEMO_DATA: 'off',
      LOG_LEVEL: 'info',
    },
    logFd,
  );
  const floor = startChild(
    ['-r', '@swc-node/register', 'bench/floor.ts'],
    { DATABASE_URL: db.url, PORT: String(floorPort) },
    logFd,
  );
  closeSync(logFd);

  const targets = { api: { url: apiUrl, process: api }, floor: { url: floorUrl, process: floor } };
  const monitor = new Client({ connectionString: db.url });
  await monitor.connect();
  const rows: Row[] = [];
  let identical = false;
  try {
    await waitFor(
      'the API',
      api,
      async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200,
    );
    await waitFor(
      'the floor',
      floor,
      async () => (await post(floorUrl, body(FEED, { after: null }))).status === 200,
    );

    const deepCursor = data.cursors[Math.floor(data.cursors.length / 2)];
    for (const after of [null, deepCursor]) {
      const [fromApi, fromFloor] = await Promise.all([
        post(apiUrl, body(FEED, { after })),
        post(floorUrl, body(FEED, { after })),
      ]);
      const a = JSON.stringify(JSON.parse(fromApi.text));
      const f = JSON.stringify(JSON.parse(fromFloor.text));
      if (a !== f)
        throw new Error(
          `the API and the floor answer the feed (after: ${after}) differently ${firstDifference(a, f)}`,
        );
    }
    identical = true;
    log('the API and the floor return identical feed pages (first and deep)');

    const rand = random(7);
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
    const runTag = Date.now().toString(36);
    let submitted = 0;
    const phases: {
      operation: string;
      server: 'api' | 'floor';
      next: () => string;
    }[] = [
      {
        operation: 'feed, first page',
        server: 'floor',
        next: () => body(FEED, { after: null }),
      },
      {
        operation: 'feed, deep pages',
        server: 'floor',
        next: () => body(FEED, { after: pick(data.cursors) }),
      },
      {
        operation: 'feed, first page',
        server: 'api',
        next: () => body(FEED, { after: null }),
      },
      {
        operation: 'feed, deep pages',
        server: 'api',
        next: () => body(FEED, { after: pick(data.cursors) }),
      },
      {
        operation: 'roundup page',
        server: 'api',
        next: () =>
          body(ROUNDUP_PAGE, {
            linkUpSlug: `linkup-${1 + Math.floor(rand() * SIZES.linkUps)}`,
            number: 1 + Math.floor(rand() * (SIZES.roundups / SIZES.linkUps)),
          }),
      },
      {
        operation: 'node(id)',
        server: 'api',
        next: () => body(NODE, { id: toGlobalId('Post', pick(data.postIds)) }),
      },
      {
        operation: 'submitEntry',
        server: 'api',
        next: () => {
          submitted++;
          return body(SUBMIT_ENTRY, {
            input: {
              roundupId: toGlobalId('Roundup', data.openRoundupId),
              title: `Bench run ${submitted}`,
              url: `https://reader-${submitted % 997}.example/${runTag}/run-${submitted}`,
              name: `Reader ${submitted % 997}`,
              email: `reader-${submitted % 997}@bench.example`,
              blogName: 'Bench Miles',
            },
          });
        },
      },
    ];
    for (const phase of phases.filter((p) => `${p.server}: ${p.operation}`.includes(ONLY))) {
      if (
        Date.now() - started >
        DEADLINE_MS - (SETTINGS.warmupSeconds + SETTINGS.seconds + 30) * 1000
      ) {
        throw new Error('out of time: the run would pass its 14-minute deadline');
      }
      log(
        `${phase.server}: ${phase.operation} (${SETTINGS.warmupSeconds} s warm-up, ${SETTINGS.seconds} s measured)`,
      );
      const target = targets[phase.server];
      await load(target.url, SETTINGS.connections, SETTINGS.warmupSeconds, phase.next);
      const from = logSize();
      const pids = [target.process.pid!];
      const backends = await backendPids(monitor, db.url, phase.server);
      const before = { server: cpuMs(pids), postgres: cpuMs(backends) };
      const measured = await load(target.url, SETTINGS.connections, SETTINGS.seconds, phase.next);
      const perRequest = (ms: number | null) =>
        ms === null ? null : ms / Math.max(1, measured.requests - measured.errors);
      rows.push({
        operation: phase.operation,
        server: phase.server,
        ...measured,
        sqlStatements: phase.server === 'api' ? requestLog(from) : null,
        cpuMsPerRequest: {
          server: perRequest(cpuDelta(before.server, cpuMs(pids))),
          postgres: perRequest(cpuDelta(before.postgres, cpuMs(backends))),
        },
      });
      if (measured.firstError) log(`  first error: ${measured.firstError}`);
    }
  } finally {
    await Promise.all([stopChild(api), stopChild(floor)]);
    await monitor.end();
    await removeOpenRoundup(db.url);
  }

  const find = (operation: string, server: string) =>
    rows.find((r) => r.operation === operation && r.server === server);
  /** a / b of one figure of two rows; null when a phase did not run (BENCH_ONLY). */
  const ratio = (a: Row | undefined, b: Row | undefined, figure: 'rps' | 'p50' | 'p99') =>
    a && b ? a[figure] / b[figure] : null;
  const apiFirst = find('feed, first page', 'api');
  const apiDeep = find('feed, deep pages', 'api');
  const ratios = {
    apiToFloorFeedFirstPage: ratio(apiFirst, find('feed, first page', 'floor'), 'rps'),
    apiToFloorFeedDeepPages: ratio(apiDeep, find('feed, deep pages', 'floor'), 'rps'),
    apiDeepToFirstPageP50: ratio(apiDeep, apiFirst, 'p50'),
    apiDeepToFirstPageP99: ratio(apiDeep, apiFirst, 'p99'),
  };
  const results = {
    date: new Date().toISOString(),
    machine,
    settings: SETTINGS,
    seed: {
      database: DB_NAME,
      reused: db.seededSeconds === null,
      seconds: db.seededSeconds,
      sizes: SIZES,
    },
    identicalFeed: identical,
    operations: rows,
    ratios,
    totalSeconds: (Date.now() - started) / 1000,
  };
  writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  console.log(`\n${table(rows)}\n`);
  console.log(
    `API / floor throughput, feed first page: ${fmt(ratios.apiToFloorFeedFirstPage, 2)} (target >= 0.6)`,
  );
  console.log(`API / floor throughput, feed deep pages: ${fmt(ratios.apiToFloorFeedDeepPages, 2)}`);
  console.log(
    `API deep / first page latency: p50 ${fmt(ratios.apiDeepToFirstPageP50, 2)}, p99 ${fmt(ratios.apiDeepToFirstPageP99, 2)} (target <= 1.2)`,
  );
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}, load average ${fmt(machine.loadAverage, 2)} before the run`,
  );
  console.log(
    `${SETTINGS.connections} connections, ${SETTINGS.warmupSeconds} s warm-up, ${SETTINGS.seconds} s measured; total ${fmt(results.totalSeconds, 0)} s; bench/results.json written`,
  );
  if (PROFILE) console.log(`\n${summarise(newestProfile(path.join(ROOT, 'bench', 'profiles')))}`);
  if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
}

const deadline = setTimeout(() => {
  console.error('[bench] deadline passed: stopping');
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
}, DEADLINE_MS + 60_000);
deadline.unref();

main().then(
  () => process.exit(process.exitCode ?? 0),
  async (error) => {
    console.error(`[bench] ${error instanceof Error ? error.message : error}`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  },
);
