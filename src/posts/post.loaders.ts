import { DataSource } from 'typeorm';
import { byIdLoader, listLoader, ListSpec } from '../db/batch';
import { Post, PostStatus } from './post.entity';

/** Published posts, newest first: the feed's order, served by the partial index posts_feed_idx. */
export const publishedPostList: ListSpec<Post> = {
  type: Post,
  table: 'posts',
  where: `t.status = '${PostStatus.PUBLISHED}'`,
  key: [
    { column: 'published_at', part: 'date' },
    { column: 'id', part: 'id' },
  ],
  direction: 'DESC',
  cursorOf: (p) => [p.publishedAt!.toISOString(), p.id],
};

/** Drafts, newest created first (they have no publishedAt). */
export const draftPostList: ListSpec<Post> = {
  ...publishedPostList,
  where: `t.status = '${PostStatus.DRAFT}'`,
  key: [
    { column: 'created_at', part: 'date' },
    { column: 'id', part: 'id' },
  ],
  cursorOf: (p) => [p.createdAt.toISOString(), p.id],
};

/** Per-request batch loaders for posts. */
export function postLoaders(db: DataSource) {
  return {
    post: byIdLoader(db, Post, 'posts'),
    postsOfRoundup: listLoader(
      db,
      Post,
      `SELECT t.*, t.roundup_id AS parent_key FROM posts t
       WHERE t.roundup_id = ANY($1) AND t.status = '${PostStatus.PUBLISHED}' ORDER BY t.published_at, t.id`,
    ),
  };
}
