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
import { Context } from '../server/context';
import { prefetched } from '../server/prefetch';
import { LinkUp } from './linkup.entity';
import { CreateLinkUpInput, UpdateLinkUpInput } from './linkup.inputs';
import { Roundup, RoundupConnection, RoundupStatus } from './roundup.entity';

@Resolver(() => LinkUp)
export class LinkUpResolver {
  @Query(() => LinkUp, { nullable: true })
  linkUp(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo, @Arg('slug') slug: string) {
    return prefetched(ctx, info, 'LinkUp', ctx.services.linkUps.bySlug(ctx, slug));
  }

  @Query(() => [LinkUp])
  linkUps(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return prefetched(ctx, info, 'LinkUp', ctx.services.linkUps.list(ctx));
  }

  @Authorized('ADMIN')
  @Mutation(() => LinkUp, { description: 'Admins only.' })
  createLinkUp(@Ctx() ctx: Context, @Arg('input') input: CreateLinkUpInput) {
    return ctx.services.linkUps.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => LinkUp, {
    description: "The link-up's co-hosts and admins. Editions already scheduled keep their times.",
  })
  updateLinkUp(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateLinkUpInput,
  ) {
    return ctx.services.linkUps.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => LinkUp, {
    description: "The link-up's co-hosts and admins. CONFLICT when the host already co-hosts.",
  })
  addCohost(
    @Ctx() ctx: Context,
    @Arg('linkUpId', () => ID) linkUpId: string,
    @Arg('hostId', () => ID) hostId: string,
    @Arg('position', () => Int, {
      nullable: true,
      description: 'Display position from 1; default: last.',
    })
    position?: number | null,
  ) {
    return ctx.services.linkUps.addCohost(ctx, linkUpId, hostId, position);
  }

  @Authorized()
  @Mutation(() => LinkUp, {
    description: "The link-up's co-hosts and admins. The last co-host cannot be removed.",
  })
  removeCohost(
    @Ctx() ctx: Context,
    @Arg('linkUpId', () => ID) linkUpId: string,
    @Arg('hostId', () => ID) hostId: string,
  ) {
    return ctx.services.linkUps.removeCohost(ctx, linkUpId, hostId);
  }

  @FieldResolver(() => [Host], { description: 'Current co-hosts in display order.' })
  cohosts(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.loaders.linkUpCohosts.get(linkUp.id);
  }

  @FieldResolver(() => Roundup, {
    nullable: true,
    description: 'The open roundup, else the next scheduled one.',
  })
  currentRoundup(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.loaders.currentRoundup.get(linkUp.id);
  }

  @FieldResolver(() => RoundupConnection, { description: 'Newest edition first.' })
  roundups(
    @Root() linkUp: LinkUp,
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('status', () => RoundupStatus, { nullable: true }) status?: RoundupStatus,
  ) {
    return asConnection(
      RoundupConnection,
      ctx.loaders.roundupsOfLinkUp(status, args).get(linkUp.id),
    );
  }
}
