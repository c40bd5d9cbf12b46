import { MigrationInterface, QueryRunner } from 'typeorm';
import { renderStoredHtml } from '../stored-html';

/**
 * `bodyHtml` stored when the body is written (posts.body_html, comments.body_html), so that a
 * document selecting it compiles to one statement like any other column.
 *
 * PostgreSQL cannot render Markdown, so the existing rows are rendered here, in Node, a batch of
 * 1,000 at a time, before the columns become NOT NULL. Rendering at start or on read instead
 * would leave the column nullable, and a NULL would make the executors disagree (the compiled
 * statement would send null for a non-null field, the resolvers an error); NOT NULL also makes a
 * writer that forgets the HTML fail at once. The cost: this transaction holds posts and comments
 * locked while it renders (about 45 s for the bench's 100,000 posts and 1,150,000 comments, see
 * docs/performance.md). Stop instances of earlier versions before it runs: they write bodies
 * without HTML. After a renderer change, a migration calling renderStoredHtml re-renders.
 */
export class StoredBodyHtml1764720000000 implements MigrationInterface {
  name = 'StoredBodyHtml1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE posts ADD COLUMN body_html text;
      ALTER TABLE comments ADD COLUMN body_html text;
    `);
    await renderStoredHtml(q);
    await q.query(`
      ALTER TABLE posts ALTER COLUMN body_html SET NOT NULL;
      ALTER TABLE comments ALTER COLUMN body_html SET NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE posts DROP COLUMN body_html;
      ALTER TABLE comments DROP COLUMN body_html;
    `);
  }
}
