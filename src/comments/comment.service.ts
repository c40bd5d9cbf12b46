import { DataSource, EntityManager } from 'typeorm';
import {
  BadInputError,
  CommentsClosedError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  uniqueViolation,
} from '../common/errors';
import { fromGlobalId } from '../common/ids';
import { RateLimits } from '../common/rate-limit';
import { findLinks, renderPlainText } from '../common/text';
import {
  email as validEmail,
  optionalHttpUrl,
  optionalText,
  requiredText,
} from '../common/validation';
import { hydrate } from '../db/batch';
import { Post, PostStatus, visiblePost } from '../posts';
import { Context, isAdmin, isSelfOrAdmin, ruleScope } from '../read/context';
import { Comment, CommentStatus, MAX_COMMENT_DEPTH } from './comment.entity';
import { AddCommentInput } from './comment.inputs';
import { COMMENT_LIMITS, CommentRules, contentScreen } from './comment.rules';

/** Who writes a comment: the signed-in host, or a guest as described in the input. */
type Commenter =
  | { hostId: string; email: string; name: null; blogName: null; url: null }
  | { hostId: null; email: string; name: string; blogName: string | null; url: string | null };

/**
 * The unique indexes that hold one body per person per post, whatever became of the first
 * (src/db/migrations/1764633600000-CommentDuplicates.ts).
 */
const DUPLICATE_INDEXES = ['comments_host_duplicate_idx', 'comments_guest_duplicate_idx'];

/** What the checks found about the post and the parent a comment goes to. */
interface Target {
  post: Post;
  /** The viewer moderates this post (its author or an admin). */
  moderator: boolean;
  parent: { id: string; depth: number; status: CommentStatus } | null;
  /** This name and email have an approved comment already. */
  knownGuest: boolean;
}

function commenter(ctx: Context, input: AddCommentInput): Commenter {
  const { guest } = input;
  const asGuest = guest && {
    hostId: null,
    name: requiredText('guest.name', guest.name, COMMENT_LIMITS.name),
    email: validEmail('guest.email', guest.email, COMMENT_LIMITS.email),
    blogName: optionalText('guest.blogName', guest.blogName, COMMENT_LIMITS.blogName),
    url: optionalHttpUrl('guest.url', guest.url, COMMENT_LIMITS.url),
  };
  if (ctx.viewer) {
    if (asGuest)
      throw new BadInputError('guest', 'Signed in, you comment as yourself: leave guest out');
    return {
      hostId: ctx.viewer.id,
      email: ctx.viewer.email,
      name: null,
      blogName: null,
      url: null,
    };
  }
  if (!asGuest)
    throw new BadInputError(
      'guest',
      'A name and an email are needed to comment without signing in',
    );
  return asGuest;
}

/** Comments: the public see approved ones; a post's author and admins moderate the rest. */
export class CommentService {
  private readonly screen: ReturnType<typeof contentScreen>;

  constructor(
    private readonly db: DataSource,
    private readonly rateLimits: RateLimits,
    rules: CommentRules,
  ) {
    this.screen = contentScreen(rules);
  }

  /**
   * A comment by a guest or the signed-in host, with WordPress's rules (see DESIGN.md). The
   * order matters: input, then the post and thread (NOT_FOUND, COMMENTS_CLOSED, depth), then
   * duplicates (CONFLICT), then the flood limit (RATE_LIMITED), then the status. The post's
   * author and admins skip the screening and the flood limit. The submitter gets the comment
   * back with its status, so a client can say "awaiting moderation".
   *
   * Duplicates are decided by the INSERT itself, against the unique indexes of the
   * CommentDuplicates migration: an identical comment sent at the same time waits for the first
   * one's transaction and then fails, so exactly one is written however many arrive together, on
   * any number of instances and behind PgBouncer (no session state). The flood limit is counted
   * after the INSERT in the same transaction, so a double submit still gets CONFLICT rather than
   * RATE_LIMITED, and a refused comment (either way) writes nothing.
   */
  async add(ctx: Context, input: AddCommentInput): Promise<Comment> {
    const postId = fromGlobalId(input.postId, 'Post', 'postId');
    const parentId =
      input.parentId == null ? null : fromGlobalId(input.parentId, 'Comment', 'parentId');
    const body = requiredText('body', input.body, COMMENT_LIMITS.body);
    const author = commenter(ctx, input);
    const { rateLimits } = this;
    if (!ctx.viewer) await rateLimits.consume('writesPerIp', ctx.ip);

    const target = await this.target(this.db, ctx, postId, parentId, author);
    const status = this.status(ctx, target, author, body, input.website);
    try {
      return await this.db.transaction(async (m) => {
        const rows = await m.query(
          `INSERT INTO comments (post_id, parent_id, depth, author_host_id, guest_name, guest_email, guest_blog_name,
             guest_url, body, status, ip, user_agent, created_at, body_html)
           SELECT p.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM posts p
           WHERE p.id = $1 AND p.status = '${PostStatus.PUBLISHED}' AND p.comments_open
           RETURNING *`,
          [
            postId,
            parentId,
            (target.parent?.depth ?? 0) + 1,
            author.hostId,
            author.name,
            author.hostId ? null : author.email,
            author.blogName,
            author.url,
            body,
            status,
            ctx.ip,
            ctx.userAgent,
            ctx.clock.now(),
            renderPlainText(body),
          ],
        );
        // Closed or unpublished since the checks above: say so, and write nothing.
        if (rows.length === 0) throw new CommentsClosedError();
        if (!target.moderator)
          await rateLimits.consumeWithin(m, 'commentFlood', author.email, ctx.ip);
        // An author answering a held comment approves it, as WordPress's "Approve and Reply".
        if (target.moderator && target.parent?.status === CommentStatus.PENDING) {
          await m.query(`UPDATE comments SET status = '${CommentStatus.APPROVED}' WHERE id = $1`, [
            target.parent.id,
          ]);
        }
        return hydrate(m, Comment, rows)[0];
      });
    } catch (error) {
      const violated = uniqueViolation(error);
      if (violated && DUPLICATE_INDEXES.includes(violated)) {
        throw new ConflictError('You already left this comment on this post', 'body');
      }
      throw error;
    }
  }

