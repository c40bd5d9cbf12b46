import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum RoundupStatus {
  SCHEDULED = 'SCHEDULED',
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(RoundupStatus, { name: 'RoundupStatus' });

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

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  closedAt!: Date | null;

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

/** A co-host of one edition, fixed when it is scheduled. */
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

  @Field()
  @Column()
  isNew!: boolean;
}

export const RoundupConnection = ConnectionType('Roundup', Roundup);
