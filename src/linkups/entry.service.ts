import { DataSource, EntityManager } from 'typeorm';
import { ContentVerdict, CommentRules, wordScreen } from '../comments';
import { newSecret, secretDigest } from '../common/auth';
import {
  ConflictError,
  ForbiddenError,
  LimitExceededError,
  NotFoundError,
  RoundupNotOpenError,
  uniqueViolation,
} from '../common/errors';
import { Clock } from '../common/clock';
import { fromGlobalId } from '../common/ids';
import { queueJob, TASKS } from '../common/jobs';
import { RateLimits } from '../common/rate-limit';
import { email, optionalText, requiredText } from '../common/validation';
import { hydrate } from '../db/batch';
import { Context, ruleScope } from '../read/context';
import { columnOf } from '../read/model';
import { Entry, EntryStatus, LinkBackStatus } from './entry.entity';
import { EntryModeration } from './linkup.entity';
import { LiveEvents } from './live.service';
import { EntryEventKind, STATUS_EVENTS } from './live.types';
import { SubmitEntryInput, UpdateEntryInput } from './linkup.inputs';
import { cohostOfLinkUp, isVisible, roundupStatus } from './linkup.reads';
import { Roundup, RoundupStatus } from './roundup.entity';
import { closeWhenFull, roundupIsFull } from './roundup.service';
import { normalizeUrl } from '../common/url';
import { webUrl } from '../common/validation';

/** roundupIsFull under the roundup's row lock, taken here (the count is a later statement). */
async function lockedRoundupIsFull(m: EntityManager, roundupId: string): Promise<boolean> {
  await m.query('SELECT 1 FROM roundups WHERE id = $1 FOR UPDATE', [roundupId]);
  return roundupIsFull(m, roundupId);
}

/** Length caps of an entry's fields (characters). */
export const ENTRY_LIMITS = {
  title: 200,
  url: 2000,
  name: 245,
  email: 100,
  blogName: 245,
  imageUrl: 2000,
};

/** The fields `input` gives of those a submitter may edit, checked and trimmed. */
function editableFields(input: UpdateEntryInput) {
  const fields: Partial<Pick<Entry, 'title' | 'url' | 'normalizedUrl' | 'blogName' | 'imageUrl'>> =
    {};
  if (input.title !== undefined) {
    fields.title = requiredText('title', input.title ?? '', ENTRY_LIMITS.title);
  }
  if (input.url !== undefined) {
    fields.url = webUrl('url', input.url ?? '', ENTRY_LIMITS.url);
    fields.normalizedUrl = normalizeUrl(fields.url)!;
  }
  if (input.blogName !== undefined) {
    fields.blogName = optionalText('blogName', input.blogName, ENTRY_LIMITS.blogName);
  }
  if (input.imageUrl !== undefined) {
    fields.imageUrl = input.imageUrl?.trim()
      ? webUrl('imageUrl', input.imageUrl, ENTRY_LIMITS.imageUrl)
      : null;
  }
  return fields;
}

/** The checked, trimmed fields of a submission, ready to insert. */
function entryFields(input: SubmitEntryInput) {
  const { title, url, normalizedUrl, blogName = null, imageUrl = null } = editableFields(input);
  return {
    title: title!,
    url: url!,
    normalizedUrl: normalizedUrl!,
    name: requiredText('name', input.name, ENTRY_LIMITS.name),
    email: email('email', input.email, ENTRY_LIMITS.email),
    blogName,
    imageUrl,
  };
}

/** What the word lists make of an entry. */
const SCREENED: Record<ContentVerdict, EntryStatus> = {
  OK: EntryStatus.VISIBLE,
  HOLD: EntryStatus.PENDING,
  SPAM: EntryStatus.HIDDEN,
};

/** The most restrictive of `statuses` (VISIBLE, then PENDING, then HIDDEN). */
function strictest(...statuses: EntryStatus[]): EntryStatus {
  const order = [EntryStatus.VISIBLE, EntryStatus.PENDING, EntryStatus.HIDDEN];
  return order[Math.max(...statuses.map((status) => order.indexOf(status)))];
}

/**
 * Marks the entries PENDING and queues a check of each in the transaction of `m` (a later request
 * for the same entry replaces one still waiting). Submissions, URL edits, co-hosts' re-checks and
 * webmentions all come here.
 */
