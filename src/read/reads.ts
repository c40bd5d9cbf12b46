import { DataSource } from 'typeorm';
import { UnauthenticatedError } from '../common/errors';
import { CacheType, parseGlobalId, toGlobalId } from '../common/ids';
import { ConnectionArgs, ConnectionData, pageRequest, toConnection } from '../common/pagination';
import { hydrate, Loader } from '../db/batch';
import { bindScope } from './scope';
import {
  cursorOf,
  FieldRead,
  listOrder,
  partCast,
  pastKeyset,
  propertyOf,
  ReadSpec,
  rowsWhere,
  Scope,
  Viewer,
} from './model';

type Row = Record<string, unknown>;
type Args = Record<string, unknown>;

/**
 * The pieces of a page of a connection read: its list, the rows' condition (bound first, so
 * `countParams` serve its count), LIMIT one past the page, and the keyset after the cursor.
 */
function pageOf(
  read: Extract<FieldRead, { kind: 'connection' }>,
  args: Args,
  params: unknown[],
  s: Scope,
) {
  const list = typeof read.list === 'function' ? read.list(s) : read.list;
  const page = pageRequest(
    args as ConnectionArgs,
    list.key.map((k) => k.part),
  );
  const where = list.where('t', s);
  const countParams = [...params];
  const bind = (value: unknown, cast: string) => `$${params.push(value)}::${cast}`;
  const limit = `$${params.push(page.limit + 1)}`;
  const order = listOrder(list, 't');
  const values = page.after?.map((value, i) => bind(value, partCast(list.key[i].part)));
  const after = values ? ` AND ${pastKeyset(list, 't', values)}` : '';
  return { list, page, where, countParams, limit, after, order };
}

/** What `make` gives for `read` with `args`, made once per request (aliases share it). */
function byArgs<T>(
  made: Map<FieldRead, Map<string, T>>,
  read: FieldRead,
  args: Args,
  make: () => T,
) {
  let forRead = made.get(read);
  if (!forRead) made.set(read, (forRead = new Map()));
  const key = JSON.stringify(args);
  if (!forRead.has(key)) forRead.set(key, make());
  return forRead.get(key)!;
}

