import { Field, ID, InputType } from 'type-graphql';
import { PostStatus } from './post.entity';

@InputType({
  description: 'Narrows posts(): the filters given combine; null or empty ones are ignored.',
})
export class PostFilter {
  @Field(() => String, { nullable: true, description: "Only this host's posts (their slug)." })
  authorSlug?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Only posts with this tag (case and extra spaces ignored).',
  })
  tag?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "Only posts carrying this roundup (the roundup's global id).",
  })
  roundupId?: string | null;

  @Field(() => PostStatus, {
    nullable: true,
    description:
      'PUBLISHED (the default), or DRAFT: your own drafts (every draft for admins, none when anonymous), newest created first.',
  })
  status?: PostStatus | null;
}

@InputType({ description: 'A new post: it starts as a draft.' })
export class CreatePostInput {
  @Field({ description: 'At most 200 characters.' })
  title!: string;

  @Field({ description: 'Markdown, at most 100,000 characters.' })
  body!: string;

  @Field(() => String, { nullable: true, description: 'At most 500 characters.' })
  excerpt?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Its address on the author's blog: an http(s) URL, at most 2,000 characters.",
  })
  canonicalUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'Made from the title when left out.' })
  slug?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'At most 10, each at most 40 characters; stored lowercase.',
  })
  tags?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'A roundup whose edition the author co-hosts (its global id); FORBIDDEN otherwise.',
  })
  roundupId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true unless given.' })
  commentsOpen?: boolean | null;
}

/** Fields left out stay as they are; null clears an optional field (excerpt, tags, roundupId). */
@InputType({
  description:
    'Changes to a post: fields left out stay as they are; null clears excerpt, tags and roundupId.',
})
export class UpdatePostInput {
  @Field(() => String, {
    nullable: true,
    description: 'At most 200 characters; cannot be cleared. The slug stays.',
  })
  title?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Markdown, at most 100,000 characters; cannot be cleared.',
  })
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 500 characters.' })
  excerpt?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Its address on the author's blog: an http(s) URL, at most 2,000 characters.",
  })
  canonicalUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The slug changes only when given here, never with the title.',
  })
  slug?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Replaces the tags: at most 10, each at most 40 characters; stored lowercase.',
  })
  tags?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    description: "A roundup whose edition the post's author co-hosts; null detaches it.",
  })
  roundupId?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether it takes new comments; cannot be cleared.',
  })
  commentsOpen?: boolean | null;
}
