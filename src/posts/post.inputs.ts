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

  @Field(() => PostStatus, { nullable: true, description: 'PUBLISHED (default) or DRAFT: your own drafts.' })
  status?: PostStatus | null;
}
