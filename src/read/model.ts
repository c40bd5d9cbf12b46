import { ClassType } from 'type-graphql';
import { CursorPart, CursorValue } from '../common/pagination';

/**
 * The read model: every relation, visibility rule, order, cursor and count of the API is
 * declared once, per domain (`<domain>.reads.ts`), as SQL written against a `Scope`. Two
 * executors derive everything from those declarations: the per-request loaders behind the
 * resolvers (read/reads.ts, with read/prefetch.ts's look-ahead) and the compiler that answers
 * a whole query with one statement (read/compile.ts). Neither holds a rule of its own.
 */

export type Sql = string;

/** Who is asking: what the rules take as `viewer()` and `admin()` (a signed-in Host). */
export interface Viewer {
  id: string;
  role: string;
  email: string;
  passwordHash: string;
}

/**
 * What a rule's SQL is written with. The loaders bind these as parameters of their batch; the
 * compiler as parameters of its statement (or literals, where the document gives them).
 */
export interface Scope {
  /** The viewer's host id (bigint; 0 when anonymous). */
  viewer(): Sql;
  /** Whether the viewer is an admin (boolean). */
  admin(): Sql;
  /** The request's clock (timestamptz). */
  now(): Sql;
  /**
   * The field's argument at `path` ("first", "filter.tag") as made by `value` (which may throw
   * BAD_USER_INPUT), cast to `cast`.
   */
  arg(path: string, cast: string, value?: (given: unknown) => unknown): Sql;
  /** Whether the document gives the input field at `path` a value ("filter.tag"). */
  given(path: string): boolean;
  /**
   * The argument at `path` where it shapes the SQL itself (which list a connection pages): the
   * compiler then needs it written in the document, not in a variable.
   */
  literal(path: string): unknown;
}

/** A condition on the rows aliased `t`. */
export type Rule = (t: Sql, s: Scope) => Sql;

/** How a child row hangs off its parent row: child-side expression = parent's column. */
export interface Link {
  child: (t: Sql) => Sql;
  /** The parent row's column (snake_case) holding the key. */
  parent: string;
}

/** One keyset-paginated list: the pieces its pages, counts and cursors are made from. */
export interface ListSpec {
  /** GraphQL type of the rows. */
  type: string;
  table: string;
  where: Rule;
  /** Sort key columns, all sorted in `direction`, matching an index. */
  key: { column: string; part: CursorPart }[];
  direction: 'ASC' | 'DESC';
}

/** A relation to rows of `type`, read `from` FROM items whose rows are aliased `t`. */
interface RowsRead {
  type: string;
  from: (t: Sql) => Sql;
  link?: Link;
  where?: Rule;
  /** The rows' order; it may depend on the viewer and the clock (`s`). */
  order?: (t: Sql, s: Scope) => Sql;
}

/** Only for a signed-in viewer (the resolvers refuse the rest UNAUTHENTICATED). */
interface Guarded {
  signedIn?: boolean;
}

export type FieldRead = Guarded &
  /** At most one row (the first by `order` when several match); also checked by the type's `visible`. */
  (
    | ({ kind: 'one' } & RowsRead)
    /** Every matching row, by `order`. */
    | ({ kind: 'many'; order: (t: Sql, s: Scope) => Sql } & RowsRead)
    /** An XConnection over `list` (first / after), with totalCount. */
    | { kind: 'connection'; list: ListSpec | ((s: Scope) => ListSpec); link?: Link }
    /** A value computed in SQL from the row `t` of the parent type. */
    | { kind: 'value'; sql: Rule }
  );

/** The row of `type` in `table` whose id the parent's column `parent` holds. */
export const byId = (type: string, table: string, parent: string): FieldRead => ({
  kind: 'one',
  type,
  from: (t) => `${table} ${t}`,
  link: { child: (t) => `${t}.id`, parent },
});

/** The row of `type` in `table` whose slug the field's `slug` argument gives. */
export const bySlug = (type: string, table: string): FieldRead => ({
  kind: 'one',
  type,
  from: (t) => `${table} ${t}`,
  where: (t, s) => `${t}.slug = ${s.arg('slug', 'text')}`,
});

/** How one GraphQL object type is read. */
export interface ReadType {
  /** The class rows are made into (plain camelCase objects without one). */
  entity?: ClassType<object>;
  /** Its table, for value fields and node(id). */
  table?: string;
  /** Which rows the viewer may see at all (node(id), and every `one` relation to this type). */
  visible?: Rule;
  /**
   * For a type a client caches that has no id column (not a Node): the columns of its rows that
   * make its `id`, the global id "Type:value:value". Node types' ids are "Type:id".
   */
  key?: string[];
  /** Fields read by rule; any other field without a resolver of its own is its row's column. */
  fields: Record<string, FieldRead>;
}

/** A domain's read declarations, by GraphQL type name. */
export type ReadSpec = Record<string, ReadType>;

/** All domains' declarations merged type by type (several domains add fields to Query). */
export function mergeReads(...specs: ReadSpec[]): ReadSpec {
  const merged: ReadSpec = {};
  for (const spec of specs) {
    for (const [type, read] of Object.entries(spec)) {
      const known = merged[type];
      merged[type] = known
        ? { ...known, ...read, fields: { ...known.fields, ...read.fields } }
        : read;
    }
  }
  return merged;
}

/**
 * The condition on a relation's rows `t`, for both executors: its own `where`, and for a `one`
 * relation the target type's `visible` too.
 */
export function rowsWhere(
  model: ReadSpec,
  read: Extract<FieldRead, { kind: 'one' | 'many' }>,
  t: Sql,
  s: Scope,
): Sql {
  const visible = read.kind === 'one' ? model[read.type]?.visible : undefined;
  return [read.where?.(t, s), visible?.(t, s)].filter(Boolean).join(' AND ') || 'true';
}

/** snake_case column of a camelCase property (the data source's naming strategy). */
export const columnOf = (property: string): string =>
  property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** camelCase property of a snake_case column. */
export const propertyOf = (column: string): string =>
  column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A list's order on its rows `t` (its index's). */
export const listOrder = (list: ListSpec, t: Sql): Sql =>
  list.key.map((k) => `${t}.${k.column} ${list.direction}`).join(', ');

/** Rows `t` of a list that come after the keyset position `values` (one per key part). */
export const pastKeyset = (list: ListSpec, t: Sql, values: Sql[]): Sql =>
  `(${list.key.map((k) => `${t}.${k.column}`).join(', ')}) ${list.direction === 'ASC' ? '>' : '<'} (${values.join(', ')})`;

/** The SQL type of a cursor part's value. */
export const partCast = (part: CursorPart): Sql => (part === 'date' ? 'timestamptz' : 'bigint');

/** A row's sort key, as its cursor holds it. */
export function cursorOf(list: ListSpec, row: Record<string, unknown>): CursorValue[] {
  return list.key.map(({ column, part }) => {
    const value = row[propertyOf(column)];
    return part === 'date'
      ? (value as Date).toISOString()
      : part === 'id'
        ? String(value)
        : Number(value);
  });
}
