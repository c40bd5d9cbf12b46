import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum RoundupStatus {
  SCHEDULED = 'SCHEDULED',
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RoundupStatus, {
  name: 'RoundupStatus',
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
@ObjectType({ implements: Node, simpleResolvers: true })
export class Roundup implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  linkUpId!: string;

  @Field(() => Int)
  @Column({ type: 'int' })
  number!: number;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  title!: string | null;

  @Field()
  @Column({ type: 'timestamptz', precision: 3 })
  opensAt!: Date;

  @Field()
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

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return toGlobalId('Roundup', this.id);
  }
}

/**
 * A co-host of one edition, for display: a scheduled edition follows the link-up's co-hosts, and
 * the list is fixed once it opens.
 */
@Entity('roundup_cohosts')
@ObjectType('Cohost', { simpleResolvers: true })
export class RoundupCohost {
  @PrimaryColumn({ type: 'bigint' })
  roundupId!: string;

  @PrimaryColumn({ type: 'bigint' })
  hostId!: string;

  @Field(() => Int)
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
