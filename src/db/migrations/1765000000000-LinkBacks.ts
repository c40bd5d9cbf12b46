import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Link-backs: a link-up's `require_link_back`; a post's `canonical_url` (its address on its
 * author's blog: links to it count as link-backs); entries by `normalized_url` (webmentions); each entry's `link_back` status, when it was last
 * checked and why a check found no page (`link_back_problem`, for logs and support), and
 * `held_for_link_back`: the entry is PENDING only until its link-back is verified (nothing else
 * held it), so a verified check may show it. Entries already in stay UNCHECKED.
 * The job queue (graphile-worker) keeps its own schema, `graphile_worker`, migrated by itself.
 */
export class LinkBacks1765000000000 implements MigrationInterface {
  name = 'LinkBacks1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE link_ups ADD COLUMN require_link_back boolean NOT NULL DEFAULT false;
      ALTER TABLE posts ADD COLUMN canonical_url text;
      CREATE INDEX entries_normalized_url_idx ON entries (normalized_url);
      ALTER TABLE entries
        ADD COLUMN link_back text NOT NULL DEFAULT 'UNCHECKED' CONSTRAINT entries_link_back_check
          CHECK (link_back IN ('UNCHECKED', 'PENDING', 'VERIFIED', 'MISSING', 'UNREACHABLE')),
        ADD COLUMN link_back_checked_at timestamptz(3),
        ADD COLUMN link_back_problem text,
        ADD COLUMN held_for_link_back boolean NOT NULL DEFAULT false;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE entries DROP COLUMN held_for_link_back, DROP COLUMN link_back_problem,
        DROP COLUMN link_back_checked_at, DROP COLUMN link_back;
      DROP INDEX entries_normalized_url_idx;
      ALTER TABLE posts DROP COLUMN canonical_url;
      ALTER TABLE link_ups DROP COLUMN require_link_back;
    `);
  }
}
