import { PubSub } from 'type-graphql';
import { DataSource, EntityManager } from 'typeorm';
import { Context, ruleScope } from '../read/context';
import { bindScope } from '../read/scope';
import { Entry } from './entry.entity';
import { roundupStatus } from './linkup.reads';
import {
  ENTRY_TOPIC,
  EntryEventKind,
  EntryMessage,
  ROUNDUP_TOPIC,
  RoundupEventKind,
  RoundupMessage,
} from './live.types';
import { Roundup, RoundupStatus } from './roundup.entity';

const { OPEN, CLOSED, SCHEDULED } = RoundupStatus;

/**
 * Tells live subscribers what changed. Services call it once their transaction has committed,
 * so no event announces a rolled-back write. The clock's own changes, an edition opening or closing, are claimed in the database
 * (`roundup_announcements`) so the cluster announces each exactly once: every instance's ticker
 * calls `announceDue` every second, and the writes that can close an edition call it at once.
 */
export class LiveEvents {
  constructor(
    private readonly db: DataSource,
    private readonly bus: PubSub,
  ) {}

  /** Announces `kind` for the entry a committed write returned, and returns it. */
  entry(kind: EntryEventKind, entry: Entry): Entry {
    const message: EntryMessage = {
      kind,
      entryId: entry.id,
      number: entry.number,
      roundupId: entry.roundupId,
    };
    this.bus.publish(ENTRY_TOPIC, entry.roundupId, message);
    return entry;
  }

  /** Announces `kind` for the edition a committed write returned, and returns it. */
  roundup(kind: RoundupEventKind, roundup: Roundup): Roundup {
    this.publishRoundup(kind, roundup.id, roundup.linkUpId);
    return roundup;
  }

  /**
   * After a committed write that may have opened or closed an edition: announces what is due at
   * the request's clock. A failure is left to the ticker, a second later (the write stands).
   */
  async due(ctx: Pick<Context, 'clock'>): Promise<void> {
    await this.announceDue(ctx.clock.now()).catch(() => undefined);
  }

  /**
   * Claims and announces the OPENED and CLOSED that are due at `now` by the read model's status
   * rule. Two instances claiming together both try the same INSERT; the primary key makes the
   * later one wait and skip, so only one publishes. An edition found closed before anyone saw it
   * open gets CLOSED alone.
   */
  async announceDue(now: Date): Promise<number> {
    const params: unknown[] = [];
    const s = bindScope(params, null, now, {});
    const rows: { roundup_id: string; link_up_id: string; kind: RoundupEventKind }[] =
      await this.db.query(
        `WITH due AS (
           SELECT r.id, CASE ${roundupStatus('r', s)} WHEN '${OPEN}' THEN 'OPENED'
             WHEN '${CLOSED}' THEN 'CLOSED' END AS kind
           FROM roundups r
           WHERE NOT EXISTS (SELECT 1 FROM roundup_announcements a
             WHERE a.roundup_id = r.id AND a.kind = 'CLOSED')
         ), claimed AS (
           INSERT INTO roundup_announcements (roundup_id, kind, announced_at)
           SELECT d.id, d.kind, ${s.now()} FROM due d
           WHERE d.kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM roundup_announcements a
             WHERE a.roundup_id = d.id AND a.kind = d.kind)
           ON CONFLICT DO NOTHING
           RETURNING roundup_id, kind
         )
         SELECT c.roundup_id, c.kind, r.link_up_id FROM claimed c JOIN roundups r ON r.id = c.roundup_id
         ORDER BY r.link_up_id, r.number`,
        params,
      );
    for (const row of rows) this.publishRoundup(row.kind, row.roundup_id, row.link_up_id);
    return rows.length;
  }

  private publishRoundup(kind: RoundupEventKind, roundupId: string, linkUpId: string) {
    const message: RoundupMessage = { kind, roundupId: String(roundupId) };
    this.bus.publish(ROUNDUP_TOPIC, String(linkUpId), message);
  }
}

/**
 * In the transaction of an edit of an edition's times: forgets the announcements its new status
 * takes back (reopened: CLOSED; scheduled again: OPENED too), so they go out again when due.
 */
export async function forgetUndoneAnnouncements(
  m: EntityManager,
  ctx: Context,
  roundupId: string,
): Promise<void> {
  const params: unknown[] = [roundupId];
  const status = roundupStatus('r', ruleScope(ctx, params));
  await m.query(
    `DELETE FROM roundup_announcements a USING roundups r
     WHERE r.id = $1 AND a.roundup_id = r.id AND (
       (a.kind = 'CLOSED' AND ${status} IN ('${SCHEDULED}', '${OPEN}'))
       OR (a.kind = 'OPENED' AND ${status} = '${SCHEDULED}'))`,
    params,
  );
}
