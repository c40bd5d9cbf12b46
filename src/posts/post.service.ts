import { DataSource, EntityManager } from 'typeorm';
import {
  BadInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  uniqueViolation,
} from '../common/errors';
import { fromGlobalId, toGlobalId } from '../common/ids';
import { firstFreeSlug, givenSlug, slugify, takenSlugsSql } from '../common/slug';
import { renderMarkdown } from '../common/text';
import { optionalText, requiredText, webUrl } from '../common/validation';
import { hydrate } from '../db/batch';

import { Context, isAdmin, isSelfOrAdmin, ruleScope } from '../read/context';
import { Post, PostStatus } from './post.entity';
import { CreatePostInput, UpdatePostInput } from './post.inputs';
import { normalTag, visiblePost } from './post.reads';

/** Field limits of a post. */
export const POST_LIMITS = {
  title: 200,
  body: 100_000,
  excerpt: 500,
  tags: 10,
  tag: 40,
  canonicalUrl: 2000,
};

/** Tags as stored: trimmed, inner spaces collapsed, lowercase, blanks and duplicates dropped. */
export function cleanTags(tags: string[]): string[] {
  const clean = [...new Set(tags.map(normalTag).filter(Boolean))];
  if (clean.length > POST_LIMITS.tags)
    throw new BadInputError('tags', `A post has at most ${POST_LIMITS.tags} tags`);
  if (clean.some((t) => t.length > POST_LIMITS.tag)) {
    throw new BadInputError('tags', `A tag is at most ${POST_LIMITS.tag} characters`);
  }
  return clean;
}

/**
 * An input's fields as columns. Left out: unchanged; null: cleared, which title, body, slug and
 * commentsOpen cannot be (on create, a null slug or commentsOpen just means "the default").
 */
function postColumns(
  input: CreatePostInput | UpdatePostInput,
  creating: boolean,
): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const field of ['title', 'body', 'slug', 'commentsOpen'] as const) {
    if (input[field] === null && !creating)
      throw new BadInputError(field, `${field} cannot be cleared`);
  }
  if (input.title != null) columns.title = requiredText('title', input.title, POST_LIMITS.title);
  if (input.body != null) {
    if (input.body.length > POST_LIMITS.body) {
      throw new BadInputError(
        'body',
        `body must be at most ${POST_LIMITS.body.toLocaleString('en')} characters`,
      );
    }
    columns.body = input.body;
    columns.body_html = renderMarkdown(input.body);
  }
  if (input.excerpt !== undefined)
    columns.excerpt = optionalText('excerpt', input.excerpt, POST_LIMITS.excerpt);
  if (input.canonicalUrl !== undefined) {
    columns.canonical_url = input.canonicalUrl?.trim()
      ? webUrl('canonicalUrl', input.canonicalUrl, POST_LIMITS.canonicalUrl)
      : null;
  }
  if (input.slug != null) columns.slug = givenSlug(input.slug);
  if (input.tags !== undefined) columns.tags = cleanTags(input.tags ?? []);
  if (input.commentsOpen != null) columns.comments_open = input.commentsOpen;
  if (input.roundupId !== undefined) {
    columns.roundup_id =
      input.roundupId === null ? null : fromGlobalId(input.roundupId, 'Roundup', 'roundupId');
  }
  return columns;
}

/** DESIGN: only a roundup's own co-hosts' posts may carry it. */
async function assertCohost(m: EntityManager, roundupId: string, authorId: string): Promise<void> {
  const [row] = await m.query(
    `SELECT EXISTS (SELECT 1 FROM roundup_cohosts c WHERE c.roundup_id = r.id AND c.host_id = $2) AS cohost
     FROM roundups r WHERE r.id = $1`,
    [roundupId, authorId],
  );
  if (!row) throw new NotFoundError('Roundup');
  if (!row.cohost) throw new ForbiddenError("Only this roundup's co-hosts' posts may carry it");
}

/** Posts: lookups, the feed, and their authors' writes. */
export class PostService {
  constructor(private readonly db: DataSource) {}

