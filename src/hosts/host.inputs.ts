import { Field, InputType } from 'type-graphql';
import { Host, Role } from './host.entity';

/** The public profile fields a host fills in, shared by account creation and profile edits. */
@InputType()
abstract class BlogFields implements Partial<Host> {
  @Field(() => String, { nullable: true, description: "The blog's name, at most 200 characters." })
  blogName?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The blog's address: http or https, at most 500 characters.",
  })
  blogUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'Plain text, at most 2,000 characters.' })
  bio?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A picture's address: http or https, at most 500 characters.",
  })
  avatarUrl?: string | null;
}

@InputType({ description: 'A new host account (admins only).' })
export class CreateHostInput extends BlogFields {
  @Field({ description: 'The sign-in email, unique whatever its case; private.' })
  email!: string;

  @Field({ description: '8 to 200 characters.' })
  password!: string;

  @Field({ description: 'The name shown, at most 100 characters.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Made from the name when left out.' })
  slug?: string | null;

  @Field(() => Role, { nullable: true, description: 'HOST unless given.' })
  role?: Role | null;
}

/** Fields left out stay as they are; null clears an optional field (name cannot be cleared). */
@InputType({
  description:
    'Changes to your own profile: fields left out stay as they are, null clears an optional one.',
})
export class UpdateProfileInput extends BlogFields {
  @Field(() => String, {
    nullable: true,
    description: 'The name shown, at most 100 characters; cannot be cleared.',
  })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A new sign-in email, unique whatever its case; needs currentPassword.',
  })
  email?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'A new password (8 to 200 characters); needs currentPassword. Signs out every session.',
  })
  password?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Required to change the email or the password.',
  })
  currentPassword?: string | null;
}
