import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import compression from 'compression';
import cors from 'cors';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import {
  databaseUnavailable,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  UnauthenticatedError,
} from '../common/errors';
import { etagOf } from '../common/http-cache';
import { Config } from '../config';
import { PUBLIC_PATHS } from '../embed';
import { sqlScope } from '../db/sql-counter';
import { Context, RequestContext } from '../read/context';
import { clientIp } from './client-ip';
import { graphiql } from './graphiql';
import { ReadSpec } from '../read/model';
import { Logger } from './logger';
import { Services } from './services';

export const MAX_BODY_BYTES = 100 * 1024;

const isPublicPath = (path: string) =>
  PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));

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
  /** The public embed, event-stream, oEmbed and feed routes (src/embed), set with `graphql`. */
  embed?: RequestHandler;
  /** POST /webmention, set with graphql. */
  webmention?: RequestHandler;
  db?: DataSource;
  shuttingDown: boolean;
}

function requestId(req: Request): string {
  const given = req.header('x-request-id');
  return given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}

/** What an `Authorization` value ("Bearer <token>") says; null when malformed, expired or forged. */
export async function bearerClaims(authorization: string, services: Services) {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
  return match ? services.hosts.claims(match[1]) : null;
}

/**
 * Builds the per-request context: the claims of the bearer token (checked without the database;
 * the host's row is read before execution, or inside a compiled read's own statement), and fresh
 * reads (made on first use: a compiled read needs none).
 */
async function buildContext(req: Request, res: Response, parts: AppParts): Promise<Context> {
  let claims: Context['claims'] = null;
  const auth = req.header('authorization');
  if (auth) {
    claims = await bearerClaims(auth, parts.services);
    if (!claims) throw invalidToken();
  }
  return new RequestContext(
    res.locals.requestId as string,
    claims,
    null,
    parts.clock,
    res.locals.clientIp as string,
    req.header('user-agent')?.slice(0, 500) ?? null,
    parts.model,
    parts.db,
  );
}

/** A forged, expired or stale token: HTTP 401 before anything runs. */
export const invalidToken = () =>
  new UnauthenticatedError('Invalid or expired token: send "Authorization: Bearer <token>"', 401);

function jsonError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
) {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}

/** A route asked for before the database is ready: 503, with when to come back. */
function starting(res: Response) {
  res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  jsonError(res, 503, 'SERVICE_UNAVAILABLE', 'Starting: the database is not ready yet', {
    retryAfter: RETRY_AFTER_SECONDS,
  });
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
 * both executors wrote it and before any compression, unless the route set it (from a body it
 * keeps); Express's res.send then answers a GET whose If-None-Match matches with 304 and no body.
 */
function tagPublicAnswers(res: Response) {
  const send = res.send.bind(res);
  res.send = ((body?: unknown) => {
    const tag =
      typeof body === 'string' &&
      !res.hasHeader('etag') &&
      String(res.getHeader('cache-control')).startsWith('public');
    if (tag) res.setHeader('etag', etagOf(body));
    return send(body);
  }) as Response['send'];
}

export function createApp(config: Config, logger: Logger, state: AppState) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // hashing every GraphQL response costs more than it saves
  // The same hop count as clientIp, for what Express derives from proxies' headers.
  app.set('trust proxy', config.trustProxy);
  // The sandbox page loads Apollo's scripts, so no CSP; the API itself only serves JSON.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  // /graphql is open to CORS_ORIGINS; the public routes to every origin, without credentials.
  const graphqlCors = cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 });
  const publicCors = cors({ origin: '*', methods: ['GET'], maxAge: 600 });
  app.use((req, res, next) => (isPublicPath(req.path) ? publicCors : graphqlCors)(req, res, next));
  // gzip or brotli (quality 4, the middleware's default) for answers of 1 KB or more.
  app.use(compression({ threshold: 1024 }));

  app.use((req, res, next) => {
    res.locals.requestId = requestId(req);
    res.locals.clientIp = clientIp(req, config.trustProxy);
    res.setHeader('x-request-id', res.locals.requestId);
    // While shutting down, each answer retires its keep-alive connection: a proxy holding it open
    // would otherwise send its next request just as the server closes it (nginx answers 502 to a
    // POST it cannot safely retry), instead of opening a connection the closed listener refuses.
    if (state.shuttingDown) res.setHeader('connection', 'close');
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
    starting(res);
  });

  app.use((req, res, next) => {
    if (!isPublicPath(req.path)) return next();
    tagPublicAnswers(res);
    // One log line per answer (for an event stream, when it ends), as GraphQL requests get.
    const started = process.hrtime.bigint();
    const scope = sqlScope.getStore();
    res.once('close', () =>
      logger.info(
        {
          requestId: res.locals.requestId,
          path: req.path,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          sqlStatements: scope?.statements ?? 0,
        },
        'public request',
      ),
    );
    if (state.embed) return state.embed(req, res, next);
    starting(res);
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
