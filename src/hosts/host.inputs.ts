import { Field, InputType } from 'type-graphql';
import { Role } from './host.entity';

@InputType()
export class CreateHostInput {
  @Field()
  email!: string;

  @Field({ description: 'At least 8 characters.' })
  password!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Made from the name when left out.' })
  slug?: string | null;

  @Field(() => String, { nullable: true })
  blogName?: string | null;

  @Field(() => String, { nullable: true })
  blogUrl?: string | null;

  @Field(() => String, { nullable: true })
  bio?: string | null;

  @Field(() => String, { nullable: true })
  avatarUrl?: string | null;

  @Field(() => Role, { nullable: true, description: 'HOST unless given.' })
  role?: Role | null;
}

/** Fields left out stay as they are; null clears an optional field (name cannot be cleared). */
@InputType()
export class UpdateProfileInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  blogName?: string | null;

  @Field(() => String, { nullable: true })
  blogUrl?: string | null;

  @Field(() => String, { nullable: true })
  bio?: string | null;

  @Field(() => String, { nullable: true })
  avatarUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'A new password; needs currentPassword.' })
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'Required to change the password.' })
  currentPassword?: string | null;
}
