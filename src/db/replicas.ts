import { Pool } from 'pg';
import { Logger as QueryLogger } from 'typeorm';
import { databaseUnavailable } from '../common/errors';
import { statementTimeouts } from './data-source';
import { RunStatement, StatementOptions, statementsOn } from './prepared';

/** Connections per replica, as the primary's pool. */
const POOL_SIZE = 10;
/** A replica that failed is left alone this long (one warning), its reads going elsewhere. */
const SKIP_MS = 5000;
/** A standby cancels a read that conflicts with replaying the primary's changes. */
const RECOVERY_CONFLICT = '40001';

export interface Replicas {
  /** Runs an anonymous read on the next replica that answers, else on the primary. */
  run: RunStatement;
  close(): Promise<void>;
}

/**
 * A replica that cannot answer now (refused, cut off, starting up, cancelling for recovery), as
 * opposed to a statement too slow anywhere (57014, the client's own timeout) or a wrong one,
 * which the primary would refuse as well.
 */
function unavailable(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === RECOVERY_CONFLICT) return true;
  if (code === '57014' || String(message).startsWith('Query read timeout')) return false;
  return databaseUnavailable(error);
}

/**
 * Streaming replicas (DATABASE_REPLICA_URLS) for anonymous reads, in turn; a replica that
 * fails is skipped for a few seconds and the read goes to the next one, or to `primary`.
 * Without replicas, every read runs on `primary`.
 */
export function readReplicas(
  urls: readonly string[],
  primary: RunStatement,
  options: StatementOptions & { statementTimeoutMs: number },
  counter: Pick<QueryLogger, 'logQuery'>,
  log: { warn(details: object, message: string): void },
): Replicas {
  if (urls.length === 0) return { run: primary, close: async () => {} };
  const replicas = urls.map((url) => {
    const pool = new Pool({
      connectionString: url,
      max: POOL_SIZE,
      // Shorter than the primary's: a replica out of reach costs one wait, then it is skipped.
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 30000,
      ...statementTimeouts(options.statementTimeoutMs),
    });
    // An idle connection lost (a replica restarting) is replaced on the next read.
    pool.on('error', () => {});
    return {
      pool,
      host: new URL(url).host,
      run: statementsOn(pool, counter, options),
      skipUntil: 0,
    };
  });
  let turn = 0;
  return {
    async run(text, values) {
      for (let tried = 0; tried < replicas.length; tried++) {
        const replica = replicas[turn++ % replicas.length];
        if (replica.skipUntil > Date.now()) continue;
        try {
          return await replica.run(text, values);
        } catch (error) {
          if (!unavailable(error)) throw error;
          replica.skipUntil = Date.now() + SKIP_MS;
          log.warn(
            { replica: replica.host, err: (error as Error).message, skipMs: SKIP_MS },
            'read replica unavailable',
          );
        }
      }
      return primary(text, values);
    },
    async close() {
      await Promise.all(replicas.map((replica) => replica.pool.end()));
    },
  };
}
