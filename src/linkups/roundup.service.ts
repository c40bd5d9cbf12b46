import { DataSource, EntityManager } from 'typeorm';
import { BadInputError, ConflictError, uniqueViolation } from '../common/errors';
import { fromGlobalId } from '../common/ids';
import { optionalText } from '../common/validation';
import { hydrate } from '../db/batch';
import { Context, ruleScope } from '../read/context';
import { Sql } from '../read/model';
import { ScheduleRoundupInput, UpdateRoundupInput } from './linkup.inputs';
import { endsAt, roundupStatus, visibleEntryCount } from './linkup.reads';
import { lockForCohost, syncScheduledCohosts } from './linkup.service';
import { forgetUndoneAnnouncements, LiveEvents } from './live.service';
import { RoundupEventKind } from './live.types';
import { Roundup, RoundupStatus } from './roundup.entity';
import { closingAfter, nextOpening } from './schedule';
import { intInRange } from './validation';

/** Caps of an edition's fields; the migrations' CHECKs hold the same numbers. */
export const ROUNDUP_LIMITS = { title: 200, maxEntries: 10_000 };

function checkTimes(opensAt: Date, closesAt: Date): void {
  if (!(closesAt.getTime() > opensAt.getTime()))
    throw new BadInputError('closesAt', 'closesAt must be after opensAt');
}

const maxEntries = (value: number | null | undefined) =>
  value == null ? null : intInRange('maxEntries', value, 1, ROUNDUP_LIMITS.maxEntries);

/**
 * Editions of one link-up may not overlap (cancelled ones aside; a closed one ends when it
 * actually closed): BAD_USER_INPUT naming opensAt when an earlier edition runs into it, closesAt
 * when it runs into a later one.
 */
async function assertNoOverlap(
  m: EntityManager,
  edition: { linkUpId: string; id: string | null; number: number },
  opensAt: Date,
  closesAt: Date,
): Promise<void> {
  const [other]: { number: number }[] = await m.query(
    `SELECT number FROM roundups
     WHERE link_up_id = $1 AND id IS DISTINCT FROM $2::bigint AND cancelled_at IS NULL
       AND opens_at < $4 AND $3 < ${endsAt('roundups')}
     ORDER BY number LIMIT 1`,
    [edition.linkUpId, edition.id, opensAt, closesAt],
  );
  if (!other) return;
  const field = other.number < edition.number ? 'opensAt' : 'closesAt';
  throw new BadInputError(field, `These times overlap edition #${other.number}`);
}

/** The roundup `r` has as many visible entries as its maxEntries (false without one). */
const isFull = (r: Sql): Sql => `coalesce(${r}.max_entries <= ${visibleEntryCount(r)}, false)`;

/**
 * Whether the roundup `roundupId` is full. Submissions ask it under the roundup's row lock, in a
 * statement of its own so that it counts entries committed while they waited for the lock: the
 * clock cannot tell, as the waiting submission read it before an earlier one closed the edition.
 */
export async function roundupIsFull(m: EntityManager, roundupId: string): Promise<boolean> {
  const [{ full }] = await m.query(
    `SELECT ${isFull('r')} AS full FROM roundups r WHERE r.id = $1`,
    [roundupId],
  );
  return full;
}

/**
 * Closes the OPEN edition `roundupId` now once its visible entries reach its maxEntries. The row
 * lock comes first (submissions hold it already), so the count, a later statement, sees every
 * committed entry. Returns the closed row, or undefined when it stays open.
 */
export async function closeWhenFull(
  m: EntityManager,
  ctx: Pick<Context, 'viewer' | 'clock'>,
  roundupId: string,
) {
  const [{ max_entries }] = await m.query(
    'SELECT max_entries FROM roundups WHERE id = $1 FOR UPDATE',
    [roundupId],
  );
  if (max_entries === null) return undefined;
  const params: unknown[] = [roundupId];
  const s = ruleScope(ctx, params);
  const [rows] = await m.query(
    `UPDATE roundups r SET closed_at = ${s.now()}
     WHERE r.id = $1 AND ${roundupStatus('r', s)} = '${RoundupStatus.OPEN}' AND ${isFull('r')}
     RETURNING *`,
    params,
  );
  return rows[0] as Record<string, unknown> | undefined;
}

/** Editions of a link-up: scheduling, edits, early closing and cancelling, by co-hosts and admins. */
export class RoundupService {
  constructor(
    private readonly db: DataSource,
    private readonly events: LiveEvents,
  ) {}

