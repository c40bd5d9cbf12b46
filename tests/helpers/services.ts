import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/**
 * The real parts of the scaled shape (docs/scaling.md), started on 127.0.0.1 ports of this
 * machine from the committed configuration in deploy/: PgBouncer, nginx, and a throw-away
 * PostgreSQL primary with a streaming replica. Each stops what it started and removes its
 * temporary directory. PostgreSQL and PgBouncer refuse to run as root: as root they run as the
 * `postgres` user.
 */

const DEPLOY = path.resolve(__dirname, '../../deploy');
/** Debian's newest installed PostgreSQL binaries (initdb, pg_ctl, pg_basebackup). */
const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  return path.join(root, String(Math.max(15, ...versions.map(Number))), 'bin');
})();
const PGBOUNCER = '/usr/sbin/pgbouncer';
const NGINX = '/usr/sbin/nginx';
const asRoot = process.getuid?.() === 0;
const run = promisify(execFile);

/** A port no one listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on `port`, or fails after `ms`. */
export async function untilListening(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() && true));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${ms} ms`);
    await sleep(100);
  }
}

/** A temporary directory the `postgres` user may write to as well. */
async function scratch(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `roundup-${name}-`));
  await chmod(dir, 0o777);
  return dir;
}

function need(binary: string, pkg: string) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install -y ${pkg}`);
}

/** Stops a foreground child with `signal`, and SIGKILL if it lingers. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export interface PgBouncer {
  port: number;
  /** `databaseUrl` (on the PostgreSQL PgBouncer stands before) as reached through PgBouncer. */
  through(databaseUrl: string): string;
  stop(): Promise<void>;
}

/**
 * PgBouncer 1.18 (Debian's) in transaction mode before the PostgreSQL of `databaseUrl`, for
 * every database on it, with deploy/pgbouncer.ini's settings; authentication is `trust` here.
 */
export async function startPgBouncer(databaseUrl: string): Promise<PgBouncer> {
  need(PGBOUNCER, 'pgbouncer');
  const target = new URL(databaseUrl);
  const dir = await scratch('pgbouncer');
  const port = await freePort();
  const deployed = readFileSync(path.join(DEPLOY, 'pgbouncer.ini'), 'utf8');
  const connectQuery = /connect_query='[^']*'/.exec(deployed)![0];
  const settings = deployed
    .slice(deployed.search(/^\[pgbouncer\]$/m))
    .replace(/^(listen_addr|listen_port|auth_type|auth_file) = .*$/gm, '');
  const user = decodeURIComponent(target.username) || 'postgres';
  writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432} ${connectQuery}`,
      settings,
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = trust',
      `auth_file = ${dir}/userlist.txt`,
      `logfile = ${dir}/pgbouncer.log`,
      'unix_socket_dir =',
      '',
    ].join('\n'),
  );
  const child = spawn(
    PGBOUNCER,
    [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')],
    { stdio: 'ignore' },
  );
  try {
    await untilListening(port);
  } catch (error) {
    child.kill('SIGKILL');
    const log = readLog(path.join(dir, 'pgbouncer.log'));
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PgBouncer: ${(error as Error).message}: ${log}`);
  }
  return {
    port,
    through(url) {
      const u = new URL(url);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    async stop() {
      await stopChild(child, 'SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx with deploy/nginx.conf, its upstream servers replaced by 127.0.0.1:`ports` (with the
 * same parameters), listening on a free port, its pid, logs and temporary files in a directory
 * of its own; `serverExtra` adds directives to its server block.
 */
export async function startNginx(ports: number[], serverExtra = ''): Promise<Nginx> {
  need(NGINX, 'nginx-light');
  const dir = await scratch('nginx');
  const port = await freePort();
  let servers = false;
  const conf = readFileSync(path.join(DEPLOY, 'nginx.conf'), 'utf8')
    .replace(/^(\s*)server api-\d+:\d+(.*);$/gm, (_line, indent: string, params: string) => {
      if (servers) return '';
      servers = true;
      return ports.map((p) => `${indent}server 127.0.0.1:${p}${params};`).join('\n');
    })
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};\n$1${serverExtra}`)
    .replace(
      /^http \{$/m,
      [
        'http {',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `  ${kind}_temp_path ${dir}/${kind};`,
        ),
      ].join('\n'),
    );
  if (!servers) throw new Error('deploy/nginx.conf has no "server api-N:PORT" line to replace');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n${conf}`,
  );
  const child = spawn(
    NGINX,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', `${dir}/error.log`],
    {
      stdio: 'ignore',
    },
  );
  try {
    await untilListening(port);
  } catch (error) {
    child.kill('SIGKILL');
    const log = readLog(path.join(dir, 'error.log'));
    await rm(dir, { recursive: true, force: true });
    throw new Error(`nginx: ${(error as Error).message}: ${log}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
function pg(binary: string, args: string[]) {
  const file = path.join(PG_BIN, binary);
  return asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
}

export interface PostgresPair {
  /** Superuser URLs of the `postgres` database on each. */
  primaryUrl: string;
  replicaUrl: string;
  /** `url` (a database on the primary) on the replica. */
  onReplica(url: string): string;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throw-away primary (initdb, trust authentication) and a streaming hot-standby replica made
 * from it with pg_basebackup, each on a free port, data in one temporary directory.
 */
export async function startPostgresPair(): Promise<PostgresPair> {
  need(path.join(PG_BIN, 'initdb'), 'postgresql');
  const dir = await scratch('postgres');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primary = path.join(dir, 'primary');
  const replica = path.join(dir, 'replica');
  // Small and fast: nothing here must survive a crash.
  const options = (port: number) =>
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=60 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = (data: string, port: number) =>
    pg('pg_ctl', ['-D', data, '-o', options(port), '-l', `${data}.log`, '-w', '-t', '60', 'start']);
  const stop = (data: string) =>
    pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  const started: string[] = [];
  try {
    await pg('initdb', ['-D', primary, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await start(primary, primaryPort);
    started.push(primary);
    await pg('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      ...['-D', replica, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
    ]);
    await start(replica, replicaPort);
    started.push(replica);
  } catch (error) {
    for (const data of started) await stop(data);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    primaryUrl: url(primaryPort),
    replicaUrl: url(replicaPort),
    onReplica(databaseUrl) {
      const u = new URL(databaseUrl);
      u.port = String(replicaPort);
      return u.toString();
    },
    stopReplica: async () => void (await stop(replica)),
    startReplica: async () => void (await start(replica, replicaPort)),
    async stop() {
      await stop(replica);
      await stop(primary);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
