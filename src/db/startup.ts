import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { databaseUnavailable } from '../common/errors';
import { StartupError } from '../config';

/** Where start-up reports a retry (the app's logger). */
export interface StartupLog {
  warn(details: object, message: string): void;
}

/** How long start-up waits for a database that refuses or times out: about five minutes. */
const CONNECT_ATTEMPTS = 60;

/**
 * Whether a failed first connection may succeed later: refused, reset or timed out (PostgreSQL
 * not up yet, restarting, out of connections). A wrong password or user (28xxx), an unknown
 * database (3D000) or an unknown host name (ENOTFOUND) will not fix themselves: retrying them
 * for minutes would only hide a typo in the URL.
 */
export function worthRetrying(error: unknown): boolean {
  return databaseUnavailable(error) && (error as { code?: unknown }).code !== 'ENOTFOUND';
}

/** The one line a start that cannot reach its database ends with; never the URL (it holds the password). */
function refused(variable: string, error: unknown): StartupError {
  const message = String((error as Error)?.message ?? error).split('\n')[0];
  return new StartupError(`Cannot start: ${variable} is not usable: ${message}`);
}

/**
 * Runs `attempt` until it succeeds, retrying with backoff while the database is merely not
 * there yet (compose, restarts); anything else ends the start at once with one line naming
 * `variable`.
 */
export async function retryConnect<T>(
  attempt: () => Promise<T>,
  variable: string,
  logger: StartupLog,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!worthRetrying(error) || n >= CONNECT_ATTEMPTS) throw refused(variable, error);
      const wait = Math.min(200 * 2 ** n, 5000);
      logger.warn(
        { attempt: n, waitMs: wait, err: (error as Error).message },
        'database not reachable, retrying',
      );
      await sleep(wait);
    }
  }
}

/** Connects the pool, as `retryConnect` says. */
export function connect(db: DataSource, logger: StartupLog, variable = 'DATABASE_URL') {
  return retryConnect(() => db.initialize().then(() => undefined), variable, logger);
}

/** Any number for the advisory lock under which one instance at a time prepares the database. */
const STARTUP_LOCK = 7_428_610;

/**
 * Runs `prepare` (migrations, demo data, first admin) while holding a session advisory lock on a
 * connection of its own to `url` (DATABASE_DIRECT_URL), so instances starting together take
 * turns and the next one finds the work done. Not on a pooled connection: behind PgBouncer in
 * transaction mode, lock and unlock could land on different server sessions. The lock ends
 * with the connection, so a process killed mid-way leaves no lock behind.
 */
export async function underStartupLock<T>(
  url: string,
  variable: string,
  logger: StartupLog,
  prepare: () => Promise<T>,
): Promise<T> {
  const client = await retryConnect(
    async () => {
      const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      // An idle client's socket error would otherwise be an unhandled 'error' event.
      c.on('error', (error) => logger.warn({ err: error.message }, 'startup lock connection lost'));
      try {
        await c.connect();
      } catch (error) {
        await c.end().catch(() => undefined);
        throw error;
      }
      return c;
    },
    variable,
    logger,
  );
  try {
    await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK]);
    return await prepare();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [STARTUP_LOCK]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
