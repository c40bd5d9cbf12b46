import { DataSource, EntityManager } from 'typeorm';
import {
  ConflictError,
  ForbiddenError,
  LimitExceededError,
  NotFoundError,
  RoundupNotOpenError,
  uniqueViolation,
} from '../common/errors';
import { fromGlobalId } from '../common/ids';
import { RateLimits } from '../common/rate-limit';
import { email, optionalText, requiredText } from '../common/validation';
import { hydrate } from '../db/batch';
import { Context, ruleScope } from '../read/context';
import { Entry, EntryStatus } from './entry.entity';
import { SubmitEntryInput } from './linkup.inputs';
import { cohostOf, roundupStatus } from './linkup.reads';
import { Roundup, RoundupStatus } from './roundup.entity';
import { closeWhenFull, roundupIsFull } from './roundup.service';
import { normalizeUrl } from './url';
import { webUrl } from './validation';

/** Length caps of an entry's fields (characters). */
export const ENTRY_LIMITS = {
  title: 200,
  url: 2000,
  name: 245,
  email: 100,
  blogName: 245,
  imageUrl: 2000,
};

/** The checked, trimmed fields of a submission, ready to insert. */
function entryFields(input: SubmitEntryInput) {
  const title = requiredText('title', input.title, ENTRY_LIMITS.title);
  const url = webUrl('url', input.url, ENTRY_LIMITS.url);
  return {
    title,
    url,
    normalizedUrl: normalizeUrl(url)!,
    name: requiredText('name', input.name, ENTRY_LIMITS.name),
    email: email('email', input.email, ENTRY_LIMITS.email),
    blogName: optionalText('blogName', input.blogName, ENTRY_LIMITS.blogName),
    imageUrl: input.imageUrl?.trim()
      ? webUrl('imageUrl', input.imageUrl, ENTRY_LIMITS.imageUrl)
      : null,
  };
}

/** Entries: submissions by anyone while a roundup is open; moderation by its co-hosts. */
export class EntryService {
  constructor(
    private readonly db: DataSource,
    private readonly rateLimits: RateLimits,
  ) {}

  /**
   * Numbers are gap-free and unique under concurrency: the roundup's counter is bumped with an
   * UPDATE that row-locks the roundup, in the transaction of the INSERT, so submissions to one
   * roundup queue up on that lock and any refusal rolls the number back. To keep the lock short,
   * only two statements run under it: the bump, and an INSERT that checks the per-person cap in
   * its own WHERE (a new statement, so it sees every earlier submission); a duplicate URL is
   * caught by the unique constraint.
   */
  async submit(ctx: Context, input: SubmitEntryInput): Promise<Entry> {
    const roundupId = fromGlobalId(input.roundupId, 'Roundup', 'roundupId');
    const fields = entryFields(input);
    if (!ctx.viewer) await this.rateLimits.consume('writesPerIp', ctx.ip);
    const now = ctx.clock.now();
    try {
      return await this.db.transaction(async (m) => {
        const params: unknown[] = [roundupId];
        const statusSql = roundupStatus('roundups', ruleScope(ctx, params, now));
        const [rows] = await m.query(
          `UPDATE roundups SET last_entry_number = last_entry_number + 1 WHERE id = $1
           RETURNING *, ${statusSql} AS status,
             (SELECT l.max_entries_per_person FROM link_ups l WHERE l.id = roundups.link_up_id) AS max_per_person`,
          params,
        );
        if (!rows[0]) throw new NotFoundError('Roundup');
        const roundup = hydrate(m, Roundup, rows)[0];
        const status: RoundupStatus = rows[0].status;
        if (status !== RoundupStatus.OPEN) throw new RoundupNotOpenError(status);
        if (roundup.maxEntries !== null && (await roundupIsFull(m, roundupId)))
          throw new RoundupNotOpenError(RoundupStatus.CLOSED);
        const cap: number | null = rows[0].max_per_person;
        const [entry] = await m.query(
          `INSERT INTO entries (roundup_id, number, title, url, normalized_url, submitter_name, submitter_email,
             blog_name, image_url, status, ip, created_at)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
           WHERE $13::int IS NULL OR (SELECT count(*) FROM entries
             WHERE roundup_id = $1 AND lower(submitter_email) = lower($7)) < $13::int
           RETURNING *`,
          [
            roundupId,
            roundup.lastEntryNumber,
            fields.title,
            fields.url,
            fields.normalizedUrl,
            fields.name,
            fields.email,
            fields.blogName,
            fields.imageUrl,
            EntryStatus.VISIBLE,
            ctx.ip,
            now,
            cap,
          ],
        );
        if (!entry) {
          throw new LimitExceededError(
            `This roundup takes at most ${cap} ${cap === 1 ? 'entry' : 'entries'} per person`,
          );
        }
        if (roundup.maxEntries !== null) await closeWhenFull(m, ctx, roundupId);
        return hydrate(m, Entry, [entry])[0];
      });
    } catch (error) {
      if (uniqueViolation(error) === 'entries_roundup_id_normalized_url_key') {
        throw new ConflictError('This link is already in the roundup', 'url');
      }
      throw error;
    }
  }

  /** Hides or shows an entry; numbers never change. */
  async setStatus(ctx: Context, id: string, status: EntryStatus): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    return this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      if (entry.status === status) return entry;
      const [[row]] = await m.query('UPDATE entries SET status = $2 WHERE id = $1 RETURNING *', [
        entryId,
        status,
      ]);
      if (status === EntryStatus.VISIBLE) await closeWhenFull(m, ctx, entry.roundupId);
      return hydrate(m, Entry, [row])[0];
    });
  }

  /** Marks the entry as featured by the viewer; featuring it again changes nothing. */
  async feature(ctx: Context, id: string): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    return this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      await m.query(
        'INSERT INTO entry_features (entry_id, host_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [entryId, ctx.viewer!.id, ctx.clock.now()],
      );
      return entry;
    });
  }

  /** Takes back the viewer's own feature mark (other co-hosts' marks stay); idempotent. */
  async unfeature(ctx: Context, id: string): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    return this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      await m.query('DELETE FROM entry_features WHERE entry_id = $1 AND host_id = $2', [
        entryId,
        ctx.viewer!.id,
      ]);
      return entry;
    });
  }

  /** The entry, when the viewer co-hosts its roundup or is an admin: NOT_FOUND, then FORBIDDEN. */
  private async entryForCohost(m: EntityManager, ctx: Context, entryId: string): Promise<Entry> {
    const params: unknown[] = [entryId];
    const cohost = cohostOf('e.roundup_id', ruleScope(ctx, params));
    const rows = await m.query(
      `SELECT e.*, ${cohost} AS is_cohost FROM entries e WHERE e.id = $1 FOR UPDATE`,
      params,
    );
    if (!rows[0]) throw new NotFoundError('Entry');
    if (!rows[0].is_cohost)
      throw new ForbiddenError("Only this roundup's co-hosts and admins may do this");
    return hydrate(m, Entry, rows)[0];
  }
}
