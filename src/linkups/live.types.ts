import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Entry, EntryStatus } from './entry.entity';

export enum EntryEventKind {
  ADDED = 'ADDED',
  UPDATED = 'UPDATED',
  APPROVED = 'APPROVED',
  HIDDEN = 'HIDDEN',
  FEATURED = 'FEATURED',
  UNFEATURED = 'UNFEATURED',
}
registerEnumType(EntryEventKind, {
  name: 'EntryEventKind',
  description:
    'What happened to an entry. A subscriber who may not see the entry (pending or hidden) gets every event about it as HIDDEN.',
  valuesConfig: {
    ADDED: { description: 'Submitted (co-hosts also see entries held for approval arrive).' },
    UPDATED: { description: 'Its title, address, blog name or image changed.' },
    APPROVED: { description: 'Shown on the public list: approved, or shown again.' },
    HIDDEN: {
      description:
        'Hidden, withdrawn or held, or not visible to this subscriber: drop it from the list.',
    },
    FEATURED: { description: 'A co-host featured it.' },
    UNFEATURED: { description: 'A co-host took back their feature mark.' },
  },
});

export enum RoundupEventKind {
  SCHEDULED = 'SCHEDULED',
  OPENED = 'OPENED',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
  UPDATED = 'UPDATED',
}
registerEnumType(RoundupEventKind, {
  name: 'RoundupEventKind',
  description: "What happened to one of a link-up's editions.",
  valuesConfig: {
    SCHEDULED: { description: 'A new edition was scheduled.' },
    OPENED: { description: 'It opened: opensAt came.' },
    CLOSED: { description: 'It closed: closesAt came, a co-host closed it, or it filled up.' },
    CANCELLED: { description: 'A co-host cancelled it before it opened.' },
    UPDATED: { description: 'Its title, times or maxEntries changed.' },
  },
});

/** What an entry's status becomes, as an event (PENDING is news to co-hosts only). */
export const STATUS_EVENTS: Record<EntryStatus, EntryEventKind> = {
  [EntryStatus.VISIBLE]: EntryEventKind.APPROVED,
  [EntryStatus.HIDDEN]: EntryEventKind.HIDDEN,
  [EntryStatus.PENDING]: EntryEventKind.UPDATED,
};

/** Bus topics: entry events keyed by roundup id, roundup events keyed by link-up id. */
export const ENTRY_TOPIC = 'entries';
export const ROUNDUP_TOPIC = 'roundups';

/**
 * What crosses the bus: kinds and database ids (and the entry's number, public anyway), never an
 * entry's fields: each subscriber reads those as itself.
 */
export interface EntryMessage {
  kind: EntryEventKind;
  entryId: string;
  number: number;
  roundupId: string;
}
export interface RoundupMessage {
  kind: RoundupEventKind;
  roundupId: string;
}

@ObjectType({ description: 'A change to an entry of the roundup a subscriber follows.' })
export class EntryEvent {
  @Field(() => EntryEventKind, { description: 'What happened.' })
  kind!: EntryEventKind;

  @Field(() => ID, { description: "The entry's id, also when the subscriber may not see it." })
  entryId!: string;

  @Field(() => Int, { description: "The entry's number in its roundup (numbers never change)." })
  number!: number;

  @Field(() => Entry, {
    nullable: true,
    description:
      'The entry as the subscriber may see it now; null when pending or hidden for them.',
  })
  entry!: Entry | null;

  /** The roundup's database id, for the `roundup` field. */
  roundupId!: string;
}

@ObjectType({ description: 'A change to one of the editions of the link-up a subscriber follows.' })
export class RoundupEvent {
  @Field(() => RoundupEventKind, { description: 'What happened.' })
  kind!: RoundupEventKind;

  /** The roundup's database id, for the `roundup` field. */
  roundupId!: string;
}
