import { MigrationInterface, QueryRunner } from 'typeorm';
import { renderStoredHtml, STORED_HTML } from '../stored-html';

/**
 * `bodyHtml` stored when the body is written (posts.body_html, comments.body_html), so that a
 * document selecting it compiles to one statement like any other column.
 *
 * PostgreSQL cannot render Markdown, so the rows already there are rendered here, in Node, and
 * the columns then become NOT NULL. Rendering at start or on read instead would leave the column
 * nullable, and a NULL would make the executors disagree (the compiled statement would send null
 * for a non-null field, the resolvers an error); NOT NULL also makes a writer that forgets the
 * HTML fail at once.
 *
 * Rewriting every row takes minutes on a large database (docs/performance.md), so this runs
 * outside one transaction: the batches commit one by one while the table stays readable and
 * writable; then, with the table locked (reads wait too: 1.3 s for the bench's posts, 4.9 s for
 * its comments, on a busy machine), the rows inserted meanwhile are rendered and NOT NULL is
 * set. Interrupted, it takes up where it stopped. Instances of earlier versions write bodies
 * without HTML: stop them once this has run.
 */
export class StoredBodyHtml1764720000000 implements MigrationInterface {
  name = 'StoredBodyHtml1764720000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const stored of STORED_HTML) {
      const { table } = stored;
      await q.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS body_html text`);
      const done = await renderStoredHtml(q, stored, 'missing');
      await q.startTransaction();
      try {
        // The lock waits at most STATEMENT_TIMEOUT_MS; the NOT NULL check scans the whole table.
        await q.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
        await q.query('SET LOCAL statement_timeout = 0');
        await renderStoredHtml(q, stored, 'missing', done);
        await q.query(`ALTER TABLE ${table} ALTER COLUMN body_html SET NOT NULL`);
        await q.commitTransaction();
      } catch (error) {
        await q.rollbackTransaction();
        throw error;
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE posts DROP COLUMN body_html;
      ALTER TABLE comments DROP COLUMN body_html;
    `);
  }
}
