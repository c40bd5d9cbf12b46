import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum CommentStatus {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  SPAM = 'SPAM',
  TRASH = 'TRASH',
}
registerEnumType(CommentStatus, { name: 'CommentStatus' });

/** Deepest nesting a reply may reach; depth 1 is a top-level comment. */
export const MAX_COMMENT_DEPTH = 5;

/** A comment by a guest or a signed-in host. IP and user agent are private spam evidence. */
@Entity('comments')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Comment implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  postId!: string;

  @Column({ type: 'bigint', nullable: true })
  parentId!: string | null;

  @Field(() => Int)
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

  @Field()
  @Column()
  body!: string;

  /** Rendered when the body is written (read/model.ts: a column both executors read). */
  @Field({ description: 'Escaped plain text, line breaks kept, URLs linked.' })
  @Column()
  bodyHtml!: string;

  @Field(() => CommentStatus)
  @Column({ type: 'text' })
  status!: CommentStatus;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ type: 'text', nullable: true })
  userAgent!: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return toGlobalId('Comment', this.id);
  }
}

/** Who wrote a comment: a guest ("Name @ Blog Name") or a host with an account. */
@ObjectType({ simpleResolvers: true })
export class CommentAuthor {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  blogName!: string | null;

  @Field(() => String, { nullable: true })
  url!: string | null;

  @Field()
  displayName!: string;
}

export const CommentConnection = ConnectionType('Comment', Comment);
