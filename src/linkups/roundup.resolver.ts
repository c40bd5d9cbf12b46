import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Info,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { GraphQLResolveInfo } from 'graphql';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { Host } from '../hosts/host.entity';
import { Post } from '../posts/post.entity';
import { whenReady } from '../common/async';
import { Context } from '../server/context';
import { prefetched } from '../server/prefetch';
import { Entry, EntryConnection } from './entry.entity';
import { LinkUp } from './linkup.entity';
import { ScheduleRoundupInput, UpdateRoundupInput } from './linkup.inputs';
import { isRoundupCohost } from './linkup.service';
import { Roundup, RoundupCohost, roundupStatus, RoundupStatus } from './roundup.entity';

@Resolver(() => Roundup)
export class RoundupResolver {
  @Query(() => Roundup, { nullable: true })
  roundup(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('linkUpSlug') linkUpSlug: string,
    @Arg('number', () => Int) number: number,
  ) {
    return prefetched(ctx, info, 'Roundup', ctx.services.linkUps.roundup(ctx, linkUpSlug, number));
  }

  @Authorized()
  @Mutation(() => Roundup, {
    description:
      "The link-up's co-hosts and admins: the next edition, with the link-up's current co-hosts.",
  })
  scheduleRoundup(@Ctx() ctx: Context, @Arg('input') input: ScheduleRoundupInput) {
    return ctx.services.roundups.schedule(ctx, input);
  }

  @Authorized()
  @Mutation(() => Roundup, { description: "The roundup's co-hosts and admins." })
  updateRoundup(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateRoundupInput,
  ) {
    return ctx.services.roundups.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => Roundup, {
    description: "The roundup's co-hosts and admins: closes it now, before closesAt.",
  })
  closeRoundup(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return ctx.services.roundups.close(ctx, id);
  }

  @FieldResolver(() => RoundupStatus)
  status(@Root() roundup: Roundup, @Ctx() ctx: Context): RoundupStatus {
    return roundupStatus(roundup, ctx.clock.now());
  }

  @FieldResolver(() => LinkUp)
  linkUp(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.loaders.linkUp.get(roundup.linkUpId);
  }

  @FieldResolver(() => [RoundupCohost], {
    description: "This edition's co-hosts in display order.",
  })
  cohosts(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.loaders.roundupCohosts.get(roundup.id);
  }

  @FieldResolver(() => [Post], { description: 'Published posts carrying this roundup.' })
  posts(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.loaders.postsOfRoundup.get(roundup.id);
  }

  @FieldResolver(() => [Entry], {
    description: 'Visible entries featured by a co-host, by number.',
  })
  featured(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.loaders.featuredEntries.get(roundup.id);
  }

  @FieldResolver(() => Int, { description: 'Visible entries.' })
  entryCount(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.loaders.visibleEntryCount.get(roundup.id);
  }

  @FieldResolver(() => EntryConnection, {
    description: 'By number. includeHidden is honoured for co-hosts and admins only.',
  })
  entries(
    @Root() roundup: Roundup,
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('includeHidden', { defaultValue: false }) includeHidden: boolean,
  ) {
    return whenReady(includeHidden && isRoundupCohost(ctx, roundup.id), (hidden) =>
      asConnection(EntryConnection, ctx.loaders.entriesOfRoundup(hidden)(args).get(roundup.id)),
    );
  }
}

@Resolver(() => RoundupCohost)
export class CohostResolver {
  @FieldResolver(() => Host)
  host(@Root() cohost: RoundupCohost, @Ctx() ctx: Context) {
    return ctx.loaders.host.get(cohost.hostId);
  }
}
