import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum EntryStatus {
  PENDING = 'PENDING',
  VISIBLE = 'VISIBLE',
  HIDDEN = 'HIDDEN',
}
registerEnumType(EntryStatus, {
  name: 'EntryStatus',
  valuesConfig: {
    PENDING: {
      description: "Held for approval: seen by the roundup's co-hosts and admins only.",
    },
    VISIBLE: { description: 'On the public list.' },
    HIDDEN: {
      description: 'Hidden by a co-host, withdrawn by its submitter or blocked by the word list.',
    },
  },
});

/** A reader's link in a roundup. `submitterEmail` is resolved for co-hosts and admins only. */
@Entity('entries')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Entry implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  roundupId!: string;

  @Field(() => Int)
  @Column({ type: 'int' })
  number!: number;

  @Field()
  @Column()
  title!: string;

  @Field()
  @Column()
  url!: string;

  @Column()
  normalizedUrl!: string;

  @Field()
  @Column()
  submitterName!: string;

  @Column()
  submitterEmail!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  blogName!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  imageUrl!: string | null;

  @Field(() => EntryStatus)
  @Column({ type: 'text' })
  status!: EntryStatus;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  /** sha256 of the edit token: the token itself is never stored. */
  @Column({ type: 'bytea', nullable: true })
  editTokenHash!: Buffer | null;

  /** The edit token, set on the submitEntry answer only (Entry.editToken). */
  editToken?: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return toGlobalId('Entry', this.id);
  }
}

/** A co-host's "featured" mark on an entry. */
@Entity('entry_features')
export class EntryFeature {
  @PrimaryColumn({ type: 'bigint' })
  entryId!: string;

  @PrimaryColumn({ type: 'bigint' })
  hostId!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}

export const EntryConnection = ConnectionType('Entry', Entry);
