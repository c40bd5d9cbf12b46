import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The length caps the link-up API enforces, kept by the database too: entry fields, roundup
 * titles, link-up texts. Numbers match ENTRY_LIMITS, ROUNDUP_TITLE_MAX and LINK_UP_LIMITS.
 */
export class LinkUpLimits1764374400000 implements MigrationInterface {
  name = 'LinkUpLimits1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE entries
        ADD CONSTRAINT entries_url_length CHECK (length(url) <= 2000),
        ADD CONSTRAINT entries_image_url_length CHECK (length(image_url) <= 2000),
        ADD CONSTRAINT entries_submitter_name_length CHECK (length(submitter_name) BETWEEN 1 AND 245),
        ADD CONSTRAINT entries_submitter_email_length CHECK (length(submitter_email) BETWEEN 3 AND 100),
        ADD CONSTRAINT entries_blog_name_length CHECK (length(blog_name) <= 245);
      ALTER TABLE roundups ADD CONSTRAINT roundups_title_length CHECK (length(title) <= 200);
      ALTER TABLE link_ups
        ADD CONSTRAINT link_ups_description_length CHECK (length(description) <= 5000),
        ADD CONSTRAINT link_ups_rules_length CHECK (length(rules) <= 5000),
        ADD CONSTRAINT link_ups_max_entries_range CHECK (max_entries_per_person <= 1000);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE entries
        DROP CONSTRAINT entries_url_length,
        DROP CONSTRAINT entries_image_url_length,
        DROP CONSTRAINT entries_submitter_name_length,
        DROP CONSTRAINT entries_submitter_email_length,
        DROP CONSTRAINT entries_blog_name_length;
      ALTER TABLE roundups DROP CONSTRAINT roundups_title_length;
      ALTER TABLE link_ups
        DROP CONSTRAINT link_ups_description_length,
        DROP CONSTRAINT link_ups_rules_length,
        DROP CONSTRAINT link_ups_max_entries_range;
    `);
  }
}
