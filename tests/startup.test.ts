import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freshDatabase, TEST_JWT_SECRET } from './helpers/api';
import { launch, Server } from './helpers/launch';

/**
 * Start-up as an operator sees it, with real processes: instances starting together on an empty
 * database, a database URL or port that cannot work, and two processes on one data folder.
 * Several processes at once: on the real PostgreSQL only.
 */
const DATABASE_URL = process.env.DATABASE_URL;
const describeOnPostgres = DATABASE_URL ? describe : describe.skip;
if (!DATABASE_URL) console.warn('startup.test.ts skipped: multi-process, needs DATABASE_URL');

interface Ended {
  code: number | null;
  /** stdout and stderr lines, blank ones dropped. */
  lines: string[];
  stderr: string;
  ms: number;
}

/** Runs `src/index.ts` until it exits (killed after `timeoutMs`). */
function runToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<Ended> {
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/index.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { PATH: process.env.PATH, JWT_SECRET: TEST_JWT_SECRET, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = (stdout + stderr).split('\n').filter((l) => l.trim());
      resolve({ code, lines, stderr, ms: Date.now() - started });
    }),
  );
}

/** The process ended quickly with exit code 1 and exactly one line on stderr, naming `variable`. */
function expectOneLine(ended: Ended, variable: string, withinMs: number) {
  expect(ended.code).toBe(1);
  expect(ended.ms).toBeLessThan(withinMs);
  const errLines = ended.stderr.split('\n').filter((l) => l.trim());
  expect(errLines).toHaveLength(1);
  expect(errLines[0]).toContain(variable);
  expect(ended.lines.join('\n')).not.toMatch(/^\s+at /m);
}

describeOnPostgres('instances starting together on an empty database', () => {
  const servers: Server[] = [];
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await db?.drop();
  });

  it('all become ready, and the demo data and first admin are there once', async () => {
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => launch(db.url, { DEMO_DATA: 'on', LOG_LEVEL: 'info' })),
    );
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ready'))).toEqual([
      'ready',
      'ready',
      'ready',
    ]);
    const loaded = servers.filter((s) => s.logs.some((l) => l.includes('"demo data loaded"')));
    expect(loaded).toHaveLength(1);

    const c = new Client(db.url);
    await c.connect();
    try {
      const { rows } = await c.query(
        `SELECT count(*) FILTER (WHERE slug = 'maya-trails')::int AS maya,
                count(*) FILTER (WHERE role = 'ADMIN' AND slug LIKE 'admin-%')::int AS bootstrapped
           FROM hosts`,
      );
      expect(rows[0]).toEqual({ maya: 1, bootstrapped: 1 });
    } finally {
      await c.end();
    }
    for (const s of servers) {
      const res = await fetch(s.url.replace('/graphql', '/readyz'));
      expect(res.status).toBe(200);
    }
  });
});

describeOnPostgres('a database URL that cannot work ends the start with one line', () => {
  const base = new URL(DATABASE_URL ?? 'postgres://localhost/none');
  const variant = (change: (u: URL) => void) => {
    const u = new URL(base);
    change(u);
    return u.toString();
  };

  it.each([
    ['an unknown user (authentication)', variant((u) => (u.username = 'no_such_role_16'))],
    ['an unknown database', variant((u) => (u.pathname = '/no_such_database_16'))],
    ['an unknown host', variant((u) => (u.hostname = 'no-such-host.invalid'))],
  ])('%s: DATABASE_URL named, exit code 1, within seconds', async (_what, url) => {
    const ended = await runToExit({ DATABASE_URL: url });
    expectOneLine(ended, 'DATABASE_URL', 10_000);
    // The URL can hold a password: the line names the variable, never its value.
    expect(ended.stderr).not.toContain(url);
  });

  it('retries a refused connection instead of giving up at once', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const ended = await runToExit(
      { DATABASE_URL: variant((u) => ((u.hostname = '127.0.0.1'), (u.port = String(closed)))) },
      8_000,
    );
    // Still retrying when killed, with a warning per attempt.
    expect(ended.code).toBeNull();
    expect(ended.lines.join('\n')).toContain('database not reachable, retrying');
  });

  it('names PORT when the port is taken', async () => {
    const taken: NetServer = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    try {
      const { port } = taken.address() as { port: number };
      const ended = await runToExit({ DATABASE_URL: base.toString(), PORT: String(port) });
      expectOneLine(ended, 'PORT', 10_000);
    } finally {
      taken.close();
    }
  });
});

describeOnPostgres('the embedded data folder belongs to one process', () => {
  const servers: Server[] = [];
  let dataDir: string;
  let embedded: Record<string, string>;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'roundup-lock-'));
    embedded = { DATA_DIR: dataDir, DATABASE_URL: '', DEMO_DATA: 'off', LOG_LEVEL: 'info' };
  });
  afterAll(() => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second process with one line naming DATA_DIR, and takes over after kill -9', async () => {
    const first = await launch('', embedded);
    servers.push(first);
    const second = await runToExit(embedded, 40_000);
    expectOneLine(second, 'DATA_DIR', 20_000);
    // The first one never noticed.
    expect((await fetch(first.url.replace('/graphql', '/readyz'))).status).toBe(200);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    // The lock it left goes stale (10 s without renewal): the next start waits and takes it.
    const third = await launch('', embedded);
    servers.push(third);
    expect((await fetch(third.url.replace('/graphql', '/readyz'))).status).toBe(200);
  }, 90_000);
});
