import { GraphQLError } from 'graphql';

/** Base of every refusal the API gives on purpose; anything else is masked as internal. */
export class AppError extends GraphQLError {
  constructor(message: string, code: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
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

export class RateLimitedError extends AppError {
  constructor(retryAfter: number) {
    super(`Too many requests, try again in ${retryAfter} s`, 'RATE_LIMITED', { retryAfter });
  }
}

/** Refused before execution, so HTTP 400 like Apollo's own validation failures. */
export class QueryTooComplexError extends AppError {
  constructor(message: string) {
    super(message, 'QUERY_TOO_COMPLEX', { http: { status: 400 } });
  }
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
