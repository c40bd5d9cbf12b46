import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node, NODE_ID_DESCRIPTION } from '../common/node';

export enum Weekday {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}
registerEnumType(Weekday, {
  name: 'Weekday',
  description: "A day of the week, in the link-up's time zone.",
  valuesConfig: Object.fromEntries(
    Object.keys(Weekday).map((day) => [day, { description: day[0] + day.slice(1).toLowerCase() }]),
  ),
});

/** Whether a new entry shows at once or waits for a co-host's approval. */
export enum EntryModeration {
  OPEN = 'OPEN',
  HOLD_FIRST_TIME = 'HOLD_FIRST_TIME',
  HOLD_ALL = 'HOLD_ALL',
}
registerEnumType(EntryModeration, {
  name: 'EntryModeration',
  description: 'Whether a new entry shows at once or waits for a co-host to approve it.',
  valuesConfig: {
    OPEN: { description: 'Entries show at once (unless the word lists hold or block them).' },
    HOLD_FIRST_TIME: {
      description:
        "An entry waits (PENDING) until the submitter's email has an earlier visible entry in this link-up.",
    },
    HOLD_ALL: { description: 'Every entry waits (PENDING) for a co-host to approve it.' },
  },
});

/** A recurring link-up with its weekly schedule; `opensAtTime` is local HH:MM in `timeZone`. */
@Entity('link_ups')
@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    'A recurring link-up run by co-hosts: every week an edition (a Roundup) opens for entries at the same local time. Public.',
})
export class LinkUp implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field({ description: 'Unique name in URLs: linkUp(slug) finds it. It never changes.' })
  @Column()
  slug!: string;

  @Field({ description: "The link-up's name." })
  @Column()
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: 'What it is about, plain text; null when not given.',
  })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'What entrants should know, plain text; null when not given.',
  })
  @Column({ type: 'text', nullable: true })
  rules!: string | null;

  @Field(() => Weekday, { description: 'The weekday editions open, in timeZone.' })
  @Column({ type: 'text' })
  weekday!: Weekday;

  @Field({ description: 'The local time editions open, HH:MM (24-hour) in timeZone.' })
  @Column()
  opensAtTime!: string;

  @Field(() => Int, { description: 'How long an edition stays open, in elapsed hours (1 to 168).' })
  @Column({ type: 'int' })
  hoursOpen!: number;

  @Field({ description: 'The IANA time zone of the schedule, such as America/New_York.' })
  @Column()
  timeZone!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'How many entries one person (by email) may submit per edition; null for no cap.',
  })
  @Column({ type: 'int', nullable: true })
  maxEntriesPerPerson!: number | null;

  @Field(() => EntryModeration, {
    description: 'Whether new entries show at once or wait for approval by a co-host.',
  })
  @Column({ type: 'text' })
  entryModeration!: EntryModeration;

  @Field({
    description:
      "New entries wait (PENDING) until their page is found to link back to the link-up, then show by themselves; co-hosts' own entries need none.",
  })
  @Column({ type: 'boolean' })
  requireLinkBack!: boolean;

  @Field({ description: 'When the link-up was created.' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false, description: NODE_ID_DESCRIPTION })
  get globalId(): string {
    return toGlobalId('LinkUp', this.id);
  }
}

/** A current co-host of a link-up, in display order. */
@Entity('link_up_cohosts')
export class LinkUpCohost {
  @PrimaryColumn({ type: 'bigint' })
  linkUpId!: string;

  @PrimaryColumn({ type: 'bigint' })
  hostId!: string;

  @Column({ type: 'int' })
  position!: number;
}
