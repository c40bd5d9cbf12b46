import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'type-graphql';
import { authChecker } from '../common/auth';
import { CommentResolver } from '../comments/comment.resolver';
import { HostResolver } from '../hosts/host.resolver';
import { EntryResolver } from '../linkups/entry.resolver';
import { LinkUpResolver } from '../linkups/linkup.resolver';
import { CohostResolver, RoundupResolver } from '../linkups/roundup.resolver';
import { PostResolver } from '../posts/post.resolver';
import { NodeResolver } from './node.resolver';

export const resolvers = [
  NodeResolver,
  HostResolver,
  PostResolver,
  CommentResolver,
  LinkUpResolver,
  RoundupResolver,
  CohostResolver,
  EntryResolver,
] as const;

/** The executable schema; also printed to schema.graphql by `npm run schema`. */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
  });
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