/** Groups rows by their `key__`, in the order of `keys`. */
function groupBy(keys: readonly string[], rows: Row[]): Row[][] {
  const groups = new Map<string, Row[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(String(row.key__))?.push(row);
  return keys.map((k) => groups.get(k)!);
}

/**
 * One request's reads: the model's fields loaded through DataLoaders derived from their
 * declarations, one statement per (field, arguments) batch. Reads whose SQL comes out the same
 * (every `one` link to hosts by id, say) share one loader, so they share its batch too.
 */
export class Reads {
  private readonly bySql = new Map<string, Loader<string, unknown>>();
  private readonly byRead = new Map<FieldRead, Map<string, Loader<string, unknown>>>();
  private readonly roots = new Map<FieldRead, Map<string, unknown>>();
  private readonly parents: Map<FieldRead, string>;

  constructor(
    readonly model: ReadSpec,
    private readonly db: DataSource,
    private readonly viewer: Viewer | null,
    private readonly now: Date,
  ) {
    this.parents = parentTypes(model);
  }

  /** Rows of GraphQL `type` as the resolvers see them: entities, or camelCase objects. */
  rows(type: string, rows: Row[]): object[] {
    const entity = this.model[type]?.entity;
    if (entity) return hydrate(this.db, entity, rows);
    return rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [propertyOf(k), v])),
    );
  }

  private scope(params: unknown[], args: Args): Scope {
    return bindScope(params, this.viewer, this.now, args);
  }

  /** `read` of the parent row `row` (null at the root) with the field's `args`. */
  get(read: FieldRead, row: object | null, args: Args = {}): unknown {
    if (read.signedIn && !this.viewer) throw new UnauthenticatedError();
    if (!row) return byArgs(this.roots, read, args, () => this.root(read, args));
    const key = this.keyOf(read, row);
    if (key === null)
      return read.kind === 'many' ? [] : read.kind === 'connection' ? empty() : null;
    return this.loader(read, args).get(key);
  }

  /** A connection read, for the resolvers' asConnection. */
  page(read: FieldRead, row: object | null, args: Args) {
    return this.get(read, row, args) as ConnectionData<object> | Promise<ConnectionData<object>>;
  }

  /** Loads `read` for all of `rows` in one batch; what it yields, for the next level down. */
  async prefetch(read: FieldRead, rows: object[], args: Args): Promise<object[]> {
    const keys = rows.map((row) => this.keyOf(read, row)).filter((k): k is string => k !== null);
    const values = await this.loader(read, args).prefetch(keys);
    return values.flat().filter((v): v is object => v !== null && typeof v === 'object');
  }

  /** The `id` of a row of a keyed type (read/model.ts), as the compiler makes it in SQL. */
  keyId(type: CacheType, row: object): string {
    const key = this.model[type].key!.map((column) => (row as Row)[propertyOf(column)]);
    return toGlobalId(type, key.join(':'));
  }

  /** node(id): any object by its global id, when the viewer may see it. */
  async node(id: string): Promise<object | null> {
    const parsed = parseGlobalId(id);
    const type = parsed && this.model[parsed.type];
    if (!parsed || !type?.table) return null;
    const params: unknown[] = [parsed.id];
    const visible = type.visible?.('t', this.scope(params, {})) ?? 'true';
    const rows = await this.db.query(
      `SELECT t.* FROM ${type.table} t WHERE t.id = $1 AND ${visible}`,
      params,
    );
    return this.rows(parsed.type, rows)[0] ?? null;
  }

  private keyOf(read: FieldRead, row: object): string | null {
    const column = read.kind === 'value' ? 'id' : (read.link?.parent ?? 'id');
    const key = (row as Row)[propertyOf(column)];
    return key === null || key === undefined ? null : String(key);
  }

  private loader(read: FieldRead, args: Args): Loader<string, unknown> {
    return byArgs(this.byRead, read, args, () => {
      const params: unknown[] = [null];
      const { sql, load } = this.batch(read, args, params);
      const sqlKey = `${sql}\n${JSON.stringify(params.slice(1))}`;
      let loader = this.bySql.get(sqlKey);
      if (!loader) {
        loader = new Loader<string, unknown>(async (keys) => {
          const rows: Row[] = await this.db.query(sql, [keys, ...params.slice(1)]);
          return load(keys, rows);
        });
        this.bySql.set(sqlKey, loader);
      }
      return loader;
    });
  }

  /** The batch statement of a linked read (parent keys in $1) and how its rows become values. */
  private batch(read: FieldRead, args: Args, params: unknown[]) {
    const s = this.scope(params, args);
    if (read.kind === 'value') {
      const table = this.model[this.parents.get(read)!].table;
      return {
        sql: `SELECT t.id AS key__, (${read.sql('t', s)}) AS value FROM ${table} t WHERE t.id = ANY($1)`,
        load: (keys: readonly string[], rows: Row[]) => {
          const values = new Map(rows.map((r) => [String(r.key__), r.value]));
          return keys.map((k) => values.get(k) ?? null);
        },
      };
    }
    if (read.kind === 'connection') return this.pages(read, args, params, s);
    const key = read.link!.child('t');
    const where = rowsWhere(this.model, read, 't', s);
    const first = read.kind === 'one' && read.order;
    const order = [key, read.order?.('t', s)].filter(Boolean).join(', ');
    return {
      sql: `SELECT ${first ? `DISTINCT ON (${key}) ` : ''}t.*, ${key} AS key__
        FROM ${read.from('t')} WHERE ${key} = ANY($1) AND ${where} ORDER BY ${order}`,
      load: (keys: readonly string[], rows: Row[]) =>
        groupBy(keys, rows).map((group) => {
          const made = this.rows(read.type, group);
          return read.kind === 'one' ? (made[0] ?? null) : made;
        }),
    };
  }

  /** A page of children for many parents at once: LATERAL ... LIMIT per parent. */
  private pages(
    read: Extract<FieldRead, { kind: 'connection' }>,
    args: Args,
    params: unknown[],
    s: Scope,
  ) {
    const { list, page, where, countParams, limit, after, order } = pageOf(read, args, params, s);
    const key = read.link!.child('t');
    const count = new Loader<string, number>(async (keys) => {
      const rows: Row[] = await this.db.query(
        `SELECT ${key} AS key__, count(*)::int AS count FROM ${list.table} t
         WHERE ${key} = ANY($1) AND ${where} GROUP BY ${key}`,
        [keys, ...countParams.slice(1)],
      );
      const counts = new Map(rows.map((r) => [String(r.key__), Number(r.count)]));
      return keys.map((k) => counts.get(k) ?? 0);
    });
    return {
      sql: `SELECT t.* FROM unnest($1::bigint[]) AS p(key__) CROSS JOIN LATERAL (
        SELECT t.*, p.key__ FROM ${list.table} t WHERE ${key} = p.key__ AND ${where}${after}
        ORDER BY ${order} LIMIT ${limit}) t`,
      load: (keys: readonly string[], rows: Row[]) =>
        groupBy(keys, rows).map((group, i) =>
          toConnection(
            this.rows(list.type, group),
            page,
            (r) => cursorOf(list, r as Row),
            () => count.load(keys[i]),
          ),
        ),
    };
  }

  /** A root field: one statement (two for a connection's totalCount, when asked for). */
  private async root(read: FieldRead, args: Args): Promise<unknown> {
    const params: unknown[] = [];
    const s = this.scope(params, args);
    if (read.kind === 'value') throw new Error('a value read needs a row');
    if (read.kind === 'connection') {
      const { list, page, where, countParams, limit, after, order } = pageOf(read, args, params, s);
      const rows = await this.db.query(
        `SELECT t.* FROM ${list.table} t WHERE ${where}${after} ORDER BY ${order} LIMIT ${limit}`,
        params,
      );
      return toConnection(
        this.rows(list.type, rows),
        page,
        (r) => cursorOf(list, r as Row),
        async () => {
          const [{ count }] = await this.db.query(
            `SELECT count(*)::int AS count FROM ${list.table} t WHERE ${where}`,
            countParams,
          );
          return count;
        },
      );
    }
    const order = read.order ? ` ORDER BY ${read.order('t', s)}` : '';
    const limit = read.kind === 'one' ? ' LIMIT 1' : '';
    const rows = await this.db.query(
      `SELECT t.* FROM ${read.from('t')} WHERE ${rowsWhere(this.model, read, 't', s)}${order}${limit}`,
      params,
    );
    const made = this.rows(read.type, rows);
    return read.kind === 'one' ? (made[0] ?? null) : made;
  }
}

const empty = (): ConnectionData<never> => ({
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  count: async () => 0,
});

const parentsOf = new WeakMap<ReadSpec, Map<FieldRead, string>>();

/** Each read's parent GraphQL type (a value read is computed on its parent's table). */
function parentTypes(model: ReadSpec): Map<FieldRead, string> {
  let parents = parentsOf.get(model);
  if (!parents) {
    parents = new Map();
    for (const [type, { fields }] of Object.entries(model)) {
      for (const read of Object.values(fields)) parents.set(read, type);
    }
    parentsOf.set(model, parents);
  }
  return parents;
}
