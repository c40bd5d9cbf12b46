import {
  DocumentNode,
  ExecutionArgs,
  getOperationAST,
  GraphQLError,
  GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { Context as SocketContext, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { AppError, databaseUnavailable, LimitExceededError } from '../common/errors';
import { Config } from '../config';
import { RequestContext } from '../read/context';
import { Viewer } from '../read/model';
import { maskErrors } from './apollo';
import { clientIp } from './client-ip';
import { AppParts, bearerClaims } from './http';
import { assertCost, estimateCost, limitRules } from './limits';
import { Logger } from './logger';

/**
 * Close codes. graphql-ws's client gives up on 4401 and 4429 (retrying cannot help) and tries
 * 1001 (shutdown) and 1013 again later.
 */
export const CLOSE = { unauthorized: 4401, tooManySockets: 4429, tryAgainLater: 1013 };

/** Who holds a socket: signed in at connection_init, like a request's Authorization header. */
interface Holder {
  viewer: Viewer | null;
  ip: string;
  userAgent: string | null;
}

/** One subscription, for its log line. */
interface Running {
  requestId: string;
  operation: string | null;
  started: bigint;
  executing: boolean;
  events: number;
  errors: unknown[];
}

/** A refusal graphql-js reports without a code (a syntax or validation error), coded as Apollo does. */
const coded = (code: string) => (error: GraphQLError) =>
  error instanceof AppError
    ? error
    : new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        extensions: { code },
      });

/**
 * GraphQL subscriptions over WebSocket (graphql-ws, `graphql-transport-ws`) at /graphql on the
 * API's HTTP server. Apollo's plugins never see these operations, so its rules are applied here
 * from the same functions: the token check, the depth, alias, token and cost limits, error
 * masking and a log line per subscription; plus caps on sockets per client address and on
 * subscriptions per socket. Queries and mutations stay on HTTP.
 */
export function serveSubscriptions(
  httpServer: Server,
  schema: GraphQLSchema,
  parts: AppParts,
  config: Config,
  logger: Logger,
) {
  const { limits, socketLimits } = config;
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const holders = new WeakMap<WebSocket, Holder>();
  const running = new WeakMap<SocketContext, Map<string, Running>>();
  const socketsPerIp = new Map<string, number>();
  const mask = maskErrors(logger);
  const rules = [
    ...specifiedRules,
    ...limitRules(limits),
    ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  // Registered before graphql-ws's own listener, so an over-cap socket is closed at once.
  wss.on('connection', (socket, request) => {
    const ip = clientIp(request, config.trustProxy);
    const open = (socketsPerIp.get(ip) ?? 0) + 1;
    socketsPerIp.set(ip, open);
    socket.once('close', () => {
      const left = socketsPerIp.get(ip)! - 1;
      if (left) socketsPerIp.set(ip, left);
      else socketsPerIp.delete(ip);
    });
    if (open > socketLimits.maxSocketsPerIp) {
      socket.close(CLOSE.tooManySockets, 'Too many sockets from this address');
      return;
    }
    holders.set(socket, { viewer: null, ip, userAgent: request.headers['user-agent'] ?? null });
  });

  const runningOf = (ctx: SocketContext) => {
    let map = running.get(ctx);
    if (!map) running.set(ctx, (map = new Map()));
    return map;
  };

  const codesOf = (errors: readonly { extensions?: { code?: unknown } }[]) =>
    errors.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');

  /** The log line of a subscription that ended (or was refused), like HTTP's request log. */
  const finish = (ctx: SocketContext, id: string) => {
    const run = runningOf(ctx).get(id);
    if (!run) return;
    runningOf(ctx).delete(id);
    logger.info(
      {
        requestId: run.requestId,
        operation: run.operation,
        transport: 'websocket',
        durationMs: Number(process.hrtime.bigint() - run.started) / 1e6,
        events: run.events,
        ...(run.errors.length ? { errors: run.errors } : {}),
      },
      'graphql subscription',
    );
  };

  /** The refusal, or what graphql-ws runs: parsed, validated and priced as Apollo would. */
  function prepare(
    ctx: SocketContext,
    payload: SubscribePayload,
    holder: Holder,
    run: Running,
  ): ExecutionArgs | readonly GraphQLError[] {
    if (Object.keys(ctx.subscriptions).length > socketLimits.maxSubscriptionsPerSocket) {
      return [
        new LimitExceededError(
          `At most ${socketLimits.maxSubscriptionsPerSocket} subscriptions at once on one socket`,
        ),
      ];
    }
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return [coded('GRAPHQL_PARSE_FAILED')(error)];
      throw error;
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length) return invalid.map(coded('GRAPHQL_VALIDATION_FAILED'));
    const operation = getOperationAST(document, payload.operationName);
    if (operation?.operation !== 'subscription') {
      const message = 'Only subscriptions run over WebSocket: send queries and mutations over HTTP';
      return [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })];
    }
    run.operation = operation.name?.value ?? null;
    try {
      const cost = estimateCost(schema, document, payload.operationName, payload.variables);
      if (cost !== null) assertCost(cost, limits);
    } catch (error) {
      if (error instanceof AppError) return [error];
      throw error;
    }
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: new RequestContext(
        run.requestId,
        null,
        holder.viewer,
        parts.clock,
        holder.ip,
        holder.userAgent,
        parts.model,
        parts.db,
      ),
    };
  }

  const server = useServer(
    {
      schema,
      async onConnect(ctx) {
        const holder = holders.get(ctx.extra.socket);
        if (!holder) return false;
        const authorization = ctx.connectionParams?.authorization;
        if (!authorization) return true;
        try {
          const claims =
            typeof authorization === 'string'
              ? await bearerClaims(authorization, parts.services)
              : null;
          holder.viewer = claims && (await parts.services.hosts.viewer(claims));
        } catch (error) {
          if (!databaseUnavailable(error)) logger.error({ err: error }, 'websocket sign-in failed');
          ctx.extra.socket.close(CLOSE.tryAgainLater, 'Service unavailable, try again shortly');
          return false;
        }
        if (holder.viewer) return true;
        ctx.extra.socket.close(
          CLOSE.unauthorized,
          'Invalid or expired token: send connectionParams.authorization = "Bearer <token>"',
        );
        return false;
      },
      onSubscribe(ctx, id, payload) {
        const run: Running = {
          requestId: randomUUID(),
          operation: payload.operationName ?? null,
          started: process.hrtime.bigint(),
          executing: false,
          events: 0,
          errors: [],
        };
        runningOf(ctx).set(id, run);
        const prepared = prepare(ctx, payload, holders.get(ctx.extra.socket)!, run);
        run.executing = !Array.isArray(prepared);
        return prepared;
      },
      onNext(ctx, id, _payload, _args, result) {
        const run = runningOf(ctx).get(id);
        if (run) run.events++;
        if (!result.errors) return;
        const errors = result.errors.map((e) => mask(e.toJSON(), e));
        run?.errors.push(...codesOf(errors));
        return { ...result, errors };
      },
      onError(ctx, id, _payload, errors) {
        const masked = errors.map((e) => mask(e.toJSON(), e));
        const run = runningOf(ctx).get(id);
        run?.errors.push(...codesOf(masked));
        // Refused before it ran: no onComplete follows.
        if (run && !run.executing) finish(ctx, id);
        return masked;
      },
      onComplete(ctx, id) {
        finish(ctx, id);
      },
    },
    wss,
  );

  return {
    /** Closes every socket (1001, going away); a client that does not answer is cut after 2 s. */
    async close() {
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 2000).unref();
      await server.dispose();
      clearTimeout(cut);
    },
  };
}
