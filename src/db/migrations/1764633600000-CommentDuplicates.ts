import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The duplicate-comment rule kept by the database, so that comments sent at the same time cannot
 * both pass it: one body per person per place in a post's threads (the post, or the comment it
 * answers, as WordPress decides it: an author may thank two commenters alike), whatever became of
 * the first (a host is their account, a guest their email in any case). The body enters the key as its md5 stored as a
 * uuid (16 bytes; a btree entry cannot hold a 65,525-character body); two bodies with one md5
 * need a crafted collision and would only refuse that person's own comment. Two partial indexes,
 * as each row belongs to one kind of author.
 *
 * Databases from before this rule may hold duplicates: they are kept as they are (status,
 * replies, visibility), all but the oldest of each group flagged `legacy_duplicate` and left out
 * of the indexes, so the oldest holds the key and no new copy can join. The groups use the
 * indexes' own key, so building them cannot fail.
 */
export class CommentDuplicates1764633600000 implements MigrationInterface {
  name = 'CommentDuplicates1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE comments ADD COLUMN legacy_duplicate boolean NOT NULL DEFAULT false;
      UPDATE comments c SET legacy_duplicate = true
      FROM (
        SELECT id, row_number() OVER (
          PARTITION BY post_id, coalesce(parent_id, 0), author_host_id,
            CASE WHEN author_host_id IS NULL THEN lower(guest_email) END, md5(body)
          ORDER BY id) AS copy
        FROM comments WHERE author_host_id IS NOT NULL OR guest_email IS NOT NULL
      ) d
      WHERE d.id = c.id AND d.copy > 1;
      CREATE UNIQUE INDEX comments_host_duplicate_idx ON comments (post_id, coalesce(parent_id, 0), author_host_id, (md5(body)::uuid))
        WHERE author_host_id IS NOT NULL AND NOT legacy_duplicate;
      CREATE UNIQUE INDEX comments_guest_duplicate_idx ON comments (post_id, coalesce(parent_id, 0), lower(guest_email), (md5(body)::uuid))
        WHERE author_host_id IS NULL AND NOT legacy_duplicate;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX comments_host_duplicate_idx, comments_guest_duplicate_idx;
      ALTER TABLE comments DROP COLUMN legacy_duplicate;
    `);
  }
}
