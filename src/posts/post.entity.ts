import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node, NODE_ID_DESCRIPTION } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum PostStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
}
registerEnumType(PostStatus, {
  name: 'PostStatus',
  description: 'Whether a post is public.',
  valuesConfig: {
    DRAFT: { description: 'Seen by its author and admins only; takes no comments.' },
    PUBLISHED: { description: 'Public, in the feed by publishedAt.' },
  },
});

/** A blog post; author, roundup and comments are resolved by PostResolver. */
@Entity('posts')
@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "A blog post by one host, in Markdown, with guest comments; a co-host's post may carry a roundup. Drafts are seen by their author and admins only.",
})
export class Post implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field({
    description:
      'Unique name in URLs: post(slug) finds it. Made from the title once; a new title keeps it.',
  })
  @Column()
  slug!: string;

  @Field({ description: 'The title, plain text.' })
  @Column()
  title!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The post's address on its author's blog (http or https); null when not given. Links to it count as link-backs to the roundup it carries.",
  })
  @Column({ type: 'text', nullable: true })
  canonicalUrl!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A short summary, plain text; null when not given.',
  })
  @Column({ type: 'text', nullable: true })
  excerpt!: string | null;

  @Field({ description: 'The post in Markdown, as written; bodyHtml is it rendered.' })
  @Column()
  body!: string;

  /** Rendered when the body is written (read/model.ts: a column both executors read). */
  @Field({ description: 'The Markdown body rendered and sanitised.' })
  @Column()
  bodyHtml!: string;

  @Field(() => [String], { description: 'Lowercase tags, in the order given; empty when none.' })
  @Column({ type: 'text', array: true })
  tags!: string[];

  @Field(() => PostStatus, { description: 'DRAFT or PUBLISHED.' })
  @Column({ type: 'text' })
  status!: PostStatus;

  @Field(() => Date, {
    nullable: true,
    description:
      'When it was first published (kept when taken back to draft); null when never published.',
  })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  publishedAt!: Date | null;

  @Field({ description: 'Whether it takes new comments (COMMENTS_CLOSED otherwise).' })
  @Column()
  commentsOpen!: boolean;

  @Column({ type: 'bigint' })
  authorId!: string;

  @Column({ type: 'bigint', nullable: true })
  roundupId!: string | null;

  @Field({ description: 'When it was created (as a draft).' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field({ description: 'When it last changed.' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Field(() => ID, { name: 'id', simple: false, description: NODE_ID_DESCRIPTION })
  get globalId(): string {
    return toGlobalId('Post', this.id);
  }
}

export const PostConnection = ConnectionType('Post', Post);
