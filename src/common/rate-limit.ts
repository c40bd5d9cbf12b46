import Redis from 'ioredis';
import {
  RateLimiterAbstract,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { RateLimitedError } from './errors';

/** Each limit: `points` actions per `duration` seconds for one key (an email, an IP...). */
export const LIMITS = {
  /** Password guessing against one account. */
  signInEmail: { points: 5, duration: 15 * 60 },
  /** Password guessing from one address. */
  signInIp: { points: 20, duration: 15 * 60 },
  /** WordPress's comment flood rule: one comment per 15 s per email and per IP. */
  commentFlood: { points: 1, duration: 15 },
  /** Anonymous writes (comments and entries together) from one address. */
  writesPerIp: { points: 30, duration: 10 * 60 },
} as const;
export type LimitName = keyof typeof LIMITS;

/** rate-limiter-flexible's client interface, served by TypeORM's pool (reconnects, counts SQL). */
function typeormClient(db: DataSource) {
  return {
    query: async ({ text, values }: { text: string; values?: unknown[] }) => {
      const result = await db.query(text, values);
      return { rows: Array.isArray(result[0]) ? result[0] : result };
    },
  };
}

/**
 * Shared counters: in PostgreSQL by default, in Redis when REDIS_URL is set, never in process
 * memory, so several API instances enforce one limit together.
 */
export class RateLimits {
  private readonly limiters = new Map<LimitName, RateLimiterAbstract>();

  constructor(
    private readonly enabled: boolean,
    store: { db: DataSource } | { redis: Redis },
  ) {
    for (const [name, { points, duration }] of Object.entries(LIMITS) as [
      LimitName,
      { points: number; duration: number },
    ][]) {
      const options = { keyPrefix: name, points, duration };
      this.limiters.set(
        name,
        'redis' in store
          ? new RateLimiterRedis({ ...options, storeClient: store.redis })
          : new RateLimiterPostgres({
              ...options,
              storeClient: typeormClient(store.db),
              storeType: 'client',
              tableName: 'rate_limits',
              tableCreated: true,
              clearExpiredByTimeout: false,
            }),
      );
    }
  }

  /** Counts one action for each key; RATE_LIMITED (with retryAfter seconds) once over the limit. */
  async consume(name: LimitName, ...keys: string[]): Promise<void> {
    if (!this.enabled) return;
    const limiter = this.limiters.get(name)!;
    for (const key of keys) {
      try {
        await limiter.consume(key.toLowerCase());
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
          throw new RateLimitedError(retryAfter, limiter.points, rejection.remainingPoints);
        }
        throw rejection;
      }
    }
  }

  /** Forgets the counts of `keys` (a successful sign-in clears its email's failures). */
  async reset(name: LimitName, ...keys: string[]): Promise<void> {
    if (!this.enabled) return;
    await Promise.all(keys.map((key) => this.limiters.get(name)!.delete(key.toLowerCase())));
  }
}
