import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node, NODE_ID_DESCRIPTION } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum RoundupStatus {
  SCHEDULED = 'SCHEDULED',
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RoundupStatus, {
  name: 'RoundupStatus',
  description: 'Where an edition stands, worked out from the clock at every read.',
  valuesConfig: {
    SCHEDULED: { description: 'Not open yet: opensAt lies ahead.' },
    OPEN: { description: 'Taking entries.' },
    CLOSED: {
      description:
        'No longer taking entries: closesAt passed, closed early, or maxEntries reached.',
    },
    CANCELLED: { description: 'Cancelled before it opened; it keeps its number.' },
  },
});

/** One edition of a link-up. Its status follows the clock (linkup.reads.ts). */
@Entity('roundups')
@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "One edition of a link-up, numbered 1, 2, 3... within it: open for entries from opensAt to closesAt. Public; pending and hidden entries are the co-hosts'.",
})
export class Roundup implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  linkUpId!: string;

  @Field(() => Int, {
    description:
      'Its number in the link-up: 1, 2, 3..., never reused (a cancelled edition keeps it).',
  })
  @Column({ type: 'int' })
  number!: number;

  @Field(() => String, { nullable: true, description: 'Its title; null when not given.' })
  @Column({ type: 'text', nullable: true })
  title!: string | null;

  @Field({ description: 'When it opens for entries.' })
  @Column({ type: 'timestamptz', precision: 3 })
  opensAt!: Date;

  @Field({ description: 'When it is due to close; closedAt says when it actually did.' })
  @Column({ type: 'timestamptz', precision: 3 })
  closesAt!: Date;

  /** Set by an early close or when maxEntries is reached (the field closedAt reads it). */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  cancelledAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'The edition closes by itself once this many entries are visible.',
  })
  @Column({ type: 'int', nullable: true })
  maxEntries!: number | null;

  /** Counter behind gap-free entry numbers: bumped in the insert's transaction. */
  @Column({ type: 'int' })
  lastEntryNumber!: number;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false, description: NODE_ID_DESCRIPTION })
  get globalId(): string {
    return toGlobalId('Roundup', this.id);
  }
}

/**
 * A co-host of one edition, for display: a scheduled edition follows the link-up's co-hosts, and
 * the list is fixed once it opens.
 */
@Entity('roundup_cohosts')
@ObjectType('Cohost', {
  simpleResolvers: true,
  description:
    "A co-host of one edition, as it is shown (with a welcome for a new one). Managing the edition is up to the link-up's current co-hosts, not this list.",
})
export class RoundupCohost {
  @PrimaryColumn({ type: 'bigint' })
  roundupId!: string;

  @PrimaryColumn({ type: 'bigint' })
  hostId!: string;

  @Field(() => Int, { description: 'Display order: 1 is first.' })
  @Column({ type: 'int' })
  position!: number;

  @Field({
    description:
      "This is the co-host's first edition of the link-up (cancelled ones aside): welcome them.",
  })
  @Column()
  isNew!: boolean;
}

export const RoundupConnection = ConnectionType('Roundup', Roundup);
