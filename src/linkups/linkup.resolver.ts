import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { Host } from '../hosts/host.entity';
import { Context } from '../server/context';
import { LinkUp } from './linkup.entity';
import { Roundup, RoundupConnection, RoundupStatus } from './roundup.entity';

@Resolver(() => LinkUp)
export class LinkUpResolver {
  @Query(() => LinkUp, { nullable: true })
  linkUp(@Ctx() ctx: Context, @Arg('slug') slug: string) {
    return ctx.services.linkUps.bySlug(ctx, slug);
  }

  @Query(() => [LinkUp])
  linkUps(@Ctx() ctx: Context) {
    return ctx.services.linkUps.list(ctx);
  }

  @FieldResolver(() => [Host], { description: 'Current co-hosts in display order.' })
  cohosts(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.loaders.linkUpCohosts.load(linkUp.id);
  }

  @FieldResolver(() => Roundup, { nullable: true, description: 'The open roundup, else the next scheduled one.' })
  currentRoundup(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.loaders.currentRoundup.load(linkUp.id);
  }

  @FieldResolver(() => RoundupConnection, { description: 'Newest edition first.' })
  async roundups(
    @Root() linkUp: LinkUp,
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('status', () => RoundupStatus, { nullable: true }) status?: RoundupStatus,
  ) {
    return asConnection(RoundupConnection, await ctx.loaders.roundupsOfLinkUp(status, args).load(linkUp.id));
  }
}
