import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An edition's lifecycle (issue 12): `cancelled_at` marks a scheduled edition cancelled (it keeps
 * its number and shows CANCELLED, never CLOSED); `max_entries` closes it when that many visible
 * entries are in (`closed_at` is then the moment it filled). The range matches ROUNDUP_LIMITS.
 * Until now a scheduled edition could only be "closed" before it opened: such rows were
 * cancellations, and become so.
 */
export class RoundupLifecycle1764460800000 implements MigrationInterface {
  name = 'RoundupLifecycle1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE roundups
        ADD COLUMN cancelled_at timestamptz(3),
        ADD COLUMN max_entries int CONSTRAINT roundups_max_entries_range CHECK (max_entries BETWEEN 1 AND 10000),
        ADD CONSTRAINT roundups_cancelled_not_closed CHECK (cancelled_at IS NULL OR closed_at IS NULL);
      UPDATE roundups SET cancelled_at = closed_at, closed_at = NULL WHERE closed_at < opens_at;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE roundups SET closed_at = cancelled_at WHERE cancelled_at IS NOT NULL;
      ALTER TABLE roundups
        DROP CONSTRAINT roundups_cancelled_not_closed,
        DROP COLUMN max_entries,
        DROP COLUMN cancelled_at;
    `);
  }
}
