import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { toGlobalId } from '../src/common/ids';
import { encodeCursor } from '../src/common/pagination';
import { EMBED_CURRENT_QUERY, EMBED_EDITION_QUERY } from '../src/embed/reads';
import { SseSubscribers } from './fanout';
import { load, LoadOptions, LoadResult } from './load';
import { FLOOR_APPLICATION_NAME } from './floor';
import {
  body,
  distinctFeed,
  FEED,
  HOSTILE_FIRST_ONE,
  HOSTILE_FIRST_ZERO,
  NODE,
  random,
  ROUNDUP_PAGE,
  ROUNDUP_PAGE_COHOST,
  SIGN_IN,
  SUBMIT_ENTRY,
} from './operations';
import { cpuDelta, cpuMs, deployedNodeOptions, memory, Memory, MemorySampler } from './proc';
import { newestProfile, summarise } from './profile';
import { fmt, median, table } from './report';
import { BENCH_PASSWORD, benchAccounts, prepareBenchDatabase, SIZES } from './seed';

/**
 * `npm run bench`: seeds (or reuses) the bench database, starts the API in production mode and
 * the floor (bench/floor.ts), checks they answer the feed identically (anonymous and signed in),
 * then:
 * - holds 1,000 Server-Sent Events subscribers on the embed's live stream while entries are
 *   submitted once a second, and reports each delivery's delay and the memory per subscriber;
 * - compares the API with the floor in alternating rounds (floor, API, floor, API...) and
 *   reports the median API/floor throughput ratio with its spread;
 * - compares the embed page (HTML, GET) with the GraphQL roundup page the same way;
 * - loads the other operations on the API alone;
 * - sends the hostile documents one at a time between feed requests;
 * - streams distinct documents while reading the API's and its PostgreSQL backends' memory.
 * Everything goes to bench/results.json. BENCH_SECONDS, BENCH_WARMUP, BENCH_ROUNDS and
 * BENCH_DOCUMENTS shorten a quick try; BENCH_ONLY picks phases; BENCH_PROFILE=1 writes a CPU
 * profile of the API under bench/profiles (summarised by bench/profile.ts).
 */

const ROOT = path.resolve(__dirname, '..');
const BASE_URL = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
const DB_NAME = process.env.BENCH_DATABASE || 'roundup_bench';
const SETTINGS = {
  connections: 16,
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 5),
  /** Of each measured run: one server in one round, or one API-only phase. */
  seconds: Number(process.env.BENCH_SECONDS ?? 15),
  /** Rounds (a floor run, then an API run) per compared phase. */
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  /** Sends of each hostile document, unless the budget runs out first (3 at least). */
  hostileSends: 10,
  hostileBudgetSeconds: 60,
  /** Distinct documents streamed in the memory phase. */
  documents: Number(process.env.BENCH_DOCUMENTS ?? 5000),
  memorySampleMs: 250,
  /** Time the memory phase must have left before the deadline to start. */
  memoryBudgetSeconds: 120,
  /** SSE subscribers held in the fan-out phase, and its submits (one a second). */
  fanOutSubscribers: Number(process.env.BENCH_SUBSCRIBERS ?? 1000),
  fanOutSubmits: Math.min(20, Number(process.env.BENCH_SECONDS ?? 20)),
};
const TARGETS = {
  apiToFloor: 0.6,
  deepToFirstPageP50: 1.2,
  hostileToFeedP50: 3,
  nodeRssMB: 400,
  backendAnonMB: 50,
  embedToRoundupPage: 0.8,
  fanOutP99Ms: 1000,
};
const PROFILE = process.env.BENCH_PROFILE === '1';
/**
 * Runs only the phases whose name contains one of these ('|'-separated, any case), e.g.
 * "signed in|co-host". Empty: every phase.
 */
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split('|')
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);
/** The whole run stops (children killed) past this, seeding included. */
const DEADLINE_MS = 14 * 60 * 1000;
const OPEN_ROUNDUP_TITLE = 'Bench: open roundup';
const LOG_FILE = path.join(ROOT, 'bench', 'api.log');
/** This run's servers' PostgreSQL backends, told apart from any other run's on the same server. */
const APPLICATION_NAMES = {
  api: `roundup-bench-api-${process.pid}`,
  floor: `${FLOOR_APPLICATION_NAME}-${process.pid}`,
};
const PHASES = {
  feedFirst: 'feed, first page',
  feedDeep: 'feed, deep pages',
  feedSignedIn: 'feed, signed in (a host)',
  roundupCohost: 'roundup page, as a co-host (includeHidden, emails)',
  roundup: 'roundup page',
  embedPage: 'embed page, current edition (HTML)',
  embedGraphql: 'current edition, whole list (GraphQL)',
  embedArchive: 'embed page, archive edition (HTML)',
  embedArchiveGraphql: 'archive edition, whole list (GraphQL)',
  fanOut: 'fan-out: embed SSE subscribers',
  node: 'node(id)',
  submitEntry: 'submitEntry',
  hostile: 'hostile documents',
  memory: 'memory: distinct documents',
};

const log = (line: string) => console.log(`[bench] ${line}`);
const selected = (name: string) =>
  ONLY.length === 0 || ONLY.some((part) => name.toLowerCase().includes(part));

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

