import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * PostgreSQL keeps every prepared statement (and its plan) for the life of a connection: past
 * this many distinct texts (a client sending endless new documents), statements run unnamed.
 */
const MAX_NAMED = 200;

export type RunStatement = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Runs statements the application sends over and over (compiled reads) as named prepared
 * statements, so PostgreSQL parses and plans each once per connection. PGlite serves every
 * connection from one backend, where a name one connection prepared clashes with the next: there
 * they run unnamed.
 */
export async function preparedStatements(db: DataSource): Promise<RunStatement> {
  const [{ version }] = await db.query('SELECT version()');
  const named = !String(version).includes('PGlite');
  const pool = (db.driver as PostgresDriver).master as Pool;
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name && names.size < MAX_NAMED) {
      names.set(text, (name = createHash('sha1').update(text).digest('hex')));
    }
    return name;
  };
  return async (text, values) => {
    db.logger.logQuery(text, values);
    const name = named ? nameOf(text) : undefined;
    const { rows } = await pool.query({ name, text, values });
    return rows;
  };
}
