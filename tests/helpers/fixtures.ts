import { hashPassword, Tokens } from '../../src/common/auth';
import { NodeType, parseGlobalId, toGlobalId } from '../../src/common/ids';
import { renderMarkdown, renderPlainText } from '../../src/common/text';
import { TEST_JWT_SECRET, TestApi } from './api';

export const PASSWORD = 'correct horse battery';
const tokens = new Tokens(TEST_JWT_SECRET);
let passwordHash: Promise<string> | undefined;
let seq = 0;
const next = () => ++seq;

export interface Made {
  id: string;
  gid: string;
}
export interface MadeHost extends Made {
  slug: string;
  email: string;
  token: string;
}

/** The HTML stored with the body of the post or comment of global id `gid`. */
export async function storedHtml(t: TestApi, gid: string): Promise<string> {
  const { type, id } = parseGlobalId(gid)!;
  const table = type === 'Post' ? 'posts' : 'comments';
  const [row] = await t.sql(`SELECT body_html FROM ${table} WHERE id = $1`, [id]);
  return row.body_html;
}

/** Small SQL fixtures: each returns database id and global id; hosts also a signed token. */
export function fixtures(t: TestApi) {
  async function insert(table: string, type: NodeType | null, values: Record<string, unknown>) {
    const cols = Object.keys(values);
    const [row] = await t.sql(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      Object.values(values),
    );
    return {
      ...row,
      id: row.id ? String(row.id) : undefined,
      gid: type && row.id ? toGlobalId(type, row.id) : '',
    };
  }

  return {
    async host(values: Record<string, unknown> = {}): Promise<MadeHost> {
      const n = next();
      const row = await insert('hosts', 'Host', {
        slug: `host-${n}`,
        name: `Host ${n}`,
        blog_name: `Blog ${n}`,
        email: `host${n}@test.example`,
        password_hash: await (passwordHash ??= hashPassword(PASSWORD)),
        role: 'HOST',
        ...values,
      });
      return {
        ...row,
        token: await tokens.sign({ id: row.id, passwordHash: row.password_hash, role: row.role }),
      };
    },

    async post(
      authorId: string,
      values: Record<string, unknown> = {},
    ): Promise<Made & { slug: string }> {
      const n = next();
      const status = values.status ?? 'PUBLISHED';
      const body = (values.body as string | undefined) ?? `Body of post ${n}`;
      return insert('posts', 'Post', {
        slug: `post-${n}`,
        title: `Post ${n}`,
        body,
        body_html: renderMarkdown(body),
        tags: [],
        status,
        published_at: status === 'PUBLISHED' ? new Date(Date.UTC(2026, 0, 1) + n * 60000) : null,
        author_id: authorId,
        ...values,
      });
    },

    async comment(postId: string, values: Record<string, unknown> = {}): Promise<Made> {
      const n = next();
      const body = (values.body as string | undefined) ?? `Comment ${n}`;
      return insert('comments', 'Comment', {
        post_id: postId,
        depth: 1,
        guest_name: `Guest ${n}`,
        guest_email: `guest${n}@test.example`,
        body,
        body_html: renderPlainText(body),
        status: 'APPROVED',
        created_at: new Date(Date.UTC(2026, 0, 1) + n * 1000),
        ...values,
      });
    },

    async linkUp(
      cohostIds: string[],
      values: Record<string, unknown> = {},
    ): Promise<Made & { slug: string }> {
      const n = next();
      const row = await insert('link_ups', 'LinkUp', {
        slug: `link-up-${n}`,
        name: `Link-up ${n}`,
        weekday: 'MONDAY',
        opens_at_time: '09:00',
        hours_open: 48,
        time_zone: 'UTC',
        ...values,
      });
      for (const [i, hostId] of cohostIds.entries()) {
        await insert('link_up_cohosts', null, {
          link_up_id: row.id,
          host_id: hostId,
          position: i + 1,
        });
      }
      return row;
    },

    /** A roundup open from an hour ago for a week unless times are given. */
    async roundup(
      linkUpId: string,
      cohostIds: string[],
      values: Record<string, unknown> = {},
    ): Promise<Made & { number: number }> {
      const [{ n }] = await t.sql(
        'SELECT coalesce(max(number), 0) + 1 AS n FROM roundups WHERE link_up_id = $1',
        [linkUpId],
      );
      const row = await insert('roundups', 'Roundup', {
        link_up_id: linkUpId,
        number: n,
        opens_at: new Date(Date.now() - 3600_000),
        closes_at: new Date(Date.now() + 7 * 24 * 3600_000),
        ...values,
      });
      for (const [i, hostId] of cohostIds.entries()) {
        await insert('roundup_cohosts', null, {
          roundup_id: row.id,
          host_id: hostId,
          position: i + 1,
        });
      }
      return row;
    },

    async entry(
      roundupId: string,
      values: Record<string, unknown> = {},
    ): Promise<Made & { number: number }> {
      const [{ last_entry_number: number }] = await t.sql(
        'UPDATE roundups SET last_entry_number = last_entry_number + 1 WHERE id = $1 RETURNING last_entry_number',
        [roundupId],
      );
      const url = `https://runner.example/${roundupId}/${number}`;
      return insert('entries', 'Entry', {
        roundup_id: roundupId,
        number,
        title: `Entry ${number}`,
        url,
        normalized_url: url,
        submitter_name: `Runner ${number}`,
        submitter_email: `runner${number}@test.example`,
        ...values,
      });
    },
  };
}
