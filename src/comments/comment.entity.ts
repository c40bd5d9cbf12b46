import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node, NODE_ID_DESCRIPTION } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum CommentStatus {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  SPAM = 'SPAM',
  TRASH = 'TRASH',
}
registerEnumType(CommentStatus, {
  name: 'CommentStatus',
  description: 'Where a comment stands in moderation: only APPROVED comments are public.',
  valuesConfig: {
    PENDING: {
      description: "Awaiting moderation: seen by the post's author and admins only.",
    },
    APPROVED: { description: 'Public.' },
    SPAM: { description: 'Spam (a blocked word, the honeypot, or a moderator): hidden.' },
    TRASH: { description: 'Removed by a moderator: hidden.' },
  },
});

/** Deepest nesting a reply may reach; depth 1 is a top-level comment. */
export const MAX_COMMENT_DEPTH = 5;

/** A comment by a guest or a signed-in host. IP and user agent are private spam evidence. */
@Entity('comments')
@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "A comment on a post by a guest or a signed-in host, or a reply to one. Approved comments are public; the post's author and admins see the rest.",
})
export class Comment implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  postId!: string;

  @Column({ type: 'bigint', nullable: true })
  parentId!: string | null;

  @Field(() => Int, {
    description: '1 for a comment on the post, 2 for a reply to one, and so on to 5.',
  })
  @Column({ type: 'smallint' })
  depth!: number;

  @Column({ type: 'bigint', nullable: true })
  authorHostId!: string | null;

  @Column({ type: 'text', nullable: true })
  guestName!: string | null;

  @Column({ type: 'text', nullable: true })
  guestEmail!: string | null;

  @Column({ type: 'text', nullable: true })
  guestBlogName!: string | null;

  @Column({ type: 'text', nullable: true })
  guestUrl!: string | null;

  @Field({ description: 'Plain text, as written; bodyHtml is it ready to show.' })
  @Column()
  body!: string;

  /** Rendered when the body is written (read/model.ts: a column both executors read). */
  @Field({ description: 'Escaped plain text, line breaks kept, URLs linked.' })
  @Column()
  bodyHtml!: string;

  @Field(() => CommentStatus, { description: 'Where it stands in moderation.' })
  @Column({ type: 'text' })
  status!: CommentStatus;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ type: 'text', nullable: true })
  userAgent!: string | null;

  @Field({ description: 'When it was written.' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false, description: NODE_ID_DESCRIPTION })
  get globalId(): string {
    return toGlobalId('Comment', this.id);
  }
}

/** Who wrote a comment: a guest ("Name @ Blog Name") or a host with an account. */
@ObjectType({
  simpleResolvers: true,
  description:
    'Who wrote a comment: a guest (a name, maybe a blog; never the email) or a host with an account.',
})
export class CommentAuthor {
  @Field({ description: "The guest's name, or the host's." })
  name!: string;

  @Field(() => String, { nullable: true, description: "Their blog's name; null when none." })
  blogName!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The guest's URL, or the host's blog address; null when none.",
  })
  url!: string | null;

  @Field({ description: 'What to show: "Name @ Blog Name", or the name alone without a blog.' })
  displayName!: string;
}

export const CommentConnection = ConnectionType('Comment', Comment);
