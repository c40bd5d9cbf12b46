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

/** Rows per batch: bounded memory, and each statement far below STATEMENT_TIMEOUT_MS. */
const BATCH = 1000;

/**
 * Renders every row's `body_html` with today's renderers, a batch of rows by id at a time, and
 * writes the rows whose HTML differs (a row whose body changed meanwhile is left to its writer,
 * which stored its HTML with it). The migration that added the column calls
 * it, and so does any later migration whose only job is to re-render after a renderer changes.
 */
export async function renderStoredHtml(db: QueryRunner): Promise<void> {
  for (const { table, render } of STORED_HTML) {
    for (let after = '0'; ;) {
      const rows: { id: string; body: string; body_html: string | null }[] = await db.query(
        `SELECT id, body, body_html FROM ${table} WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      after = String(rows[rows.length - 1].id);
      const stale = rows
        .map((row) => ({ ...row, html: render(row.body) }))
        .filter((row) => row.html !== row.body_html);
      if (stale.length === 0) continue;
      await db.query(
        `UPDATE ${table} t SET body_html = v.html
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, body, html)
         WHERE t.id = v.id AND t.body = v.body`,
        [stale.map((r) => r.id), stale.map((r) => r.body), stale.map((r) => r.html)],
      );
    }
  }
}
