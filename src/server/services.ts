import { DataSource } from 'typeorm';
import { Tokens } from '../common/auth';
import { RateLimits } from '../common/rate-limit';
import { CommentRules, CommentService } from '../comments';
import { RunStatement } from '../db/prepared';
import { HostService } from '../hosts';
import { EntryService, LinkUpService, RoundupService } from '../linkups';
import { PostService } from '../posts';

/** The one set of services, made at start and handed to the resolvers that use them. */
export function createServices(
  db: DataSource,
  run: RunStatement,
  tokens: Tokens,
  rateLimits: RateLimits,
  commentRules: CommentRules,
) {
  return {
    hosts: new HostService(db, run, tokens, rateLimits),
    posts: new PostService(db),
    comments: new CommentService(db, rateLimits, commentRules),
    linkUps: new LinkUpService(db),
    roundups: new RoundupService(db),
    entries: new EntryService(db, rateLimits, commentRules),
  };
}
export type Services = ReturnType<typeof createServices>;
