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

/** Whether the entrant's page links back to the link-up (docs/linkbacks.md). */
export enum LinkBackStatus {
  UNCHECKED = 'UNCHECKED',
  PENDING = 'PENDING',
  VERIFIED = 'VERIFIED',
  MISSING = 'MISSING',
  UNREACHABLE = 'UNREACHABLE',
}
registerEnumType(LinkBackStatus, {
  name: 'LinkBackStatus',
  description: "Whether the entry's page links back to the link-up.",
  valuesConfig: {
    UNCHECKED: {
      description: 'Never checked: entered before link-backs were checked, or hidden at once.',
    },
    PENDING: { description: 'A check is queued or running.' },
    VERIFIED: {
      description:
        "The page links to a current co-host's blog, a co-host's post or the edition's embed page.",
    },
    MISSING: { description: 'The page was read and has no such link.' },
    UNREACHABLE: {
      description:
        'The page could not be read: an error status, too slow, too large, not HTML, too many redirects or a refused address.',
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

  @Field(() => LinkBackStatus, {
    description: 'Whether its page links back to the link-up; co-hosts can ask for a re-check.',
  })
  @Column({ type: 'text' })
  linkBack!: LinkBackStatus;

  @Field(() => Date, {
    nullable: true,
    description: 'When its page was last checked for a link back; null before the first check.',
  })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  linkBackCheckedAt!: Date | null;

  /** Why the last check found no page (OutboundError's reason and detail); for logs and support. */
  @Column({ type: 'text', nullable: true })
  linkBackProblem!: string | null;

  /** PENDING only for its link-back: a verified check shows it (docs/linkbacks.md). */
  @Column({ type: 'boolean' })
  heldForLinkBack!: boolean;

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
