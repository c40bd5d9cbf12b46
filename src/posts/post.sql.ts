import { CommentStatus } from '../comments/comment.entity';
import { topLevelCommentList } from '../comments/comment.loaders';
import { columns, globalId, NotCompilable, TypeSql } from '../server/sql-json';
import { PostStatus } from './post.entity';
import { publishedPostList } from './post.loaders';

/** Posts for an anonymous reader (see server/sql-json.ts): published ones only. */
export const postSql: TypeSql = {
  Query: {
    post: (f) =>
      f.one(
        'Post',
        (a) =>
          `posts ${a} WHERE ${a}.slug = ${f.arg('slug', 'text')} AND ${a}.status = '${PostStatus.PUBLISHED}'`,
      ),
    posts: (f) => {
      // Filtered feeds (an author's, a tag's, drafts) go through PostService.feed.
      if (f.has('filter')) throw new NotCompilable('posts(filter)');
      return f.connection(publishedPostList, 'true');
    },
  },
  Post: {
    id: globalId('Post'),
    ...columns(
      'slug',
      'title',
      'excerpt',
      'body',
      'tags',
      'status',
      'publishedAt',
      'commentsOpen',
      'createdAt',
      'updatedAt',
    ),
    author: (f) => f.one('Host', (a) => `hosts ${a} WHERE ${a}.id = ${f.row}.author_id`),
    roundup: (f) => f.one('Roundup', (a) => `roundups ${a} WHERE ${a}.id = ${f.row}.roundup_id`),
    commentCount: (f) =>
      `(SELECT count(*) FROM comments c WHERE c.post_id = ${f.row}.id AND c.status = '${CommentStatus.APPROVED}')`,
    comments: (f) => f.connection(topLevelCommentList, `t.post_id = ${f.row}.id`),
  },
};
