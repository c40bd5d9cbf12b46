import { Field, ID, InputType } from 'type-graphql';

/** Who a guest is; the email is private (never shown, used for moderation and the flood rule). */
@InputType({
  description:
    'Who a guest commenting is. A name and email with an approved comment already are approved at once.',
})
export class GuestInput {
  @Field({ description: 'At most 245 characters.' })
  name!: string;

  @Field({ description: 'At most 100 characters; never shown.' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'Shown as "Name @ Blog Name".' })
  blogName?: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 200 characters.' })
  url?: string | null;
}

@InputType({ description: 'A new comment on a post, or a reply to one of its comments.' })
export class AddCommentInput {
  @Field(() => ID, { description: "The post's global id." })
  postId!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      'The comment this one answers (its global id), on the same post; null for a comment on the post.',
  })
  parentId?: string | null;

  @Field({ description: 'Plain text, at most 65,525 characters.' })
  body!: string;

  @Field(() => GuestInput, {
    nullable: true,
    description: 'Required when not signed in; refused when signed in.',
  })
  guest?: GuestInput | null;

  @Field(() => String, {
    nullable: true,
    description: 'Leave empty: a field hidden from people, to catch bots.',
  })
  website?: string | null;
}
