import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared rate-limit counters (rate-limiter-flexible's PostgreSQL layout), so every API
 * instance sees the same counts. `expire` is epoch milliseconds.
 */
export class RateLimits1764201600000 implements MigrationInterface {
  name = 'RateLimits1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rate_limits (
        key    varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      CREATE INDEX rate_limits_expire_idx ON rate_limits (expire);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limits');
  }
}
