import { Arg, Args, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { CommentConnection } from '../comments/comment.entity';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { renderMarkdown } from '../common/text';
import { Host } from '../hosts/host.entity';
import { Roundup } from '../linkups/roundup.entity';
import { Context } from '../server/context';
import { Post, PostConnection } from './post.entity';
import { PostFilter } from './post.inputs';

@Resolver(() => Post)
export class PostResolver {
  @Query(() => Post, { nullable: true, description: 'Null when missing or not visible to you.' })
  post(@Ctx() ctx: Context, @Arg('slug') slug: string) {
    return ctx.services.posts.bySlug(ctx, slug);
  }

  @Query(() => PostConnection, { description: 'Newest published first.' })
  async posts(
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('filter', () => PostFilter, { nullable: true }) filter?: PostFilter,
  ) {
    return asConnection(PostConnection, await ctx.services.posts.feed(ctx, args, filter ?? {}));
  }

  @FieldResolver(() => String, { description: 'The Markdown body rendered and sanitised.' })
  bodyHtml(@Root() post: Post): string {
    return renderMarkdown(post.body);
  }

  @FieldResolver(() => Host)
  author(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.loaders.host.load(post.authorId);
  }

  @FieldResolver(() => Roundup, { nullable: true })
  roundup(@Root() post: Post, @Ctx() ctx: Context) {
    return post.roundupId ? ctx.loaders.roundup.load(post.roundupId) : null;
  }

  @FieldResolver(() => Int, { description: 'Approved comments, replies included.' })
  commentCount(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.loaders.commentCount.load(post.id);
  }

  @FieldResolver(() => CommentConnection, { description: 'Approved top-level comments, oldest first.' })
  async comments(@Root() post: Post, @Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(CommentConnection, await ctx.loaders.commentsOfPost(args).load(post.id));
  }
}
