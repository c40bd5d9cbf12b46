import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  getNamedType,
  GraphQLField,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
import { CursorPart, pageRequest } from '../common/pagination';
import type { ListSpec } from '../db/batch';

/**
 * Compiles a read-only operation into one SQL statement whose single value is the response's
 * `data`, built by PostgreSQL with json_build_object: the selection set becomes the SQL's shape,
 * relations become correlated subqueries, connections keyset pages. The fields each type can
 * answer this way are declared next to their loaders (`*.sql.ts`); an operation using anything
 * else (a field with no SQL, a directive, an abstract type) is not compiled and executes as usual.
 */

export type Sql = string;

/** What a statement's parameters are computed from, per request. */
export interface Bind {
  variables: Record<string, unknown>;
  now: Date;
}

/** Thrown while compiling: this operation executes through the resolvers instead. */
export class NotCompilable extends Error {}

/** What a field's SQL is written with. */
export interface FieldScope {
  /** Alias of the parent row (none at the root). */
  row: string;
  /** Whether the operation gives the argument `name` at all. */
  has(name: string): boolean;
  /**
   * A statement parameter computed per request. `get` may throw (a bad argument, a case the SQL
   * does not cover): the request then executes through the resolvers, which answer it properly.
   */
  param(get: (bind: Bind) => unknown, cast: string): Sql;
  /**
   * The argument `name` as a parameter, or written into the SQL when the document gives it as a
   * number or boolean literal (so a plan fits its document: `first: 20` becomes `LIMIT 21`).
   */
  arg(name: string, cast: string): Sql;
  /** A value computed from the arguments `names` (as `arg`: a parameter unless it is a literal). */
  value(names: string[], get: (args: Record<string, unknown>) => unknown, cast: string): Sql;
  /**
   * The fields the document gives in the input-object argument `name` (none when it is absent);
   * not compilable when the whole object is a variable, whose fields are unknown until a request.
   */
  inputFields(name: string): string[];
  /** The selection on the row of `type` that `from(alias)` yields, or null without one. */
  one(type: string, from: (alias: string) => Sql): Sql;
  /** The selection on each row of `type` that `from(alias)` yields, ordered by `order(alias)`. */
  many(type: string, from: (alias: string) => Sql, order: (alias: string) => Sql): Sql;
  /** This field's XConnection over `spec`'s rows (alias `t`) that also match `where`. */
  connection<T extends object>(spec: ListSpec<T>, where: Sql): Sql;
}

export type FieldSql = (f: FieldScope) => Sql;
/** For each GraphQL object type, the fields it can answer in SQL. */
export type TypeSql = Record<string, Record<string, FieldSql>>;

export interface CompiledOperation {
  sql: Sql;
  params: ((bind: Bind) => unknown)[];
}

/** base64url of a text expression, as Buffer's 'base64url' (PostgreSQL wraps base64 at 76). */
const base64url = (sql: Sql): Sql =>
  `translate(encode(convert_to(${sql}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
/** Date.prototype.toISOString() of a timestamptz expression. */
const isoSql = (sql: Sql): Sql =>
  `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** toGlobalId(type, id) of an id expression. */
const globalIdSql = (type: string, id: Sql): Sql => base64url(`'${type}:' || ${id}`);

/** encodeCursor() of a row's sort key. */
function cursorSql(spec: Pick<ListSpec<object>, 'key'>, row: string): Sql {
  const parts = spec.key.map(({ column, part }) =>
    part === 'int'
      ? `${row}.${column}::text`
      : `'"' || ${part === 'date' ? isoSql(`${row}.${column}`) : `${row}.${column}`} || '"'`,
  );
  return base64url(`'[' || ${parts.join(` || ',' || `)} || ']'`);
}

/** A keyset position before every row: where a page without `after` starts. */
const START: Record<CursorPart, Record<'ASC' | 'DESC', string>> = {
  date: { ASC: '-infinity', DESC: 'infinity' },
  id: { ASC: '0', DESC: '9223372036854775807' },
  int: { ASC: '-9223372036854775808', DESC: '9223372036854775807' },
};

/** json_build_object takes at most 100 arguments. */
const MAX_KEYS = 50;

/** `fn`, computed once per key object (a request's Bind, a field's arguments). */
function once<K extends object, T>(fn: (key: K) => T): (key: K) => T {
  const memo = new WeakMap<K, T>();
  return (key) => {
    if (!memo.has(key)) memo.set(key, fn(key));
    return memo.get(key)!;
  };
}

function usesVariables(value: ValueNode): boolean {
  switch (value.kind) {
    case Kind.VARIABLE:
      return true;
    case Kind.LIST:
      return value.values.some(usesVariables);
    case Kind.OBJECT:
      return value.fields.some((f) => usesVariables(f.value));
    default:
      return false;
  }
}

