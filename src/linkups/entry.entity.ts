import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node, NODE_ID_DESCRIPTION } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum EntryStatus {
  PENDING = 'PENDING',
  VISIBLE = 'VISIBLE',
  HIDDEN = 'HIDDEN',
}
registerEnumType(EntryStatus, {
  name: 'EntryStatus',
  description: 'Whether an entry is on the public list.',
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
@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "A reader's link in a roundup. Visible entries are public; pending and hidden ones are seen by the link-up's current co-hosts and admins.",
})
export class Entry implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  roundupId!: string;

  @Field(() => Int, {
    description:
      'Its number in the roundup: 1, 2, 3... in submission order, never changed or reused (hiding one renumbers nothing).',
  })
  @Column({ type: 'int' })
  number!: number;

  @Field({ description: "The linked post's title, as submitted." })
  @Column()
  title!: string;

  @Field({ description: 'The link (http or https), as submitted.' })
  @Column()
  url!: string;

  @Column()
  normalizedUrl!: string;

  @Field({ description: 'The name its submitter gave.' })
  @Column()
  submitterName!: string;

  @Column()
  submitterEmail!: string;

  @Field(() => String, { nullable: true, description: "The blog's name; null when not given." })
  @Column({ type: 'text', nullable: true })
  blogName!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A thumbnail's address (http or https); null when not given.",
  })
  @Column({ type: 'text', nullable: true })
  imageUrl!: string | null;

  @Field(() => EntryStatus, { description: 'VISIBLE, PENDING or HIDDEN.' })
  @Column({ type: 'text' })
  status!: EntryStatus;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  /** sha256 of the edit token: the token itself is never stored. */
  @Column({ type: 'bytea', nullable: true })
  editTokenHash!: Buffer | null;

  /** The edit token, set on the submitEntry answer only (Entry.editToken). */
  editToken?: string;

  @Field({ description: 'When it was submitted.' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false, description: NODE_ID_DESCRIPTION })
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
