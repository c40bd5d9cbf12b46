import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotent retries (issue 16): one row per `Idempotency-Key` a client sent with a mutation,
 * per viewer (`scope`: `host:<id>`, or `anonymous`), kept 24 hours so that any instance can
 * answer a retry with the first answer instead of writing again. The key itself is never stored,
 * only its hash: the answer (`answer`, which can hold secrets such as an entry's `editToken`) is
 * encrypted with a key derived from it, so only its holder can read it back.
 * `RUNNING` rows are leased (`locked_until`): a retry while the first attempt runs is refused,
 * and one after the lease lapsed (the instance died) runs again.
 */
export class IdempotencyKeys1765100000000 implements MigrationInterface {
  name = 'IdempotencyKeys1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope        text NOT NULL,
        key_hash     bytea NOT NULL,
        request_hash bytea NOT NULL,
        state        text NOT NULL CHECK (state IN ('RUNNING', 'DONE')),
        answer       bytea,
        locked_until timestamptz(3),
        created_at   timestamptz(3) NOT NULL,
        expires_at   timestamptz(3) NOT NULL,
        PRIMARY KEY (scope, key_hash),
        CHECK ((state = 'DONE') = (answer IS NOT NULL))
      );
      CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
  }
}
