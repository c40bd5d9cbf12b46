import { columns, globalId, TypeSql } from '../server/sql-json';
import { CommentStatus } from './comment.entity';

/** Comments for an anonymous reader (see server/sql-json.ts): approved ones only. */
export const commentSql: TypeSql = {
  Comment: {
    id: globalId('Comment'),
    ...columns('body', 'depth', 'status', 'createdAt'),
    // CommentResolver.author: the host's name and blog when there is one, else the guest's.
    author: (f) =>
      f.one(
        'CommentAuthor',
        (a) => `(SELECT h.id AS host_id,
          CASE WHEN h.id IS NULL THEN COALESCE(${f.row}.guest_name, 'Anonymous') ELSE h.name END AS name,
          CASE WHEN h.id IS NULL THEN ${f.row}.guest_blog_name ELSE h.blog_name END AS blog_name,
          CASE WHEN h.id IS NULL THEN ${f.row}.guest_url ELSE h.blog_url END AS url
          FROM (SELECT) x LEFT JOIN hosts h ON h.id = ${f.row}.author_host_id) ${a}`,
      ),
    post: (f) => f.one('Post', (a) => `posts ${a} WHERE ${a}.id = ${f.row}.post_id`),
    replies: (f) =>
      f.many(
        'Comment',
        (a) =>
          `comments ${a} WHERE ${a}.parent_id = ${f.row}.id AND ${a}.status = '${CommentStatus.APPROVED}'`,
        (a) => `${a}.created_at, ${a}.id`,
      ),
  },
  CommentAuthor: {
    ...columns('name', 'blogName', 'url'),
    displayName: (f) => `${f.row}.name || COALESCE(' @ ' || NULLIF(${f.row}.blog_name, ''), '')`,
    host: (f) => f.one('Host', (a) => `hosts ${a} WHERE ${a}.id = ${f.row}.host_id`),
  },
};
