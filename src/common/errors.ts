import { GraphQLError, GraphQLFormattedError } from 'graphql';

/** Base of every refusal the API gives on purpose; anything else is masked as internal. */
export class AppError extends GraphQLError {
  constructor(message: string, code: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
  }

  /** What a client sees of it: message and extensions, without the HTTP hints Apollo reads. */
  forClient(): GraphQLFormattedError {
    const { http: _http, ...extensions } = this.extensions;
    return { message: this.message, extensions };
  }
}

export class BadInputError extends AppError {
  constructor(field: string, message: string) {
    super(message, 'BAD_USER_INPUT', { field });
  }
}

export class UnauthenticatedError extends AppError {
  /** `status` is the HTTP status when thrown before execution (a bad token). */
  constructor(message = 'Sign in to do this', status?: number) {
    super(message, 'UNAUTHENTICATED', status ? { http: { status } } : {});
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this') {
    super(message, 'FORBIDDEN');
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, 'NOT_FOUND');
  }
}

export class ConflictError extends AppError {
  constructor(message: string, field?: string) {
    super(message, 'CONFLICT', field ? { field } : {});
  }
}

export class RoundupNotOpenError extends AppError {
  constructor(status: string) {
    super(`This roundup is ${status.toLowerCase()}, entries are not accepted`, 'ROUNDUP_NOT_OPEN');
  }
}

export class CommentsClosedError extends AppError {
  constructor() {
    super('Comments are closed on this post', 'COMMENTS_CLOSED');
  }
}

export class LimitExceededError extends AppError {
  constructor(message: string) {
    super(message, 'LIMIT_EXCEEDED');
  }
}

/**
 * Over a limit of `limit` actions per window, which ends in `retryAfter` seconds: said in the
 * body and in the headers HTTP clients read (Retry-After, and IETF's RateLimit-* draft fields).
 */
export class RateLimitedError extends AppError {
  constructor(retryAfter: number, limit: number, remaining = 0) {
    super(`Too many requests, try again in ${retryAfter} s`, 'RATE_LIMITED', {
      retryAfter,
      http: {
        headers: new Map([
          ['retry-after', String(retryAfter)],
          ['ratelimit-limit', String(limit)],
          ['ratelimit-remaining', String(remaining)],
          ['ratelimit-reset', String(retryAfter)],
        ]),
      },
    });
  }
}

/** Refused before execution, so HTTP 400 like Apollo's own validation failures. */
export class QueryTooComplexError extends AppError {
  constructor(message: string) {
    super(message, 'QUERY_TOO_COMPLEX', { http: { status: 400 } });
  }
}

/** Seconds a client should wait before retrying when the database is slow or away. */
export const RETRY_AFTER_SECONDS = 5;

/** The database is unreachable or too slow: HTTP 503 with `Retry-After`, worth retrying. */
export class ServiceUnavailableError extends AppError {
  constructor(message = 'The service is busy or its database unreachable, try again shortly') {
    super(message, 'SERVICE_UNAVAILABLE', {
      retryAfter: RETRY_AFTER_SECONDS,
      http: { status: 503, headers: new Map([['retry-after', String(RETRY_AFTER_SECONDS)]]) },
    });
  }
}

/**
 * SQLSTATEs that say the database is unavailable rather than the request wrong: class 08
 * (connection exception), 53300 too many connections, 57014 statement timeout (or cancel),
 * 57P01-57P03 shutting down or starting.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53300|57014|57P0[123])$/;
/** Node's socket errors for a database that is down or out of reach. */
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's and pg-pool's own errors, which carry no code: client timeouts and lost connections. */
const UNAVAILABLE_MESSAGE =
  /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Client was closed)/;

/**
 * Where errors keep the one they wrap. graphql-js wraps a thrown value that is no Error of its
 * realm (Node's socket errors under jest) in a NonErrorThrown with `thrownValue`.
 */
type Wrapping = {
  code?: unknown;
  message?: unknown;
  originalError?: unknown;
  driverError?: unknown;
  thrownValue?: unknown;
  cause?: unknown;
};

/**
 * Whether an error (a GraphQL error, TypeORM's QueryFailedError or the pg error itself) comes
 * from the database being slow or unreachable, looking through the errors that wrap it.
 */
export function databaseUnavailable(error: unknown): boolean {
  let e = error as Wrapping | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    const { code, message } = e;
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))
    )
      return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    e = (e.originalError ?? e.driverError ?? e.thrownValue ?? e.cause) as Wrapping | undefined;
  }
  return false;
}

/** The constraint a PostgreSQL unique violation (23505) broke, or null for any other error. */
export function uniqueViolation(error: unknown): string | null {
  const e = error as {
    code?: unknown;
    constraint?: unknown;
    driverError?: { code?: unknown; constraint?: unknown };
  };
  const source = e?.driverError ?? e;
  return source?.code === '23505' && typeof source.constraint === 'string'
    ? source.constraint
    : null;
}
