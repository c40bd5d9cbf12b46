import { Field, ID, InputType } from 'type-graphql';
import { PostStatus } from './post.entity';

@InputType()
export class PostFilter {
  @Field(() => String, { nullable: true })
  authorSlug?: string | null;

  @Field(() => String, { nullable: true })
  tag?: string | null;

  @Field(() => ID, { nullable: true })
  roundupId?: string | null;

  @Field(() => PostStatus, {
    nullable: true,
    description: 'PUBLISHED (default) or DRAFT: your own drafts.',
  })
  status?: PostStatus | null;
}

@InputType()
export class CreatePostInput {
  @Field({ description: 'At most 200 characters.' })
  title!: string;

  @Field({ description: 'Markdown, at most 100,000 characters.' })
  body!: string;

  @Field(() => String, { nullable: true, description: 'At most 500 characters.' })
  excerpt?: string | null;

  @Field(() => String, { nullable: true, description: 'Made from the title when left out.' })
  slug?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'At most 10, each at most 40 characters; stored lowercase.',
  })
  tags?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'A roundup the author co-hosts.' })
  roundupId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true unless given.' })
  commentsOpen?: boolean | null;
}

/** Fields left out stay as they are; null clears an optional field (excerpt, tags, roundupId). */
@InputType()
export class UpdatePostInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  body?: string | null;

  @Field(() => String, { nullable: true })
  excerpt?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The slug changes only when given here, never with the title.',
  })
  slug?: string | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => ID, { nullable: true })
  roundupId?: string | null;

  @Field(() => Boolean, { nullable: true })
  commentsOpen?: boolean | null;
}
