import { createHash } from 'node:crypto';
import { DatabaseError, Pool, PoolClient } from 'pg';
import { DataSource, Logger } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * PostgreSQL keeps a prepared statement (and its plans) until the connection ends or it is
 * deallocated: each connection names at most this many, the least recently used go first.
 */
const MAX_NAMED = 100;
/**
 * Longer texts (a large compiled document) hold megabytes of plan each: they run unnamed. As
 * MAX_COMPILED_SQL, 16 KB before compiled reads wrote compact JSON text (a third longer).
 */
const MAX_NAMED_LENGTH = 22 * 1024;

export type RunStatement = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/** pg's record of the statements it prepared on a connection, which it would not prepare again. */
type Prepared = PoolClient & { connection: { parsedStatements: Record<string, string> } };

const ignore = () => {};

export interface StatementOptions {
  /**
   * Named prepared statements (DATABASE_PREPARED_STATEMENTS): off, every statement goes out
   * unnamed, which PgBouncer in transaction mode carries (docs/scaling.md).
   */
  named?: boolean;
  maxNamed?: number;
}

/**
 * Runs statements the application sends over and over (compiled reads) on the DataSource's
 * pool, as named prepared statements unless `named` is off (statementsOn). PGlite serves every
 * connection from one backend, where a name one connection prepared clashes with the next:
 * there they run unnamed.
 */
export async function preparedStatements(
  db: DataSource,
  { named = true, maxNamed = MAX_NAMED }: StatementOptions = {},
): Promise<RunStatement> {
  const [{ version }] = await db.query('SELECT version()');
  const pool = (db.driver as PostgresDriver).master as Pool;
  const pglite = String(version).includes('PGlite');
  return statementsOn(pool, db.logger, { named: named && !pglite, maxNamed });
}

/**
 * Runs statements on `pool`, named (PostgreSQL parses and plans each once per connection) in a
 * bounded cache per connection: past `maxNamed` the least recently used is deallocated on that
 * connection. `logger` counts them (sql-counter.ts).
 */
export function statementsOn(
  pool: Pool,
  logger: Pick<Logger, 'logQuery'>,
  { named = true, maxNamed = MAX_NAMED }: StatementOptions = {},
): RunStatement {
  /** Per connection: text -> statement name, least recently used first. */
  const cache = new WeakMap<PoolClient, Map<string, string>>();

  /** The statement's name on this connection, deallocating the least recently used for room. */
  async function nameOn(client: Prepared, text: string): Promise<string | undefined> {
    if (!named || text.length > MAX_NAMED_LENGTH) return undefined;
    let names = cache.get(client);
    if (!names) cache.set(client, (names = new Map()));
    let name = names.get(text);
    if (name) {
      names.delete(text);
    } else {
      name = createHash('sha1').update(text).digest('hex');
      for (const [oldText, oldName] of names) {
        if (names.size < maxNamed) break;
        names.delete(oldText);
        // A Parse that PostgreSQL refused prepared nothing; pg prepares again what it forgets.
        if (client.connection.parsedStatements[oldName] === undefined) continue;
        await client.query(`DEALLOCATE "${oldName}"`);
        delete client.connection.parsedStatements[oldName];
      }
    }
    names.set(text, name);
    return name;
  }

  return async (text, values) => {
    logger.logQuery(text, values);
    const client = (await pool.connect()) as Prepared;
    // A lost connection fails the query too; its 'error' event, unheard, would crash the process.
    client.on('error', ignore);
    let retire: Error | undefined;
    try {
      return (await client.query({ name: await nameOn(client, text), text, values })).rows;
    } catch (error) {
      // An error PostgreSQL reported leaves the connection usable; any other (a client timeout
      // with the statement still running, a lost connection) retires it.
      if (!(error instanceof DatabaseError)) retire = error as Error;
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(retire);
    }
  };
}