export async function queueLinkBackChecks(m: EntityManager, entryIds: string[]): Promise<void> {
  if (entryIds.length === 0) return;
  await m.query(`UPDATE entries SET link_back = '${LinkBackStatus.PENDING}' WHERE id = ANY($1)`, [
    entryIds,
  ]);
  for (const entryId of entryIds) {
    await queueJob(m, TASKS.linkBack, { entryId }, { key: `link-back:${entryId}` });
  }
}

/** What a link-back check found (linkbacks/linkback.service.ts). */
export interface LinkBackOutcome {
  status: LinkBackStatus.VERIFIED | LinkBackStatus.MISSING | LinkBackStatus.UNREACHABLE;
  /** Why no page was read (UNREACHABLE). */
  problem: string | null;
  /** The page's og:image, checked, for an entry without imageUrl. */
  ogImage: string | null;
}

/**
 * The status a submitter's entry gets under requireLinkBack: one that would show (`status`
 * VISIBLE) waits as PENDING, held for its link-back only; one held or hidden for another reason
 * is left to the co-hosts.
 */
function holdForLinkBack(status: EntryStatus, hold: boolean) {
  const held = hold && status === EntryStatus.VISIBLE;
  return { status: held ? EntryStatus.PENDING : status, held };
}

/** An entry locked for a change, with what decides who may make it. */
interface Locked {
  entry: Entry;
  /** The viewer co-hosts its roundup or is an admin. */
  cohost: boolean;
  tokenMatches: boolean;
  roundupStatus: RoundupStatus;
  moderation: EntryModeration;
  requireLinkBack: boolean;
}

/** Entries: submissions by anyone while a roundup is open; moderation by its co-hosts. */
export class EntryService {
  private readonly words: ReturnType<typeof wordScreen>;

  constructor(
    private readonly db: DataSource,
    private readonly rateLimits: RateLimits,
    rules: CommentRules,
    private readonly events: LiveEvents,
  ) {
    this.words = wordScreen(rules);
  }

  /** What the comment word lists make of an entry's texts. */
  private screen(entry: Pick<Entry, 'title' | 'url' | 'blogName' | 'submitterName'>) {
    return SCREENED[this.words([entry.title, entry.url, entry.blogName, entry.submitterName])];
  }

