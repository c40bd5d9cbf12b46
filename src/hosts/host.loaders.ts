import { DataSource } from 'typeorm';
import {
  byIdLoader,
  childPageLoader,
  countLoader,
  listLoader,
  ListSpec,
  perPage,
} from '../db/batch';
import { LinkUp } from '../linkups/linkup.entity';
import { Post, PostStatus } from '../posts/post.entity';
import { publishedPostList } from '../posts/post.loaders';
import { Host } from './host.entity';

/** The host directory, oldest account first. */
export const hostList: ListSpec<Host> = {
  type: Host,
  table: 'hosts',
  where: 'true',
  key: [{ column: 'id', part: 'id' }],
  direction: 'ASC',
  cursorOf: (h) => [h.id],
};

/** Per-request batch loaders for hosts and what hangs off a host. */
export function hostLoaders(db: DataSource) {
  const publishedPostCount = countLoader(
    db,
    `SELECT author_id AS parent, count(*) FROM posts WHERE author_id = ANY($1) AND status = '${PostStatus.PUBLISHED}' GROUP BY author_id`,
  );
  return {
    host: byIdLoader(db, Host, 'hosts'),
    linkUpsOfHost: listLoader(
      db,
      LinkUp,
      `SELECT l.*, c.host_id AS parent_key FROM link_up_cohosts c JOIN link_ups l ON l.id = c.link_up_id
       WHERE c.host_id = ANY($1) ORDER BY l.name, l.id`,
    ),
    postsOfHost: perPage((args) =>
      childPageLoader<Post>(
        db,
        { ...publishedPostList, parentColumn: 'author_id' },
        args,
        publishedPostCount,
      ),
    ),
  };
}
