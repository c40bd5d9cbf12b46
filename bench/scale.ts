import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_JWT_SECRET } from '../tests/helpers/api';
import { freePort, startNginx } from '../tests/helpers/services';
import { load } from './load';
import { body, FEED } from './operations';
import { deployedNodeOptions } from './proc';
import { fmt, median } from './report';
import { prepareBenchDatabase } from './seed';

/**
 * `node -r @swc-node/register bench/scale.ts`: requests per second of the feed's first page
 * through nginx (deploy/nginx.conf) with one API instance behind it and with two, on the bench
 * database, in alternating rounds (docs/scaling.md, "Figures"). BENCH_SECONDS and BENCH_ROUNDS
 * shorten it.
 */

const BASE_URL = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 16;
const log = (line: string) => console.log(`[bench:scale] ${line}`);

async function main() {
  const { url } = await prepareBenchDatabase(BASE_URL, 'roundup_bench', log);
  const env = {
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: deployedNodeOptions(),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  };
  const children: ChildProcess[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    const ports = [await freePort(), await freePort()];
    for (const port of ports) children.push(startApi(url, port, env));
    for (const port of ports) await untilReady(port);
    const one = await startNginx(ports.slice(0, 1));
    stops.push(one.stop);
    const two = await startNginx(ports);
    stops.push(two.stop);
    const feed = () => body(FEED, { after: null });
    const rps: Record<'one' | 'two', number[]> = { one: [], two: [] };
    for (const nginx of [one, two]) {
      await load(`${nginx.url}/graphql`, { connections: CONNECTIONS, seconds: 3 }, feed);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, nginx] of [
        ['one', one],
        ['two', two],
      ] as const) {
        const result = await load(
          `${nginx.url}/graphql`,
          { connections: CONNECTIONS, seconds: SECONDS },
          feed,
        );
        if (result.errors) log(`${name}: ${result.errors} errors, e.g. ${result.firstError}`);
        rps[name].push(result.rps);
        log(
          `round ${round}, ${name} instance(s): ${fmt(result.rps)} rps, p50 ${fmt(result.p50)} ms`,
        );
      }
    }
    log(`median: one ${fmt(median(rps.one))} rps, two ${fmt(median(rps.two))} rps`);
  } finally {
    for (const stop of stops) await stop();
    for (const child of children) child.kill('SIGTERM');
  }
}

/** The API in production mode, as the Dockerfile runs it (its heap budget included). */
function startApi(databaseUrl: string, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', 'src/index.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function untilReady(port: number) {
  for (let i = 0; i < 600; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`the API on port ${port} was not ready in 60 s`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
