import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { whenReady } from './async';
import { BadInputError } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Plain data: `simpleResolvers` lets graphql-js read fields directly, without wrappers. */
@ObjectType({
  simpleResolvers: true,
  description:
    'Where a page sits in its list. Pages go forward only: pass endCursor as `after` for the next one.',
})
export class PageInfo {
  @Field({ description: 'True when more items follow this page.' })
  hasNextPage!: boolean;

  @Field({
    description: 'True when this page was asked for with `after`, so items come before it.',
  })
  hasPreviousPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The cursor of the page's first item; null when the page is empty.",
  })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The cursor of the page's last item, to pass as `after` for the next page; null when the page is empty.",
  })
  endCursor!: string | null;
}

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_PAGE_SIZE,
    description: `How many items to return: 0 to ${MAX_PAGE_SIZE} (${DEFAULT_PAGE_SIZE} when null).`,
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Start after this cursor (an edge cursor or pageInfo.endCursor of the same list); from the start when left out or null.',
  })
  after?: string | null;
}

/** A cursor is the row's sort key: each part is a timestamp ("date"), a bigint id ("id") or an integer. */
export type CursorPart = 'date' | 'id' | 'int';
export type CursorValue = string | number;

/** A validated page request: `limit` rows after the keyset position `after` (null = from the start). */
export interface PageRequest {
  limit: number;
  after: CursorValue[] | null;
}

export function encodeCursor(values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function validPart(kind: CursorPart, value: unknown): boolean {
  switch (kind) {
    case 'date':
      // Exactly as toISOString() wrote it (Date.parse takes February 31st), and in PostgreSQL's
      // range (it refuses year 0).
      return (
        typeof value === 'string' &&
        /^(?!0000)\d{4}-/.test(value) &&
        !isNaN(Date.parse(value)) &&
        new Date(value).toISOString() === value
      );
    case 'id':
      return typeof value === 'string' && /^[1-9][0-9]{0,17}$/.test(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
  }
}

/** Checks `first` and decodes `after` against the connection's sort key, or BAD_USER_INPUT. */
export function pageRequest(args: ConnectionArgs, key: CursorPart[]): PageRequest {
  const { after } = args;
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadInputError('first', `first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  if (after === undefined || after === null) return { limit: first, after: null };
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    values = null;
  }
  if (
    !Array.isArray(values) ||
    values.length !== key.length ||
    !key.every((kind, i) => validPart(kind, values[i])) ||
    encodeCursor(values) !== after
  ) {
    throw new BadInputError('after', 'after is not a valid cursor for this list');
  }
  return { limit: first, after: values };
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** What every XConnection resolves from: edges, page info and a lazily counted total. */
export interface ConnectionData<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  count: () => Promise<number>;
}

/**
 * Builds a connection from rows fetched with LIMIT `limit + 1`: the extra row only tells
 * whether a next page exists. `count` runs only when the client asks for totalCount, and once
 * however often it is asked.
 */
export function toConnection<T>(
  rows: T[],
  page: PageRequest,
  cursorOf: (row: T) => CursorValue[],
  count: () => Promise<number>,
): ConnectionData<T> {
  const nodes = rows.slice(0, page.limit);
  let counted: Promise<number> | undefined;
  // Cursors are encoded only when a client asks for them.
  const edges = nodes.map((node) => ({
    node,
    get cursor() {
      return encodeCursor(cursorOf(node));
    },
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    count: () => (counted ??= count()),
  };
}

/** The GraphQL XConnection / XEdge pair for one node type. */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, {
    simpleResolvers: true,
    description: `An item of a page of ${name} objects, with its cursor.`,
  })
  class EdgeType {
    @Field({
      description: 'Opaque position of this item in its list: pass it as `after` to go on from it.',
    })
    cursor!: string;

    @Field(() => node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, {
    simpleResolvers: true,
    description: `A page of a list of ${name} objects (a Relay connection). Pages are keyset: a deep page costs what the first costs.`,
  })
  class Connection {
    @Field(() => [EdgeType], { description: "This page's items, in the list's order." })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Whether more items follow, and how to ask for them.' })
    pageInfo!: PageInfo;

    count!: () => Promise<number>;

    @Field(() => Int, {
      description: 'How many items the whole list holds, every page together, as you may see it.',
    })
    totalCount(): Promise<number> {
      return this.count();
    }
  }
  return Connection;
}

/**
 * Wraps connection data (at hand, or once it arrives) in the GraphQL class so its totalCount
 * method resolves.
 */
export function asConnection<C extends object, T>(
  type: ClassType<C>,
  data: ConnectionData<T> | Promise<ConnectionData<T>>,
): C | Promise<C> {
  return whenReady(data, (d) => Object.assign(new type(), d));
}
