import { DataSource } from 'typeorm';
import { BadInputError, ConflictError, uniqueViolation } from '../common/errors';
import { fromGlobalId } from '../common/ids';
import { optionalText } from '../common/validation';
import { hydrate } from '../db/batch';
import { Context } from '../read/context';
import { ScheduleRoundupInput, UpdateRoundupInput } from './linkup.inputs';
import { lockForCohost } from './linkup.service';
import { Roundup } from './roundup.entity';
import { closingAfter, nextOpening } from './schedule';

export const ROUNDUP_TITLE_MAX = 200;

function checkTimes(opensAt: Date, closesAt: Date): void {
  if (!(closesAt.getTime() > opensAt.getTime()))
    throw new BadInputError('closesAt', 'closesAt must be after opensAt');
}

/** Editions of a link-up: scheduling, edits and early closing, by co-hosts and admins. */
export class RoundupService {
  constructor(private readonly db: DataSource) {}

  /**
   * The link-up's next edition: the next number, the schedule's next opening (after now and
   * after the previous edition's opening) unless times are given, and a copy of the link-up's
   * current co-hosts in their order, `is_new` for those with no earlier edition.
   */
  async schedule(ctx: Context, input: ScheduleRoundupInput): Promise<Roundup> {
    const linkUpId = fromGlobalId(input.linkUpId, 'LinkUp', 'linkUpId');
    const now = ctx.clock.now();
    try {
      return await this.db.transaction(async (m) => {
        const linkUp = await lockForCohost(m, ctx, 'Link-up', linkUpId);
        const title = optionalText('title', input.title, ROUNDUP_TITLE_MAX);
        const [previous]: { number: number; opens_at: Date }[] = await m.query(
          'SELECT number, opens_at FROM roundups WHERE link_up_id = $1 ORDER BY number DESC LIMIT 1',
          [linkUpId],
        );
        const after = previous && previous.opens_at > now ? previous.opens_at : now;
        const opensAt = input.opensAt ?? nextOpening(linkUp, after);
        const closesAt = input.closesAt ?? closingAfter(opensAt, linkUp.hoursOpen);
        checkTimes(opensAt, closesAt);
        const number = (previous?.number ?? 0) + 1;
        const [row] = await m.query(
          `INSERT INTO roundups (link_up_id, number, title, opens_at, closes_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [linkUpId, number, title, opensAt, closesAt, now],
        );
        await m.query(
          `INSERT INTO roundup_cohosts (roundup_id, host_id, position, is_new)
           SELECT $1, c.host_id, row_number() OVER (ORDER BY c.position),
             NOT EXISTS (SELECT 1 FROM roundup_cohosts rc JOIN roundups r ON r.id = rc.roundup_id
                         WHERE rc.host_id = c.host_id AND r.link_up_id = $2 AND r.number < $3)
           FROM link_up_cohosts c WHERE c.link_up_id = $2`,
          [row.id, linkUpId, number],
        );
        return hydrate(m, Roundup, [row])[0];
      });
    } catch (error) {
      if (uniqueViolation(error) === 'roundups_link_up_id_number_key')
        throw new ConflictError('Another edition was scheduled at the same time, try again');
      throw error;
    }
  }

  /** Title and times; an edition closed early stays closed. */
  async update(ctx: Context, id: string, input: UpdateRoundupInput): Promise<Roundup> {
    const roundupId = fromGlobalId(id, 'Roundup', 'id');
    return this.db.transaction(async (m) => {
      const roundup = await lockForCohost(m, ctx, 'Roundup', roundupId);
      if (input.opensAt === null) throw new BadInputError('opensAt', 'opensAt cannot be null');
      if (input.closesAt === null) throw new BadInputError('closesAt', 'closesAt cannot be null');
      const title =
        input.title === undefined
          ? roundup.title
          : optionalText('title', input.title, ROUNDUP_TITLE_MAX);
      const opensAt = input.opensAt ?? roundup.opensAt;
      const closesAt = input.closesAt ?? roundup.closesAt;
      checkTimes(opensAt, closesAt);
      const [[row]] = await m.query(
        'UPDATE roundups SET title = $2, opens_at = $3, closes_at = $4 WHERE id = $1 RETURNING *',
        [roundupId, title, opensAt, closesAt],
      );
      return hydrate(m, Roundup, [row])[0];
    });
  }

  /**
   * Closes an edition now, before its closesAt (also one not open yet: a cancelled edition).
   * Closing one that is already closed changes nothing.
   */
  async close(ctx: Context, id: string): Promise<Roundup> {
    const roundupId = fromGlobalId(id, 'Roundup', 'id');
    const now = ctx.clock.now();
    return this.db.transaction(async (m) => {
      const roundup = await lockForCohost(m, ctx, 'Roundup', roundupId);
      if (roundup.closedAt || roundup.closesAt <= now) return roundup;
      const [[row]] = await m.query(
        'UPDATE roundups SET closed_at = $2 WHERE id = $1 RETURNING *',
        [roundupId, now],
      );
      return hydrate(m, Roundup, [row])[0];
    });
  }
}
