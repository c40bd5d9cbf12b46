import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { BadInputError } from '../common/errors';
import { parseGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { Context } from '../read/context';

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global id; null when missing or not visible.',
  })
  node(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: "A Node's id; a malformed one is BAD_USER_INPUT." })
    id: string,
  ): Promise<object | null> {
    if (!parseGlobalId(id)) throw new BadInputError('id', 'id is not a valid global id');
    return ctx.reads.node(id);
  }
}