  /** A new draft by the viewer; its slug comes from the title unless given (CONFLICT when taken). */
  async create(ctx: Context, input: CreatePostInput): Promise<Post> {
    const viewer = ctx.viewer;
    if (!viewer) throw new UnauthenticatedError();
    const columns = postColumns(input, true);
    const given = columns.slug as string | undefined;
    const now = ctx.clock.now();
    Object.assign(columns, {
      author_id: viewer.id,
      status: PostStatus.DRAFT,
      created_at: now,
      updated_at: now,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const post = await this.db.transaction(async (m) => {
          if (columns.roundup_id) await assertCohost(m, columns.roundup_id as string, viewer.id);
          if (given) {
            if ((await m.query('SELECT 1 FROM posts WHERE slug = $1', [given])).length) {
              throw new ConflictError('This slug is taken', 'slug');
            }
          } else {
            const base = slugify(columns.title as string, 'post');
            const taken: { slug: string }[] = await m.query(takenSlugsSql('posts'), [base]);
            columns.slug = firstFreeSlug(
              base,
              taken.map((r) => r.slug),
            );
          }
          const names = Object.keys(columns);
          const rows = await m.query(
            `INSERT INTO posts (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
            Object.values(columns),
          );
          return hydrate(m, Post, rows)[0];
        });
        return post;
      } catch (error) {
        if (uniqueViolation(error) !== 'posts_slug_key') throw error;
        if (given) throw new ConflictError('This slug is taken', 'slug');
        // A made slug lost a race with a concurrent insert: the next attempt sees it taken.
        if (attempt >= 5) throw error;
      }
    }
  }

  /** Edits a post: its author or an admin. The slug changes only when given. */
  async update(ctx: Context, id: string, input: UpdatePostInput): Promise<Post> {
    const postId = fromGlobalId(id, 'Post', 'id');
    const columns = postColumns(input, false);
    try {
      return await this.write(ctx, postId, async (m, post) => {
        if (columns.roundup_id && columns.roundup_id !== post.roundupId) {
          await assertCohost(m, columns.roundup_id as string, post.authorId);
        }
        if (columns.slug && columns.slug !== post.slug) {
          if ((await m.query('SELECT 1 FROM posts WHERE slug = $1', [columns.slug])).length) {
            throw new ConflictError('This slug is taken', 'slug');
          }
        }
        return { ...columns, updated_at: ctx.clock.now() };
      });
    } catch (error) {
      if (uniqueViolation(error) === 'posts_slug_key')
        throw new ConflictError('This slug is taken', 'slug');
      throw error;
    }
  }

  /** Publishes a draft; publishedAt is set the first time only. Publishing twice changes nothing. */
  publish(ctx: Context, id: string): Promise<Post> {
    return this.write(ctx, fromGlobalId(id, 'Post', 'id'), async (_m, post) => {
      if (post.status === PostStatus.PUBLISHED) return null;
      const now = ctx.clock.now();
      return {
        status: PostStatus.PUBLISHED,
        published_at: post.publishedAt ?? now,
        updated_at: now,
      };
    });
  }

  /** Back to draft: hidden from everyone but its author and admins; publishedAt is kept. */
  unpublish(ctx: Context, id: string): Promise<Post> {
    return this.write(ctx, fromGlobalId(id, 'Post', 'id'), async (_m, post) => {
      if (post.status === PostStatus.DRAFT) return null;
      return { status: PostStatus.DRAFT, updated_at: ctx.clock.now() };
    });
  }

  /** Deletes a post and (by the foreign key's cascade) all its comments; returns its id. */
  async delete(ctx: Context, id: string): Promise<string> {
    const postId = fromGlobalId(id, 'Post', 'id');
    await this.db.transaction(async (m) => {
      await this.editable(m, ctx, postId);
      const [, deleted] = await m.query(
        'DELETE FROM posts WHERE id = $1 AND (author_id = $2 OR $3)',
        [postId, ctx.viewer!.id, isAdmin(ctx)],
      );
      if (!deleted) throw new NotFoundError('Post');
    });
    return toGlobalId('Post', postId);
  }

  /**
   * The post, locked for this transaction, when the viewer may change it: NOT_FOUND when it is
   * missing or a draft they cannot see, FORBIDDEN when they can see it but it is not theirs.
   */
  private async editable(m: EntityManager, ctx: Context, postId: string): Promise<Post> {
    if (!ctx.viewer) throw new UnauthenticatedError();
    const params: unknown[] = [postId];
    const visible = visiblePost('t', ruleScope(ctx, params));
    const rows = await m.query(
      `SELECT t.*, ${visible} AS visible FROM posts t WHERE t.id = $1 FOR UPDATE`,
      params,
    );
    const [post] = hydrate(m, Post, rows);
    if (!post || !rows[0].visible) throw new NotFoundError('Post');
    if (!isSelfOrAdmin(ctx, post.authorId))
      throw new ForbiddenError('Only its author or an admin may change this post');
    return post;
  }

  /**
   * One checked write: locks the post, lets `change` validate and return the columns to set
   * (null: nothing to do), then updates with the ownership rule repeated in the statement itself.
   */
  private async write(
    ctx: Context,
    postId: string,
    change: (m: EntityManager, post: Post) => Promise<Record<string, unknown> | null>,
  ): Promise<Post> {
    const post = await this.db.transaction(async (m) => {
      const current = await this.editable(m, ctx, postId);
      const columns = await change(m, current);
      if (!columns) return current;
      const names = Object.keys(columns);
      const [rows] = await m.query(
        `UPDATE posts SET ${names.map((n, i) => `${n} = $${i + 4}`).join(', ')}
         WHERE id = $1 AND (author_id = $2 OR $3) RETURNING *`,
        [postId, ctx.viewer!.id, isAdmin(ctx), ...Object.values(columns)],
      );
      const [updated] = hydrate(m, Post, rows);
      if (!updated) throw new NotFoundError('Post');
      return updated;
    });
    return post;
  }
}
