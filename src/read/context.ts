import { DataSource } from 'typeorm';
import { Claims } from '../common/auth';
import { Clock } from '../common/clock';
import { ReadSpec, Scope, Viewer } from './model';
import { Reads } from './reads';
import { bindScope } from './scope';

/** One request: who asks, and its reads (fresh loaders: nothing leaks between viewers). */
export interface Context {
  requestId: string;
  /** A valid bearer token's claims: signed in, though the host's row may not be read yet. */
  claims: Claims | null;
  /** The signed-in host's row, once read (before the resolvers run). */
  viewer: Viewer | null;
  reads: Reads;
  clock: Clock;
  ip: string;
  userAgent: string | null;
  /** A subscription's context serves many events: each reads afresh, at the time of the event. */
  nextEvent(): void;
}

/**
 * Apollo hands resolvers a copy of the context (own properties copied), so the reads are made
 * from the copy, when first used: after a mutation's write, for the viewer it may have signed in.
 */
export class RequestContext implements Context {
  private made?: Reads;

  constructor(
    readonly requestId: string,
    readonly claims: Claims | null,
    public viewer: Viewer | null,
    readonly clock: Clock,
    readonly ip: string,
    readonly userAgent: string | null,
    private readonly model: ReadSpec,
    private readonly db: DataSource,
  ) {}

  get reads(): Reads {
    return (this.made ??= new Reads(this.model, this.db, this.viewer, this.clock.now()));
  }

  nextEvent(): void {
    this.made = undefined;
  }
}

/**
 * The scope a service checks a read rule with inside a write (its values bound as parameters
 * appended to `params`): the viewer, and the request's clock unless the write fixed `now`.
 */
export function ruleScope(
  ctx: Pick<Context, 'viewer' | 'clock'>,
  params: unknown[],
  now = ctx.clock.now(),
): Scope {
  return bindScope(params, ctx.viewer, now, {});
}

export function isAdmin(ctx: Pick<Context, 'viewer'>): boolean {
  return ctx.viewer?.role === 'ADMIN';
}

/** True for the viewer themself and for admins: who may see private fields of `hostId`. */
export function isSelfOrAdmin(ctx: Pick<Context, 'viewer'>, hostId: string): boolean {
  return isAdmin(ctx) || ctx.viewer?.id === hostId;
}