  /**
   * Sets a comment's status: the post's author or an admin. NOT_FOUND when the comment is
   * missing or on a draft the viewer cannot see; FORBIDDEN otherwise.
   */
  async moderate(ctx: Context, id: string, status: CommentStatus): Promise<Comment> {
    const commentId = fromGlobalId(id, 'Comment', 'id');
    if (!ctx.viewer) throw new UnauthenticatedError();
    const [rows] = await this.db.query(
      `UPDATE comments c SET status = $2 FROM posts p
       WHERE c.id = $1 AND p.id = c.post_id AND (p.author_id = $3 OR $4) RETURNING c.*`,
      [commentId, status, ctx.viewer.id, isAdmin(ctx)],
    );
    const [comment] = hydrate(this.db, Comment, rows);
    if (!comment) {
      const params: unknown[] = [commentId];
      const visible = visiblePost('p', ruleScope(ctx, params));
      const [post] = await this.db.query(
        `SELECT ${visible} AS visible FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1`,
        params,
      );
      if (!post?.visible) throw new NotFoundError('Comment');
      throw new ForbiddenError("Only the post's author or an admin may moderate its comments");
    }
    return comment;
  }

  /** The post and parent a comment goes to, or the error that refuses it. */
  private async target(
    db: DataSource | EntityManager,
    ctx: Context,
    postId: string,
    parentId: string | null,
    author: Commenter,
  ): Promise<Target> {
    const params: unknown[] = [postId, parentId, author.hostId ? null : author.email, author.name];
    const visible = visiblePost('p', ruleScope(ctx, params));
    const [row] = await db.query(
      `SELECT p.*, ${visible} AS visible, par.post_id AS parent_post_id, par.depth AS parent_depth, par.status AS parent_status,
         EXISTS (SELECT 1 FROM comments a WHERE lower(a.guest_email) = lower($3) AND lower(a.guest_name) = lower($4)
                 AND a.status = '${CommentStatus.APPROVED}') AS known_guest
       FROM posts p LEFT JOIN comments par ON par.id = $2 WHERE p.id = $1`,
      params,
    );
    const [post] = row ? hydrate(db, Post, [row]) : [];
    if (!post || !row.visible) throw new NotFoundError('Post');
    if (post.status !== PostStatus.PUBLISHED || !post.commentsOpen) throw new CommentsClosedError();
    const moderator = isSelfOrAdmin(ctx, post.authorId);
    let parent: Target['parent'] = null;
    if (parentId) {
      if (row.parent_post_id == null) throw new NotFoundError('Comment');
      if (String(row.parent_post_id) !== postId)
        throw new BadInputError('parentId', 'A reply must be on the same post');
      const status = row.parent_status as CommentStatus;
      if (status !== CommentStatus.APPROVED && !moderator) throw new NotFoundError('Comment');
      if (status === CommentStatus.SPAM || status === CommentStatus.TRASH) {
        throw new BadInputError('parentId', 'Comments marked spam or trash take no replies');
      }
      if (row.parent_depth >= MAX_COMMENT_DEPTH) {
        throw new BadInputError('parentId', `Replies nest at most ${MAX_COMMENT_DEPTH} deep`);
      }
      parent = { id: parentId, depth: Number(row.parent_depth), status };
    }
    return { post, moderator, parent, knownGuest: row.known_guest === true };
  }

  /**
   * The post's author and admins: approved at once. Anyone else is screened: SPAM for a blocked
   * word or a filled honeypot, PENDING for too many links or a moderation word. Past that, a
   * signed-in host is approved (their account vouches for them) and a guest is approved only
   * when the same name and email have an approved comment already.
   */
  private status(
    ctx: Context,
    target: Target,
    author: Commenter,
    body: string,
    website?: string | null,
  ): CommentStatus {
    if (target.moderator) return CommentStatus.APPROVED;
    const verdict = this.screen({
      body,
      website,
      links: findLinks(body).length,
      metadata: [author.name, author.email, author.blogName, author.url, ctx.ip, ctx.userAgent],
    });
    if (verdict === 'SPAM') return CommentStatus.SPAM;
    if (verdict === 'HOLD') return CommentStatus.PENDING;
    return author.hostId || target.knownGuest ? CommentStatus.APPROVED : CommentStatus.PENDING;
  }
}
