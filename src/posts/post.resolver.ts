import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { GraphQLResolveInfo } from 'graphql';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { Host } from '../hosts';
import { Context } from '../read/context';
import { prefetched } from '../read/prefetch';
import { Post, PostConnection } from './post.entity';
import { CreatePostInput, PostFilter, UpdatePostInput } from './post.inputs';
import { postReads } from './post.reads';
import { PostService } from './post.service';

const { Query: queries, Post: fields } = postReads;

const POST_ID = "The post's global id.";

@Resolver(() => Post)
export class PostResolver {
  constructor(private readonly service: PostService) {}

  @Query(() => Post, {
    nullable: true,
    description: 'A post by slug; null when missing or a draft you may not see.',
  })
  post(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('slug', { description: "The post's slug." }) slug: string,
  ) {
    return prefetched(ctx, info, ctx.reads.get(queries.fields.post, null, { slug }));
  }

  @Query(() => PostConnection, {
    description: 'The feed: published posts, newest first; filter narrows it or lists drafts.',
  })
  posts(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Args() args: ConnectionArgs,
    @Arg('filter', () => PostFilter, {
      nullable: true,
      description: 'Which posts; null lists every published post.',
    })
    filter?: PostFilter,
  ) {
    const page = ctx.reads.page(queries.fields.posts, null, { ...args, filter });
    return asConnection(PostConnection, prefetched(ctx, info, page));
  }

  @Authorized()
  @Mutation(() => Post, { description: 'A new draft by the signed-in host.' })
  createPost(
    @Ctx() ctx: Context,
    @Arg('input', () => CreatePostInput, { description: 'The post.' }) input: CreatePostInput,
  ) {
    return this.service.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => Post, { description: 'Edits a post: its author or an admin.' })
  updatePost(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: POST_ID }) id: string,
    @Arg('input', () => UpdatePostInput, { description: 'The changes.' }) input: UpdatePostInput,
  ) {
    return this.service.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => Post, {
    description: 'Its author or an admin; publishedAt is set the first time.',
  })
  publishPost(@Ctx() ctx: Context, @Arg('id', () => ID, { description: POST_ID }) id: string) {
    return this.service.publish(ctx, id);
  }

  @Authorized()
  @Mutation(() => Post, {
    description: 'Back to draft (its author or an admin); publishedAt is kept.',
  })
  unpublishPost(@Ctx() ctx: Context, @Arg('id', () => ID, { description: POST_ID }) id: string) {
    return this.service.unpublish(ctx, id);
  }

  @Authorized()
  @Mutation(() => ID, {
    description: 'Its author or an admin; its comments go with it. Returns its id.',
  })
  deletePost(@Ctx() ctx: Context, @Arg('id', () => ID, { description: POST_ID }) id: string) {
    return this.service.delete(ctx, id);
  }

  @FieldResolver(() => Host, { description: 'Who wrote it.' })
  author(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.author, post);
  }
}

/** Host.posts: a host's published posts. */
@Resolver(() => Host)
export class HostPostsResolver {
  @FieldResolver(() => PostConnection, { description: 'Published posts, newest first.' })
  posts(@Root() host: Host, @Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(
      PostConnection,
      ctx.reads.page(postReads.Host.fields.posts, host, { ...args }),
    );
  }
}
