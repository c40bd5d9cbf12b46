export { commentReads } from './comment.reads';
export { CommentAuthorResolver, CommentResolver, PostCommentsResolver } from './comment.resolver';
export type { CommentRules } from './comment.rules';
export { CommentService } from './comment.service';