  /**
   * Numbers are gap-free and unique under concurrency: the roundup's counter is bumped with an
   * UPDATE that row-locks the roundup, in the transaction of the INSERT, so submissions to one
   * roundup queue up on that lock and any refusal rolls the number back. To keep the lock short,
   * only two statements run under it: the bump, and an INSERT that checks the per-person cap in
   * its own WHERE (a new statement, so it sees every earlier submission); a duplicate URL is
   * caught by the unique constraint.
   *
   * Its status: the roundup's co-hosts and admins are trusted (VISIBLE); anyone else's entry is
   * HIDDEN for a blocked word, else PENDING for a moderation word or when the link-up's
   * entryModeration holds it, else VISIBLE. The answer alone carries the edit token.
   */
  async submit(ctx: Context, input: SubmitEntryInput): Promise<Entry> {
    const roundupId = fromGlobalId(input.roundupId, 'Roundup', 'roundupId');
    const fields = entryFields(input);
    const screened = this.screen({ ...fields, submitterName: fields.name });
    if (!ctx.viewer) await this.rateLimits.consume('writesPerIp', ctx.ip);
    const now = ctx.clock.now();
    const token = newSecret();
    try {
      const submitted = await this.db.transaction(async (m) => {
        const params: unknown[] = [roundupId, fields.email];
        const scope = ruleScope(ctx, params, now);
        const [rows] = await m.query(
          `UPDATE roundups SET last_entry_number = last_entry_number + 1 FROM link_ups l
           WHERE roundups.id = $1 AND l.id = roundups.link_up_id
           RETURNING roundups.*, ${roundupStatus('roundups', scope)} AS status,
             l.max_entries_per_person AS max_per_person, l.entry_moderation, l.require_link_back,
             ${cohostOfLinkUp('l.id', scope)} AS is_cohost,
             EXISTS (SELECT 1 FROM entries e JOIN roundups r ON r.id = e.roundup_id
               WHERE r.link_up_id = l.id AND lower(e.submitter_email) = lower($2)
                 AND ${isVisible('e')}) AS known_submitter`,
          params,
        );
        if (!rows[0]) throw new NotFoundError('Roundup');
        const roundup = hydrate(m, Roundup, rows)[0];
        const status: RoundupStatus = rows[0].status;
        if (status !== RoundupStatus.OPEN) throw new RoundupNotOpenError(status);
        if (roundup.maxEntries !== null && (await roundupIsFull(m, roundupId)))
          throw new RoundupNotOpenError(RoundupStatus.CLOSED);
        const cap: number | null = rows[0].max_per_person;
        const moderation: EntryModeration = rows[0].entry_moderation;
        const held =
          moderation === EntryModeration.HOLD_ALL ||
          (moderation === EntryModeration.HOLD_FIRST_TIME && !rows[0].known_submitter);
        const { status: entryStatus, held: heldForLinkBack } = rows[0].is_cohost
          ? { status: EntryStatus.VISIBLE, held: false }
          : holdForLinkBack(
              strictest(screened, held ? EntryStatus.PENDING : EntryStatus.VISIBLE),
              rows[0].require_link_back,
            );
        const [entry] = await m.query(
          `INSERT INTO entries (roundup_id, number, title, url, normalized_url, submitter_name, submitter_email,
             blog_name, image_url, status, ip, created_at, edit_token_hash, held_for_link_back)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $15
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
            entryStatus,
            ctx.ip,
            now,
            cap,
            token.digest,
            heldForLinkBack,
          ],
        );
        if (!entry) {
          throw new LimitExceededError(
            `This roundup takes at most ${cap} ${cap === 1 ? 'entry' : 'entries'} per person`,
          );
        }
        if (roundup.maxEntries !== null) await closeWhenFull(m, ctx, roundupId);
        // A blocked entry's page is not worth a fetch.
        if (entryStatus !== EntryStatus.HIDDEN) {
          await queueLinkBackChecks(m, [entry.id]);
          entry.link_back = LinkBackStatus.PENDING;
        }
        const [made] = hydrate(m, Entry, [entry]);
        made.editToken = token.secret;
        return made;
      });
      return this.events.entry(EntryEventKind.ADDED, submitted);
    } catch (error) {
      throw duplicateUrl(error);
    }
  }

  /**
   * Edits an entry: its submitter with the edit token while the roundup is OPEN, re-screened by
   * the word lists (an edit never makes an entry less restricted than it was, and under
   * HOLD_ALL a changed entry waits for approval again); a current co-host or admin at any time,
   * as written. The URL rules and the duplicate check are those of submitEntry.
   */
  async update(
    ctx: Context,
    id: string,
    editToken: string | null | undefined,
    input: UpdateEntryInput,
  ): Promise<Entry> {
    try {
      const updated = await this.asEditor(ctx, id, editToken, true, async (m, locked) => {
        const { entry } = locked;
        if (!locked.cohost && locked.roundupStatus !== RoundupStatus.OPEN) {
          throw new RoundupNotOpenError(locked.roundupStatus);
        }
        const changes = Object.entries(editableFields(input)).filter(
          ([property, value]) => entry[property as keyof Entry] !== value,
        );
        if (changes.length === 0) return entry;
        const edited = { ...entry, ...Object.fromEntries(changes) } as Entry;
        const moved = changes.some(([property]) => property === 'url');
        // The status without its link-back hold, which a new address puts back on.
        const { status, held } = locked.cohost
          ? { status: entry.status, held: entry.heldForLinkBack }
          : holdForLinkBack(
              strictest(
                entry.heldForLinkBack ? EntryStatus.VISIBLE : entry.status,
                this.screen(edited),
                locked.moderation === EntryModeration.HOLD_ALL
                  ? EntryStatus.PENDING
                  : EntryStatus.VISIBLE,
              ),
              entry.heldForLinkBack || (moved && locked.requireLinkBack),
            );
        const sets = changes.map(([property], i) => `${columnOf(property)} = $${i + 4}`);
        const [[row]] = await m.query(
          `UPDATE entries SET status = $2, held_for_link_back = $3, ${sets.join(', ')}
           WHERE id = $1 RETURNING *`,
          [entry.id, status, held, ...changes.map(([, value]) => value)],
        );
        if (moved && status !== EntryStatus.HIDDEN) {
          await queueLinkBackChecks(m, [entry.id]);
          row.link_back = LinkBackStatus.PENDING;
        }
        return hydrate(m, Entry, [row])[0];
      });
      return this.events.entry(EntryEventKind.UPDATED, updated);
    } catch (error) {
      throw duplicateUrl(error);
    }
  }

  /** Its submitter takes an entry back, with the edit token, at any time: HIDDEN, number kept. */
  async withdraw(ctx: Context, id: string, editToken: string): Promise<Entry> {
    const withdrawn = await this.asEditor(ctx, id, editToken, false, (m, { entry }) =>
      this.writeStatus(m, ctx, entry, EntryStatus.HIDDEN),
    );
    return this.events.entry(EntryEventKind.HIDDEN, withdrawn);
  }

  /** Approves, hides or shows an entry; numbers never change. */
  async setStatus(ctx: Context, id: string, status: EntryStatus): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    const changed = await this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      return this.writeStatus(m, ctx, entry, status);
    });
    return this.events.entry(STATUS_EVENTS[status], changed);
  }

  /** Marks the entry as featured by the viewer; featuring it again changes nothing. */
  async feature(ctx: Context, id: string): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    const featured = await this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      await m.query(
        'INSERT INTO entry_features (entry_id, host_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [entryId, ctx.viewer!.id, ctx.clock.now()],
      );
      return entry;
    });
    return this.events.entry(EntryEventKind.FEATURED, featured);
  }

  /** Takes back the viewer's own feature mark (other co-hosts' marks stay); idempotent. */
  async unfeature(ctx: Context, id: string): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    const unfeatured = await this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      await m.query('DELETE FROM entry_features WHERE entry_id = $1 AND host_id = $2', [
        entryId,
        ctx.viewer!.id,
      ]);
      return entry;
    });
    return this.events.entry(EntryEventKind.UNFEATURED, unfeatured);
  }

  /** A co-host asks for the entry's page to be checked again (PENDING until it is). */
  async recheckLinkBack(ctx: Context, id: string): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    return this.db.transaction(async (m) => {
      const entry = await this.entryForCohost(m, ctx, entryId);
      await queueLinkBackChecks(m, [entry.id]);
      entry.linkBack = LinkBackStatus.PENDING;
      return entry;
    });
  }

  /**
   * Writes what a link-back check of the entry at `url` found; nothing when the entry is gone or
   * has moved since (its new address has a check of its own queued). An entry without imageUrl
   * takes the page's og:image. A VERIFIED entry held for its link-back only shows, as a co-host's
   * approval would (closing a full edition), while its edition is OPEN and not full; otherwise
   * it stays PENDING for the co-hosts. Events go out after the commit: APPROVED when it shows,
   * UPDATED when it got a thumbnail.
   */
  async settleLinkBack(
    clock: Clock,
    entryId: string,
    url: string,
    outcome: LinkBackOutcome,
  ): Promise<Entry | null> {
    const ctx = { viewer: null, clock };
    const done = await this.db.transaction(async (m) => {
      const params: unknown[] = [entryId];
      const [row] = await m.query(
        `SELECT e.url, e.roundup_id, ${roundupStatus('r', ruleScope(ctx, params))} AS roundup_status
         FROM entries e JOIN roundups r ON r.id = e.roundup_id WHERE e.id = $1 FOR UPDATE OF e`,
        params,
      );
      if (!row || row.url !== url) return null;
      const [[updated]] = await m.query(
        `UPDATE entries e SET link_back = $2, link_back_checked_at = $3, link_back_problem = $4,
           image_url = coalesce(e.image_url, $5)
         FROM entries old WHERE e.id = $1 AND old.id = e.id
         RETURNING e.*, old.image_url AS old_image`,
        [entryId, outcome.status, clock.now(), outcome.problem, outcome.ogImage],
      );
      let entry = hydrate(m, Entry, [updated])[0];
      const show =
        outcome.status === LinkBackStatus.VERIFIED &&
        entry.heldForLinkBack &&
        entry.status === EntryStatus.PENDING &&
        row.roundup_status === RoundupStatus.OPEN &&
        !(await lockedRoundupIsFull(m, entry.roundupId));
      if (show) entry = await this.writeStatus(m, ctx, entry, EntryStatus.VISIBLE);
      const kind = show
        ? EntryEventKind.APPROVED
        : updated.old_image === null && updated.image_url !== null
          ? EntryEventKind.UPDATED
          : null;
      return { entry, kind };
    });
    if (done?.kind) this.events.entry(done.kind, done.entry);
    return done?.entry ?? null;
  }

  private async writeStatus(
    m: EntityManager,
    ctx: Pick<Context, 'viewer' | 'clock'>,
    entry: Entry,
    status: EntryStatus,
  ): Promise<Entry> {
    if (entry.status === status) return entry;
    // A co-host's decision, or a verified link-back, ends the hold for the link-back.
    const [[row]] = await m.query(
      'UPDATE entries SET status = $2, held_for_link_back = false WHERE id = $1 RETURNING *',
      [entry.id, status],
    );
    // An approval may fill the edition (maxEntries).
    if (status === EntryStatus.VISIBLE) await closeWhenFull(m, ctx, entry.roundupId);
    return hydrate(m, Entry, [row])[0];
  }

  /**
   * Runs `change` on the entry locked in a transaction, for its submitter (the right edit token)
   * or, when `cohosts`, a current co-host or admin: NOT_FOUND, then FORBIDDEN. Every token
   * counts toward editTokenPerIp before it is checked (so a burst of guesses cannot outrun the
   * counter, and once over the limit even a right guess is RATE_LIMITED); a right one gets its
   * count back. The counters live on another connection: they are kept outside the transaction.
   */
  private async asEditor(
    ctx: Context,
    id: string,
    editToken: string | null | undefined,
    cohosts: boolean,
    change: (m: EntityManager, locked: Locked) => Promise<Entry>,
  ): Promise<Entry> {
    const entryId = fromGlobalId(id, 'Entry', 'id');
    const digest = editToken ? secretDigest(editToken) : null;
    if (digest) await this.rateLimits.consume('editTokenPerIp', ctx.ip);
    let rightToken = false;
    try {
      return await this.db.transaction(async (m) => {
        const locked = await this.lockEntry(m, ctx, entryId, digest);
        rightToken = locked.tokenMatches;
        const cohost = cohosts && locked.cohost;
        if (!cohost && !rightToken) {
          throw new ForbiddenError(
            "A wrong or missing edit token (the roundup's co-hosts and admins need none)",
          );
        }
        return change(m, { ...locked, cohost });
      });
    } finally {
      if (rightToken) await this.rateLimits.reward('editTokenPerIp', ctx.ip);
    }
  }

  /** The entry, when the viewer co-hosts its roundup or is an admin: NOT_FOUND, then FORBIDDEN. */
  private async entryForCohost(m: EntityManager, ctx: Context, entryId: string): Promise<Entry> {
    const { entry, cohost } = await this.lockEntry(m, ctx, entryId, null);
    if (!cohost) throw new ForbiddenError("Only this roundup's co-hosts and admins may do this");
    return entry;
  }

  /** The entry row locked for the transaction (NOT_FOUND without one), with who may change it. */
  private async lockEntry(
    m: EntityManager,
    ctx: Context,
    entryId: string,
    tokenDigest: Buffer | null,
  ): Promise<Locked> {
    const params: unknown[] = [entryId, tokenDigest];
    const scope = ruleScope(ctx, params);
    const [row] = await m.query(
      `SELECT e.*, ${cohostOfLinkUp('l.id', scope)} AS is_cohost,
         e.edit_token_hash = $2::bytea AS token_matches,
         ${roundupStatus('r', scope)} AS roundup_status, l.entry_moderation AS moderation,
         l.require_link_back
       FROM entries e JOIN roundups r ON r.id = e.roundup_id JOIN link_ups l ON l.id = r.link_up_id
       WHERE e.id = $1 FOR UPDATE OF e`,
      params,
    );
    if (!row) throw new NotFoundError('Entry');
    return {
      entry: hydrate(m, Entry, [row])[0],
      cohost: row.is_cohost === true,
      tokenMatches: row.token_matches === true,
      roundupStatus: row.roundup_status,
      moderation: row.moderation,
      requireLinkBack: row.require_link_back === true,
    };
  }
}

/** A duplicate URL in the roundup as CONFLICT on `url`; any other error as it is. */
function duplicateUrl(error: unknown): unknown {
  return uniqueViolation(error) === 'entries_roundup_id_normalized_url_key'
    ? new ConflictError('This link is already in the roundup', 'url')
    : error;
}
