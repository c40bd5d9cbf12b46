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

@ObjectType()
class AuthPayload {
  @Field()
  token!: string;

  @Field(() => Host)
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

  @Query(() => Host, { nullable: true })
  host(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo, @Arg('slug') slug: string) {
    return prefetched(ctx, info, ctx.reads.get(queries.fields.host, null, { slug }));
  }

  @Query(() => HostConnection)
  hosts(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo, @Args() args: ConnectionArgs) {
    const page = ctx.reads.page(queries.fields.hosts, null, { ...args });
    return asConnection(HostConnection, prefetched(ctx, info, page));
  }

  @Mutation(() => AuthPayload, {
    description: 'Returns a bearer token for the Authorization header.',
  })
  signIn(@Ctx() ctx: Context, @Arg('email') email: string, @Arg('password') password: string) {
    return this.service.signIn(ctx, email, password);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Host, { description: 'Admins only.' })
  createHost(@Ctx() ctx: Context, @Arg('input', () => CreateHostInput) input: CreateHostInput) {
    return this.service.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => Host, { description: "The signed-in host's own profile." })
  updateProfile(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateProfileInput) input: UpdateProfileInput,
  ) {
    return this.service.updateProfile(ctx, input);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Visible to the host and admins only.',
  })
  email(@Root() host: Host, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.email, host);
  }
}
