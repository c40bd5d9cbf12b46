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
import { Entry, EntryConnection } from './entry.entity';
import { LinkUp } from './linkup.entity';
import { ScheduleRoundupInput, UpdateRoundupInput } from './linkup.inputs';
import { linkUpReads } from './linkup.reads';
import { Roundup, RoundupCohost, RoundupStatus } from './roundup.entity';
import { RoundupService } from './roundup.service';

const { Query: queries, Roundup: fields } = linkUpReads;

const ROUNDUP_ID = "The roundup's global id.";

@Resolver(() => Roundup)
export class RoundupResolver {
  constructor(private readonly service: RoundupService) {}

  @Query(() => Roundup, {
    nullable: true,
    description: 'One edition of a link-up by its number; null when there is none.',
  })
  roundup(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('linkUpSlug', { description: "The link-up's slug." }) linkUpSlug: string,
    @Arg('number', () => Int, { description: "The edition's number in the link-up: 1, 2, 3..." })
    number: number,
  ) {
    const roundup = ctx.reads.get(queries.fields.roundup, null, { linkUpSlug, number });
    return prefetched(ctx, info, roundup);
  }

  @Authorized()
  @Mutation(() => Roundup, {
    description:
      "The link-up's co-hosts and admins: the next edition, with the link-up's current co-hosts.",
  })
  scheduleRoundup(
    @Ctx() ctx: Context,
    @Arg('input', { description: 'The edition.' }) input: ScheduleRoundupInput,
  ) {
    return this.service.schedule(ctx, input);
  }

  @Authorized()
  @Mutation(() => Roundup, {
    description:
      "The link-up's co-hosts and admins. A new opensAt without closesAt keeps the edition's length; times that overlap a neighbouring edition are refused (BAD_USER_INPUT naming the field).",
  })
  updateRoundup(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: ROUNDUP_ID }) id: string,
    @Arg('input', { description: 'The changes.' }) input: UpdateRoundupInput,
  ) {
    return this.service.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => Roundup, {
    description:
      "The link-up's co-hosts and admins: closes an OPEN edition now, before closesAt. A closed one is returned as it is; a SCHEDULED or CANCELLED one is a CONFLICT (cancel a scheduled edition instead).",
  })
  closeRoundup(@Ctx() ctx: Context, @Arg('id', () => ID, { description: ROUNDUP_ID }) id: string) {
    return this.service.close(ctx, id);
  }

  @Authorized()
  @Mutation(() => Roundup, {
    description:
      "The link-up's co-hosts and admins: cancels a SCHEDULED edition (it keeps its number and shows CANCELLED). A cancelled one is returned as it is; an OPEN or CLOSED one is a CONFLICT.",
  })
  cancelRoundup(@Ctx() ctx: Context, @Arg('id', () => ID, { description: ROUNDUP_ID }) id: string) {
    return this.service.cancel(ctx, id);
  }

  @FieldResolver(() => RoundupStatus, {
    description: 'SCHEDULED, OPEN, CLOSED or CANCELLED, by the clock at the time you ask.',
  })
  status(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.status, roundup);
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'When a CLOSED edition actually closed: closesAt, or earlier when closed by hand or on reaching maxEntries. Null until then.',
  })
  closedAt(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.closedAt, roundup);
  }

  @FieldResolver(() => LinkUp, { description: 'The link-up it is an edition of.' })
  linkUp(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.linkUp, roundup);
  }

  @FieldResolver(() => [RoundupCohost], {
    description:
      "This edition's co-hosts in display order, for display: it follows the link-up's while SCHEDULED and is fixed once it opens.",
  })
  cohosts(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.cohosts, roundup);
  }

  @FieldResolver(() => [Post], { description: 'Published posts carrying this roundup.' })
  posts(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.posts, roundup);
  }

  @FieldResolver(() => [Entry], {
    description: 'Visible entries featured by a co-host, by number.',
  })
  featured(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.featured, roundup);
  }

  @FieldResolver(() => Int, { description: 'Visible entries.' })
  entryCount(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.entryCount, roundup);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'Entries awaiting approval: for co-hosts and admins, null for everyone else.',
  })
  pendingEntryCount(@Root() roundup: Roundup, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.pendingEntryCount, roundup);
  }

  @FieldResolver(() => EntryConnection, {
    description:
      'By number. includeHidden (pending and hidden entries too) is honoured for co-hosts and admins only.',
  })
  entries(
    @Root() roundup: Roundup,
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('includeHidden', {
      defaultValue: false,
      description: "Pending and hidden entries too: for the link-up's co-hosts and admins.",
    })
    includeHidden: boolean,
  ) {
    const page = ctx.reads.page(fields.fields.entries, roundup, { ...args, includeHidden });
    return asConnection(EntryConnection, page);
  }
}

@Resolver(() => RoundupCohost)
export class CohostResolver {
  @FieldResolver(() => ID, {
    description:
      'Opaque id for client caches, unique across types: one per host on one edition. Not a Node id.',
  })
  id(@Root() cohost: RoundupCohost, @Ctx() ctx: Context): string {
    return ctx.reads.keyId('Cohost', cohost);
  }

  @FieldResolver(() => Host, { description: 'The co-host.' })
  host(@Root() cohost: RoundupCohost, @Ctx() ctx: Context) {
    return ctx.reads.get(linkUpReads.Cohost.fields.host, cohost);
  }
}
