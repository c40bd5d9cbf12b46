import { DataSource } from 'typeorm';
import { ConnectionArgs } from '../common/pagination';
import { fetchPage, hydrate } from '../db/batch';
import { fromGlobalId } from '../common/ids';
import { Context, isAdmin, isSelfOrAdmin } from '../server/context';
import { Post, PostStatus } from './post.entity';
import { PostFilter } from './post.inputs';
import { draftPostList, publishedPostList } from './post.loaders';

/** Drafts are visible to their author and admins only. */
export function canSeePost(ctx: Context, post: Post): boolean {
  return post.status === PostStatus.PUBLISHED || isSelfOrAdmin(ctx, post.authorId);
}

/** Posts: lookups and the feed. */
export class PostService {
  constructor(private readonly db: DataSource) {}

  async bySlug(ctx: Context, slug: string): Promise<Post | null> {
    const [post] = hydrate(this.db, Post, await this.db.query('SELECT * FROM posts WHERE slug = $1', [slug]));
    return post && canSeePost(ctx, post) ? post : null;
  }

  /**
   * The feed: published posts newest first, or with `status: DRAFT` the viewer's drafts (all
   * drafts for an admin, none for anonymous). Filters combine with AND.
   */
  feed(ctx: Context, args: ConnectionArgs, filter: PostFilter = {}) {
    const drafts = filter.status === PostStatus.DRAFT;
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (drafts && !isAdmin(ctx)) add('t.author_id = ?', ctx.viewer?.id ?? '0');
    if (filter.authorSlug) add('t.author_id = (SELECT id FROM hosts WHERE slug = ?)', filter.authorSlug);
    if (filter.tag) add('t.tags @> ARRAY[?]::text[]', filter.tag);
    if (filter.roundupId) add('t.roundup_id = ?', fromGlobalId(filter.roundupId, 'Roundup', 'filter.roundupId'));
    const list = drafts ? draftPostList : publishedPostList;
    return fetchPage(this.db, { ...list, where: [list.where, ...conditions].join(' AND ') }, args, params);
  }
}
