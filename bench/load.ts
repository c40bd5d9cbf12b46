import autocannon from 'autocannon';

export interface LoadResult {
  /** Successful responses (HTTP 2xx with `data` and no `errors`) per second of the measured run. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Responses of the measured run, successful or not. */
  requests: number;
  /** Non-2xx, GraphQL `errors` with HTTP 200, connection errors and timeouts. */
  errors: number;
  /** One failed body, to say what went wrong. */
  firstError: string | null;
}

/** A GraphQL answer counts only when it has data and no errors (Apollo answers errors with 200). */
function succeeded(body: string): boolean {
  return body.startsWith('{"data"') && !body.includes('"errors":');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface LoadOptions {
  connections: number;
  seconds?: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
  /** Sent with every request, besides the JSON content type (an `authorization`, say). */
  headers?: Record<string, string>;
  /**
   * GET pages instead of POSTing GraphQL: `next` then makes each request's path (on the URL's
   * origin), and a response counts when it is `accepted` (HTTP errors carry other bodies).
   */
  get?: { accepted: (body: string) => boolean };
}

/**
 * One autocannon run (`seconds` long, or `amount` requests) at `connections` connections;
 * `next` makes each request's body (or path, with `get`), so every request may differ.
 * Latencies are every response's, in ms.
 */
export async function load(
  url: string,
  { connections, seconds, amount, headers = {}, get }: LoadOptions,
  next: () => string,
): Promise<LoadResult> {
  const accepted = get?.accepted ?? succeeded;
  const latencies: number[] = [];
  let firstError: string | null = null;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        ...(amount === undefined ? { duration: seconds } : { amount }),
        timeout: 10,
        requests: [
          get
            ? { method: 'GET', headers, setupRequest: (request) => ({ ...request, path: next() }) }
            : {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...headers },
                setupRequest: (request) => ({ ...request, body: next() }),
              },
        ],
        verifyBody: (body) => {
          const ok = accepted(String(body));
          if (!ok && firstError === null) firstError = String(body).slice(0, 500);
          return ok;
        },
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance!.on('response', (_client, _status, _bytes, responseTime) =>
    latencies.push(responseTime),
  );
  const result = await done;
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length - result.mismatches) / result.duration,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    requests: latencies.length,
    errors: result.mismatches + result.errors,
    firstError:
      firstError ??
      (result.errors ? `${result.errors} connection errors, ${result.timeouts} timeouts` : null),
  };
}
