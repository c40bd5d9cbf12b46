import { ApolloServerPlugin } from '@apollo/server';
import { ArgumentNode, DocumentNode, GraphQLError, ObjectFieldNode, visit } from 'graphql';

/**
 * NUL and other control characters (tab, line feed and carriage return aside) have no place in
 * any text this API stores, and PostgreSQL cannot store NUL at all: refuse them at the edge,
 * in variables and in inline literals alike, before anything runs.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function findInValue(value: unknown, path: string): string | null {
  if (typeof value === 'string') return CONTROL.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findInValue(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findInValue(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
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

export function inputGuardPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const field = findInValue(request.variables ?? {}, '') ?? findInDocument(document);
          if (field) {
            throw new GraphQLError(`${field} contains control characters`, {
              extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
