import { PubSub } from 'type-graphql';
import { DataSource } from 'typeorm';
import { Tokens } from '../common/auth';
import { RateLimits } from '../common/rate-limit';
import { CommentRules, CommentService } from '../comments';
import { RunStatement } from '../db/prepared';
import { HostService } from '../hosts';
import { EntryService, LinkUpService, LiveEvents, RoundupService } from '../linkups';
import { PostService } from '../posts';
import { Outbound } from '../common/outbound';
import { LinkBackService } from '../linkbacks';

/** The one set of services, made at start and handed to the resolvers that use them. */
export function createServices(
  db: DataSource,
  run: RunStatement,
  tokens: Tokens,
  rateLimits: RateLimits,
  commentRules: CommentRules,
  bus: PubSub,
  outbound: Outbound,
  publicUrl: string | undefined,
) {
  const live = new LiveEvents(db, bus);
  const entries = new EntryService(db, rateLimits, commentRules, live);
  return {
    hosts: new HostService(db, run, tokens, rateLimits),
    posts: new PostService(db),
    comments: new CommentService(db, rateLimits, commentRules),
    linkUps: new LinkUpService(db),
    roundups: new RoundupService(db, live),
    entries,
    linkBacks: new LinkBackService(db, entries, rateLimits, outbound, publicUrl),
    live,
  };
}
export type Services = ReturnType<typeof createServices>;
