import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Info,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { GraphQLResolveInfo } from 'graphql';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { Context } from '../read/context';
import { prefetched } from '../read/prefetch';
import { Host, HostConnection, Role } from './host.entity';
import { CreateHostInput, UpdateProfileInput } from './host.inputs';
import { hostReads } from './host.reads';
import { HostService } from './host.service';

@ObjectType({ description: 'A session: what signIn answers.' })
class AuthPayload {
  @Field({
    description:
      'Send it as `Authorization: Bearer <token>`. Valid 7 days, or until the password changes.',
  })
  token!: string;

  @Field(() => Host, { description: 'The signed-in host, email included.' })
  host!: Host;
}

const { Query: queries, Host: fields } = hostReads;

@Resolver(() => Host)
export class HostResolver {
  constructor(private readonly service: HostService) {}

  @Query(() => Host, { nullable: true, description: 'The signed-in host; null when anonymous.' })
  viewer(@Ctx() ctx: Context): Host | null {
    return ctx.viewer as Host | null;
  }

  @Query(() => Host, { nullable: true, description: 'A host by slug; null when there is none.' })
  host(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('slug', { description: "The host's slug." }) slug: string,
  ) {
    return prefetched(ctx, info, ctx.reads.get(queries.fields.host, null, { slug }));
  }

  @Query(() => HostConnection, { description: 'Every host, oldest account first.' })
  hosts(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo, @Args() args: ConnectionArgs) {
    const page = ctx.reads.page(queries.fields.hosts, null, { ...args });
    return asConnection(HostConnection, prefetched(ctx, info, page));
  }

  @Mutation(() => AuthPayload, {
    description:
      'Signs in: a token for the Authorization header. At most 5 attempts per email (a success clears them) and 20 per address in 15 minutes, then RATE_LIMITED.',
  })
  signIn(
    @Ctx() ctx: Context,
    @Arg('email', { description: 'The account email, whatever its case.' }) email: string,
    @Arg('password', { description: "The account's password." }) password: string,
  ) {
    return this.service.signIn(ctx, email, password);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Host, { description: 'Admins only: a new host account.' })
  createHost(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateHostInput, { description: 'The account.' }) input: CreateHostInput,
  ) {
    return this.service.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => Host, { description: "Edits the signed-in host's own profile." })
  updateProfile(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateProfileInput, { description: 'The changes.' })
    input: UpdateProfileInput,
  ) {
    return this.service.updateProfile(ctx, input);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'The sign-in email: for the host themself and admins; null for everyone else.',
  })
  email(@Root() host: Host, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.email, host);
  }
}
