import { GraphQLResponse, HeaderMap } from '@apollo/server';
import { FormattedExecutionResult } from 'graphql';
import { AppError, ServiceUnavailableError } from '../common/errors';

/** An answer a plugin makes before execution (responseForOperation): data, or errors. */
export function answer(
  singleResult: FormattedExecutionResult,
  status?: number,
  headers = new HeaderMap(),
): GraphQLResponse {
  return { http: { status, headers }, body: { kind: 'single', singleResult } };
}

/** One coded error, formatted as Apollo's formatError would, with its HTTP status. */
export function refusal(status: number, code: string, message: string, retryAfter?: number) {
  const error = new AppError(message, code, retryAfter ? { retryAfter } : {});
  const headers = new HeaderMap();
  if (retryAfter) headers.set('retry-after', String(retryAfter));
  return answer({ errors: [error.forClient()] }, status, headers);
}

/** The database is down or too slow: apollo.ts's unavailableStatus makes it a 503. */
export const unavailable = () => answer({ errors: [new ServiceUnavailableError().forClient()] });
