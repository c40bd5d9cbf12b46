import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { GraphQLResolveInfo } from 'graphql';
import { CommentConnection } from '../comments/comment.entity';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { renderMarkdown } from '../common/text';
import { Host } from '../hosts/host.entity';
import { Roundup } from '../linkups/roundup.entity';
import { Context } from '../server/context';
import { prefetched } from '../server/prefetch';
import { Post, PostConnection } from './post.entity';
import { CreatePostInput, PostFilter, UpdatePostInput } from './post.inputs';

@Resolver(() => Post)
export class PostResolver {
  @Query(() => Post, { nullable: true, description: 'Null when missing or not visible to you.' })
  post(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo, @Arg('slug') slug: string) {
    return prefetched(ctx, info, 'Post', ctx.services.posts.bySlug(ctx, slug));
  }

  @Query(() => PostConnection, { description: 'Newest published first.' })
  posts(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Args() args: ConnectionArgs,
    @Arg('filter', () => PostFilter, { nullable: true }) filter?: PostFilter,
  ) {
    const page = ctx.services.posts.feed(ctx, args, filter ?? {});
    return asConnection(PostConnection, prefetched(ctx, info, 'PostConnection', page));
  }

  @Authorized()
  @Mutation(() => Post, { description: 'A new draft by the signed-in host.' })
  createPost(@Ctx() ctx: Context, @Arg('input', () => CreatePostInput) input: CreatePostInput) {
    return ctx.services.posts.create(ctx, input);
  }

  @Authorized()
  @Mutation(() => Post, { description: 'Its author or an admin.' })
  updatePost(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdatePostInput) input: UpdatePostInput,
  ) {
    return ctx.services.posts.update(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => Post, {
    description: 'Its author or an admin; publishedAt is set the first time.',
  })
  publishPost(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return ctx.services.posts.publish(ctx, id);
  }

  @Authorized()
  @Mutation(() => Post, {
    description: 'Back to draft (its author or an admin); publishedAt is kept.',
  })
  unpublishPost(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return ctx.services.posts.unpublish(ctx, id);
  }

  @Authorized()
  @Mutation(() => ID, {
    description: 'Its author or an admin; its comments go with it. Returns its id.',
  })
  deletePost(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return ctx.services.posts.delete(ctx, id);
  }

  @FieldResolver(() => String, { description: 'The Markdown body rendered and sanitised.' })
  bodyHtml(@Root() post: Post): string {
    return renderMarkdown(post.body);
  }

  @FieldResolver(() => Host)
  author(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.loaders.host.get(post.authorId);
  }

  @FieldResolver(() => Roundup, { nullable: true })
  roundup(@Root() post: Post, @Ctx() ctx: Context) {
    return post.roundupId ? ctx.loaders.roundup.get(post.roundupId) : null;
  }

  @FieldResolver(() => Int, { description: 'Approved comments, replies included.' })
  commentCount(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.loaders.commentCount.get(post.id);
  }

  @FieldResolver(() => CommentConnection, {
    description: 'Approved top-level comments, oldest first.',
  })
  comments(@Root() post: Post, @Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(CommentConnection, ctx.loaders.commentsOfPost(args).get(post.id));
  }
}
