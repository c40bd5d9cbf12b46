import DataLoader from 'dataloader';
import { ClassType } from 'type-graphql';
import { DataSource, EntityManager } from 'typeorm';
import {
  ConnectionData,
  ConnectionArgs,
  CursorPart,
  CursorValue,
  pageRequest,
  PageRequest,
  toConnection,
} from '../common/pagination';

type Row = Record<string, unknown>;

/**
 * A DataLoader that also hands out values it already holds without a promise: a field resolver
 * returning `get(key)` lets graphql-js complete that field synchronously once a prefetch (see
 * server/prefetch.ts) has loaded it, and falls back to an ordinary batched load otherwise.
 */
export class Loader<K, V> extends DataLoader<K, V> {
  private readonly settled = new Map<K, V>();

  get(key: K): V | Promise<V> {
    if (this.settled.has(key)) return this.settled.get(key)!;
    return this.load(key).then((value) => {
      this.settled.set(key, value);
      return value;
    });
  }

  /** Loads `keys` (one batch) and keeps them at hand for get(). */
  prefetch(keys: readonly K[]): Promise<V[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  override prime(key: K, value: V | Promise<V> | Error): this {
    if (!(value instanceof Error) && !(value instanceof Promise) && !this.settled.has(key)) {
      this.settled.set(key, value);
    }
    return super.prime(key, value);
  }

  override clear(key: K): this {
    this.settled.delete(key);
    return super.clear(key);
  }
}

const columnMaps = new WeakMap<object, [string, string][]>();

/** Turns raw snake_case rows into entity instances (reads go through plain SQL for speed). */
export function hydrate<T extends object>(
  db: DataSource | EntityManager,
  type: ClassType<T>,
  rows: Row[],
): T[] {
  let columns = columnMaps.get(type);
  if (!columns) {
    const meta = (db instanceof DataSource ? db : db.connection).getMetadata(type);
    columns = meta.columns.map((c) => [c.propertyName, c.databaseName]);
    columnMaps.set(type, columns);
  }
  return rows.map((row) => {
    const entity = new type() as Record<string, unknown>;
    for (const [property, column] of columns) entity[property] = row[column];
    return entity as T;
  });
}

/** One ordered, keyset-paginated list: the SQL pieces a page query is built from. */
export interface ListSpec<T extends object> {
  type: ClassType<T>;
  table: string;
  /** Static SQL condition (may reference parameters appended by the caller). */
  where: string;
  /** Sort key columns, all sorted in `direction`, matching an index. */
  key: { column: string; part: CursorPart }[];
  direction: 'ASC' | 'DESC';
  cursorOf: (row: T) => CursorValue[];
}

function keysetSql<T extends object>(spec: ListSpec<T>, page: PageRequest, firstParam: number) {
  const columns = spec.key.map((k) => `t.${k.column}`).join(', ');
  const order = spec.key.map((k) => `t.${k.column} ${spec.direction}`).join(', ');
  if (!page.after) return { after: '', order, params: [] as CursorValue[] };
  const placeholders = spec.key.map(
    (k, i) => `$${firstParam + i}::${k.part === 'date' ? 'timestamptz' : 'bigint'}`,
  );
  const op = spec.direction === 'ASC' ? '>' : '<';
  return {
    after: ` AND (${columns}) ${op} (${placeholders.join(', ')})`,
    order,
    params: page.after,
  };
}

/**
 * A top-level page: rows of `spec` matching `where` (with `params`), one statement for the rows
 * and one more for totalCount only when the client asks for it.
 */
export async function fetchPage<T extends object>(
  db: DataSource | EntityManager,
  spec: ListSpec<T>,
  args: ConnectionArgs,
  params: unknown[],
): Promise<ConnectionData<T>> {
  const page = pageRequest(
    args,
    spec.key.map((k) => k.part),
  );
  const keyset = keysetSql(spec, page, params.length + 2);
  const rows = await db.query(
    `SELECT t.* FROM ${spec.table} t WHERE ${spec.where}${keyset.after} ORDER BY ${keyset.order} LIMIT $${params.length + 1}`,
    [...params, page.limit + 1, ...keyset.params],
  );
  return toConnection(hydrate(db, spec.type, rows), page, spec.cursorOf, async () => {
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM ${spec.table} t WHERE ${spec.where}`,
      params,
    );
    return count;
  });
}

/** Rows of `type` by id, one `= ANY($1)` statement per batch, in key order (null when missing). */
export function byIdLoader<T extends { id: string }>(
  db: DataSource,
  type: ClassType<T>,
  table: string,
) {
  return new Loader<string, T | null>(async (ids) => {
    const rows = hydrate(
      db,
      type,
      await db.query(`SELECT * FROM ${table} WHERE id = ANY($1)`, [ids]),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Groups the rows of one statement by a parent column, in key order. */
function groupBy<T>(keys: readonly string[], rows: T[], parentOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(parentOf(row))?.push(row);
  return keys.map((k) => groups.get(k)!);
}

/** All children of each parent, ordered, in one statement; `parent_key` in each row names its parent. */
export function listLoader<T extends object>(db: DataSource, type: ClassType<T>, sql: string) {
  return new Loader<string, T[]>(async (parents) => {
    const rows: Row[] = await db.query(sql, [parents]);
    return groupBy(parents, rows, (r) => String(r.parent_key)).map((group) =>
      hydrate(db, type, group),
    );
  });
}

/** One loader per distinct (first, after) among a request's nested connections. */
export function perPage<L>(make: (args: ConnectionArgs) => L): (args: ConnectionArgs) => L {
  const made = new Map<string, L>();
  return (args) => {
    const key = JSON.stringify([args.first, args.after ?? null]);
    let loader = made.get(key);
    if (!loader) made.set(key, (loader = make(args)));
    return loader;
  };
}

/** `SELECT parent, count(*) ... GROUP BY parent` for each key, 0 when none. */
export function countLoader(db: DataSource, sql: string) {
  return new Loader<string, number>(async (parents) => {
    const rows: { parent: string; count: number }[] = await db.query(sql, [parents]);
    const counts = new Map(rows.map((r) => [String(r.parent), Number(r.count)]));
    return parents.map((p) => counts.get(p) ?? 0);
  });
}

/**
 * A page of children for many parents at once: `LATERAL ... LIMIT` per parent, so each parent's
 * page is an index range scan whatever the table's size. One loader per (first, after).
 */
export function childPageLoader<T extends object>(
  db: DataSource,
  spec: ListSpec<T> & { parentColumn: string },
  args: ConnectionArgs,
  count: DataLoader<string, number>,
) {
  const page = pageRequest(
    args,
    spec.key.map((k) => k.part),
  );
  const keyset = keysetSql(spec, page, 3);
  const sql = `SELECT t.* FROM unnest($1::bigint[]) AS p(id) CROSS JOIN LATERAL (
      SELECT t.* FROM ${spec.table} t WHERE t.${spec.parentColumn} = p.id AND ${spec.where}${keyset.after}
      ORDER BY ${keyset.order} LIMIT $2) t`;
  return new Loader<string, ConnectionData<T>>(async (parents) => {
    const rows: Row[] = await db.query(sql, [parents, page.limit + 1, ...keyset.params]);
    const groups = groupBy(parents, rows, (r) => String(r[spec.parentColumn]));
    return parents.map((parent, i) =>
      toConnection(hydrate(db, spec.type, groups[i]), page, spec.cursorOf, () =>
        count.load(parent),
      ),
    );
  });
}
