import { DataSource } from 'typeorm';
import {
  byIdLoader,
  childPageLoader,
  countLoader,
  listLoader,
  ListSpec,
  perPage,
} from '../db/batch';
import { Comment, CommentStatus } from './comment.entity';

const APPROVED = `t.status = '${CommentStatus.APPROVED}'`;

/** Approved top-level comments of a post, oldest first (index comments_post_status_idx). */
export const topLevelCommentList: ListSpec<Comment> & { parentColumn: string } = {
  type: Comment,
  table: 'comments',
  parentColumn: 'post_id',
  where: `${APPROVED} AND t.parent_id IS NULL`,
  key: [
    { column: 'created_at', part: 'date' },
    { column: 'id', part: 'id' },
  ],
  direction: 'ASC',
  cursorOf: (c) => [c.createdAt.toISOString(), c.id],
};

/** Per-request batch loaders for comments: the public ones are approved only. */
export function commentLoaders(db: DataSource) {
  const topLevelCount = countLoader(
    db,
    `SELECT t.post_id AS parent, count(*) FROM comments t
     WHERE t.post_id = ANY($1) AND ${APPROVED} AND t.parent_id IS NULL GROUP BY t.post_id`,
  );
  return {
    comment: byIdLoader(db, Comment, 'comments'),
    /** Approved comments of a post, replies included. */
    commentCount: countLoader(
      db,
      `SELECT t.post_id AS parent, count(*) FROM comments t WHERE t.post_id = ANY($1) AND ${APPROVED} GROUP BY t.post_id`,
    ),
    commentsOfPost: perPage((args) =>
      childPageLoader(db, topLevelCommentList, args, topLevelCount),
    ),
    replies: listLoader(
      db,
      Comment,
      `SELECT t.*, t.parent_id AS parent_key FROM comments t
       WHERE t.parent_id = ANY($1) AND ${APPROVED} ORDER BY t.created_at, t.id`,
    ),
  };
}
