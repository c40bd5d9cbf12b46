import { DataSource, DefaultNamingStrategy } from 'typeorm';
import { Comment } from '../comments/comment.entity';
import { Host } from '../hosts/host.entity';
import { Entry, EntryFeature } from '../linkups/entry.entity';
import { LinkUp, LinkUpCohost } from '../linkups/linkup.entity';
import { Roundup, RoundupCohost } from '../linkups/roundup.entity';
import { Post } from '../posts/post.entity';
import { Init1764115200000 } from './migrations/1764115200000-Init';
import { RateLimits1764201600000 } from './migrations/1764201600000-RateLimits';
import { LinkUpLimits1764374400000 } from './migrations/1764374400000-LinkUpLimits';
import { RoundupLifecycle1764460800000 } from './migrations/1764460800000-RoundupLifecycle';
import { EntryModeration1764547200000 } from './migrations/1764547200000-EntryModeration';
import { CommentDuplicates1764633600000 } from './migrations/1764633600000-CommentDuplicates';
import { StoredBodyHtml1764720000000 } from './migrations/1764720000000-StoredBodyHtml';
import { RoundupAnnouncements1764979200000 } from './migrations/1764979200000-RoundupAnnouncements';
import { LinkBacks1765000000000 } from './migrations/1765000000000-LinkBacks';
import { IdempotencyKeys1765100000000 } from './migrations/1765100000000-IdempotencyKeys';
import { CountingLogger } from './sql-counter';

/** camelCase properties map to snake_case columns, so entities need no `name:` on every column. */
class SnakeNamingStrategy extends DefaultNamingStrategy {
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]) {
    const name = customName ?? propertyName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return prefixes.length ? `${prefixes.join('_')}_${name}` : name;
  }
}

export const entities = [
  Host,
  Post,
  Comment,
  LinkUp,
  LinkUpCohost,
  Roundup,
  RoundupCohost,
  Entry,
  EntryFeature,
];
export const migrations = [
  Init1764115200000,
  RateLimits1764201600000,
  LinkUpLimits1764374400000,
  RoundupLifecycle1764460800000,
  EntryModeration1764547200000,
  CommentDuplicates1764633600000,
  StoredBodyHtml1764720000000,
  RoundupAnnouncements1764979200000,
  LinkBacks1765000000000,
  IdempotencyKeys1765100000000,
];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  /** PostgreSQL's `statement_timeout` on every pooled connection; unset: none (migration CLI). */
  statementTimeoutMs?: number;
  onQueryError?: (error: unknown, query: string) => void;
}

/**
 * How much longer the client waits than the server: PostgreSQL's own cancel (57014) normally
 * comes first; the client's timeout catches what it cannot (a stalled network, PGlite, which
 * accepts `statement_timeout` but never enforces it).
 */
const CLIENT_TIMEOUT_MARGIN_MS = 1000;

/** pg's pool settings for `statement_timeout` on every connection, and the client's own wait. */
export function statementTimeouts(statementTimeoutMs: number) {
  return {
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
  };
}

export function createDataSource({
  url,
  poolSize = 10,
  statementTimeoutMs,
  onQueryError = () => {},
}: DataSourceOptions) {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    logger: new CountingLogger(onQueryError),
    extra: {
      max: poolSize,
      // Also bounds the wait for a free pooled connection.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      ...(statementTimeoutMs && statementTimeouts(statementTimeoutMs)),
    },
  });
}
