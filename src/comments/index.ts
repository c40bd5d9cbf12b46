export { commentReads } from './comment.reads';
export { CommentAuthorResolver, CommentResolver, PostCommentsResolver } from './comment.resolver';
export { type CommentRules, type ContentVerdict, wordScreen } from './comment.rules';
export { CommentService } from './comment.service';
