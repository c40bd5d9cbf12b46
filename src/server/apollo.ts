import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { unwrapResolverError } from '@apollo/server/errors';
import { DocumentNode, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { Server } from 'node:http';
import {
  AppError,
  databaseUnavailable,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
} from '../common/errors';
import { publicCache, PRIVATE_NO_STORE } from '../common/http-cache';
import { Config } from '../config';
import { RunStatement } from '../db/prepared';
import { sqlScope } from '../db/sql-counter';
import { compiledReadsPlugin, stringifyResult } from './compiled-reads';
import type { Context } from '../read/context';
import { ReadSpec } from '../read/model';
import { inputGuardPlugin } from './input-guard';
import { costLimitPlugin, limitRules } from './limits';
import { Logger } from './logger';
import { subscriptionsOverHttpRefused } from './http-subscriptions';

/** Apollo sizes a parsed document by its JSON: 4 MB holds about 550 feed-sized queries. */
const DOCUMENT_STORE_BYTES = 4 * 2 ** 20;

/** Codes Apollo itself gives for malformed requests: safe to show as they are. */
const APOLLO_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Our coded errors and Apollo's request errors go out as they are (without stack); a database
 * that is slow or away is SERVICE_UNAVAILABLE; anything else is logged in full and reaches the
 * client as a bare INTERNAL_SERVER_ERROR.
 */
export function maskErrors(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // Apollo relabels validation errors; ours (QUERY_TOO_COMPLEX) keep their own code.
    let ours = original instanceof AppError ? original : (original as GraphQLError)?.originalError;
    if (!(ours instanceof AppError) && databaseUnavailable(original)) {
      const { code, message } = original as { code?: string; message?: string };
      logger.warn({ code, message, path: formatted.path }, 'database unavailable');
      ours = new ServiceUnavailableError();
    }
    if (ours instanceof AppError) {
      const { message, extensions } = ours.forClient();
      return { message, locations: formatted.locations, path: formatted.path, extensions };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && APOLLO_CODES.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    // graphql-js's own request errors (no underlying exception) only describe the request; at
    // a field, an argument value it refused (a null variable for a non-null argument).
    if (original instanceof GraphQLError && !original.originalError) {
      return {
        ...formatted,
        extensions: { code: formatted.path ? 'BAD_USER_INPUT' : 'BAD_REQUEST' },
      };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/**
 * HTTP 503 with Retry-After when any error is SERVICE_UNAVAILABLE: a resolver's database error
 * reaches Apollo without `extensions.http`, so the status is set from the formatted errors.
 */
function unavailableStatus(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          if (!body?.errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

/**
 * Who may keep an answer. An anonymous query answered without errors is the same for every
 * reader: browsers and shared caches (CDNs) may keep it `publicSeconds` and revalidate it by its
 * ETag (http.ts). Signed-in answers, mutations and any answer with errors are kept by no one:
 * an error is often passing (503, RATE_LIMITED) and must not be replayed from a cache.
 */
function cachePolicy(publicSeconds: number): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, contextValue, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const shared =
            operation?.operation === 'query' && !contextValue.viewer && body && !body.errors;
          response.http.headers.set(
            'cache-control',
            shared ? publicCache(publicSeconds) : PRIVATE_NO_STORE,
          );
        },
      };
    },
  };
}

/** One log line per GraphQL request: operation, duration, HTTP status, SQL statements, error codes. */
function requestLog(logger: Logger, exposeSqlCount: boolean): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ request, operationName, response, contextValue, errors }) {
          const statements = sqlScope.getStore()?.statements ?? 0;
          if (exposeSqlCount) response.http.headers.set('x-sql-statements', String(statements));
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = (errors ?? body?.errors ?? []).map(
            (e) =>
              (e as { extensions?: { code?: unknown } }).extensions?.code ??
              'INTERNAL_SERVER_ERROR',
          );
          logger.info(
            {
              requestId: contextValue?.requestId,
              operation: operationName ?? request.operationName ?? null,
              status: response.http.status ?? 200,
              durationMs: Number(process.hrtime.bigint() - started) / 1e6,
              sqlStatements: statements,
              ...(codes.length ? { errors: codes } : {}),
            },
            'graphql request',
          );
        },
      };
    },
  };
}

export function createApollo(
  schema: GraphQLSchema,
  model: ReadSpec,
  runStatement: RunStatement,
  httpServer: Server,
  config: Config,
  logger: Logger,
) {
  return new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    // Off: it protects cookie sessions from forged cross-site requests. Ours are bearer tokens,
    // which a browser never attaches by itself: a forged request runs anonymous, able to do only
    // what anyone may do directly. On, it refuses the stock clients' GET queries (urql's
    // default) that carry no extra header. Mutations by GET stay refused (Apollo), and a POST
    // needs a JSON body (express.json), which no plain form or simple request can send.
    csrfPrevention: false,
    allowBatchedHttpRequests: config.limits.batchedRequests,
    parseOptions: { maxTokens: config.limits.maxTokens },
    // Parsed documents, and the compiled plans and costs kept beside each (Apollo's default
    // keeps 30 MB of them: a stream of distinct documents grew the process by 230 MB).
    documentStore: new InMemoryLRUCache<DocumentNode>({
      maxSize: DOCUMENT_STORE_BYTES,
      sizeCalculation: InMemoryLRUCache.sizeCalculation,
    }),
    validationRules: limitRules(config.limits),
    // index.ts handles SIGTERM/SIGINT: readiness first, then drain, then the pool.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    formatError: maskErrors(logger),
    stringifyResult,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // On by default, it wraps every field resolver; we send no cache hints.
      ApolloServerPluginCacheControlDisabled(),
      config.introspection
        ? ApolloServerPluginLandingPageLocalDefault({ footer: false })
        : ApolloServerPluginLandingPageDisabled(),
      inputGuardPlugin(),
      subscriptionsOverHttpRefused(),
      costLimitPlugin(schema, config.limits),
      // Before the request log, which logs the status it sets.
      unavailableStatus(),
      cachePolicy(config.publicCacheSeconds),
      requestLog(logger, !config.production),
      ...(config.compiledReads ? [compiledReadsPlugin(schema, model, runStatement, logger)] : []),
    ],
  });
}
