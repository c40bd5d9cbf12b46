import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { ConnectionArgs, asConnection } from '../common/pagination';
import { LinkUp } from '../linkups/linkup.entity';
import { PostConnection } from '../posts/post.entity';
import { Context, isSelfOrAdmin } from '../server/context';
import { Host, HostConnection, Role } from './host.entity';
import { CreateHostInput, UpdateProfileInput } from './host.inputs';

@ObjectType()
class AuthPayload {
  @Field()
  token!: string;

  @Field(() => Host)
  host!: Host;
}

@Resolver(() => Host)
export class HostResolver {
  @Query(() => Host, { nullable: true, description: 'The signed-in host; null when anonymous.' })
  viewer(@Ctx() ctx: Context): Host | null {
    return ctx.viewer;
  }

  @Query(() => Host, { nullable: true })
  host(@Ctx() ctx: Context, @Arg('slug') slug: string) {
    return ctx.services.hosts.bySlug(ctx, slug);
  }

  @Query(() => HostConnection)
  hosts(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(HostConnection, ctx.services.hosts.list(ctx, args));
  }

  @Mutation(() => AuthPayload, {
    description: 'Returns a bearer token for the Authorization header.',
  })
  signIn(@Ctx() ctx: Context, @Arg('email') email: string, @Arg('password') password: string) {
    return ctx.services.hosts.signIn(ctx, email, password);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Host, { description: 'Admins only.' })
  createHost(@Ctx() ctx: Context, @Arg('input', () => CreateHostInput) input: CreateHostInput) {
    return ctx.services.hosts.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => Host, { description: "The signed-in host's own profile." })
  updateProfile(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateProfileInput) input: UpdateProfileInput,
  ) {
    return ctx.services.hosts.updateProfile(ctx, input);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Visible to the host and admins only.',
  })
  email(@Root() host: Host, @Ctx() ctx: Context): string | null {
    return isSelfOrAdmin(ctx, host.id) ? host.email : null;
  }

  @FieldResolver(() => PostConnection, { description: 'Published posts, newest first.' })
  posts(@Root() host: Host, @Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(PostConnection, ctx.loaders.postsOfHost(args).get(host.id));
  }

  @FieldResolver(() => [LinkUp], { description: 'Link-ups this host currently co-hosts.' })
  linkUps(@Root() host: Host, @Ctx() ctx: Context) {
    return ctx.loaders.linkUpsOfHost.get(host.id);
  }
}
