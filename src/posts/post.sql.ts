import { CommentStatus } from '../comments/comment.entity';
import { topLevelCommentList } from '../comments/comment.loaders';
import { columns, globalId, NotCompilable, TypeSql } from '../server/sql-json';
import { PostStatus } from './post.entity';
import { publishedPostList } from './post.loaders';
import { FEED_FILTERS } from './post.service';

/** Posts for an anonymous reader (see server/sql-json.ts): published ones only. */
export const postSql: TypeSql = {
  Query: {
    post: (f) =>
      f.one(
        'Post',
        (a) =>
          `posts ${a} WHERE ${a}.slug = ${f.arg('slug', 'text')} AND ${a}.status = '${PostStatus.PUBLISHED}'`,
      ),
    // The published feed, filtered as PostService.feed filters it. Drafts (status) are never
    // an anonymous reader's; an empty filter value (no condition there) takes the resolvers too.
    posts: (f) => {
      const given = f.inputFields('filter');
      if (given.includes('status')) throw new NotCompilable('posts(filter: {status})');
      const conditions = given.map((name) => {
        const { value, sql } = FEED_FILTERS[name as keyof typeof FEED_FILTERS];
        const param = f.value(
          ['filter'],
          (args) => {
            const filter = args.filter as Record<string, string | null>;
            if (!filter[name]) throw new NotCompilable(`an empty filter.${name}`);
            return value(filter[name]);
          },
          'text',
        );
        return sql(param);
      });
      return f.connection(publishedPostList, ['true', ...conditions].join(' AND '));
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
