import { Field, InputType } from 'type-graphql';
import { Host, Role } from './host.entity';

/** The public profile fields a host fills in, shared by account creation and profile edits. */
@InputType()
abstract class BlogFields implements Partial<Host> {
  @Field(() => String, { nullable: true })
  blogName?: string | null;

  @Field(() => String, { nullable: true })
  blogUrl?: string | null;

  @Field(() => String, { nullable: true })
  bio?: string | null;

  @Field(() => String, { nullable: true })
  avatarUrl?: string | null;
}

@InputType()
export class CreateHostInput extends BlogFields {
  @Field()
  email!: string;

  @Field({ description: 'At least 8 characters.' })
  password!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Made from the name when left out.' })
  slug?: string | null;

  @Field(() => Role, { nullable: true, description: 'HOST unless given.' })
  role?: Role | null;
}

/** Fields left out stay as they are; null clears an optional field (name cannot be cleared). */
@InputType()
export class UpdateProfileInput extends BlogFields {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A new sign-in email, unique whatever its case; needs currentPassword.',
  })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'A new password; needs currentPassword.' })
  password?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Required to change the email or the password.',
  })
  currentPassword?: string | null;
}
