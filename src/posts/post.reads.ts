import { fromGlobalId } from '../common/ids';
import { byId, bySlug, ListSpec, ReadSpec, Rule, Scope, Sql } from '../read/model';
import { Post, PostStatus } from './post.entity';

export const isPublished: Rule = (t) => `${t}.status = '${PostStatus.PUBLISHED}'`;

/** Drafts are visible to their author and admins only. */
export const visiblePost: Rule = (t, s) =>
  `(${isPublished(t, s)} OR ${t}.author_id = ${s.viewer()} OR ${s.admin()})`;

/** Published posts, newest first: the feed's order, served by the partial index posts_feed_idx. */
export const publishedPostList: ListSpec = {
  type: 'Post',
  table: 'posts',
  where: isPublished,
  key: [
    { column: 'published_at', part: 'date' },
    { column: 'id', part: 'id' },
  ],
  direction: 'DESC',
};

/** The viewer's drafts (every draft for an admin), newest created first. */
const draftPostList: ListSpec = {
  ...publishedPostList,
  where: (t, s) =>
    `${t}.status = '${PostStatus.DRAFT}' AND (${t}.author_id = ${s.viewer()} OR ${s.admin()})`,
  key: [
    { column: 'created_at', part: 'date' },
    { column: 'id', part: 'id' },
  ],
};

export function normalTag(tag: string): string {
  return tag.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The feed's filters besides `status`: each given (non-empty) one is a condition on the list's
 * rows `t`, with `p` standing for the value as `value()` makes it; they combine with AND.
 */
const FEED_FILTERS: Record<
  string,
  { cast: string; value: (given: string) => string; sql: (p: Sql) => Sql }
> = {
  authorSlug: {
    cast: 'text',
    value: (slug) => slug,
    sql: (p) => `t.author_id = (SELECT h.id FROM hosts h WHERE h.slug = ${p})`,
  },
  tag: { cast: 'text', value: normalTag, sql: (p) => `t.tags @> ARRAY[${p}]::text[]` },
  roundupId: {
    cast: 'bigint',
    value: (id) => fromGlobalId(id, 'Roundup', 'filter.roundupId'),
    sql: (p) => `t.roundup_id = ${p}`,
  },
};

/** posts(filter): published posts, or with `status: DRAFT` the viewer's drafts, filtered. */
function feed(s: Scope): ListSpec {
  const list = s.literal('filter.status') === PostStatus.DRAFT ? draftPostList : publishedPostList;
  const filters = Object.entries(FEED_FILTERS)
    .filter(([name]) => s.given(`filter.${name}`))
    .map(([name, { cast, value, sql }]) =>
      sql(s.arg(`filter.${name}`, cast, (given) => value(given as string))),
    );
  return { ...list, where: (t, s) => [list.where(t, s), ...filters].join(' AND ') };
}

/** How posts are read (read/model.ts). */
export const postReads = {
  Query: {
    fields: {
      post: bySlug('Post', 'posts'),
      posts: { kind: 'connection', list: feed },
    },
  },
  Post: {
    entity: Post,
    table: 'posts',
    visible: visiblePost,
    fields: {
      author: byId('Host', 'hosts', 'author_id'),
    },
  },
  Host: {
    fields: {
      posts: {
        kind: 'connection',
        list: publishedPostList,
        link: { child: (t) => `${t}.author_id`, parent: 'id' },
      },
    },
  },
} satisfies ReadSpec;