async function post(
  url: string,
  payload: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
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

interface SqlCount {
  mean: number;
  min: number;
  max: number;
  /** Requests counted. */
  requests: number;
}

function logSize(): number {
  return statSync(LOG_FILE).size;
}

/**
 * SQL statements per request, from the API's request log lines (one per GraphQL request, with
 * `sqlStatements`) written since `fromByte`, of one operation name or of all. The API runs in
 * production mode, where it sends no `x-sql-statements` header, so the log is the source.
 */
function sqlPerRequest(fromByte: number, operation?: string): SqlCount | null {
  const fd = openSync(LOG_FILE, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(Math.max(0, logSize() - fromByte));
    readSync(fd, buffer, 0, buffer.length, fromByte);
    text = buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
  const statements: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"sqlStatements"')) continue;
    const entry = JSON.parse(line) as { sqlStatements: number; operation: string | null };
    if (operation === undefined || entry.operation === operation)
      statements.push(entry.sqlStatements);
  }
  return mergeSql(statements.map((n) => ({ mean: n, min: n, max: n, requests: 1 })));
}

function mergeSql(counts: (SqlCount | null)[]): SqlCount | null {
  const present = counts.filter((c): c is SqlCount => c !== null && c.requests > 0);
  if (present.length === 0) return null;
  const requests = present.reduce((n, c) => n + c.requests, 0);
  return {
    mean: present.reduce((sum, c) => sum + c.mean * c.requests, 0) / requests,
    min: Math.min(...present.map((c) => c.min)),
    max: Math.max(...present.map((c) => c.max)),
    requests,
  };
}

const sqlText = (c: SqlCount | null) =>
  c ? (c.min === c.max ? `${c.min}` : `${fmt(c.mean)} (${c.min}-${c.max})`) : '-';

/** The first place two JSON texts differ, with some context, for the mismatch report. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at character ${i}:\n  api:   ...${a.slice(Math.max(0, i - 120), i + 80)}\n  floor: ...${b.slice(Math.max(0, i - 120), i + 80)}`;
}

type Server = 'api' | 'floor';

/** One measured load run of one server. */
interface Run extends LoadResult {
  operation: string;
  server: Server;
  /** The phase it ran in: a floor run serves the compared phase of an API operation. */
  phase: string;
  /** 1, 2, 3... in a compared phase; null in an API-only phase. */
  round: number | null;
  seconds: number;
  sqlStatements: SqlCount | null;
  /** CPU time of the run, of the server process and of its PostgreSQL backends. */
  cpuMs: { server: number | null; postgres: number | null };
}

/**
 * The runs of one operation on one server: rates and latencies are medians of the rounds,
 * requests and errors totals; CPU per request.
 */
interface Summary extends Omit<LoadResult, 'firstError'> {
  operation: string;
  server: Server;
  rounds: number;
  sqlStatements: SqlCount | null;
  cpuMsPerRequest: { server: number | null; postgres: number | null };
}

function summariseRuns(runs: Run[]): Summary {
  const ok = runs.reduce((n, r) => n + r.requests - r.errors, 0);
  const cpu = (key: 'server' | 'postgres') =>
    runs.some((r) => r.cpuMs[key] === null)
      ? null
      : runs.reduce((sum, r) => sum + r.cpuMs[key]!, 0) / Math.max(1, ok);
  return {
    operation: runs[0].operation,
    server: runs[0].server,
    rounds: runs.length,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    sqlStatements: mergeSql(runs.map((r) => r.sqlStatements)),
    cpuMsPerRequest: { server: cpu('server'), postgres: cpu('postgres') },
  };
}

/** API/floor throughput of one compared phase, round by round. */
interface Comparison {
  operation: string;
  /** The floor's operation it is compared with. */
  floorOperation: string;
  rounds: { round: number; floorRps: number; apiRps: number; ratio: number }[];
  median: number;
  min: number;
  max: number;
  target: number;
}

interface HostileResult {
  document: string;
  bytes: number;
  sends: number;
  /** How the sends were answered: "answered", or the error codes, with counts. */
  outcomes: Record<string, number>;
  refused: boolean;
  /** The first send (nothing cached), then the median of all, in ms. */
  firstMs: number;
  p50: number;
  max: number;
  feedP50: number;
  ratioToFeedP50: number;
  responseBytes: number;
  sqlStatements: SqlCount | null;
  meetsTarget: boolean;
}

interface FanOutResult {
  subscribers: number;
  edition: { linkUpSlug: string; number: number };
  submits: number;
  /** Each submit's own latency (request to response), median. */
  submitP50: number;
  /** From a submit's response to each subscriber's first snapshot with the entry, in ms. */
  delivery: { count: number; p50: number; p99: number; max: number };
  /** Deliveries that came before the submit's response (counted as 0 ms). */
  early: number;
  /** Subscriber and entry pairs never delivered. */
  missed: number;
  /** The API process before the subscribers connected and once they all had a snapshot. */
  memoryBefore: Memory | null;
  memoryWith: Memory | null;
  /** (with - before) / subscribers, in KB (10^3 bytes). */
  rssKBPerSubscriber: number | null;
  anonKBPerSubscriber: number | null;
  meetsTarget: boolean;
}

interface ProcessMemory {
  process: string;
  pid: number;
  before: Memory | null;
  peak: Memory | null;
  after: Memory | null;
}

interface MemoryResult {
  documents: number;
  /** Throughput, latency and errors while the distinct documents stream. */
  stream: LoadResult & { seconds: number; sqlStatements: SqlCount | null };
  /** The stream's throughput over the API's anonymous feed's (median of its rounds). */
  rpsToFeedFirstPage: number | null;
  samples: number;
  node: ProcessMemory;
  backends: ProcessMemory[];
  /** The compared figures: the API process's VmRSS, each backend's RssAnon (private memory). */
  nodePeakRssMB: number | null;
  backendPeakAnonMB: number | null;
  backendPeakRssMB: number | null;
  meetsTargets: boolean;
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
  const accounts = await benchAccounts(db.url);
  machine.postgres = data.postgres;
  log(
    `${data.cursors.length} deep cursors, ${data.postIds.length} post ids, open roundup ${data.openRoundupId}; ` +
      `signing in as host ${accounts.host.id} and as host ${accounts.cohost.id}, co-host of ${accounts.cohost.linkUpSlug}`,
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
      NODE_OPTIONS: deployedNodeOptions(),
      JWT_SECRET: 'bench-only-secret-not-for-production-use-0123456789',
      DATABASE_URL: db.url,
      PORT: String(apiPort),
      RATE_LIMITS: 'off',
      // The fan-out phase's subscribers all come from 127.0.0.1 (the cap counts event streams too).
      MAX_SOCKETS_PER_IP: String(SETTINGS.fanOutSubscribers + 100),
      DEMO_DATA: 'off',
      LOG_LEVEL: 'info',
      PGAPPNAME: APPLICATION_NAMES.api,
    },
    logFd,
  );
  const floor = startChild(
    ['-r', '@swc-node/register', 'bench/floor.ts'],
    { DATABASE_URL: db.url, PORT: String(floorPort), PGAPPNAME: APPLICATION_NAMES.floor },
    logFd,
  );
  closeSync(logFd);

  const targets = { api: { url: apiUrl, process: api }, floor: { url: floorUrl, process: floor } };
  const monitor = new Client({ connectionString: db.url });
  await monitor.connect();
  const localDatabase = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(db.url).hostname);
  /** This run's server's PostgreSQL backends, when the database runs on this machine. */
  const backendPids = async (server: Server): Promise<number[]> => {
    if (!localDatabase) return [];
    const { rows } = await monitor.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [APPLICATION_NAMES[server]],
    );
    return rows.map((r) => r.pid);
  };
  const timeLeft = (seconds: number) => {
    if (Date.now() - started > DEADLINE_MS - (seconds + 30) * 1000)
      throw new Error('out of time: the run would pass its 14-minute deadline');
  };

  const runs: Run[] = [];
  const comparisons: Comparison[] = [];
  const hostile: HostileResult[] = [];
  let memoryResult: MemoryResult | null = null;
  let fanOut: FanOutResult | null = null;
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

    const tokens: Record<'host' | 'cohost', string> = { host: '', cohost: '' };
    for (const who of ['host', 'cohost'] as const) {
      const answer = await post(
        apiUrl,
        body(SIGN_IN, { email: accounts[who].email, password: BENCH_PASSWORD }),
      );
      const token = JSON.parse(answer.text).data?.signIn?.token;
      if (typeof token !== 'string') throw new Error(`signIn as ${who} failed: ${answer.text}`);
      tokens[who] = token;
    }
    const asHost = { authorization: `Bearer ${tokens.host}` };
    const asCohost = { authorization: `Bearer ${tokens.cohost}` };

    const deepCursor = data.cursors[Math.floor(data.cursors.length / 2)];
    for (const [who, headers] of [
      ['anonymous', {}],
      ['signed in', asHost],
    ] as const) {
      for (const after of [null, deepCursor]) {
        const [fromApi, fromFloor] = await Promise.all([
          post(apiUrl, body(FEED, { after }), headers),
          post(floorUrl, body(FEED, { after })),
        ]);
        const a = JSON.stringify(JSON.parse(fromApi.text));
        const f = JSON.stringify(JSON.parse(fromFloor.text));
        if (a !== f)
          throw new Error(
            `the API (${who}) and the floor answer the feed (after: ${after}) differently ${firstDifference(a, f)}`,
          );
      }
    }
    identical = true;
    log('the API (anonymous and signed in) and the floor return identical feed pages');

    // The co-host's page must show what an anonymous reader's does not, or it measures nothing.
    const edition = {
      linkUpSlug: accounts.cohost.linkUpSlug,
      number: accounts.cohost.editionWithHidden,
    };
    const entriesOf = async (headers: Record<string, string>) => {
      const answer = JSON.parse(
        (await post(apiUrl, body(ROUNDUP_PAGE_COHOST, edition), headers)).text,
      );
      if (answer.errors) throw new Error(`roundup page: ${JSON.stringify(answer.errors)}`);
      return (answer.data.roundup.entries.edges as { node: Record<string, unknown> }[]).map(
        (e) => e.node,
      );
    };
    const cohostEntries = await entriesOf(asCohost);
    const anonymousEntries = await entriesOf({});
    if (
      !cohostEntries.some((e) => e.status === 'HIDDEN') ||
      cohostEntries.some((e) => typeof e.submitterEmail !== 'string')
    )
      throw new Error(
        `the co-host sees no hidden entries or no submitter emails on ${edition.linkUpSlug} #${edition.number}: ` +
          JSON.stringify(cohostEntries.slice(0, 3)),
      );
    if (anonymousEntries.some((e) => e.status === 'HIDDEN' || e.submitterEmail !== null))
      throw new Error('an anonymous reader sees hidden entries or submitter emails');
    log(
      `the co-host sees hidden entries and emails (${edition.linkUpSlug} #${edition.number}), an anonymous reader does not`,
    );

    const rand = random(7);
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
    const runTag = Date.now().toString(36);
    const editions = SIZES.roundups / SIZES.linkUps;
    let submitted = 0;
    interface Traffic {
      next: () => string;
      headers?: Record<string, string>;
      get?: LoadOptions['get'];
    }
    const firstPage: Traffic = { next: () => body(FEED, { after: null }) };
    const deepPages: Traffic = { next: () => body(FEED, { after: pick(data.cursors) }) };

    const measure = async (
      server: Server,
      operation: string,
      phase: string,
      round: number | null,
      traffic: Traffic,
    ): Promise<Run> => {
      timeLeft(SETTINGS.seconds);
      const target = targets[server];
      const from = logSize();
      const pids = [target.process.pid!];
      const backends = await backendPids(server);
      const before = { server: cpuMs(pids), postgres: cpuMs(backends) };
      const measured = await load(
        target.url,
        {
          connections: SETTINGS.connections,
          seconds: SETTINGS.seconds,
          headers: traffic.headers,
          get: traffic.get,
        },
        traffic.next,
      );
      // Pools close idle connections (the floor's after 10 s): count the backends opened since.
      const backendsAfter = [...new Set([...backends, ...(await backendPids(server))])];
      const run: Run = {
        operation,
        server,
        phase,
        round,
        seconds: SETTINGS.seconds,
        ...measured,
        sqlStatements: server === 'api' ? sqlPerRequest(from) : null,
        cpuMs: {
          server: cpuDelta(before.server, cpuMs(pids)),
          postgres: cpuDelta(before.postgres, cpuMs(backendsAfter)),
        },
      };
      runs.push(run);
      log(
        `  ${round === null ? '' : `round ${round}, `}${server}: ${fmt(run.rps, 0)} req/s, p50 ${fmt(run.p50)} ms, ` +
          `SQL/req ${sqlText(run.sqlStatements)}${run.errors ? `, ${run.errors} errors` : ''}`,
      );
      if (measured.firstError) log(`  first error: ${measured.firstError}`);
      return run;
    };
    const warmUp = async (server: Server, traffic: Traffic) => {
      if (SETTINGS.warmupSeconds <= 0) return;
      timeLeft(SETTINGS.warmupSeconds);
      await load(
        targets[server].url,
        {
          connections: SETTINGS.connections,
          seconds: SETTINGS.warmupSeconds,
          headers: traffic.headers,
          get: traffic.get,
        },
        traffic.next,
      );
    };

    // First, while the API's heap has not grown under load: its free space would hide the
    // subscribers' memory.
    if (selected(PHASES.fanOut)) {
      timeLeft(SETTINGS.fanOutSubmits + 90);
      const {
        rows: [open],
      } = await monitor.query<{ slug: string; number: number }>(
        `SELECT l.slug, r.number FROM roundups r JOIN link_ups l ON l.id = r.link_up_id WHERE r.id = $1`,
        [data.openRoundupId],
      );
      const count = SETTINGS.fanOutSubscribers;
      log(
        `${PHASES.fanOut}: ${count} streams of /embed/${open.slug}/events, one submitEntry a second ` +
          `for ${SETTINGS.fanOutSubmits} s`,
      );
      const subscribers = new SseSubscribers(
        `http://127.0.0.1:${apiPort}/embed/${open.slug}/events`,
      );
      try {
        await sleep(1000);
        const memoryBefore = memory(api.pid!);
        await subscribers.open(count);
        const editionsShown = [...subscribers.editions()];
        if (editionsShown.length !== 1 || editionsShown[0] !== open.number)
          throw new Error(
            `the streams show editions ${editionsShown.join(', ')}, not the open one (${open.number})`,
          );
        await sleep(2000);
        const memoryWith = memory(api.pid!);
        const submits: { number: number; respondedAt: number; ms: number }[] = [];
        const startedAt = performance.now();
        for (let i = 0; i < SETTINGS.fanOutSubmits; i++) {
          await sleep(Math.max(0, startedAt + i * 1000 - performance.now()));
          const sentAt = performance.now();
          const answer = await post(
            apiUrl,
            body(SUBMIT_ENTRY, {
              input: {
                roundupId: toGlobalId('Roundup', data.openRoundupId),
                title: `Fan-out run ${i + 1}`,
                url: `https://fan-out.example/${runTag}/run-${i + 1}`,
                name: `Fan-out reader ${i + 1}`,
                email: `fan-out-${i + 1}@bench.example`,
              },
            }),
          );
          const respondedAt = performance.now();
          const number = JSON.parse(answer.text).data?.submitEntry?.number;
          if (typeof number !== 'number') throw new Error(`submitEntry failed: ${answer.text}`);
          submits.push({ number, respondedAt, ms: respondedAt - sentAt });
        }
        const last = submits[submits.length - 1].number;
        const until = Date.now() + 5000;
        while (Date.now() < until && subscribers.seen(last) < count) await sleep(50);
        const delays: number[] = [];
        let early = 0;
        let missed = 0;
        for (const submit of submits) {
          const d = subscribers.delays(submit.number, submit.respondedAt);
          delays.push(...d.delays);
          early += d.early;
          missed += d.missed;
        }
        delays.sort((x, y) => x - y);
        const at = (p: number) =>
          delays[Math.min(delays.length - 1, Math.ceil(p * delays.length) - 1)];
        const perSubscriber = (key: keyof Memory) =>
          memoryBefore && memoryWith
            ? ((memoryWith[key] - memoryBefore[key]) * 1000) / count
            : null;
        fanOut = {
          subscribers: count,
          edition: { linkUpSlug: open.slug, number: open.number },
          submits: submits.length,
          submitP50: median(submits.map((s) => s.ms)),
          delivery: {
            count: delays.length,
            p50: at(0.5),
            p99: at(0.99),
            max: delays[delays.length - 1],
          },
          early,
          missed,
          memoryBefore,
          memoryWith,
          rssKBPerSubscriber: perSubscriber('rss'),
          anonKBPerSubscriber: perSubscriber('anon'),
          meetsTarget: missed === 0 && at(0.99) < TARGETS.fanOutP99Ms,
        };
        log(
          `  delivery p50 ${fmt(fanOut.delivery.p50)} ms, p99 ${fmt(fanOut.delivery.p99)} ms, ` +
            `${missed} missed; ${fmt(fanOut.rssKBPerSubscriber)} KB RSS per subscriber`,
        );
      } finally {
        subscribers.close();
      }
    }

    const compared: { operation: string; api: Traffic; floorOperation: string; floor: Traffic }[] =
      [
        {
          operation: PHASES.feedFirst,
          api: firstPage,
          floorOperation: PHASES.feedFirst,
          floor: firstPage,
        },
        {
          operation: PHASES.feedDeep,
          api: deepPages,
          floorOperation: PHASES.feedDeep,
          floor: deepPages,
        },
        {
          operation: PHASES.feedSignedIn,
          api: { ...firstPage, headers: asHost },
          floorOperation: PHASES.feedFirst,
          floor: firstPage,
        },
        {
          operation: PHASES.roundupCohost,
          api: {
            headers: asCohost,
            next: () =>
              body(ROUNDUP_PAGE_COHOST, {
                linkUpSlug: accounts.cohost.linkUpSlug,
                number: 1 + Math.floor(rand() * editions),
              }),
          },
          floorOperation: PHASES.feedFirst,
          floor: firstPage,
        },
      ];
    /**
     * `operation` on `server` against `against` on `base`, in alternating rounds (base, server,
     * base, server...): the median ratio of the rounds and its spread.
     */
    const compare = async (c: {
      operation: string;
      traffic: Traffic;
      against: string;
      base: Server;
      baseTraffic: Traffic;
      target: number;
      label: string;
    }) => {
      log(
        `${c.operation}: ${c.label}, ${SETTINGS.rounds} rounds of ` +
          `${SETTINGS.seconds} s each, after ${SETTINGS.warmupSeconds} s warm-up of each`,
      );
      await warmUp(c.base, c.baseTraffic);
      await warmUp('api', c.traffic);
      const rounds: Comparison['rounds'] = [];
      for (let round = 1; round <= SETTINGS.rounds; round++) {
        const baseRun = await measure(c.base, c.against, c.operation, round, c.baseTraffic);
        const apiRun = await measure('api', c.operation, c.operation, round, c.traffic);
        rounds.push({
          round,
          floorRps: baseRun.rps,
          apiRps: apiRun.rps,
          ratio: apiRun.rps / baseRun.rps,
        });
      }
      const ratios = rounds.map((r) => r.ratio);
      comparisons.push({
        operation: c.operation,
        floorOperation: c.against,
        rounds,
        median: median(ratios),
        min: Math.min(...ratios),
        max: Math.max(...ratios),
        target: c.target,
      });
      log(`  ratio: median ${fmt(median(ratios), 2)} (${ratios.map((r) => fmt(r, 2)).join(', ')})`);
    };

    for (const phase of compared.filter((p) => selected(p.operation))) {
      await compare({
        operation: phase.operation,
        traffic: phase.api,
        against: phase.floorOperation,
        base: 'floor',
        baseTraffic: phase.floor,
        target: TARGETS.apiToFloor,
        label: `API vs floor (${phase.floorOperation})`,
      });
    }

    const randomEdition = () => ({
      linkUpSlug: `linkup-${1 + Math.floor(rand() * SIZES.linkUps)}`,
      number: 1 + Math.floor(rand() * editions),
    });
    // The embed page against the same content over GraphQL (the embed's own document: the
    // roundup page a blog would ask for to show the whole list): the current edition of a random
    // link-up, as blogs show it, and a random edition of the archive by number.
    const randomLinkUp = () => `linkup-${1 + Math.floor(rand() * SIZES.linkUps)}`;
    // Every edition's page (some have every entry hidden): not the not-found page.
    const embedHtml = { accepted: (html: string) => html.includes('<article class="roundup">') };
    const embedPhases = [
      {
        operation: PHASES.embedPage,
        against: PHASES.embedGraphql,
        pick: () => ({ slug: randomLinkUp() }),
        graphql: EMBED_CURRENT_QUERY,
        path: ({ slug }: { slug: string }) => `/embed/${slug}`,
      },
      {
        operation: PHASES.embedArchive,
        against: PHASES.embedArchiveGraphql,
        pick: () => {
          const e = randomEdition();
          return { slug: e.linkUpSlug, number: e.number };
        },
        graphql: EMBED_EDITION_QUERY,
        path: ({ slug, number }: { slug: string; number?: number }) => `/embed/${slug}/${number}`,
      },
    ];
    for (const phase of embedPhases.filter((p) => selected(p.operation))) {
      await compare({
        operation: phase.operation,
        traffic: { next: () => phase.path(phase.pick()), get: embedHtml },
        against: phase.against,
        base: 'api',
        baseTraffic: { next: () => body(phase.graphql, phase.pick()) },
        target: TARGETS.embedToRoundupPage,
        label: 'embed page vs the same edition over GraphQL, on the API',
      });
    }

    const apiOnly: { operation: string; traffic: Traffic }[] = [
      {
        operation: PHASES.roundup,
        traffic: {
          next: () => body(ROUNDUP_PAGE, randomEdition()),
        },
      },
      {
        operation: PHASES.node,
        traffic: { next: () => body(NODE, { id: toGlobalId('Post', pick(data.postIds)) }) },
      },
      {
        operation: PHASES.submitEntry,
        traffic: {
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
      },
    ];
    for (const phase of apiOnly.filter((p) => selected(p.operation))) {
      log(
        `${phase.operation}: API (${SETTINGS.warmupSeconds} s warm-up, ${SETTINGS.seconds} s measured)`,
      );
      await warmUp('api', phase.traffic);
      await measure('api', phase.operation, phase.operation, null, phase.traffic);
    }

    if (selected(PHASES.hostile)) {
      timeLeft(SETTINGS.hostileBudgetSeconds);
      log(
        `${PHASES.hostile}: one request at a time, feed / first:0 / first:1 in turn, up to ` +
          `${SETTINGS.hostileSends} times or ${SETTINGS.hostileBudgetSeconds} s`,
      );
      const documents = [
        { name: 'HOSTILE_FIRST_ZERO', operation: 'HostileFirstZero', query: HOSTILE_FIRST_ZERO },
        { name: 'HOSTILE_FIRST_ONE', operation: 'HostileFirstOne', query: HOSTILE_FIRST_ONE },
      ];
      const from = logSize();
      const feedMs: number[] = [];
      const sends = documents.map(() => ({
        ms: [] as number[],
        outcomes: {} as Record<string, number>,
        bytes: 0,
      }));
      const until = Date.now() + SETTINGS.hostileBudgetSeconds * 1000;
      for (let i = 0; i < SETTINGS.hostileSends && (i < 3 || Date.now() < until); i++) {
        feedMs.push((await post(apiUrl, body(FEED, { after: null }))).ms);
        for (const [d, document] of documents.entries()) {
          const answer = await post(apiUrl, body(document.query, {}), {}, 60_000);
          let outcome: string;
          try {
            const json = JSON.parse(answer.text) as {
              data?: unknown;
              errors?: { extensions?: { code?: string } }[];
            };
            const codes = [...new Set((json.errors ?? []).map((e) => e.extensions?.code))];
            outcome = codes.length
              ? `${json.data ? 'answered with errors ' : ''}${codes.join(', ')}`
              : 'answered';
          } catch {
            outcome = `HTTP ${answer.status}, not JSON`;
          }
          sends[d].ms.push(answer.ms);
          sends[d].outcomes[outcome] = (sends[d].outcomes[outcome] ?? 0) + 1;
          sends[d].bytes = answer.text.length;
        }
      }
      const feedP50 = median(feedMs);
      for (const [d, document] of documents.entries()) {
        const s = sends[d];
        const refused = Object.keys(s.outcomes).every((o) => o === 'QUERY_TOO_COMPLEX');
        const answered = Object.keys(s.outcomes).every((o) => o === 'answered');
        const p50 = median(s.ms);
        hostile.push({
          document: document.name,
          bytes: Buffer.byteLength(document.query),
          sends: s.ms.length,
          outcomes: s.outcomes,
          refused,
          firstMs: s.ms[0],
          p50,
          max: Math.max(...s.ms),
          feedP50,
          ratioToFeedP50: p50 / feedP50,
          responseBytes: s.bytes,
          sqlStatements: sqlPerRequest(from, document.operation),
          meetsTarget: refused || (answered && p50 / feedP50 <= TARGETS.hostileToFeedP50),
        });
        log(
          `  ${document.name}: ${JSON.stringify(s.outcomes)}, p50 ${fmt(p50)} ms (feed ${fmt(feedP50)} ms)`,
        );
      }
    }

    if (selected(PHASES.memory)) {
      const nodePid = api.pid!;
      timeLeft(SETTINGS.memoryBudgetSeconds);
      log(
        `${PHASES.memory}: ${SETTINGS.documents} distinct documents at ${SETTINGS.connections} connections, ` +
          `memory read from /proc every ${SETTINGS.memorySampleMs} ms`,
      );
      const readAll = async () => {
        const pids = await backendPids('api');
        return {
          node: memory(nodePid),
          backends: new Map(pids.map((pid) => [pid, memory(pid)] as const)),
        };
      };
      const before = await readAll();
      const sampler = new MemorySampler(
        async () => [nodePid, ...(await backendPids('api').catch(() => []))],
        SETTINGS.memorySampleMs,
      );
      const from = logSize();
      let i = 0;
      sampler.start();
      const streamStarted = Date.now();
      let stream: LoadResult;
      try {
        stream = await load(
          apiUrl,
          { connections: SETTINGS.connections, amount: SETTINGS.documents },
          () => body(distinctFeed(i++), { after: null }),
        );
      } finally {
        await sampler.stop();
      }
      const streamSeconds = (Date.now() - streamStarted) / 1000;
      await sleep(1000);
      const after = await readAll();
      const backendIds = [
        ...new Set([...before.backends.keys(), ...sampler.peaks.keys(), ...after.backends.keys()]),
      ].filter((pid) => pid !== nodePid);
      const backends: ProcessMemory[] = backendIds.map((pid) => ({
        process: 'PostgreSQL backend',
        pid,
        before: before.backends.get(pid) ?? null,
        peak: sampler.peaks.get(pid) ?? null,
        after: after.backends.get(pid) ?? null,
      }));
      const peakOf = (list: ProcessMemory[], key: keyof Memory) => {
        const values = list.flatMap((p) => [p.before, p.peak, p.after]).filter((m) => m !== null);
        return values.length ? Math.max(...values.map((m) => m![key])) : null;
      };
      const node: ProcessMemory = {
        process: 'API (Node)',
        pid: nodePid,
        before: before.node,
        peak: sampler.peaks.get(nodePid) ?? null,
        after: after.node,
      };
      const apiFeed = runs.filter((r) => r.server === 'api' && r.operation === PHASES.feedFirst);
      const nodePeakRssMB = peakOf([node], 'rss');
      const backendPeakAnonMB = peakOf(backends, 'anon');
      memoryResult = {
        documents: SETTINGS.documents,
        stream: {
          ...stream,
          seconds: streamSeconds,
          sqlStatements: sqlPerRequest(from),
        },
        rpsToFeedFirstPage: apiFeed.length ? stream.rps / median(apiFeed.map((r) => r.rps)) : null,
        samples: sampler.samples,
        node,
        backends,
        nodePeakRssMB,
        backendPeakAnonMB,
        backendPeakRssMB: peakOf(backends, 'rss'),
        meetsTargets:
          nodePeakRssMB !== null &&
          nodePeakRssMB < TARGETS.nodeRssMB &&
          (backendPeakAnonMB ?? 0) < TARGETS.backendAnonMB,
      };
      log(
        `  ${fmt(stream.rps, 0)} req/s, API RSS peak ${fmt(nodePeakRssMB, 0)} MB, ` +
          `largest backend RssAnon ${fmt(backendPeakAnonMB)} MB over ${backends.length} backends`,
      );
      if (stream.firstError) log(`  first error: ${stream.firstError}`);
    }
  } finally {
    await Promise.all([stopChild(api), stopChild(floor)]);
    await monitor.end();
    await removeOpenRoundup(db.url);
  }

  // One summary per operation and server: the floor's feed gathers the rounds of every comparison.
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const key = `${run.server}\u0000${run.operation}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const summaries = [...groups.values()].map(summariseRuns);
  const find = (operation: string, server: Server) =>
    summaries.find((s) => s.operation === operation && s.server === server);
  const comparison = (operation: string) =>
    comparisons.find((c) => c.operation === operation)?.median ?? null;
  const apiFirst = find(PHASES.feedFirst, 'api');
  const apiDeep = find(PHASES.feedDeep, 'api');
  const latency = (figure: 'p50' | 'p99') =>
    apiFirst && apiDeep ? apiDeep[figure] / apiFirst[figure] : null;
  const ratios = {
    apiToFloorFeedFirstPage: comparison(PHASES.feedFirst),
    apiToFloorFeedDeepPages: comparison(PHASES.feedDeep),
    apiToFloorFeedSignedIn: comparison(PHASES.feedSignedIn),
    apiToFloorRoundupPageCohost: comparison(PHASES.roundupCohost),
    embedPageToRoundupPage: comparison(PHASES.embedPage),
    embedArchivePageToRoundupPage: comparison(PHASES.embedArchive),
    apiDeepToFirstPageP50: latency('p50'),
    apiDeepToFirstPageP99: latency('p99'),
  };
  const results = {
    date: new Date().toISOString(),
    machine,
    settings: SETTINGS,
    targets: TARGETS,
    seed: {
      database: DB_NAME,
      reused: db.seededSeconds === null,
      seconds: db.seededSeconds,
      sizes: SIZES,
    },
    accounts,
    identicalFeed: identical,
    operations: summaries,
    comparisons,
    ratios,
    hostile,
    memory: memoryResult,
    fanOut,
    runs,
    totalSeconds: (Date.now() - started) / 1000,
  };
  writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  const out: string[] = [];
  out.push(
    table(
      [
        'operation',
        'server',
        'rounds',
        'req/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'errors',
        'SQL/req',
        'CPU ms/req server + pg',
      ],
      summaries.map((s) => [
        s.operation,
        s.server,
        `${s.rounds}`,
        fmt(s.rps, 0),
        fmt(s.p50),
        fmt(s.p95),
        fmt(s.p99),
        `${s.errors}/${s.requests}`,
        s.server === 'floor' ? '1' : sqlText(s.sqlStatements),
        `${fmt(s.cpuMsPerRequest.server, 2)} + ${fmt(s.cpuMsPerRequest.postgres, 2)}`,
      ]),
      2,
    ),
    '(req/s and latencies: medians of the rounds; errors, SQL and CPU: all rounds together)',
  );
  if (comparisons.length) {
    out.push(
      table(
        [
          'throughput ratio',
          'against (the floor unless said)',
          'rounds',
          'median',
          'spread',
          'target',
        ],
        comparisons.map((c) => [
          c.operation,
          c.floorOperation,
          c.rounds.map((r) => fmt(r.ratio, 2)).join(', '),
          fmt(c.median, 2),
          `${fmt(c.min, 2)}-${fmt(c.max, 2)}`,
          `>= ${c.target}`,
        ]),
        3,
      ),
    );
  }
  if (ratios.apiDeepToFirstPageP50 !== null)
    out.push(
      `API deep / first page latency: p50 ${fmt(ratios.apiDeepToFirstPageP50, 2)}, p99 ${fmt(ratios.apiDeepToFirstPageP99, 2)} (target <= ${TARGETS.deepToFirstPageP50})`,
    );
  if (hostile.length) {
    out.push(
      table(
        [
          'hostile document',
          'answer',
          'KB',
          'sends',
          'first ms',
          'p50 ms',
          'max ms',
          'feed p50 ms',
          'p50 / feed',
          'SQL/req',
          'target met',
        ],
        hostile.map((h) => [
          h.document,
          Object.entries(h.outcomes)
            .map(([o, n]) => `${o} x${n}`)
            .join('; '),
          fmt(h.bytes / 1000),
          `${h.sends}`,
          fmt(h.firstMs),
          fmt(h.p50),
          fmt(h.max),
          fmt(h.feedP50),
          fmt(h.ratioToFeedP50, 1),
          sqlText(h.sqlStatements),
          h.meetsTarget ? 'yes' : 'no',
        ]),
        2,
      ),
      `(target: refused with QUERY_TOO_COMPLEX, or answered with p50 <= ${TARGETS.hostileToFeedP50}x the feed's, one request at a time)`,
    );
  }
  if (fanOut) {
    const f = fanOut;
    const mem = (key: keyof Memory) =>
      `${fmt(f.memoryBefore?.[key])} -> ${fmt(f.memoryWith?.[key])} MB`;
    out.push(
      `fan-out: ${f.subscribers} SSE subscribers on one instance (/embed/${f.edition.linkUpSlug}/events), ` +
        `${f.submits} submits one second apart (submit p50 ${fmt(f.submitP50)} ms): delivery from the ` +
        `submit's response to each subscriber's snapshot p50 ${fmt(f.delivery.p50)} ms, p99 ` +
        `${fmt(f.delivery.p99)} ms, max ${fmt(f.delivery.max)} ms over ${f.delivery.count} deliveries ` +
        `(${f.early} before the response, counted 0), ${f.missed} missed; target p99 < ` +
        `${TARGETS.fanOutP99Ms} ms ${f.meetsTarget ? 'met' : 'NOT met'}\n` +
        `API memory before and with the subscribers: RSS ${mem('rss')} (${fmt(f.rssKBPerSubscriber)} KB ` +
        `per subscriber), RssAnon ${mem('anon')} (${fmt(f.anonKBPerSubscriber)} KB per subscriber)`,
    );
  }
  if (memoryResult) {
    const m = memoryResult;
    const mb = (x: Memory | null, key: keyof Memory) => fmt(x?.[key] ?? null);
    out.push(
      `${m.documents} distinct documents in ${fmt(m.stream.seconds)} s: ${fmt(m.stream.rps, 0)} req/s` +
        `${m.rpsToFeedFirstPage === null ? '' : ` (${fmt(m.rpsToFeedFirstPage, 2)} of the API's feed first page)`}, ` +
        `p50 ${fmt(m.stream.p50)} ms, p99 ${fmt(m.stream.p99)} ms, errors ${m.stream.errors}/${m.stream.requests}, ` +
        `SQL/req ${sqlText(m.stream.sqlStatements)}; memory sampled ${m.samples} times`,
      table(
        [
          'process (MB)',
          'pid',
          'RSS before',
          'RSS peak',
          'RSS after',
          'RssAnon before',
          'RssAnon peak',
          'RssAnon after',
          'RssFile peak',
          'RssShmem peak',
        ],
        [m.node, ...m.backends].map((p) => [
          p.process,
          `${p.pid}`,
          mb(p.before, 'rss'),
          mb(p.peak, 'rss'),
          mb(p.after, 'rss'),
          mb(p.before, 'anon'),
          mb(p.peak, 'anon'),
          mb(p.after, 'anon'),
          mb(p.peak, 'file'),
          mb(p.peak, 'shmem'),
        ]),
        1,
      ),
      `API RSS peak ${fmt(m.nodePeakRssMB, 0)} MB (target < ${TARGETS.nodeRssMB}); ` +
        `largest PostgreSQL backend RssAnon ${fmt(m.backendPeakAnonMB)} MB (target < ${TARGETS.backendAnonMB}; ` +
        `its RSS, shared buffers and binary included: ${fmt(m.backendPeakRssMB)} MB); ` +
        `targets ${m.meetsTargets ? 'met' : 'NOT met'}`,
    );
  }
  out.push(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}, load average ${fmt(machine.loadAverage, 2)} before the run`,
    `${SETTINGS.connections} connections, ${SETTINGS.warmupSeconds} s warm-up, ${SETTINGS.seconds} s per run, ${SETTINGS.rounds} rounds per compared phase; total ${fmt(results.totalSeconds, 0)} s; bench/results.json written`,
  );
  console.log(`\n${out.join('\n\n')}\n`);
  if (PROFILE) console.log(`\n${summarise(newestProfile(path.join(ROOT, 'bench', 'profiles')))}`);
  const failed =
    runs.some((r) => r.errors > 0) ||
    (memoryResult !== null && memoryResult.stream.errors > 0) ||
    (fanOut !== null && fanOut.missed > 0);
  if (failed) process.exitCode = 1;
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