  /**
   * The link-up's next edition: the next number, the schedule's next opening (after now and
   * after the previous edition's opening) unless times are given, and the link-up's current
   * co-hosts in their order.
   */
  async schedule(ctx: Context, input: ScheduleRoundupInput): Promise<Roundup> {
    const linkUpId = fromGlobalId(input.linkUpId, 'LinkUp', 'linkUpId');
    const now = ctx.clock.now();
    try {
      const scheduled = await this.db.transaction(async (m) => {
        const linkUp = await lockForCohost(m, ctx, 'Link-up', linkUpId);
        const title = optionalText('title', input.title, ROUNDUP_LIMITS.title);
        const [previous]: { number: number; opens_at: Date }[] = await m.query(
          'SELECT number, opens_at FROM roundups WHERE link_up_id = $1 ORDER BY number DESC LIMIT 1',
          [linkUpId],
        );
        const after = previous && previous.opens_at > now ? previous.opens_at : now;
        const opensAt = input.opensAt ?? nextOpening(linkUp, after);
        const closesAt = input.closesAt ?? closingAfter(opensAt, linkUp.hoursOpen);
        checkTimes(opensAt, closesAt);
        const number = (previous?.number ?? 0) + 1;
        await assertNoOverlap(m, { linkUpId, id: null, number }, opensAt, closesAt);
        const [row] = await m.query(
          `INSERT INTO roundups (link_up_id, number, title, opens_at, closes_at, max_entries, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [linkUpId, number, title, opensAt, closesAt, maxEntries(input.maxEntries), now],
        );
        await syncScheduledCohosts(m, ctx, linkUpId, row.id);
        return hydrate(m, Roundup, [row])[0];
      });
      return this.events.roundup(RoundupEventKind.SCHEDULED, scheduled);
    } catch (error) {
      if (uniqueViolation(error) === 'roundups_link_up_id_number_key')
        throw new ConflictError('Another edition was scheduled at the same time, try again');
      throw error;
    }
  }

  /**
   * Title, times and maxEntries. A new opensAt alone keeps the edition's length; an edition closed
   * early stays closed; a cancelled one cannot change (CONFLICT).
   */
  async update(ctx: Context, id: string, input: UpdateRoundupInput): Promise<Roundup> {
    const roundupId = fromGlobalId(id, 'Roundup', 'id');
    const updated = await this.db.transaction(async (m) => {
      const { roundup, status } = await this.lock(m, ctx, roundupId);
      if (status === RoundupStatus.CANCELLED)
        throw new ConflictError('A cancelled edition cannot change');
      if (input.opensAt === null) throw new BadInputError('opensAt', 'opensAt cannot be null');
      if (input.closesAt === null) throw new BadInputError('closesAt', 'closesAt cannot be null');
      const title =
        input.title === undefined
          ? roundup.title
          : optionalText('title', input.title, ROUNDUP_LIMITS.title);
      const limit =
        input.maxEntries === undefined ? roundup.maxEntries : maxEntries(input.maxEntries);
      const opensAt = input.opensAt ?? roundup.opensAt;
      const length = roundup.closesAt.getTime() - roundup.opensAt.getTime();
      const closesAt = input.closesAt ?? new Date(opensAt.getTime() + length);
      checkTimes(opensAt, closesAt);
      await assertNoOverlap(m, roundup, opensAt, closesAt);
      const [[row]] = await m.query(
        `UPDATE roundups SET title = $2, opens_at = $3, closes_at = $4, max_entries = $5
         WHERE id = $1 RETURNING *`,
        [roundupId, title, opensAt, closesAt, limit],
      );
      await forgetUndoneAnnouncements(m, ctx, roundupId);
      return hydrate(m, Roundup, [(await closeWhenFull(m, ctx, roundupId)) ?? row])[0];
    });
    await this.events.due(ctx);
    return this.events.roundup(RoundupEventKind.UPDATED, updated);
  }

  /** Closes an OPEN edition now; a CLOSED one is returned as it is (see the mutation). */
  async close(ctx: Context, id: string): Promise<Roundup> {
    const closed = await this.end(ctx, id, RoundupStatus.OPEN, RoundupStatus.CLOSED, 'closed_at');
    await this.events.due(ctx); // CLOSED, once (see LiveEvents.announceDue)
    return closed;
  }

  /** Cancels a SCHEDULED edition; a CANCELLED one is returned as it is (see the mutation). */
  async cancel(ctx: Context, id: string): Promise<Roundup> {
    const cancelled = await this.end(
      ctx,
      id,
      RoundupStatus.SCHEDULED,
      RoundupStatus.CANCELLED,
      'cancelled_at',
    );
    return this.events.roundup(RoundupEventKind.CANCELLED, cancelled);
  }

  /**
   * Moves an edition from status `from` to `to` by stamping `column` with now: CONFLICT from any
   * other status, nothing to do when it is `to` already. A cancelled edition leaves the later
   * ones' welcome (`isNew`) to be worked out again.
   */
  private end(
    ctx: Context,
    id: string,
    from: RoundupStatus,
    to: RoundupStatus,
    column: 'closed_at' | 'cancelled_at',
  ): Promise<Roundup> {
    const roundupId = fromGlobalId(id, 'Roundup', 'id');
    return this.db.transaction(async (m) => {
      const { roundup, status } = await this.lock(m, ctx, roundupId);
      if (status === to) return roundup;
      if (status !== from)
        throw new ConflictError(
          `This edition is ${status}: only ${from} editions can be ${to.toLowerCase()}`,
        );
      const [[row]] = await m.query(
        `UPDATE roundups SET ${column} = $2 WHERE id = $1 RETURNING *`,
        [roundupId, ctx.clock.now()],
      );
      if (to === RoundupStatus.CANCELLED) await syncScheduledCohosts(m, ctx, roundup.linkUpId);
      return hydrate(m, Roundup, [row])[0];
    });
  }

  /** The roundup locked for a co-host (lockForCohost) and its status at the request's clock. */
  private async lock(m: EntityManager, ctx: Context, roundupId: string) {
    const roundup = await lockForCohost(m, ctx, 'Roundup', roundupId);
    const params: unknown[] = [roundupId];
    const [{ status }]: { status: RoundupStatus }[] = await m.query(
      `SELECT ${roundupStatus('r', ruleScope(ctx, params))} AS status FROM roundups r WHERE r.id = $1`,
      params,
    );
    return { roundup, status };
  }
}
