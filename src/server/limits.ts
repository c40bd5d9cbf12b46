import { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  DocumentNode,
  getNullableType,
  GraphQLError,
  GraphQLList,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  ValidationContext,
  ValidationRule,
  visit,
} from 'graphql';
import { ComplexityEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { QueryTooComplexError } from '../common/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/pagination';
import { Limits } from '../config';

/** Assumed length of a list field that takes no `first` (replies, co-hosts, featured...). */
const UNPAGED_LIST_SIZE = 10;

/** GraphQL Armor reports through this instead of throwing, with our coded error. */
const reject = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new QueryTooComplexError(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

/** Depth and alias limits, checked before anything runs (introspection is exempt from depth). */
export function limitRules(limits: Limits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true, ...reject }),
    maxAliasesRule({ n: limits.maxAliases, exposeLimits: true, ...reject }),
  ];
}

/**
 * A connection costs `first` (as the resolver will cap it) times its children, and never less
 * than its children once: `first: 0` still plans and runs them, in compiled SQL above all. Its
 * `edges` are already counted by that; any other list ten times its children; a plain field 1.
 */
const listEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.args.some((a) => a.name === 'first')) {
    const first =
      typeof args.first === 'number' && args.first >= 0
        ? Math.min(Math.max(args.first, 1), MAX_PAGE_SIZE)
        : DEFAULT_PAGE_SIZE;
    return 1 + first * childComplexity;
  }
  if (field.name === 'edges' && type.name.endsWith('Connection')) return 1 + childComplexity;
  if (getNullableType(field.type) instanceof GraphQLList)
    return 1 + UNPAGED_LIST_SIZE * childComplexity;
  return undefined;
};

/** The cost estimate (exported for the tests that generate documents under the limit). */
export const COST_ESTIMATORS = [listEstimator, simpleEstimator({ defaultComplexity: 1 })];

/** Whether variables can change a document's cost: one feeds a `first` or a directive. */
function costDependsOnVariables(document: DocumentNode): boolean {
  let depends = false;
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) depends = true;
    },
    Directive(node) {
      if (node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) depends = true;
    },
  });
  return depends;
}

/**
 * The estimated cost of an operation with its variables; null when the variables do not fit
 * their types (execution then reports them as BAD_USER_INPUT).
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number | null {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? undefined,
      estimators: COST_ESTIMATORS,
    });
  } catch (error) {
    if (error instanceof GraphQLError) return null;
    throw error;
  }
}

/** QUERY_TOO_COMPLEX when `cost` is over the limit: nothing runs. */
export function assertCost(cost: number, limits: Limits): void {
  if (cost > limits.maxCost)
    throw new QueryTooComplexError(`Query cost ${cost} is over the limit of ${limits.maxCost}`);
}

/**
 * Estimated cost of the operation (graphql-query-complexity) checked once its variables are
 * known, so `first: $n` counts at its real value; over the limit nothing runs. A cost no
 * variable can change is computed once per document (Apollo keeps parsed documents); so is
 * the finding that variables do change it (null).
 */
export function costLimitPlugin(schema: GraphQLSchema, limits: Limits): ApolloServerPlugin {
  const fixedCosts = new WeakMap<OperationDefinitionNode, number | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, operationName }) {
          const onlyIntrospection = operation?.selectionSet.selections.every(
            (s) => s.kind === 'Field' && s.name.value.startsWith('__'),
          );
          if (!operation || onlyIntrospection) return;
          const fixedCost = fixedCosts.get(operation);
          let cost = fixedCost;
          if (cost == null) {
            cost = estimateCost(schema, document, operationName, request.variables);
            if (cost === null) return;
            if (fixedCost === undefined)
              fixedCosts.set(operation, costDependsOnVariables(document) ? null : cost);
          }
          assertCost(cost, limits);
        },
      };
    },
  };
}