export function compileOperation(
  schema: GraphQLSchema,
  types: TypeSql,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): CompiledOperation {
  if (operation.operation !== 'query') throw new NotCompilable('not a query');
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const params: CompiledOperation['params'] = [];
  let aliases = 0;
  const alias = () => `a${++aliases}`;

  /** Fields under `nodes` for an object of `type`, by response key, as graphql-js collects them. */
  function collect(type: GraphQLObjectType, sets: readonly SelectionSetNode[]) {
    const fields = new Map<string, FieldNode[]>();
    const applies = (condition: string | undefined) => {
      if (!condition || condition === type.name) return true;
      const abstract = schema.getType(condition);
      return !!abstract && isAbstractType(abstract) && schema.isSubType(abstract, type);
    };
    const visit = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.directives?.length) throw new NotCompilable('directive');
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          fields.set(key, [...(fields.get(key) ?? []), selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (applies(selection.typeCondition?.name.value)) visit(selection.selectionSet);
        } else {
          const fragment = fragments.get(selection.name.value)!;
          if (fragment.directives?.length) throw new NotCompilable('directive');
          if (applies(fragment.typeCondition.name.value)) visit(fragment.selectionSet);
        }
      }
    };
    sets.forEach(visit);
    if (fields.size > MAX_KEYS) throw new NotCompilable('too many fields');
    return fields;
  }

  const objectType = (name: string) => {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLObjectType)) throw new NotCompilable(`${name} is not an object`);
    return type;
  };

  const setsOf = (nodes: readonly FieldNode[]) => nodes.flatMap((n) => n.selectionSet ?? []);

  /** json_build_object of the fields selected in `sets` on `type`, each made by `value`. */
  function build(
    type: GraphQLObjectType,
    sets: readonly SelectionSetNode[],
    value: (nodes: FieldNode[]) => Sql,
  ): Sql {
    const pairs = [...collect(type, sets)].flatMap(([key, nodes]) => [`'${key}'`, value(nodes)]);
    return `json_build_object(${pairs.join(', ')})`;
  }

  /** The selection `sets` on the row `row` of `type`, through each field's SQL. */
  const object = (type: GraphQLObjectType, sets: readonly SelectionSetNode[], row: string) =>
    build(type, sets, (nodes) => field(type, nodes, row));

  /** The fields under `nodes`, each made by its entry in `fields` (connections, edges, pages). */
  const fixed = (
    type: GraphQLObjectType,
    nodes: FieldNode[],
    fields: Record<string, (nodes: FieldNode[]) => Sql>,
  ) => build(type, setsOf(nodes), (selected) => fields[selected[0].name.value](selected));

  function field(type: GraphQLObjectType, nodes: FieldNode[], row: string): Sql {
    const name = nodes[0].name.value;
    if (name === '__typename') return `'${type.name}'`;
    const sql = types[type.name]?.[name];
    const definition = type.getFields()[name];
    if (!sql || !definition) throw new NotCompilable(`${type.name}.${name}`);
    const value = sql(scope(definition, nodes, row));
    return getNamedType(definition.type).name === 'DateTime' ? isoSql(value) : value;
  }

  function scope(
    definition: GraphQLField<unknown, unknown>,
    nodes: FieldNode[],
    row: string,
  ): FieldScope {
    const sets = setsOf(nodes);
    const args = once((bind: Bind) => getArgumentValues(definition, nodes[0], bind.variables));
    const param = (get: (bind: Bind) => unknown, cast: string) => {
      params.push(get);
      return `$${params.length}::${cast}`;
    };
    /** A value computed from the arguments `names`. */
    const argValue = (
      names: string[],
      get: (args: Record<string, unknown>) => unknown,
      cast: string,
    ) => {
      const variable = nodes[0].arguments?.some(
        (a) => names.includes(a.name.value) && usesVariables(a.value),
      );
      if (variable) return param((bind) => get(args(bind)), cast);
      let value: unknown;
      try {
        // Only these arguments: the others may come from variables, unknown until a request.
        const given = {
          ...definition,
          args: definition.args.filter((a) => names.includes(a.name)),
        };
        value = get(getArgumentValues(given, nodes[0]));
      } catch {
        throw new NotCompilable('an argument the resolvers refuse');
      }
      // Only numbers and booleans are written into the SQL; text always goes as a parameter.
      return typeof value === 'number' || typeof value === 'boolean'
        ? `(${value})::${cast}`
        : param(() => value, cast);
    };
    return {
      row,
      has: (name) => !!nodes[0].arguments?.some((a) => a.name.value === name),
      param,
      arg: (name, cast) => argValue([name], (a) => a[name], cast),
      value: argValue,
      inputFields(name) {
        const given = nodes[0].arguments?.find((a) => a.name.value === name)?.value;
        if (!given || given.kind === Kind.NULL) return [];
        if (given.kind !== Kind.OBJECT) throw new NotCompilable(`${name} as a variable`);
        return given.fields.map((f) => f.name.value);
      },
      one(type, from) {
        const a = alias();
        return `(SELECT ${object(objectType(type), sets, a)} FROM ${from(a)})`;
      },
      many(type, from, order) {
        const a = alias();
        return `(SELECT COALESCE(json_agg(${object(objectType(type), sets, a)} ORDER BY ${order(a)}), '[]') FROM ${from(a)})`;
      },
      connection(spec, where) {
        const connectionType = getNamedType(definition.type) as GraphQLObjectType;
        const page = once((a: Record<string, unknown>) =>
          pageRequest(
            a,
            spec.key.map((k) => k.part),
          ),
        );
        const limit = argValue(['first'], (a) => page(a).limit, 'int');
        // From the start unless the document gives a cursor (or a variable that may hold one).
        const afterArg = nodes[0].arguments?.find((a) => a.name.value === 'after');
        const fromStart = !afterArg || afterArg.value.kind === Kind.NULL;
        const after = spec.key.map(({ part }, i) => {
          const cast = part === 'date' ? 'timestamptz' : 'bigint';
          return fromStart
            ? `'${START[part][spec.direction]}'::${cast}`
            : argValue(['after'], (a) => page(a).after?.[i] ?? START[part][spec.direction], cast);
        });
        const r = alias();
        const order = (t: string) =>
          spec.key.map((k) => `${t}.${k.column} ${spec.direction}`).join(', ');
        const keys = spec.key.map((k) => `t.${k.column}`).join(', ');
        const rows = `SELECT t.* FROM ${spec.table} t WHERE ${where} AND ${spec.where}
          AND (${keys}) ${spec.direction === 'ASC' ? '>' : '<'} (${after.join(', ')})
          ORDER BY ${order('t')} LIMIT ${limit} + 1`;
        const cursor = cursorSql(spec, r);
        const typeOf = (parent: GraphQLObjectType, name: string) =>
          objectType(getNamedType(parent.getFields()[name].type).name);
        // Each XConnection field, over the rows `r` numbered n__ (of rows__, one past the page).
        const fields: Record<string, (nodes: FieldNode[]) => Sql> = {
          __typename: () => `'${connectionType.name}'`,
          totalCount: () =>
            `(SELECT count(*) FROM ${spec.table} t WHERE ${where} AND ${spec.where})`,
          edges: (nodes) => {
            const edgeType = typeOf(connectionType, 'edges');
            const edge: Record<string, (nodes: FieldNode[]) => Sql> = {
              __typename: () => `'${edgeType.name}'`,
              cursor: () => cursor,
              node: (nodes) => object(typeOf(edgeType, 'node'), setsOf(nodes), r),
            };
            return `COALESCE(json_agg(${fixed(edgeType, nodes, edge)} ORDER BY ${r}.n__)
              FILTER (WHERE ${r}.n__ <= ${limit}), '[]')`;
          },
          pageInfo: (nodes) =>
            fixed(typeOf(connectionType, 'pageInfo'), nodes, {
              __typename: () => `'PageInfo'`,
              hasNextPage: () => `count(*) > ${limit}`,
              hasPreviousPage: () => argValue(['after'], (a) => page(a).after !== null, 'boolean'),
              startCursor: () =>
                `max(CASE WHEN ${r}.n__ = 1 AND ${r}.n__ <= ${limit} THEN ${cursor} END)`,
              endCursor: () =>
                `max(CASE WHEN ${r}.n__ = LEAST(${r}.rows__, ${limit}) THEN ${cursor} END)`,
            }),
        };
        // GROUP BY (): one row, also when no aggregate is selected (only totalCount, say).
        return `(SELECT ${fixed(connectionType, nodes, fields)} FROM (
          SELECT p.*, row_number() OVER (ORDER BY ${order('p')}) AS n__, count(*) OVER () AS rows__
          FROM (${rows}) p) ${r} GROUP BY ())`;
      },
    };
  }

  const root = object(schema.getQueryType()!, [operation.selectionSet], '');
  return { sql: `SELECT ${root}::text AS data`, params };
}

/** Fields that are their row's column of the same name in snake_case. */
export function columns(...names: string[]): Record<string, FieldSql> {
  return Object.fromEntries(
    names.map((name) => {
      const column = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      return [name, (f: FieldScope) => `${f.row}.${column}`];
    }),
  );
}

/** A type's `id`: its global id. */
export const globalId =
  (type: string): FieldSql =>
  (f) =>
    globalIdSql(type, `${f.row}.id`);
