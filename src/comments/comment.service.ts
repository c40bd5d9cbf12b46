import { DataSource } from 'typeorm';
import { UnauthenticatedError } from '../common/errors';
import { ConnectionArgs } from '../common/pagination';
import { fetchPage, ListSpec } from '../db/batch';
import { canSeePost } from '../posts/post.service';
import { Context, isAdmin, isSelfOrAdmin } from '../server/context';
import { Comment, CommentStatus } from './comment.entity';

const pendingList: ListSpec<Comment> = {
  type: Comment,
  table: 'comments',
  where: `t.status = '${CommentStatus.PENDING}'`,
  key: [
    { column: 'created_at', part: 'date' },
    { column: 'id', part: 'id' },
  ],
  direction: 'ASC',
  cursorOf: (c) => [c.createdAt.toISOString(), c.id],
};

/** Comments: the public see approved ones; a post's author and admins moderate the rest. */
export class CommentService {
  constructor(private readonly db: DataSource) {}

  /** Approved on a visible post, or the viewer moderates that post. */
  async canSee(ctx: Context, comment: Comment): Promise<boolean> {
    const post = await ctx.loaders.post.load(comment.postId);
    if (!post || !canSeePost(ctx, post)) return false;
    return comment.status === CommentStatus.APPROVED || isSelfOrAdmin(ctx, post.authorId);
  }

  /** Pending comments the viewer may moderate, oldest first: on their own posts, or all for admins. */
  moderationQueue(ctx: Context, args: ConnectionArgs) {
    if (!ctx.viewer) throw new UnauthenticatedError();
    if (isAdmin(ctx)) return fetchPage(this.db, pendingList, args, []);
    return fetchPage(
      this.db,
      { ...pendingList, where: `${pendingList.where} AND t.post_id IN (SELECT id FROM posts WHERE author_id = $1)` },
      args,
      [ctx.viewer.id],
    );
  }
}
