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
import { Host } from '../hosts';
import { Post } from '../posts';
import { Context } from '../read/context';
import { prefetched } from '../read/prefetch';
import { LinkUp } from './linkup.entity';
import { CreateLinkUpInput, UpdateLinkUpInput } from './linkup.inputs';
import { linkUpReads } from './linkup.reads';
import { LinkUpService } from './linkup.service';
import { Roundup, RoundupConnection, RoundupStatus } from './roundup.entity';

const { Query: queries, LinkUp: fields } = linkUpReads;

const LINK_UP_ID = "The link-up's global id.";
const HOST_ID = "The host's global id.";

@Resolver(() => LinkUp)
export class LinkUpResolver {
  constructor(private readonly service: LinkUpService) {}

  @Query(() => LinkUp, {
    nullable: true,
    description: 'A link-up by slug; null when there is none.',
  })
  linkUp(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('slug', { description: "The link-up's slug." }) slug: string,
  ) {
    return prefetched(ctx, info, ctx.reads.get(queries.fields.linkUp, null, { slug }));
  }

  @Query(() => [LinkUp], { description: 'Every link-up, by name.' })
  linkUps(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return prefetched(ctx, info, ctx.reads.get(queries.fields.linkUps, null));
  }

  @Authorized('ADMIN')
  @Mutation(() => LinkUp, { description: 'Admins only: a new link-up with its first co-hosts.' })
  createLinkUp(
    @Ctx() ctx: Context,
    @Arg('input', { description: 'The link-up.' }) input: CreateLinkUpInput,
  ) {
    return this.service.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => LinkUp, {
    description: "The link-up's co-hosts and admins. Editions already scheduled keep their times.",
  })
  updateLinkUp(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: LINK_UP_ID }) id: string,
    @Arg('input', { description: 'The changes.' }) input: UpdateLinkUpInput,
  ) {
    return this.service.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => LinkUp, {
    description: "The link-up's co-hosts and admins. CONFLICT when the host already co-hosts.",
  })
  addCohost(
    @Ctx() ctx: Context,
    @Arg('linkUpId', () => ID, { description: LINK_UP_ID }) linkUpId: string,
    @Arg('hostId', () => ID, { description: HOST_ID }) hostId: string,
    @Arg('position', () => Int, {
      nullable: true,
      description: 'Display position from 1; default: last.',
    })
    position?: number | null,
  ) {
    return this.service.addCohost(ctx, linkUpId, hostId, position);
  }

  @Authorized()
  @Mutation(() => LinkUp, {
    description: "The link-up's co-hosts and admins. The last co-host cannot be removed.",
  })
  removeCohost(
    @Ctx() ctx: Context,
    @Arg('linkUpId', () => ID, { description: LINK_UP_ID }) linkUpId: string,
    @Arg('hostId', () => ID, { description: HOST_ID }) hostId: string,
  ) {
    return this.service.removeCohost(ctx, linkUpId, hostId);
  }

  @FieldResolver(() => [Host], {
    description: 'Current co-hosts in display order: they manage every edition.',
  })
  cohosts(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.cohosts, linkUp);
  }

  @FieldResolver(() => Roundup, {
    nullable: true,
    description: 'The open edition, else the next scheduled one; null when neither.',
  })
  currentRoundup(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.currentRoundup, linkUp);
  }

  @FieldResolver(() => Roundup, {
    nullable: true,
    description:
      'currentRoundup, else the last edition that opened (now closed): what a blog embedding the link-up shows. Null before any edition opened or was scheduled.',
  })
  latestRoundup(@Root() linkUp: LinkUp, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.latestRoundup, linkUp);
  }

  @FieldResolver(() => RoundupConnection, { description: 'Its editions, newest first.' })
  roundups(
    @Root() linkUp: LinkUp,
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('status', () => RoundupStatus, {
      nullable: true,
      description: 'Only editions with this status now; null for all.',
    })
    status?: RoundupStatus,
    @Arg('opened', () => Boolean, {
      nullable: true,
      description:
        'true: only editions that have opened (OPEN or CLOSED); false: only those that have not (SCHEDULED or CANCELLED); null for all.',
    })
    opened?: boolean,
  ) {
    return asConnection(
      RoundupConnection,
      ctx.reads.page(fields.fields.roundups, linkUp, { ...args, status, opened }),
    );
  }
}

/** Host.linkUps and Post.roundup: the link-up side of hosts and posts. */
@Resolver(() => Host)
export class HostLinkUpsResolver {
  @FieldResolver(() => [LinkUp], { description: 'Link-ups this host currently co-hosts.' })
  linkUps(@Root() host: Host, @Ctx() ctx: Context) {
    return ctx.reads.get(linkUpReads.Host.fields.linkUps, host);
  }
}

@Resolver(() => Post)
export class PostRoundupResolver {
  @FieldResolver(() => Roundup, {
    nullable: true,
    description: 'The link-up edition this post carries; null when none.',
  })
  roundup(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.reads.get(linkUpReads.Post.fields.roundup, post);
  }
}
