import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import { fromGlobalId, toGlobalId } from '../common/ids';
import { Context } from '../read/context';
import { Entry } from './entry.entity';
import {
  ENTRY_TOPIC,
  EntryEvent,
  EntryEventKind,
  EntryMessage,
  ROUNDUP_TOPIC,
  RoundupEvent,
  RoundupMessage,
} from './live.types';
import { Roundup } from './roundup.entity';

/** The edition an event is about, as the subscriber reads it now. */
const roundupOf = (event: { roundupId: string }, ctx: Context) =>
  ctx.reads.node(toGlobalId('Roundup', event.roundupId)) as Promise<Roundup | null>;

@Resolver(() => EntryEvent)
export class EntryEventResolver {
  @Subscription(() => EntryEvent, {
    topics: ENTRY_TOPIC,
    topicId: ({ args }) => fromGlobalId(args.roundupId, 'Roundup', 'roundupId'),
    description:
      "Live changes to a roundup's entries, in the order they were made. The entry is read as the subscriber: one who may not see it (pending or hidden) gets HIDDEN with entry null, so a list drops it. Refused over the query limits (as over HTTP) and beyond MAX_SUBSCRIPTIONS_PER_SOCKET (LIMIT_EXCEEDED); ends with SERVICE_UNAVAILABLE when live updates are interrupted (subscribe again and refetch).",
  })
  async entryEvents(
    @Root() message: EntryMessage,
    @Ctx() ctx: Context,
    @Arg('roundupId', () => ID, { description: 'The roundup to follow.' }) _roundupId: string,
  ): Promise<EntryEvent> {
    ctx.nextEvent();
    const entryId = toGlobalId('Entry', message.entryId);
    const entry = (await ctx.reads.node(entryId)) as Entry | null;
    return Object.assign(new EntryEvent(), {
      kind: entry ? message.kind : EntryEventKind.HIDDEN,
      entryId,
      number: message.number,
      entry,
      roundupId: message.roundupId,
    });
  }

  @FieldResolver(() => Roundup, { description: 'The roundup the entry is in.' })
  roundup(@Root() event: EntryEvent, @Ctx() ctx: Context) {
    return roundupOf(event, ctx);
  }
}

@Resolver(() => RoundupEvent)
export class RoundupEventResolver {
  @Subscription(() => RoundupEvent, {
    topics: ROUNDUP_TOPIC,
    topicId: ({ args }) => fromGlobalId(args.linkUpId, 'LinkUp', 'linkUpId'),
    description:
      "Live changes to a link-up's editions: scheduled, opened and closed (by the clock within seconds, once), cancelled, edited. Limits and interruptions as for entryEvents.",
  })
  roundupEvents(
    @Root() message: RoundupMessage,
    @Ctx() ctx: Context,
    @Arg('linkUpId', () => ID, { description: 'The link-up to follow.' }) _linkUpId: string,
  ): RoundupEvent {
    ctx.nextEvent();
    return Object.assign(new RoundupEvent(), message);
  }

  @FieldResolver(() => Roundup, { description: 'The edition, as it is now.' })
  roundup(@Root() event: RoundupEvent, @Ctx() ctx: Context) {
    return roundupOf(event, ctx);
  }
}
