import { CommentRules, DEFAULT_COMMENT_RULES } from './comments/comment.rules';

/** Query limits: each refuses a request before it runs, with a coded error. */
export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  batchedRequests: boolean;
}

/** Caps on live updates (WebSocket subscriptions), counted per instance. */
export interface SocketLimits {
  /** Open WebSockets one client address may hold (closed with 4429 beyond). */
  maxSocketsPerIp: number;
  /** Subscriptions running at once on one WebSocket (LIMIT_EXCEEDED beyond). */
  maxSubscriptionsPerSocket: number;
}

/** Every environment variable the API reads, parsed and validated once at start. */
export interface Config {
  databaseUrl: string | undefined;
  /** An unpooled connection to the same database, for LISTEN (DATABASE_URL may go through PgBouncer). */
  databaseDirectUrl: string | undefined;
  /** Streaming replicas for anonymous compiled reads (src/db/replicas.ts). */
  databaseReplicaUrls: string[];
  /** Named prepared statements for compiled reads: off behind PgBouncer in transaction mode. */
  databasePreparedStatements: boolean;
  dataDir: string;
  port: number;
  production: boolean;
  introspection: boolean;
  jwtSecret: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  demoData: boolean;
  rateLimits: boolean;
  /** What holds a guest comment for moderation or marks it spam. */
  commentRules: CommentRules;
  /** Anonymous reads answered by one compiled SQL statement (server/sql-json.ts). */
  compiledReads: boolean;
  redisUrl: string | undefined;
  corsOrigins: string[];
  /** Proxies in front (TRUST_PROXY): how many X-Forwarded-For hops from the right the client is. */
  trustProxy: number;
  logLevel: string;
  /** How long readiness says 503 before the server stops taking requests on shutdown. */
  shutdownGraceMs: number;
  /** Longest any SQL statement may run: PostgreSQL's `statement_timeout` on every connection. */
  statementTimeoutMs: number;
  /** `max-age` of answers any cache may keep: anonymous queries without errors. */
  publicCacheSeconds: number;
  limits: Limits;
  socketLimits: SocketLimits;
  /** Outbound fetches (link-back checks, thumbnails) may reach private and loopback addresses. */
  outboundAllowPrivate: boolean;
  /**
   * The API's public origin (PUBLIC_URL), e.g. https://roundup.example: links to its embed pages
   * count as link-backs, and the fetcher's User-Agent names it. Unset: embed links do not count.
   */
  publicUrl: string | undefined;
}

/** Ends the start with its message as the one line printed: no stack, exit code 1. */
export class StartupError extends Error {}

/** Stops the start with one line naming the variable. */
export class ConfigError extends StartupError {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  throw new ConfigError(name, `must be "on" or "off", got "${value}"`);
}

function positiveInt(env: Env, name: string, fallback: number, max = Infinity): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(name, `must be a positive integer, got "${value}"`);
  if (n > max) throw new ConfigError(name, `must be at most ${max}, got "${value}"`);
  return n;
}

/** A hop count: `on` is one proxy, `off` (or unset) none, or the number of proxies in front. */
function proxyHops(env: Env, name: string): number {
  const value = env[name];
  if (value === undefined || value === '' || value === 'off' || value === 'false') return 0;
  if (value === 'on' || value === 'true') return 1;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10)
    throw new ConfigError(
      name,
      `must be "on", "off" or the number of proxies in front (0 to 10), got "${value}"`,
    );
  return n;
}

/** A comma-separated list, entries trimmed: unset keeps `fallback`, set empty means none. */
function list(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const value = env[name];
  if (value === undefined) return fallback;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.join(' or ')}//`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);

  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('PORT', `must be a port number, got "${env.PORT}"`);
  }

  const jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  }
  if (production && !jwtSecret) {
    throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  }

  const adminEmail = env.ADMIN_EMAIL || undefined;
  const adminPassword = env.ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 8 characters');
  }

  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `has "${origin}", expected origins like https://blog.example`,
      );
    }
  }

  const databaseReplicaUrls = list(env, 'DATABASE_REPLICA_URLS', []).map((entry) =>
    url({ DATABASE_REPLICA_URLS: entry }, 'DATABASE_REPLICA_URLS', ['postgres:', 'postgresql:'])!,
  );
  if (databaseReplicaUrls.length && !databaseUrl) {
    throw new ConfigError('DATABASE_REPLICA_URLS', 'needs DATABASE_URL (the primary) as well');
  }
  const outboundAllowPrivate = onOff(env, 'OUTBOUND_ALLOW_PRIVATE', false);
  if (production && outboundAllowPrivate) {
    throw new ConfigError('OUTBOUND_ALLOW_PRIVATE', 'must not be on when NODE_ENV=production');
  }
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']);
  if (publicUrl !== undefined && new URL(publicUrl).pathname !== '/') {
    throw new ConfigError('PUBLIC_URL', 'must be an origin like https://roundup.example (no path)');
  }

  return {
    databaseUrl,
    databaseDirectUrl: url(env, 'DATABASE_DIRECT_URL', ['postgres:', 'postgresql:']) ?? databaseUrl,
    databaseReplicaUrls,
    databasePreparedStatements: onOff(env, 'DATABASE_PREPARED_STATEMENTS', true),
    dataDir: env.DATA_DIR || '.data',
    port,
    production,
    introspection: onOff(env, 'INTROSPECTION', !production),
    jwtSecret,
    adminEmail,
    adminPassword,
    demoData: onOff(env, 'DEMO_DATA', databaseUrl === undefined),
    rateLimits: onOff(env, 'RATE_LIMITS', true),
    commentRules: {
      moderationWords: list(env, 'COMMENT_MODERATION_WORDS', DEFAULT_COMMENT_RULES.moderationWords),
      blockedWords: list(env, 'COMMENT_BLOCKED_WORDS', DEFAULT_COMMENT_RULES.blockedWords),
      holdAtLinks: positiveInt(env, 'COMMENT_HOLD_LINKS', DEFAULT_COMMENT_RULES.holdAtLinks),
    },
    compiledReads: onOff(env, 'COMPILED_READS', true),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    corsOrigins,
    trustProxy: proxyHops(env, 'TRUST_PROXY'),
    logLevel: env.LOG_LEVEL || 'info',
    shutdownGraceMs: positiveInt(env, 'SHUTDOWN_GRACE_MS', 0),
    // An hour at most: far past any sane request, and well inside Node's timer range.
    statementTimeoutMs: positiveInt(env, 'STATEMENT_TIMEOUT_MS', 5000, 3_600_000),
    // A day at most: a cached answer shows a roundup's entries that late.
    publicCacheSeconds: positiveInt(env, 'PUBLIC_CACHE_SECONDS', 15, 86_400),
    limits: {
      maxDepth: positiveInt(env, 'MAX_DEPTH', 10),
      maxAliases: positiveInt(env, 'MAX_ALIASES', 15),
      maxTokens: positiveInt(env, 'MAX_TOKENS', 2000),
      maxCost: positiveInt(env, 'MAX_COST', 20000),
      batchedRequests: onOff(env, 'BATCHED_REQUESTS', false),
    },
    socketLimits: {
      maxSocketsPerIp: positiveInt(env, 'MAX_SOCKETS_PER_IP', 20),
      maxSubscriptionsPerSocket: positiveInt(env, 'MAX_SUBSCRIPTIONS_PER_SOCKET', 10),
    },
    outboundAllowPrivate,
    publicUrl: publicUrl && new URL(publicUrl).origin,
  };
}
