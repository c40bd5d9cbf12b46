import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Entry moderation and edit tokens: a link-up's `entry_moderation` mode, the PENDING status of
 * entries held for approval, and the sha256 of each entry's edit token (never the token).
 */
export class EntryModeration1764547200000 implements MigrationInterface {
  name = 'EntryModeration1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE link_ups ADD COLUMN entry_moderation text NOT NULL DEFAULT 'OPEN'
        CONSTRAINT link_ups_entry_moderation_check
        CHECK (entry_moderation IN ('OPEN', 'HOLD_FIRST_TIME', 'HOLD_ALL'));
      ALTER TABLE entries
        DROP CONSTRAINT entries_status_check,
        ADD CONSTRAINT entries_status_check CHECK (status IN ('PENDING', 'VISIBLE', 'HIDDEN')),
        ADD COLUMN edit_token_hash bytea CONSTRAINT entries_edit_token_hash_length
          CHECK (length(edit_token_hash) = 32);
    `);
  }

  /** Entries still held become HIDDEN: the old status check knows no PENDING. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE entries SET status = 'HIDDEN' WHERE status = 'PENDING';
      ALTER TABLE entries
        DROP COLUMN edit_token_hash,
        DROP CONSTRAINT entries_status_check,
        ADD CONSTRAINT entries_status_check CHECK (status IN ('VISIBLE', 'HIDDEN'));
      ALTER TABLE link_ups DROP COLUMN entry_moderation;
    `);
  }
}
