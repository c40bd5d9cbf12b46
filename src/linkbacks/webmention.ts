import express, { Request, RequestHandler, Response } from 'express';
import { Clock } from '../common/clock';
import { databaseUnavailable, RateLimitedError, RETRY_AFTER_SECONDS } from '../common/errors';
import { LinkBackService, WebmentionRefused } from './linkback.service';

/** A webmention is two URLs: anything much larger is not one. */
const MAX_BODY = '8kb';

function text(res: Response, status: number, body: string) {
  res.status(status).type('text/plain; charset=utf-8').send(`${body}\n`);
}

/**
 * `POST /webmention` (W3C Webmention): form-encoded `source` and `target`. 202 once the matching
 * entries are queued for a check (the answer does not wait for it); 400 with the reason in plain
 * text; 429 over the per-IP write limit; 503 while the database is unreachable.
 */
export function webmentionHandler(
  service: LinkBackService,
  clock: Clock,
  onError: (error: unknown) => void,
): RequestHandler {
  const form = express.urlencoded({ extended: false, limit: MAX_BODY, parameterLimit: 10 });
  return (req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    if (!req.is('application/x-www-form-urlencoded')) {
      return text(res, 400, 'Send source and target as application/x-www-form-urlencoded');
    }
    form(req, res, async (parseError?: unknown) => {
      if (parseError) return text(res, 400, 'Malformed or oversized form body');
      try {
        const body = req.body as Record<string, unknown>;
        const ip = res.locals.clientIp as string;
        await service.webmention(ip, body.source, body.target, clock.now());
        text(res, 202, 'Accepted: the link back will be checked shortly');
      } catch (error) {
        if (error instanceof WebmentionRefused) return text(res, 400, error.message);
        if (error instanceof RateLimitedError) {
          const { headers } = error.extensions.http as { headers: Map<string, string> };
          for (const [name, value] of headers) res.setHeader(name, value);
          return text(res, 429, error.message);
        }
        if (databaseUnavailable(error)) {
          res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
          return text(res, 503, 'Service unavailable, try again later');
        }
        onError(error);
        text(res, 500, 'Internal server error');
      }
    });
  };
}
