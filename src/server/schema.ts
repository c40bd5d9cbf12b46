import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema, ClassType, ContainerType, NonEmptyArray, PubSub } from 'type-graphql';
import { authChecker } from '../common/auth';
import {
  commentReads,
  CommentAuthorResolver,
  CommentResolver,
  PostCommentsResolver,
} from '../comments';
import { hostReads, HostResolver } from '../hosts';
import {
  CohostResolver,
  EntryEventResolver,
  EntryResolver,
  HostLinkUpsResolver,
  linkUpReads,
  LinkUpResolver,
  PostRoundupResolver,
  RoundupEventResolver,
  RoundupResolver,
} from '../linkups';
import { HostPostsResolver, postReads, PostResolver } from '../posts';
import { mergeReads } from '../read/model';
import { NodeResolver } from './node.resolver';
import type { Services } from './services';

/** Every domain's read declarations, merged: what both executors read from. */
export const readModel = mergeReads(hostReads, postReads, commentReads, linkUpReads);

/** The resolvers, made with the services they call (none needed to print the schema). */
function resolvers(services?: Services) {
  const made = new Map<unknown, object>([
    [HostResolver, new HostResolver(services?.hosts as never)],
    [PostResolver, new PostResolver(services?.posts as never)],
    [CommentResolver, new CommentResolver(services?.comments as never)],
    [LinkUpResolver, new LinkUpResolver(services?.linkUps as never)],
    [RoundupResolver, new RoundupResolver(services?.roundups as never)],
    [EntryResolver, new EntryResolver(services?.entries as never)],
    ...[
      NodeResolver,
      HostPostsResolver,
      CommentAuthorResolver,
      PostCommentsResolver,
      HostLinkUpsResolver,
      PostRoundupResolver,
      CohostResolver,
      EntryEventResolver,
      RoundupEventResolver,
    ].map((type) => [type, new type()] as const),
  ]);
  const container: ContainerType = { get: (type) => made.get(type) };
  return { list: [...made.keys()] as NonEmptyArray<ClassType>, container };
}

/**
 * The executable schema; also printed to schema.graphql by `npm run schema`. Subscriptions listen
 * on `bus` (an unused one in memory to print it).
 */
export async function createSchema(
  services?: Services,
  bus: PubSub = createPubSub(),
): Promise<GraphQLSchema> {
  const { list, container } = resolvers(services);
  const schema = await buildSchema({
    resolvers: list,
    container,
    authChecker,
    pubSub: bus,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
  });
  // type-graphql takes no descriptions for the root types.
  schema.getQueryType()!.description =
    'Reads. Anonymous, you see what is public; with `Authorization: Bearer <token>` (from signIn) you read as that host.';
  schema.getMutationType()!.description =
    'Writes. Most need a signed-in host; addComment and submitEntry take guests too. A refusal is an error with extensions.code.';
  schema.getSubscriptionType()!.description =
    'Live updates over WebSocket (graphql-transport-ws) at /graphql, with the same sign-in and limits as queries.';
  return schema;
}

/** The SDL committed as schema.graphql; a test fails when it differs from the code. */
export async function printSchemaSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await createSchema()))}\n`;
}

if (require.main === module) {
  printSchemaSdl().then((sdl) =>
    writeFileSync(path.resolve(__dirname, '../../schema.graphql'), sdl),
  );
}
