import { ApolloServerPlugin } from '@apollo/server';
import { ArgumentNode, DocumentNode, GraphQLError, ObjectFieldNode, visit } from 'graphql';
import type { Context } from '../read/context';
import { Logger } from './logger';

/**
 * NUL and other control characters (tab, line feed and carriage return aside) have no place in
 * any text this API stores, and PostgreSQL cannot store NUL at all: refuse them at the edge,
 * in variables and in inline literals alike, before anything runs.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Deeper than any input of the schema (an input object holding a list of input objects is 3),
 * far below what would exhaust a walk: variables nested deeper are refused before anything
 * (graphql-js's coercion included) walks them.
 */
export const MAX_VARIABLE_DEPTH = 32;

/** A refusal of the variables: where (a path like `input.tags[2]`), and why. */
interface Refusal {
  field: string;
  problem: string;
  /** No client makes this by mistake: worth a warning in the log. */
  hostile?: boolean;
}

/** The first string with control characters, or the first value nested too deep: walked with a stack, no recursion. */
function findInValue(root: unknown): Refusal | null {
  const stack: [value: unknown, path: string, depth: number][] = [[root, '', 0]];
  while (stack.length) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (CONTROL.test(value)) return { field: path, problem: 'contains control characters' };
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_VARIABLE_DEPTH)
      return {
        field: path || 'variables',
        problem: `is nested deeper than ${MAX_VARIABLE_DEPTH} levels`,
        hostile: true,
      };
    const entries = Array.isArray(value)
      ? value.map((item, i): [string, unknown] => [`${path}[${i}]`, item])
      : Object.entries(value).map(([key, item]): [string, unknown] => [
          path ? `${path}.${key}` : key,
          item,
        ]);
    // Pushed in reverse, so the first offending value in document order is found first.
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push([entries[i][1], entries[i][0], depth + 1]);
  }
  return null;
}

function findInDocument(document: DocumentNode): string | null {
  let found: string | null = null;
  const names: string[] = [];
  visit(document, {
    Argument: {
      enter: (node: ArgumentNode) => void names.push(node.name.value),
      leave: () => void names.pop(),
    },
    ObjectField: {
      enter: (node: ObjectFieldNode) => void names.push(node.name.value),
      leave: () => void names.pop(),
    },
    StringValue(node) {
      if (!found && CONTROL.test(node.value)) found = names.join('.') || 'query';
    },
  });
  return found;
}

/**
 * Refuses, before anything runs, variables with control characters or nested deeper than any
 * input can be (BAD_USER_INPUT, HTTP 400). Too deep is an attack rather than a mistake: it is
 * logged as a warning (no stack: the request, not the server, is at fault).
 */
export function inputGuardPlugin(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          const inline = findInDocument(document);
          const refusal =
            findInValue(request.variables ?? {}) ??
            (inline ? { field: inline, problem: 'contains control characters' } : null);
          if (!refusal) return;
          const { field, problem, hostile } = refusal;
          if (hostile)
            logger.warn({ requestId: contextValue.requestId, field }, `input refused: ${problem}`);
          throw new GraphQLError(`${field} ${problem}`, {
            extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
          });
        },
      };
    },
  };
}
