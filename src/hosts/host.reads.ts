import { bySlug, ListSpec, ReadSpec } from '../read/model';
import { Host } from './host.entity';

/**
 * A signed-in compiled read's statement: its data (`read`, a statement selecting `data`) and the
 * viewer's row (id `viewer`) in one round trip, so the token's host, role and password stamp are
 * checked in the snapshot the data was read in.
 */
export const withViewerRow = (read: string, viewer: string): string =>
  `SELECT d.data, v.role AS viewer_role, v.password_hash AS viewer_password
   FROM (${read}) d LEFT JOIN hosts v ON v.id = ${viewer}`;

/** The host directory, oldest account first. */
export const hostList: ListSpec = {
  type: 'Host',
  table: 'hosts',
  where: () => 'true',
  key: [{ column: 'id', part: 'id' }],
  direction: 'ASC',
};

/** How hosts are read (read/model.ts). Every host is public; an email is its own and admins'. */
export const hostReads = {
  Query: {
    fields: {
      viewer: {
        kind: 'one',
        type: 'Host',
        from: (t) => `hosts ${t}`,
        where: (t, s) => `${t}.id = ${s.viewer()}`,
      },
      host: bySlug('Host', 'hosts'),
      hosts: { kind: 'connection', list: hostList },
    },
  },
  Host: {
    entity: Host,
    table: 'hosts',
    fields: {
      email: {
        kind: 'value',
        sql: (t, s) => `CASE WHEN ${t}.id = ${s.viewer()} OR ${s.admin()} THEN ${t}.email END`,
      },
    },
  },
} satisfies ReadSpec;
