import { isPublished } from '../posts';
import { byId, ListSpec, ReadSpec, Rule } from '../read/model';
import { Comment, CommentStatus } from './comment.entity';

const isApproved: Rule = (t) => `${t}.status = '${CommentStatus.APPROVED}'`;

/**
 * Approved comments on published posts are public; the post's author and admins see all of its
 * comments (they moderate them).
 */
const visibleComment: Rule = (t, s) => `EXISTS (SELECT 1 FROM posts p WHERE p.id = ${t}.post_id
  AND (p.author_id = ${s.viewer()} OR ${s.admin()} OR (${isPublished('p', s)} AND ${isApproved(t, s)})))`;

const oldestFirst = [
  { column: 'created_at', part: 'date' },
  { column: 'id', part: 'id' },
] as const;

/** Approved top-level comments of a post, oldest first (index comments_post_status_idx). */
const topLevelCommentList: ListSpec = {
  type: 'Comment',
  table: 'comments',
  where: (t, s) => `${isApproved(t, s)} AND ${t}.parent_id IS NULL`,
  key: [...oldestFirst],
  direction: 'ASC',
};

/** Pending comments the viewer moderates: on their own posts, or all for an admin. */
const moderationList: ListSpec = {
  ...topLevelCommentList,
  where: (t, s) => `${t}.status = '${CommentStatus.PENDING}'
    AND (${s.admin()} OR ${t}.post_id IN (SELECT p.id FROM posts p WHERE p.author_id = ${s.viewer()}))`,
};

/** Who wrote a comment: its host's name and blog, else the guest's ("Name @ Blog Name"). */
const commentAuthors = (t: string) => `(SELECT x.*,
    x.name || COALESCE(' @ ' || NULLIF(x.blog_name, ''), '') AS display_name
  FROM (SELECT c.id AS comment_id, h.id AS host_id,
      CASE WHEN h.id IS NULL THEN 'Comment:' || c.id ELSE 'Host:' || h.id END AS author_key,
      CASE WHEN h.id IS NULL THEN COALESCE(c.guest_name, 'Anonymous') ELSE h.name END AS name,
      CASE WHEN h.id IS NULL THEN c.guest_blog_name ELSE h.blog_name END AS blog_name,
      CASE WHEN h.id IS NULL THEN c.guest_url ELSE h.blog_url END AS url
    FROM comments c LEFT JOIN hosts h ON h.id = c.author_host_id) x) ${t}`;

/** How comments are read (read/model.ts). */
export const commentReads = {
  Query: {
    fields: {
      moderationQueue: { kind: 'connection', list: moderationList, signedIn: true },
    },
  },
  Post: {
    fields: {
      commentCount: {
        kind: 'value',
        sql: (t, s) =>
          `(SELECT count(*)::int FROM comments c WHERE c.post_id = ${t}.id AND ${isApproved('c', s)})`,
      },
      comments: {
        kind: 'connection',
        list: topLevelCommentList,
        link: { child: (t) => `${t}.post_id`, parent: 'id' },
      },
    },
  },
  Comment: {
    entity: Comment,
    table: 'comments',
    visible: visibleComment,
    fields: {
      post: byId('Post', 'posts', 'post_id'),
      parent: byId('Comment', 'comments', 'parent_id'),
      author: {
        kind: 'one',
        type: 'CommentAuthor',
        from: commentAuthors,
        link: { child: (t) => `${t}.comment_id`, parent: 'id' },
      },
      replies: {
        kind: 'many',
        type: 'Comment',
        from: (t) => `comments ${t}`,
        link: { child: (t) => `${t}.parent_id`, parent: 'id' },
        where: isApproved,
        order: (t) => `${t}.created_at, ${t}.id`,
      },
    },
  },
  CommentAuthor: {
    /**
     * A host's id for a host (every field then comes from the host, so all their comments share
     * one cached author), the comment's for a guest: a guest has no account, the same email may
     * come with another name or blog, and an id made from the email, even hashed, would let
     * anyone who guesses an address confirm it.
     */
    key: ['author_key'],
    fields: {
      host: byId('Host', 'hosts', 'host_id'),
    },
  },
} satisfies ReadSpec;
