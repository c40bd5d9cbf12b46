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
import { whenReady } from '../common/async';
import { Host } from '../hosts/host.entity';
import { Post } from '../posts/post.entity';
import { Context } from '../server/context';
import { Comment, CommentAuthor, CommentConnection, CommentStatus } from './comment.entity';
import { AddCommentInput } from './comment.inputs';

/** A guest is shown as "Name @ Blog Name", like a host with a blog. */
function author(
  name: string,
  blogName: string | null,
  url: string | null,
  host: Host | null,
): CommentAuthor {
  return { name, blogName, url, displayName: blogName ? `${name} @ ${blogName}` : name, host };
}

@Resolver(() => Comment)
export class CommentResolver {
  @Authorized()
  @Query(() => CommentConnection, {
    description: 'Pending comments you may moderate, oldest first.',
  })
  moderationQueue(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(CommentConnection, ctx.services.comments.moderationQueue(ctx, args));
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
    return ctx.loaders.post.get(comment.postId);
  }

  @FieldResolver(() => CommentAuthor)
  author(@Root() comment: Comment, @Ctx() ctx: Context): CommentAuthor | Promise<CommentAuthor> {
    if (!comment.authorHostId) {
      return author(
        comment.guestName ?? 'Anonymous',
        comment.guestBlogName,
        comment.guestUrl,
        null,
      );
    }
    return whenReady(ctx.loaders.host.get(comment.authorHostId), (host) =>
      host
        ? author(host.name, host.blogName, host.blogUrl, host)
        : author(comment.guestName ?? 'Anonymous', comment.guestBlogName, comment.guestUrl, null),
    );
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
    return ctx.loaders.replies.get(comment.id);
  }
}
