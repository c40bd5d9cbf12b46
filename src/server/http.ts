import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import compression from 'compression';
import cors from 'cors';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import {
  databaseUnavailable,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  UnauthenticatedError,
} from '../common/errors';
import { Config } from '../config';
import { sqlScope } from '../db/sql-counter';
import { Context, RequestContext } from '../read/context';
import { graphiql } from './graphiql';
import { ReadSpec } from '../read/model';
import { Logger } from './logger';
import { Services } from './services';

export const MAX_BODY_BYTES = 100 * 1024;

/** What a request needs once the database is up. */
export interface AppParts {
  db: DataSource;
  services: Services;
  clock: Clock;
  model: ReadSpec;
}

/** Lifecycle seen by HTTP: the server listens before the database is reachable. */
export interface AppState {
  /** Set once migrations ran and Apollo started. */
  graphql?: RequestHandler;
  /** POST /webmention, set with graphql. */
  webmention?: RequestHandler;
  db?: DataSource;
  shuttingDown: boolean;
}

function requestId(req: Request): string {
  const given = req.header('x-request-id');
  return given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}

/** The host behind an `Authorization` value ("Bearer <token>"); null when malformed, expired or forged. */
export async function bearerViewer(authorization: string, services: Services) {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
  return match ? services.hosts.viewer(match[1]) : null;
}

/**
 * Builds the per-request context: the viewer behind the bearer token, and fresh reads (made on
 * first use: a compiled read needs none).
 */
async function buildContext(req: Request, res: Response, parts: AppParts): Promise<Context> {
  let viewer: Context['viewer'] = null;
  const auth = req.header('authorization');
  if (auth) {
    viewer = await bearerViewer(auth, parts.services);
    if (!viewer)
      throw new UnauthenticatedError(
        'Invalid or expired token: send "Authorization: Bearer <token>"',
        401,
      );
  }
  return new RequestContext(
    res.locals.requestId as string,
    viewer,
    parts.clock,
    req.ip ?? 'unknown',
    req.header('user-agent')?.slice(0, 500) ?? null,
    parts.model,
    parts.db,
  );
}

function jsonError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
) {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

/** The /graphql handler: JSON body capped at 100 KB, then Apollo with a fresh context. */
export function graphqlHandler(apollo: ApolloServer<Context>, parts: AppParts): RequestHandler {
  const json = express.json({ limit: MAX_BODY_BYTES });
  const apolloHandler = expressMiddleware(apollo, {
    // Apollo answers a failed context with HTTP 500 unless the error brings its own status.
    context: ({ req, res }) =>
      buildContext(req, res, parts).catch((error: unknown) => {
        throw databaseUnavailable(error) ? new ServiceUnavailableError() : error;
      }),
  });
  return (req, res, next) =>
    json(req, res, (error?: unknown) => (error ? next(error) : apolloHandler(req, res, next)));
}

/**
 * A strong ETag on the exact body of a public answer (Apollo's cachePolicy says which are), as
 * both executors wrote it and before any compression; Express's res.send then answers a GET whose
 * If-None-Match matches with 304 and no body.
 */
function tagPublicAnswers(res: Response) {
  const send = res.send.bind(res);
  res.send = ((body?: unknown) => {
    if (typeof body === 'string' && String(res.getHeader('cache-control')).startsWith('public'))
      res.setHeader('etag', `"${createHash('sha256').update(body).digest('base64url')}"`);
    return send(body);
  }) as Response['send'];
}

export function createApp(config: Config, logger: Logger, state: AppState) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // hashing every GraphQL response costs more than it saves
  app.set('trust proxy', config.trustProxy);
  // The sandbox page loads Apollo's scripts, so no CSP; the API itself only serves JSON.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  app.use(cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 }));
  // gzip or brotli (quality 4, the middleware's default) for answers of 1 KB or more.
  app.use(compression({ threshold: 1024 }));

  app.use((req, res, next) => {
    res.locals.requestId = requestId(req);
    res.setHeader('x-request-id', res.locals.requestId);
    sqlScope.run({ statements: 0 }, next);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    if (state.shuttingDown) return void res.status(503).json({ status: 'shutting down' });
    if (!state.graphql || !state.db) return void res.status(503).json({ status: 'starting' });
    try {
      await state.db.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });

  // Wherever introspection is on, as the Apollo sandbox at /graphql; 404 elsewhere.
  if (config.introspection) app.use('/graphiql', graphiql());

  app.use('/graphql', (req, res, next) => {
    // What Apollo refuses before its plugins run (a bad body, CSRF...) is kept by no one; its
    // cachePolicy plugin sets this header on every answer it makes. Both vary with these.
    res.setHeader('cache-control', 'private, no-store');
    res.vary('Authorization').vary('Accept-Encoding');
    tagPublicAnswers(res);
    if (state.graphql) return state.graphql(req, res, next);
    res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    jsonError(res, 503, 'SERVICE_UNAVAILABLE', 'Starting: the database is not ready yet', {
      retryAfter: RETRY_AFTER_SECONDS,
    });
  });

  app.post('/webmention', (req, res, next) => {
    if (state.webmention) return state.webmention(req, res, next);
    res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    res.status(503).type('text/plain').send('Starting, try again shortly\n');
  });

  app.use((_req: Request, res: Response) =>
    jsonError(res, 404, 'NOT_FOUND', 'Not found: the API is at /graphql'),
  );

  // Body-parser failures (too large, malformed JSON) answer in GraphQL's error shape, not HTML.
  app.use(
    (
      error: { status?: number; type?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (error.type === 'entity.too.large') {
        return jsonError(
          res,
          413,
          'PAYLOAD_TOO_LARGE',
          `Request body is over ${MAX_BODY_BYTES} bytes`,
        );
      }
      if (error.status && error.status >= 400 && error.status < 500) {
        return jsonError(res, error.status, 'BAD_REQUEST', 'Malformed request body');
      }
      logger.error({ err: error, requestId: res.locals.requestId }, 'unexpected http error');
      jsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    },
  );
  return app;
}
