import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { renderPlainText } from '../common/text';
import { Post } from '../posts/post.entity';
import { Context } from '../server/context';
import { Comment, CommentAuthor, CommentConnection, CommentStatus } from './comment.entity';
import { AddCommentInput } from './comment.inputs';

@Resolver(() => Comment)
export class CommentResolver {
  @Authorized()
  @Query(() => CommentConnection, {
    description: 'Pending comments you may moderate, oldest first.',
  })
  async moderationQueue(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(CommentConnection, await ctx.services.comments.moderationQueue(ctx, args));
  }

  @Mutation(() => Comment, {
    description:
      'As a guest, or as yourself when signed in. Check status: PENDING means awaiting moderation.',
  })
  addComment(@Ctx() ctx: Context, @Arg('input', () => AddCommentInput) input: AddCommentInput) {
    return ctx.services.comments.add(ctx, input);
  }

  @Authorized()
  @Mutation(() => Comment, { description: "The post's author or an admin." })
  moderateComment(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('status', () => CommentStatus) status: CommentStatus,
  ) {
    return ctx.services.comments.moderate(ctx, id, status);
  }

  @FieldResolver(() => String, {
    description: 'Escaped plain text, line breaks kept, URLs linked.',
  })
  bodyHtml(@Root() comment: Comment): string {
    return renderPlainText(comment.body);
  }

  @FieldResolver(() => Post)
  post(@Root() comment: Comment, @Ctx() ctx: Context) {
    return ctx.loaders.post.load(comment.postId);
  }

  @FieldResolver(() => CommentAuthor)
  async author(@Root() comment: Comment, @Ctx() ctx: Context): Promise<CommentAuthor> {
    if (comment.authorHostId) {
      const host = await ctx.loaders.host.load(comment.authorHostId);
      if (host) {
        return {
          name: host.name,
          blogName: host.blogName,
          url: host.blogUrl,
          displayName: host.blogName ? `${host.name} @ ${host.blogName}` : host.name,
          host,
        };
      }
    }
    const name = comment.guestName ?? 'Anonymous';
    const blogName = comment.guestBlogName;
    return {
      name,
      blogName,
      url: comment.guestUrl,
      displayName: blogName ? `${name} @ ${blogName}` : name,
      host: null,
    };
  }

  @FieldResolver(() => Comment, {
    nullable: true,
    description: 'Null for a top-level comment or a hidden parent.',
  })
  async parent(@Root() comment: Comment, @Ctx() ctx: Context) {
    const parent = comment.parentId ? await ctx.loaders.comment.load(comment.parentId) : null;
    return parent && (await ctx.services.comments.canSee(ctx, parent)) ? parent : null;
  }

  @FieldResolver(() => [Comment], { description: 'Approved replies, oldest first.' })
  replies(@Root() comment: Comment, @Ctx() ctx: Context) {
    return ctx.loaders.replies.load(comment.id);
  }
}
