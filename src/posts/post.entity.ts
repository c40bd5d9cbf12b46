import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum PostStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
}
registerEnumType(PostStatus, { name: 'PostStatus' });

/** A blog post; author, roundup and comments are resolved by PostResolver. */
@Entity('posts')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Post implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field()
  @Column()
  slug!: string;

  @Field()
  @Column()
  title!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  excerpt!: string | null;

  @Field()
  @Column()
  body!: string;

  /** Rendered when the body is written (read/model.ts: a column both executors read). */
  @Field({ description: 'The Markdown body rendered and sanitised.' })
  @Column()
  bodyHtml!: string;

  @Field(() => [String])
  @Column({ type: 'text', array: true })
  tags!: string[];

  @Field(() => PostStatus)
  @Column({ type: 'text' })
  status!: PostStatus;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  publishedAt!: Date | null;

  @Field()
  @Column()
  commentsOpen!: boolean;

  @Column({ type: 'bigint' })
  authorId!: string;

  @Column({ type: 'bigint', nullable: true })
  roundupId!: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return toGlobalId('Post', this.id);
  }
}

export const PostConnection = ConnectionType('Post', Post);
