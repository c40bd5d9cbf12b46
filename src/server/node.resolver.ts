import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { BadInputError } from '../common/errors';
import { parseGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { canSeeEntry } from '../linkups/linkup.service';
import { canSeePost } from '../posts/post.service';
import { Context } from './context';

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global id; null when missing or not visible.',
  })
  async node(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Node | null> {
    const parsed = parseGlobalId(id);
    if (!parsed) throw new BadInputError('id', 'id is not a valid global id');
    const { loaders } = ctx;
    switch (parsed.type) {
      case 'Host':
        return loaders.host.load(parsed.id);
      case 'Post': {
        const post = await loaders.post.load(parsed.id);
        return post && canSeePost(ctx, post) ? post : null;
      }
      case 'Comment': {
        const comment = await loaders.comment.load(parsed.id);
        return comment && (await ctx.services.comments.canSee(ctx, comment)) ? comment : null;
      }
      case 'LinkUp':
        return loaders.linkUp.load(parsed.id);
      case 'Roundup':
        return loaders.roundup.load(parsed.id);
      case 'Entry': {
        const entry = await loaders.entry.load(parsed.id);
        return entry && (await canSeeEntry(ctx, entry)) ? entry : null;
      }
    }
  }
}
