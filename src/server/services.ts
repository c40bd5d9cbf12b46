import { DataSource } from 'typeorm';
import { Tokens } from '../common/auth';
import { RateLimits } from '../common/rate-limit';
import { CommentRules } from '../comments/comment.rules';
import { CommentService } from '../comments/comment.service';
import { HostService } from '../hosts/host.service';
import { EntryService } from '../linkups/entry.service';
import { LinkUpService } from '../linkups/linkup.service';
import { RoundupService } from '../linkups/roundup.service';
import { PostService } from '../posts/post.service';

/** The one set of services, made at start; resolvers reach them through the context. */
export function createServices(
  db: DataSource,
  tokens: Tokens,
  rateLimits: RateLimits,
  commentRules: CommentRules,
) {
  return {
    rateLimits,
    hosts: new HostService(db, tokens, rateLimits),
    posts: new PostService(db),
    comments: new CommentService(db, commentRules),
    linkUps: new LinkUpService(db),
    roundups: new RoundupService(db),
    entries: new EntryService(db, rateLimits),
  };
}
export type Services = ReturnType<typeof createServices>;
