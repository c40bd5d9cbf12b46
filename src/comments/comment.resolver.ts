import {
  Arg,
  Args,
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
import { Authorized } from 'type-graphql';
import { asConnection, ConnectionArgs } from '../common/pagination';
import { Host } from '../hosts';
import { Post } from '../posts';
import { Context } from '../read/context';
import { prefetched } from '../read/prefetch';
import { Comment, CommentAuthor, CommentConnection, CommentStatus } from './comment.entity';
import { AddCommentInput } from './comment.inputs';
import { commentReads } from './comment.reads';
import { CommentService } from './comment.service';

const { Query: queries, Post: postFields, Comment: fields } = commentReads;

@Resolver(() => Comment)
export class CommentResolver {
  constructor(private readonly service: CommentService) {}

  @Query(() => CommentConnection, {
    description:
      'Signed in: pending comments on your posts (on every post for admins), oldest first. UNAUTHENTICATED when anonymous.',
  })
  moderationQueue(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Args() args: ConnectionArgs,
  ) {
    const page = ctx.reads.page(queries.fields.moderationQueue, null, { ...args });
    return asConnection(CommentConnection, prefetched(ctx, info, page));
  }

  @Mutation(() => Comment, {
    description:
      'As a guest, or as yourself when signed in. Check status: PENDING means awaiting moderation.',
  })
  addComment(
    @Ctx() ctx: Context,
    @Arg('input', () => AddCommentInput, { description: 'The comment.' }) input: AddCommentInput,
  ) {
    return this.service.add(ctx, input);
  }

  @Authorized()
  @Mutation(() => Comment, {
    description: "Sets a comment's status: the post's author or an admin.",
  })
  moderateComment(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: "The comment's global id." }) id: string,
    @Arg('status', () => CommentStatus, {
      description: 'APPROVED publishes it; PENDING, SPAM and TRASH hide it.',
    })
    status: CommentStatus,
  ) {
    return this.service.moderate(ctx, id, status);
  }

  @FieldResolver(() => Post, { description: 'The post it is on.' })
  post(@Root() comment: Comment, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.post, comment);
  }

  @FieldResolver(() => CommentAuthor, { description: 'Who wrote it.' })
  author(@Root() comment: Comment, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.author, comment);
  }

  @FieldResolver(() => Comment, {
    nullable: true,
    description: 'Null for a top-level comment or a hidden parent.',
  })
  parent(@Root() comment: Comment, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.parent, comment);
  }

  @FieldResolver(() => [Comment], { description: 'Approved replies, oldest first.' })
  replies(@Root() comment: Comment, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.replies, comment);
  }
}

@Resolver(() => CommentAuthor)
export class CommentAuthorResolver {
  @FieldResolver(() => ID, {
    description:
      "Opaque id for client caches, unique across types: a host's comments share one, each guest comment has its own (no email in it). Not a Node id.",
  })
  id(@Root() author: CommentAuthor, @Ctx() ctx: Context): string {
    return ctx.reads.keyId('CommentAuthor', author);
  }

  @FieldResolver(() => Host, {
    nullable: true,
    description: 'The host who wrote it; null for a guest.',
  })
  host(@Root() author: CommentAuthor, @Ctx() ctx: Context) {
    return ctx.reads.get(commentReads.CommentAuthor.fields.host, author);
  }
}

/** A post's comments, as the public sees them. */
@Resolver(() => Post)
export class PostCommentsResolver {
  @FieldResolver(() => Int, { description: 'Approved comments, replies included.' })
  commentCount(@Root() post: Post, @Ctx() ctx: Context) {
    return ctx.reads.get(postFields.fields.commentCount, post);
  }

  @FieldResolver(() => CommentConnection, {
    description: 'Approved top-level comments, oldest first.',
  })
  comments(@Root() post: Post, @Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return asConnection(
      CommentConnection,
      ctx.reads.page(postFields.fields.comments, post, { ...args }),
    );
  }
}
