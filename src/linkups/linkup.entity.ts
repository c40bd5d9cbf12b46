import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';

export enum Weekday {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}
registerEnumType(Weekday, { name: 'Weekday' });

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
@ObjectType({ implements: Node, simpleResolvers: true })
export class LinkUp implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field()
  @Column()
  slug!: string;

  @Field()
  @Column()
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  rules!: string | null;

  @Field(() => Weekday)
  @Column({ type: 'text' })
  weekday!: Weekday;

  @Field()
  @Column()
  opensAtTime!: string;

  @Field(() => Int)
  @Column({ type: 'int' })
  hoursOpen!: number;

  @Field()
  @Column()
  timeZone!: string;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  maxEntriesPerPerson!: number | null;

  @Field(() => EntryModeration, {
    description: 'Whether new entries show at once or wait for approval by a co-host.',
  })
  @Column({ type: 'text' })
  entryModeration!: EntryModeration;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
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
