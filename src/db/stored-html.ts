import { QueryRunner } from 'typeorm';
import { renderMarkdown, renderPlainText } from '../common/text';

/**
 * The HTML stored beside each body, written with the body (post.service, comment.service, the
 * seeds), so that both read executors serve `bodyHtml` as a plain column: a post's body is
 * Markdown, a comment's plain text (common/text.ts).
 */
export const STORED_HTML = [
  { table: 'posts', render: renderMarkdown },
  { table: 'comments', render: renderPlainText },
] as const;

type StoredHtml = (typeof STORED_HTML)[number];

/**
 * Ids per batch: each statement reads at most this many rows (bodies reach 100 KB) and scans no
 * more, however few of them need rendering.
 */
const BATCH = 500;

const maxId = async (db: QueryRunner, table: string): Promise<number> =>
  Number((await db.query(`SELECT coalesce(max(id), 0) AS id FROM ${table}`))[0].id);

/**
 * Renders `body_html` with today's renderer for the rows of one table with ids above `after`
 * that have none (`missing`), or for all of them (`all`, after a renderer changed: a migration
 * with `transaction = false` calling this for each of STORED_HTML), and writes the rows whose
 * HTML differs; each batch commits by itself unless the caller holds a transaction. Returns the
 * id up to which every row is done, for a later call to take up the rows inserted since.
 */
export async function renderStoredHtml(
  db: QueryRunner,
  { table, render }: StoredHtml,
  rows: 'missing' | 'all',
  after = 0,
): Promise<number> {
  let last = await maxId(db, table);
  for (let from = after; from < last;) {
    const batch: { id: string; body: string; body_html: string | null }[] = await db.query(
      `SELECT id, body, body_html FROM ${table} WHERE id > $1 AND id <= $2
       ${rows === 'missing' ? 'AND body_html IS NULL' : ''}`,
      [from, from + BATCH],
    );
    const stale = batch
      .map((row) => ({ ...row, html: render(row.body) }))
      .filter((row) => row.html !== row.body_html);
    if (stale.length > 0) {
      const [, written] = await db.query(
        `UPDATE ${table} t SET body_html = v.html
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, body, html)
         WHERE t.id = v.id AND t.body = v.body`,
        [stale.map((r) => r.id), stale.map((r) => r.body), stale.map((r) => r.html)],
      );
      // A body changed while it was rendered: this batch again.
      if (written < stale.length) continue;
    }
    from += BATCH;
    if (from >= last) last = await maxId(db, table);
  }
  return Math.max(after, last);
}
