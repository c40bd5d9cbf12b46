import { GraphQLSchema } from 'graphql';
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
  return buildSchema({ resolvers, authChecker, validate: false });
}
