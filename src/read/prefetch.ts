import {
  FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  getNamedType,
  GraphQLObjectType,
  GraphQLResolveInfo,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { ConnectionData } from '../common/pagination';
import type { Context } from './context';

/**
 * Look-ahead loading for the resolvers. Left to itself, graphql-js resolves a feed of 20 posts
 * through hundreds of promises, one per relation field, each waiting on a DataLoader. A root
 * resolver instead calls prefetched(): it walks the selection set level by level and loads every
 * selected field the read model declares for every row of a level through the request's reads
 * (one batch each), after which the field resolvers find their values at hand and complete
 * synchronously.
 */

type Row = object;

/** What a field yields for the next level down: rows of type `to`. */
interface Step {
  to: string;
  load(rows: Row[], args: Record<string, unknown>): Promise<Row[]> | Row[];
}

/** A declared read of the model, or a connection's edges and an edge's node. */
function step(ctx: Context, type: GraphQLObjectType, field: string): Step | undefined {
  const definition = type.getFields()[field];
  if (!definition) return undefined;
  const to = getNamedType(definition.type).name;
  if (type.name.endsWith('Connection') && field === 'edges') {
    return { to, load: (conns) => (conns as ConnectionData<Row>[]).flatMap((c) => c.edges) };
  }
  if (type.name.endsWith('Edge') && field === 'node') {
    return { to, load: (edges) => (edges as { node: Row }[]).map((e) => e.node) };
  }
  const read = ctx.reads.model[type.name]?.fields[field];
  return read && { to, load: (rows, args) => ctx.reads.prefetch(read, rows, args) };
}

/** The fields selected under `nodes`, fragments spread, each with every node that asks for it. */
function subfields(nodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>) {
  const fields: FieldNode[] = [];
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else visit(fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of nodes) visit(node.selectionSet);
  return fields;
}

/**
 * Loads what the selection under the current root field asks of `rows` (of GraphQL type
 * `type`), one level of the tree at a time so each loader gets one batch per level. Fields with
 * nothing further to load below them (an author's name, a count) wait until the end, so all of
 * them share one batch per loader whatever their depth.
 */
async function prefetch(
  ctx: Context,
  info: GraphQLResolveInfo,
  type: string,
  rows: Row[],
): Promise<void> {
  const objectType = (name: string) => info.schema.getType(name) as GraphQLObjectType;
  const leaves: (() => Promise<void>)[] = [];
  let level = [{ type, rows, nodes: info.fieldNodes }];
  while (level.length > 0) {
    const next: typeof level = [];
    const work: Promise<void>[] = [];
    for (const { type, rows, nodes } of level) {
      const parent = objectType(type);
      if (!(parent instanceof GraphQLObjectType)) continue;
      for (const node of subfields(nodes, info.fragments)) {
        const s = step(ctx, parent, node.name.value);
        if (!s) continue;
        const below = objectType(s.to);
        const leaf =
          !(below instanceof GraphQLObjectType) ||
          !subfields([node], info.fragments).some((f) => step(ctx, below, f.name.value));
        const load = async () => {
          const args = getArgumentValues(
            parent.getFields()[node.name.value],
            node,
            info.variableValues,
          );
          const children = await s.load(rows, args);
          if (!leaf && children.length > 0)
            next.push({ type: s.to, rows: children, nodes: [node] });
        };
        if (leaf) leaves.push(load);
        else work.push(load().catch(ignore));
      }
    }
    await Promise.all(work);
    level = next;
  }
  await Promise.all(leaves.map((load) => load().catch(ignore)));
}

/** Whether the root field's own selection asks for `field`. */
const selects = (info: GraphQLResolveInfo, field: string) =>
  subfields(info.fieldNodes, info.fragments).some((f) => f.name.value === field);

/** Bad arguments and failures surface where the field resolves, not here. */
function ignore(): void {}

/** Resolves a root field's value, then prefetches what its selection asks of it. */
export async function prefetched<T>(
  ctx: Context,
  info: GraphQLResolveInfo,
  value: T | Promise<T>,
): Promise<T> {
  const resolved = await value;
  const type = getNamedType(info.returnType).name;
  // A root list's total is one statement of its own, batched with nothing: it runs beside the
  // look-ahead rather than after it.
  if (type.endsWith('Connection') && selects(info, 'totalCount')) {
    (resolved as ConnectionData<Row>).count().catch(ignore);
  }
  if (resolved) {
    await prefetch(ctx, info, type, Array.isArray(resolved) ? resolved : [resolved as Row]);
  }
  return resolved;
}
