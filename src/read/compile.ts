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
  isCompositeType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { parseGlobalId } from '../common/ids';
import { CursorPart, pageRequest } from '../common/pagination';
import { at, isGiven } from './scope';
import {
  columnOf,
  FieldRead,
  Link,
  listOrder,
  ListSpec,
  partCast,
  pastKeyset,
  ReadSpec,
  rowsWhere,
  Scope,
  Sql,
  Viewer,
} from './model';

/**
 * The second executor of the read model (read/model.ts): a read-only operation compiled into one
 * SQL statement whose single value is the response's `data`, built by PostgreSQL as compact
 * JSON text. The selection set becomes the SQL's shape, the model's relations become
 * correlated subqueries, its connections keyset pages. An operation using anything the model
 * cannot answer (a field with a resolver and no read, a directive) is not compiled and executes
 * through the resolvers, which derive their loaders from the same model.
 */

/** What a statement's parameters are computed from, per request. */
export interface Bind {
  variables: Record<string, unknown>;
  now: Date;
  /** What the rules take of the viewer. */
  viewer: Pick<Viewer, 'id' | 'role'> | null;
}

/** Thrown while compiling, or while binding a request: the resolvers answer it instead. */
export class NotCompilable extends Error {}

export interface CompiledOperation {
  sql: Sql;
  params: ((bind: Bind) => unknown)[];
  /** Run before binding: a request the statement does not fit throws NotCompilable. */
  checks: ((bind: Bind) => void)[];
}

/** base64url of a text expression, as Buffer's 'base64url' (PostgreSQL wraps base64 at 76). */
const base64url = (sql: Sql): Sql =>
  `translate(encode(convert_to(${sql}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
/** Date.prototype.toISOString() of a timestamptz expression. */
const isoSql = (sql: Sql): Sql =>
  `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** toGlobalId(type, ...) of the row's `key` columns joined by ':' (Reads.keyId in Node). */
const globalIdSql = (type: string, key: string[], row: Sql): Sql =>
  base64url(`'${type}:' || ${key.map((column) => `${row}.${column}`).join(` || ':' || `)}`);

