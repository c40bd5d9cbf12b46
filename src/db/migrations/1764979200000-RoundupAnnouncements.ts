import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live updates (issue 13): which clock-driven changes of an edition (`OPENED`, `CLOSED`) have
 * been announced to subscribers. Every instance's ticker claims the due ones with an INSERT whose
 * primary key lets exactly one instance win each, so the cluster announces each once. A table of
 * its own rather than columns on `roundups`: the ticker then never row-locks an edition that a
 * submission holds, and a roundup's row changes only when the edition does.
 *
 * Editions that had opened or ended before this migration count as announced (the status rule
 * of this date, written out: a migration is history), so upgrading does not announce the whole
 * archive at once.
 */
export class RoundupAnnouncements1764979200000 implements MigrationInterface {
  name = 'RoundupAnnouncements1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE roundup_announcements (
        roundup_id   bigint NOT NULL REFERENCES roundups (id) ON DELETE CASCADE,
        kind         text NOT NULL CHECK (kind IN ('OPENED', 'CLOSED')),
        announced_at timestamptz(3) NOT NULL,
        PRIMARY KEY (roundup_id, kind)
      );
      INSERT INTO roundup_announcements (roundup_id, kind, announced_at)
        SELECT id, 'OPENED', now() FROM roundups
        WHERE cancelled_at IS NULL AND opens_at <= now()
        UNION ALL
        SELECT id, 'CLOSED', now() FROM roundups
        WHERE cancelled_at IS NULL AND least(closed_at, closes_at) <= now();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE roundup_announcements');
  }
}
