import {
  FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  GraphQLObjectType,
  GraphQLResolveInfo,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { Comment } from '../comments/comment.entity';
import { ConnectionData } from '../common/pagination';
import { Entry } from '../linkups/entry.entity';
import { Roundup, RoundupCohost } from '../linkups/roundup.entity';
import { Post } from '../posts/post.entity';
import type { Context } from './context';

/**
 * Look-ahead loading. Left to itself, graphql-js resolves a feed of 20 posts through hundreds of
 * promises, one per relation field, each waiting on a DataLoader. A root resolver instead calls
 * prefetch(): it walks the selection set level by level and loads every selected relation of
 * every row of a level through the same loaders (one batch each, so the SQL is unchanged), after
 * which the field resolvers find their values in the loaders (Loader.get) and complete
 * synchronously. Anything not covered here simply loads as before.
 */

type Row = object;
interface Relation {
  /** The GraphQL type of what `load` returns, when its own fields may be prefetched too. */
  to?: string;
  load(ctx: Context, rows: Row[], args: Record<string, unknown>): Promise<Row[]> | Row[];
}

const flat = <T>(lists: T[][]): T[] => lists.flat();
const present = <T>(values: (T | null)[]): T[] => values.filter((v): v is T => v !== null);
const ids = (rows: Row[]) => rows.map((r) => (r as { id: string }).id);
const connectionArgs = (args: Record<string, unknown>) => ({
  first: args.first as number | null,
  after: args.after as string | null,
});

const RELATIONS: Record<string, Record<string, Relation>> = {
  Post: {
    author: {
      to: 'Host',
      load: (ctx, posts) =>
        ctx.loaders.host.prefetch((posts as Post[]).map((p) => p.authorId)).then(present),
    },
    roundup: {
      to: 'Roundup',
      load: (ctx, posts) =>
        ctx.loaders.roundup
          .prefetch(present((posts as Post[]).map((p) => p.roundupId)))
          .then(present),
    },
    commentCount: {
      load: (ctx, posts) => ctx.loaders.commentCount.prefetch(ids(posts)).then(() => []),
    },
    comments: {
      to: 'CommentConnection',
      load: (ctx, posts, args) =>
        ctx.loaders.commentsOfPost(connectionArgs(args)).prefetch(ids(posts)),
    },
  },
  Comment: {
    author: {
      to: 'CommentAuthor',
      load: (ctx, comments) =>
        ctx.loaders.host
          .prefetch(present((comments as Comment[]).map((c) => c.authorHostId)))
          .then(() => comments),
    },
    replies: {
      to: 'Comment',
      load: (ctx, comments) => ctx.loaders.replies.prefetch(ids(comments)).then(flat),
    },
  },
  CommentAuthor: {
    host: {
      to: 'Host',
      load: (ctx, comments) =>
        ctx.loaders.host
          .prefetch(present((comments as Comment[]).map((c) => c.authorHostId)))
          .then(present),
    },
  },
  Host: {
    linkUps: {
      to: 'LinkUp',
      load: (ctx, hosts) => ctx.loaders.linkUpsOfHost.prefetch(ids(hosts)).then(flat),
    },
  },
  LinkUp: {
    cohosts: {
      to: 'Host',
      load: (ctx, linkUps) => ctx.loaders.linkUpCohosts.prefetch(ids(linkUps)).then(flat),
    },
    currentRoundup: {
      to: 'Roundup',
      load: (ctx, linkUps) => ctx.loaders.currentRoundup.prefetch(ids(linkUps)).then(present),
    },
  },
  Roundup: {
    linkUp: {
      to: 'LinkUp',
      load: (ctx, roundups) =>
        ctx.loaders.linkUp.prefetch((roundups as Roundup[]).map((r) => r.linkUpId)).then(present),
    },
    cohosts: {
      to: 'Cohost',
      load: (ctx, roundups) => ctx.loaders.roundupCohosts.prefetch(ids(roundups)).then(flat),
    },
    posts: {
      to: 'Post',
      load: (ctx, roundups) => ctx.loaders.postsOfRoundup.prefetch(ids(roundups)).then(flat),
    },
    featured: {
      to: 'Entry',
      load: (ctx, roundups) => ctx.loaders.featuredEntries.prefetch(ids(roundups)).then(flat),
    },
    entryCount: {
      load: (ctx, roundups) => ctx.loaders.visibleEntryCount.prefetch(ids(roundups)).then(() => []),
    },
    entries: {
      to: 'EntryConnection',
      // Hidden entries depend on who asks: left to the resolver.
      load: (ctx, roundups, args) =>
        args.includeHidden
          ? []
          : ctx.loaders.entriesOfRoundup(false)(connectionArgs(args)).prefetch(ids(roundups)),
    },
  },
  Cohost: {
    host: {
      to: 'Host',
      load: (ctx, cohosts) =>
        ctx.loaders.host.prefetch((cohosts as RoundupCohost[]).map((c) => c.hostId)).then(present),
    },
  },
  Entry: {
    featuredBy: {
      to: 'Host',
      load: (ctx, entries) => ctx.loaders.featuredBy.prefetch(ids(entries as Entry[])).then(flat),
    },
  },
};

/** Connections are generic: XConnection.edges are XEdges, whose node is an X. */
function relation(type: string, field: string): Relation | undefined {
  if (type.endsWith('Connection') && field === 'edges') {
    return {
      to: `${type.slice(0, -'Connection'.length)}Edge`,
      load: (_, conns) => (conns as ConnectionData<Row>[]).flatMap((c) => c.edges),
    };
  }
  if (type.endsWith('Edge') && field === 'node') {
    return {
      to: type.slice(0, -'Edge'.length),
      load: (_, edges) => (edges as { node: Row }[]).map((e) => e.node),
    };
  }
  return RELATIONS[type]?.[field];
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
 * `type`), one level of the tree at a time so each loader gets one batch per level. Relations
 * with nothing further to load below them (an author's name, a count) wait until the end, so
 * all of them share one batch per loader whatever their depth.
 */
export async function prefetch(
  ctx: Context,
  info: GraphQLResolveInfo,
  type: string,
  rows: Row[],
): Promise<void> {
  const leaves: (() => Promise<void>)[] = [];
  let level = [{ type, rows, nodes: info.fieldNodes }];
  while (level.length > 0) {
    const next: typeof level = [];
    const work: Promise<void>[] = [];
    for (const { type, rows, nodes } of level) {
      const schemaType = info.schema.getType(type) as GraphQLObjectType;
      for (const node of subfields(nodes, info.fragments)) {
        const rel = relation(type, node.name.value);
        const definition = schemaType.getFields()[node.name.value];
        if (!rel || !definition) continue;
        const below = rel.to;
        const leaf =
          !below || !subfields([node], info.fragments).some((f) => relation(below, f.name.value));
        const load = async () => {
          const args = getArgumentValues(definition, node, info.variableValues);
          const children = await rel.load(ctx, rows, args);
          if (below && !leaf && children.length > 0)
            next.push({ type: below, rows: children, nodes: [node] });
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

/** Bad arguments and failures surface where the field resolves, not here. */
function ignore(): void {}

/** Resolves a root field's value, then prefetches what its selection asks of it. */
export async function prefetched<T extends Row | Row[] | null>(
  ctx: Context,
  info: GraphQLResolveInfo,
  type: string,
  value: T | Promise<T>,
): Promise<T> {
  const resolved = await value;
  if (resolved) await prefetch(ctx, info, type, Array.isArray(resolved) ? resolved : [resolved]);
  return resolved;
}