/** encodeCursor() of a row's sort key. */
function cursorSql(spec: Pick<ListSpec, 'key'>, row: string): Sql {
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

/** concat takes at most 100 arguments: two per key. */
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
  model: ReadSpec,
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
  const checks: CompiledOperation['checks'] = [];
  let aliases = 0;
  const alias = () => `a${++aliases}`;
  const param = (get: (bind: Bind) => unknown, cast: string) => {
    params.push(get);
    return `$${params.length}::${cast}`;
  };
  /** The request's viewer and clock: one parameter each, however often the rules use them. */
  const shared = new Map<string, Sql>();
  const sharedParam = (name: string, get: (bind: Bind) => unknown, cast: string) => {
    if (!shared.has(name)) shared.set(name, param(get, cast));
    return shared.get(name)!;
  };

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

  /**
   * The JSON object of the fields selected in `sets` on `type`, each made by `value`, as compact
   * text: json_build_object and json_agg pad their output (`{"a" : 1, "b" : 2}`, 12-15 % of a
   * response), row_to_json needs a subquery per object (planning twice as long) and jsonb
   * reorders keys. Scalars go through to_json, which escapes them as json_build_object would;
   * objects and lists are already JSON text.
   */
  function build(
    type: GraphQLObjectType,
    sets: readonly SelectionSetNode[],
    value: (nodes: FieldNode[]) => Sql,
  ): Sql {
    const parts = [...collect(type, sets)].flatMap(([key, nodes], i) => {
      const definition = type.getFields()[nodes[0].name.value];
      const scalar = !definition || !isCompositeType(getNamedType(definition.type));
      const json = scalar ? `to_json(${value(nodes)})` : value(nodes);
      return [`'${i ? ',' : '{'}"${key}":'`, `COALESCE(${json}, 'null')`];
    });
    // No field of this type selected (a node(id) whose fragments name other types): {}.
    return parts.length ? `(concat(${parts.join(', ')}) || '}')` : `'{}'::text`;
  }

  /** The selection `sets` on the row `row` of `type`, field by field. */
  const object = (type: GraphQLObjectType, sets: readonly SelectionSetNode[], row: string) =>
    build(type, sets, (nodes) => field(type, nodes, row));

  /** The fields under `nodes`, each made by its entry in `fields` (connections, edges, pages). */
  const fixed = (
    type: GraphQLObjectType,
    nodes: FieldNode[],
    fields: Record<string, (nodes: FieldNode[]) => Sql>,
  ) => build(type, setsOf(nodes), (selected) => fields[selected[0].name.value](selected));

  const isNode = (type: GraphQLObjectType) => type.getInterfaces().some((i) => i.name === 'Node');

  function field(type: GraphQLObjectType, nodes: FieldNode[], row: string): Sql {
    const name = nodes[0].name.value;
    if (name === '__typename') return `'${type.name}'::text`;
    const definition = type.getFields()[name];
    const read = model[type.name]?.fields[name];
    const key = model[type.name]?.key ?? (isNode(type) ? ['id'] : null);
    let value: Sql;
    if (read) value = compileRead(read, definition, nodes, row);
    else if (name === 'id' && key) value = globalIdSql(type.name, key, row);
    else if (name === 'node' && type === schema.getQueryType()) value = node(definition, nodes);
    // A field the resolvers read straight off the row is its column; any other needs a read.
    else if (definition && !definition.resolve) value = `${row}.${columnOf(name)}`;
    else throw new NotCompilable(`${type.name}.${name}`);
    return getNamedType(definition.type).name === 'DateTime' ? isoSql(value) : value;
  }

  function compileRead(
    read: FieldRead,
    definition: GraphQLField<unknown, unknown>,
    nodes: FieldNode[],
    row: string,
  ): Sql {
    const f = fieldScope(definition, nodes);
    if (read.signedIn) {
      checks.push((bind) => {
        if (!bind.viewer) throw new NotCompilable('signed in only');
      });
    }
    const linked = (link: Link | undefined, t: Sql) =>
      link ? `${link.child(t)} = ${row}.${link.parent}` : 'true';
    /** The rows' conditions, leaving out those that hold anyway (the statement stays small). */
    const rows = (read: Extract<FieldRead, { kind: 'one' | 'many' }>, a: Sql) =>
      [linked(read.link, a), rowsWhere(model, read, a, f.scope)]
        .filter((condition) => condition !== 'true')
        .join(' AND ') || 'true';
    switch (read.kind) {
      case 'value':
        return read.sql(row, f.scope);
      case 'one':
        return f.one(read.type, (a) => {
          const order = read.order ? ` ORDER BY ${read.order(a, f.scope)} LIMIT 1` : '';
          return `${read.from(a)} WHERE ${rows(read, a)}${order}`;
        });
      case 'many':
        return f.many(
          read.type,
          (a) => `${read.from(a)} WHERE ${rows(read, a)}`,
          (a) => read.order(a, f.scope),
        );
      case 'connection': {
        const list = typeof read.list === 'function' ? read.list(f.scope) : read.list;
        return f.connection(list, `${linked(read.link, 't')} AND ${list.where('t', f.scope)}`);
      }
    }
  }

  /** node(id): the object of whichever type the id names, when the viewer may see it. */
  function node(definition: GraphQLField<unknown, unknown>, nodes: FieldNode[]): Sql {
    const f = fieldScope(definition, nodes);
    const parsed = (bind: Bind) => {
      const given = parseGlobalId(String(f.args(bind).id));
      // An id that is not ours is BAD_USER_INPUT, which the resolvers say.
      if (!given) throw new NotCompilable('not a global id');
      return given;
    };
    const typeName = f.param((b) => parsed(b).type, 'text');
    const id = f.param((b) => parsed(b).id, 'bigint');
    const cases = Object.entries(model)
      .filter(([name, read]) => read.table && isNode(objectType(name)))
      .map(([name, read]) => {
        const object = f.one(name, (a) => {
          const visible = read.visible?.(a, f.scope) ?? 'true';
          return `${read.table} ${a} WHERE ${a}.id = ${id} AND ${visible}`;
        });
        return `WHEN '${name}' THEN ${object}`;
      });
    return `CASE ${typeName} ${cases.join(' ')} END`;
  }

  /** What a field's reads are compiled with: its arguments, its selection, the request. */
  function fieldScope(definition: GraphQLField<unknown, unknown>, nodes: FieldNode[]) {
    const sets = setsOf(nodes);
    const args = once((bind: Bind) => getArgumentValues(definition, nodes[0], bind.variables));
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
        value = get(literalArgs(names));
      } catch {
        throw new NotCompilable('an argument the resolvers refuse');
      }
      // Only numbers and booleans are written into the SQL; text always goes as a parameter.
      return typeof value === 'number' || typeof value === 'boolean'
        ? `(${value})::${cast}`
        : param(() => value, cast);
    };
    /** The arguments `names` as the document writes them (none of them from a variable). */
    const literalArgs = (names: string[]) =>
      getArgumentValues(
        { ...definition, args: definition.args.filter((a) => names.includes(a.name)) },
        nodes[0],
      );
    const top = (path: string) => path.split('.')[0];
    /** The fields the document gives in the input-object argument `name`. */
    const inputFields = (name: string) => {
      const given = nodes[0].arguments?.find((a) => a.name.value === name)?.value;
      if (!given || given.kind === Kind.NULL) return [];
      if (given.kind !== Kind.OBJECT) throw new NotCompilable(`${name} as a variable`);
      return given.fields.filter((f) => f.value.kind !== Kind.NULL).map((f) => f.name.value);
    };
    const scope: Scope = {
      viewer: () => sharedParam('viewer', (b) => b.viewer?.id ?? '0', 'bigint'),
      admin: () => sharedParam('admin', (b) => b.viewer?.role === 'ADMIN', 'boolean'),
      now: () => sharedParam('now', (b) => b.now, 'timestamptz'),
      arg: (path, cast, value = (v) => v) => argValue([top(path)], (a) => value(at(a, path)), cast),
      given(path) {
        const [name, inner] = path.split('.');
        const given = inner
          ? inputFields(name).includes(inner)
          : !!nodes[0].arguments?.some((a) => a.name.value === name && a.value.kind !== Kind.NULL);
        // Given in the document, it must be given a value in the request too, as the loaders see it.
        if (given) {
          checks.push((bind) => {
            if (!isGiven(at(args(bind), path))) throw new NotCompilable(`an empty ${path}`);
          });
        }
        return given;
      },
      literal(path) {
        const [name, ...inner] = path.split('.');
        let value: ValueNode | undefined = nodes[0].arguments?.find(
          (a) => a.name.value === name,
        )?.value;
        for (const key of inner) {
          if (value?.kind === Kind.VARIABLE) break;
          value =
            value?.kind === Kind.OBJECT
              ? value.fields.find((f) => f.name.value === key)?.value
              : undefined;
        }
        if (!value) return at(literalArgs([name]), path);
        if (usesVariables(value)) throw new NotCompilable(`${path} as a variable`);
        return valueFromASTUntyped(value);
      },
    };
    return {
      scope,
      args,
      param,
      one(type: string, from: (alias: string) => Sql) {
        const a = alias();
        return `(SELECT ${object(objectType(type), sets, a)} FROM ${from(a)})`;
      },
      many(type: string, from: (alias: string) => Sql, order: (alias: string) => Sql) {
        const a = alias();
        return `(SELECT '[' || COALESCE(string_agg(${object(objectType(type), sets, a)}, ',' ORDER BY ${order(a)}), '') || ']' FROM ${from(a)})`;
      },
      /** This field's XConnection over `list`'s rows (alias `t`) that match `where`. */
      connection(list: ListSpec, where: Sql) {
        const connectionType = getNamedType(definition.type) as GraphQLObjectType;
        const page = once((a: Record<string, unknown>) =>
          pageRequest(
            a,
            list.key.map((k) => k.part),
          ),
        );
        const limit = argValue(['first'], (a) => page(a).limit, 'int');
        // From the start unless the document gives a cursor (or a variable that may hold one).
        const afterArg = nodes[0].arguments?.find((a) => a.name.value === 'after');
        const fromStart = !afterArg || afterArg.value.kind === Kind.NULL;
        const after = list.key.map(({ part }, i) => {
          const cast = partCast(part);
          return fromStart
            ? `'${START[part][list.direction]}'::${cast}`
            : argValue(['after'], (a) => page(a).after?.[i] ?? START[part][list.direction], cast);
        });
        const r = alias();
        const rows = `SELECT t.* FROM ${list.table} t WHERE ${where}
          AND ${pastKeyset(list, 't', after)}
          ORDER BY ${listOrder(list, 't')} LIMIT ${limit} + 1`;
        const cursor = cursorSql(list, r);
        const typeOf = (parent: GraphQLObjectType, name: string) =>
          objectType(getNamedType(parent.getFields()[name].type).name);
        // Each XConnection field, over the rows `r` numbered n__ (of rows__, one past the page).
        const fields: Record<string, (nodes: FieldNode[]) => Sql> = {
          __typename: () => `'${connectionType.name}'::text`,
          totalCount: () => `(SELECT count(*) FROM ${list.table} t WHERE ${where})`,
          edges: (nodes) => {
            const edgeType = typeOf(connectionType, 'edges');
            const edge: Record<string, (nodes: FieldNode[]) => Sql> = {
              __typename: () => `'${edgeType.name}'::text`,
              cursor: () => cursor,
              node: (nodes) => object(typeOf(edgeType, 'node'), setsOf(nodes), r),
            };
            return `'[' || COALESCE(string_agg(${fixed(edgeType, nodes, edge)}, ',' ORDER BY ${r}.n__)
              FILTER (WHERE ${r}.n__ <= ${limit}), '') || ']'`;
          },
          pageInfo: (nodes) =>
            fixed(typeOf(connectionType, 'pageInfo'), nodes, {
              __typename: () => `'PageInfo'::text`,
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
          SELECT p.*, row_number() OVER (ORDER BY ${listOrder(list, 'p')}) AS n__, count(*) OVER () AS rows__
          FROM (${rows}) p) ${r} GROUP BY ())`;
      },
    };
  }

  const root = object(schema.getQueryType()!, [operation.selectionSet], '');
  return { sql: `SELECT ${root} AS data`, params, checks };
}
