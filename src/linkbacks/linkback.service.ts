import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { Outbound, OutboundError } from '../common/outbound';
import { readPage } from '../common/page';
import { RateLimits } from '../common/rate-limit';
import {
  ENTRY_LIMITS,
  EntryService,
  hasOpened,
  LinkBackOutcome,
  queueLinkBackChecks,
} from '../linkups';
import { EntryStatus, LinkBackStatus } from '../linkups/entry.entity';
import { isPublished } from '../posts';
import { bindScope } from '../read/scope';
import { normalizeUrl, parseWebUrl } from '../common/url';
import { isLinkBack, linkBackTargets, LinkBackTargets } from './linkback.rules';

/** Webmentions count for entries of editions that opened this recently (a few weekly editions). */
export const WEBMENTION_WINDOW_DAYS = 30;

/** A webmention refused: the reason is the 400 answer's plain-text body. */
export class WebmentionRefused extends Error {}

/** The og:image as an entry's imageUrl: an absolute http(s) URL that fits the column's cap. */
function thumbnail(ogImage: string | null): string | null {
  if (!ogImage || ogImage.length > ENTRY_LIMITS.imageUrl) return null;
  const parsed = parseWebUrl(ogImage);
  return 'url' in parsed ? parsed.url.href : null;
}

/** Link-back checks (background jobs) and webmentions, on the entries of EntryService. */
export class LinkBackService {
  constructor(
    private readonly db: DataSource,
    private readonly entries: EntryService,
    private readonly rateLimits: RateLimits,
    private readonly outbound: Outbound,
    private readonly publicUrl: string | undefined,
  ) {}

  /** Where links back to edition `number` of the link-up `linkUpId` may point. */
  private async targets(linkUpId: string, linkUpSlug: string, number: number, now: Date) {
    const params: unknown[] = [linkUpId];
    const s = bindScope(params, null, now, {});
    const [{ blog_urls, canonical_urls }] = await this.db.query(
      `SELECT
         ARRAY(SELECT h.blog_url FROM link_up_cohosts c JOIN hosts h ON h.id = c.host_id
           WHERE c.link_up_id = $1 AND h.blog_url IS NOT NULL) AS blog_urls,
         ARRAY(SELECT p.canonical_url FROM link_up_cohosts c JOIN posts p ON p.author_id = c.host_id
           WHERE c.link_up_id = $1 AND ${isPublished('p', s)} AND p.canonical_url IS NOT NULL)
           AS canonical_urls`,
      params,
    );
    return linkBackTargets({
      blogUrls: blog_urls,
      canonicalUrls: canonical_urls,
      publicUrl: this.publicUrl,
      linkUpSlug,
      number,
    });
  }

  /**
   * The background job: reads the entry's page through the outbound fetcher and records whether
   * it links back (and its og:image). A page that cannot be read is a result (UNREACHABLE), not
   * a failure: co-hosts may ask again, a webmention asks again. Errors of our own (the database)
   * fail the job, which is retried with backoff; so does an abort by `signal` (shutdown).
   */
  async check(entryId: string, clock: Clock, signal?: AbortSignal): Promise<LinkBackStatus | null> {
    const [entry] = await this.db.query(
      `SELECT e.url, e.image_url, r.number, l.id AS link_up_id, l.slug
       FROM entries e JOIN roundups r ON r.id = e.roundup_id JOIN link_ups l ON l.id = r.link_up_id
       WHERE e.id = $1`,
      [entryId],
    );
    if (!entry) return null;
    let outcome: LinkBackOutcome;
    try {
      const page = await this.outbound.fetchPage(entry.url, signal);
      const { links, ogImage } = readPage(page.html, page.url);
      const targets = await this.targets(entry.link_up_id, entry.slug, entry.number, clock.now());
      outcome = {
        status: links.some((link) => isLinkBack(link, targets))
          ? LinkBackStatus.VERIFIED
          : LinkBackStatus.MISSING,
        problem: null,
        ogImage: entry.image_url ? null : thumbnail(ogImage),
      };
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      outcome = {
        status: LinkBackStatus.UNREACHABLE,
        problem: `${error.reason}: ${error.message}`.slice(0, 500),
        ogImage: null,
      };
    }
    await this.entries.settleLinkBack(clock, entryId, entry.url, outcome);
    return outcome.status;
  }

  /**
   * A webmention (W3C): `source` says it links to `target`. Accepted (the matching entries are
   * queued for a check) when the target is an address of a link-up and the source is an entry of
   * a recent edition of that link-up; WebmentionRefused with the reason otherwise. Counts toward
   * the per-IP limit of anonymous writes.
   */
  async webmention(ip: string, source: unknown, target: unknown, now: Date): Promise<number> {
    if (typeof source !== 'string' || !source) throw new WebmentionRefused('source is missing');
    if (typeof target !== 'string' || !target) throw new WebmentionRefused('target is missing');
    for (const [name, value] of [
      ['source', source],
      ['target', target],
    ]) {
      if (value.length > ENTRY_LIMITS.url || 'problem' in parseWebUrl(value)) {
        throw new WebmentionRefused(`${name} must be an http(s) URL`);
      }
    }
    const normalizedSource = normalizeUrl(source)!;
    if (normalizedSource === normalizeUrl(target)) {
      throw new WebmentionRefused('source and target must differ');
    }
    await this.rateLimits.consume('writesPerIp', ip);
    const params: unknown[] = [normalizedSource, WEBMENTION_WINDOW_DAYS];
    const s = bindScope(params, null, now, {});
    const candidates: { id: string; link_up_id: string; slug: string; number: number }[] =
      await this.db.query(
        `SELECT e.id, r.number, l.id AS link_up_id, l.slug
         FROM entries e JOIN roundups r ON r.id = e.roundup_id JOIN link_ups l ON l.id = r.link_up_id
         WHERE e.normalized_url = $1 AND e.status <> '${EntryStatus.HIDDEN}' AND ${hasOpened('r', s)}
           AND r.opens_at > ${s.now()} - make_interval(days => $2)`,
        params,
      );
    if (candidates.length === 0) {
      throw new WebmentionRefused('source is not an entry of a recent roundup');
    }
    const matching: string[] = [];
    const byEdition = new Map<string, LinkBackTargets>();
    for (const entry of candidates) {
      const edition = `${entry.link_up_id}/${entry.number}`;
      if (!byEdition.has(edition)) {
        byEdition.set(edition, await this.targets(entry.link_up_id, entry.slug, entry.number, now));
      }
      if (isLinkBack(target, byEdition.get(edition)!)) matching.push(String(entry.id));
    }
    if (matching.length === 0) {
      throw new WebmentionRefused(
        "target is not a co-host's blog, a co-host's post or the embed page of the source's roundup",
      );
    }
    await this.db.transaction((m) => queueLinkBackChecks(m, matching));
    return matching.length;
  }
}
