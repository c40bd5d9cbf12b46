import { publishedPostList } from '../posts/post.loaders';
import { columns, globalId, TypeSql } from '../server/sql-json';
import { hostList } from './host.loaders';

/** Hosts for an anonymous reader (see server/sql-json.ts): no viewer, no emails. */
export const hostSql: TypeSql = {
  Query: {
    viewer: () => 'NULL',
    host: (f) => f.one('Host', (a) => `hosts ${a} WHERE ${a}.slug = ${f.arg('slug', 'text')}`),
    hosts: (f) => f.connection(hostList, 'true'),
  },
  Host: {
    id: globalId('Host'),
    ...columns('slug', 'name', 'blogName', 'blogUrl', 'avatarUrl', 'bio', 'role', 'createdAt'),
    email: () => 'NULL',
    posts: (f) => f.connection(publishedPostList, `t.author_id = ${f.row}.id`),
    linkUps: (f) =>
      f.many(
        'LinkUp',
        (a) =>
          `link_ups ${a} JOIN link_up_cohosts c ON c.link_up_id = ${a}.id WHERE c.host_id = ${f.row}.id`,
        (a) => `${a}.name, ${a}.id`,
      ),
  },
};
