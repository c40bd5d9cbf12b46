import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import {
  DocumentNode,
  FormattedExecutionResult,
  getVariableValues,
  GraphQLSchema,
  OperationDefinitionNode,
} from 'graphql';
import { databaseUnavailable } from '../common/errors';
import { RunStatement } from '../db/prepared';
import { HostService, withViewerRow } from '../hosts';
import { compileOperation, CompiledOperation, NotCompilable } from '../read/compile';
import type { Context } from '../read/context';
import { ReadSpec } from '../read/model';
import { answer, unavailable } from './answers';
import { invalidToken } from './http';
import { Logger } from './logger';

/**
 * Longest statement compiled reads send (4.5x the feed's; it was 16 KB before compiled reads
 * wrote compact JSON text, which makes a document's statement about a third longer).
 * PostgreSQL's planning grows faster than a statement: a larger document (dozens of relations
 * inline) is answered by the resolvers, whose loaders cost the same per batch whatever the
 * document.
 */
export const MAX_COMPILED_SQL = 22 * 1024;

/** `data` as PostgreSQL wrote it: it goes out as it is, never parsed and serialised again. */
class JsonText {
  constructor(readonly text: string) {}
}

/** Apollo's stringifyResult: JSON.stringify, except that compiled data is sent as it came. */
export function stringifyResult(result: FormattedExecutionResult): string {
  const { data, errors, extensions } = result;
  if (data instanceof JsonText && !errors && !extensions) return `{"data":${data.text}}\n`;
  return `${JSON.stringify(result)}\n`;
}

/** Where compiled reads run: the primary, and for anonymous reads a replica (db/replicas.ts). */
export interface Statements {
  run: RunStatement;
  runAnonymous: RunStatement;
}

/**
 * A request that asks past caches (`Cache-Control: no-cache`, as a client after its own write
 * does, or a browser's reload) also reads past replicas, which may lag (docs/scaling.md).
 */
function wantsFresh(headers: HeaderMap | undefined): boolean {
  return /no-cache/i.test(`${headers?.get('cache-control') ?? ''} ${headers?.get('pragma') ?? ''}`);
}

/**
 * Answers a query with one SQL statement that returns the response's data (read/compile.ts),
 * before graphql-js would resolve it field by field, for every viewer: the model's rules take
 * the viewer as parameters. Mutations, and any query the model cannot answer, execute through
 * the resolvers as usual; so does a request whose variables or arguments the resolvers would
 * refuse, so that errors come from one place.
 *
 * A signed-in read runs with the role its token names, and the same statement reads the
 * viewer's row (`withViewerRow`): a gone host or a changed password is refused as a stale token
 * (401), a changed role leaves the request to the resolvers (after `viewerPlugin` reads the row).
 */
export function compiledReadsPlugin(
  schema: GraphQLSchema,
  model: ReadSpec,
  { run, runAnonymous }: Statements,
  hosts: HostService,
  logger: Logger,
): ApolloServerPlugin<Context> {
  // Apollo keeps parsed documents, so an operation node is the same object on every request.
  const compiled = new WeakMap<OperationDefinitionNode, CompiledOperation | null>();
  const compile = (document: DocumentNode, operation: OperationDefinitionNode) => {
    let plan = compiled.get(operation);
    if (plan === undefined) {
      try {
        plan = compileOperation(schema, model, document, operation);
        if (plan.sql.length > MAX_COMPILED_SQL) plan = null;
      } catch (error) {
        if (!(error instanceof NotCompilable)) throw error;
        plan = null;
      }
      compiled.set(operation, plan);
    }
    return plan;
  };

  return {
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue: ctx, document, operation, request }) {
          if (!operation) return null;
          const plan = compile(document, operation);
          if (!plan) return null;
          const variables = getVariableValues(
            schema,
            operation.variableDefinitions ?? [],
            request.variables ?? {},
          );
          if (variables.errors) return null;
          // Claims whose row is not read yet: an older token without a role waits for the row.
          const claims = ctx.viewer ? null : ctx.claims;
          if (claims && !claims.role) return null;
          const viewer = claims ? { id: claims.hostId, role: claims.role! } : ctx.viewer;
          const bind = { variables: variables.coerced, now: ctx.clock.now(), viewer };
          let values: unknown[];
          try {
            plan.checks.forEach((check) => check(bind));
            values = plan.params.map((param) => param(bind));
          } catch {
            return null;
          }
          // An anonymous read may be answered by a replica, unless it asks past caches.
          const mayLag = !viewer && !wantsFresh(request.http?.headers);
          try {
            const [row] = claims
              ? await run(withViewerRow(plan.sql, `$${values.length + 1}::bigint`), [
                  ...values,
                  claims.hostId,
                ])
              : await (mayLag ? runAnonymous : run)(plan.sql, values);
            if (claims && !hosts.holds(claims, row.viewer_password as string | null))
              return answer({ errors: [invalidToken().forClient()] }, 401);
            if (claims && row.viewer_role !== claims.role) return null;
            return answer({ data: new JsonText(String(row.data)) as never });
          } catch (err) {
            // A database that is down or too slow would only fail the resolvers again, later.
            if (databaseUnavailable(err)) return unavailable();
            logger.warn({ err, requestId: ctx.requestId }, 'compiled read failed; resolving it');
            return null;
          }
        },
      };
    },
  };
}

/**
 * Reads the signed-in host's row before the resolvers run (HTTP 401 for a gone host or a stale
 * password stamp). Listed after `compiledReadsPlugin`, whose answers need no row of their own,
 * and before the plugins that act on mutations for the viewer (idempotency keys).
 */
export function viewerPlugin(hosts: HostService): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue: ctx }) {
          if (!ctx.claims || ctx.viewer) return null;
          try {
            ctx.viewer = await hosts.viewer(ctx.claims);
          } catch (err) {
            if (databaseUnavailable(err)) return unavailable();
            throw err;
          }
          return ctx.viewer ? null : answer({ errors: [invalidToken().forClient()] }, 401);
        },
      };
    },
  };
}
