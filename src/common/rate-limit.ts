import Redis from 'ioredis';
import {
  RateLimiterAbstract,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { DataSource, EntityManager } from 'typeorm';
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
  /** Wrong entry edit tokens from one address (guessing). */
  editTokenPerIp: { points: 10, duration: 15 * 60 },
} as const;
export type LimitName = keyof typeof LIMITS;

/** rate-limiter-flexible's client interface, served by TypeORM (reconnects, counts SQL). */
function typeormClient(db: DataSource | EntityManager) {
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
    private readonly store: { db: DataSource } | { redis: Redis },
  ) {
    for (const name of Object.keys(LIMITS) as LimitName[]) {
      this.limiters.set(name, this.limiter(name));
    }
  }

  /** A limiter on the store; PostgreSQL counters are written through `within` when given. */
  private limiter(name: LimitName, within?: EntityManager): RateLimiterAbstract {
    const { store } = this;
    const options = { keyPrefix: name, ...LIMITS[name] };
    return 'redis' in store
      ? new RateLimiterRedis({ ...options, storeClient: store.redis })
      : new RateLimiterPostgres({
          ...options,
          storeClient: typeormClient(within ?? store.db),
          storeType: 'client',
          tableName: 'rate_limits',
          tableCreated: true,
          clearExpiredByTimeout: false,
        });
  }

  /** Counts one action for each key; RATE_LIMITED (with retryAfter seconds) once over the limit. */
  consume(name: LimitName, ...keys: string[]): Promise<void> {
    return this.count(this.limiters.get(name)!, keys);
  }

  /**
   * consume() inside the transaction of `m`: PostgreSQL counters are written in it, so they
   * count only if it commits (Redis counters count at once). Through another connection the
   * count would wait for that transaction on PGlite, whose connections share one session.
   */
  consumeWithin(m: EntityManager, name: LimitName, ...keys: string[]): Promise<void> {
    return this.count('db' in this.store ? this.limiter(name, m) : this.limiters.get(name)!, keys);
  }

  private async count(limiter: RateLimiterAbstract, keys: string[]): Promise<void> {
    if (!this.enabled) return;
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

  /** Gives one counted action back to each key (it turned out not to count: a right token). */
  async reward(name: LimitName, ...keys: string[]): Promise<void> {
    if (!this.enabled) return;
    await Promise.all(keys.map((key) => this.limiters.get(name)!.reward(key.toLowerCase(), 1)));
  }

  /** Forgets the counts of `keys` (a successful sign-in clears its email's failures). */
  async reset(name: LimitName, ...keys: string[]): Promise<void> {
    if (!this.enabled) return;
    await Promise.all(keys.map((key) => this.limiters.get(name)!.delete(key.toLowerCase())));
  }
}
