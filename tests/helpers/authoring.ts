import { GqlResult, TestApi } from './api';

let ipSeq = 0;

/** A new client address per call, so the per-IP comment flood limit only meets the requests meant to meet it. */
export function nextIp(): string {
  ipSeq++;
  return `10.${(ipSeq >> 16) & 255}.${(ipSeq >> 8) & 255}.${ipSeq & 255}`;
}

/**
 * A GraphQL call as `token` (anonymous without one) from `ip` (a new address unless given). The
 * API must run with TRUST_PROXY=on so X-Forwarded-For is the client address.
 */
export function caller(t: Pick<TestApi, 'gql'>) {
  return <T = any>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { token?: string; ip?: string; userAgent?: string } = {},
  ): Promise<GqlResult<T>> =>
    t.gql<T>(query, variables, {
      token: options.token,
      headers: {
        'x-forwarded-for': options.ip ?? nextIp(),
        ...(options.userAgent ? { 'user-agent': options.userAgent } : {}),
      },
    });
}

/** The one error of a refused call: its code and the input field it names. */
export function refusal(result: GqlResult): { code: string; field?: string } | undefined {
  const error = result.errors?.[0];
  if (!error) return undefined;
  return error.extensions.field === undefined
    ? { code: error.extensions.code }
    : { code: error.extensions.code, field: error.extensions.field };
}
