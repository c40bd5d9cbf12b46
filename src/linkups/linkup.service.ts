import { ClassType } from 'type-graphql';
import { DataSource, EntityManager } from 'typeorm';
import {
  BadInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  uniqueViolation,
} from '../common/errors';
import { fromGlobalId } from '../common/ids';
import { firstFreeSlug, givenSlug, slugify, takenSlugsSql } from '../common/slug';
import { optionalText, requiredText } from '../common/validation';
import { hydrate } from '../db/batch';
import { Context, ruleScope } from '../read/context';
import { EntryModeration, LinkUp, Weekday } from './linkup.entity';
import { CreateLinkUpInput, UpdateLinkUpInput } from './linkup.inputs';
import { cohostOfLinkUp, roundupStatus } from './linkup.reads';
import { Roundup, RoundupStatus } from './roundup.entity';
import { canonicalTimeZone, OPENS_AT_TIME } from './schedule';
import { intInRange } from './validation';

export const LINK_UP_LIMITS = {
  name: 200,
  description: 5000,
  rules: 5000,
  cohosts: 20,
  maxEntriesPerPerson: 1000,
};

/** A row co-hosts act on, and the column naming its link-up, whose current co-hosts may. */
const COHOSTED = {
  'Link-up': { type: LinkUp, table: 'link_ups', linkUpId: 't.id' },
  Roundup: { type: Roundup, table: 'roundups', linkUpId: 't.link_up_id' },
};

/**
 * Locks a link-up or roundup row for the rest of the transaction (co-host changes, new editions
 * and entry moderation of one row happen one at a time) and checks that the viewer is a current
 * co-host of its link-up or an admin (cohostOfLinkUp): NOT_FOUND, then FORBIDDEN.
 */
export async function lockForCohost<K extends keyof typeof COHOSTED>(
  m: EntityManager,
  ctx: Context,
  what: K,
  id: string,
): Promise<InstanceType<(typeof COHOSTED)[K]['type']>> {
  const { type, table, linkUpId } = COHOSTED[what];
  const params: unknown[] = [id];
  const rows = await m.query(
    `SELECT t.*, ${cohostOfLinkUp(linkUpId, ruleScope(ctx, params))} AS is_cohost
     FROM ${table} t WHERE t.id = $1 FOR UPDATE`,
    params,
  );
  if (!rows[0]) throw new NotFoundError(what);
  if (!rows[0].is_cohost) {
    throw new ForbiddenError(`Only this link-up's co-hosts and admins may do this`);
  }
  return hydrate(m, type as ClassType<InstanceType<(typeof COHOSTED)[K]['type']>>, rows)[0];
}

/**
 * A scheduled edition's co-hosts follow the link-up's (a co-host added later joins it, a removed
 * one leaves it); once it opens its list is fixed, for display. Rebuilds the lists of the
 * link-up's scheduled editions, and of `alsoId` (a new edition), in the link-up's order. `is_new`
 * is set by a later statement, so it sees the rebuilt lists of earlier scheduled editions:
 * a host is new on their first edition, cancelled ones aside.
 */
export async function syncScheduledCohosts(
  m: EntityManager,
  ctx: Context,
  linkUpId: string,
  alsoId: string | null = null,
): Promise<void> {
  const params: unknown[] = [linkUpId, alsoId];
  const editions = `r.link_up_id = $1 AND (r.id = $2::bigint OR
    ${roundupStatus('r', ruleScope(ctx, params))} = '${RoundupStatus.SCHEDULED}')`;
  await m.query(
    `DELETE FROM roundup_cohosts rc USING roundups r WHERE rc.roundup_id = r.id AND ${editions}`,
    params,
  );
  await m.query(
    `INSERT INTO roundup_cohosts (roundup_id, host_id, position, is_new)
     SELECT r.id, c.host_id, row_number() OVER (PARTITION BY r.id ORDER BY c.position), false
     FROM roundups r JOIN link_up_cohosts c ON c.link_up_id = r.link_up_id WHERE ${editions}`,
    params,
  );
  await m.query(
    `UPDATE roundup_cohosts rc SET is_new = NOT EXISTS (
       SELECT 1 FROM roundup_cohosts pc JOIN roundups p ON p.id = pc.roundup_id
       WHERE pc.host_id = rc.host_id AND p.link_up_id = r.link_up_id AND p.number < r.number
         AND p.cancelled_at IS NULL)
     FROM roundups r WHERE rc.roundup_id = r.id AND ${editions}`,
    params,
  );
}

/** The schedule fields, checked and normalised (blank optional text becomes null). */
function scheduleFields(input: {
  opensAtTime?: string | null;
  hoursOpen?: number | null;
  timeZone?: string | null;
  maxEntriesPerPerson?: number | null;
}) {
  const fields: Partial<
    Pick<LinkUp, 'opensAtTime' | 'hoursOpen' | 'timeZone' | 'maxEntriesPerPerson'>
  > = {};
  if (input.opensAtTime != null) {
    const time = input.opensAtTime.trim();
    if (!OPENS_AT_TIME.test(time))
      throw new BadInputError('opensAtTime', 'opensAtTime must be a 24-hour time HH:MM');
    fields.opensAtTime = time;
  }
  if (input.hoursOpen != null) fields.hoursOpen = intInRange('hoursOpen', input.hoursOpen, 1, 168);
  if (input.timeZone != null) {
    const zone = canonicalTimeZone(input.timeZone.trim());
    if (!zone)
      throw new BadInputError(
        'timeZone',
        'timeZone must be an IANA time zone such as Europe/Paris',
      );
    fields.timeZone = zone;
  }
  if (input.maxEntriesPerPerson !== undefined) {
    fields.maxEntriesPerPerson =
      input.maxEntriesPerPerson === null
        ? null
        : intInRange(
            'maxEntriesPerPerson',
            input.maxEntriesPerPerson,
            1,
            LINK_UP_LIMITS.maxEntriesPerPerson,
          );
  }
  return fields;
}

function required<T>(field: string, value: T | null | undefined): T | undefined {
  if (value === null) throw new BadInputError(field, `${field} cannot be null`);
  return value;
}

/** The checked columns an UpdateLinkUpInput changes, by property name. */
function linkUpChanges(input: UpdateLinkUpInput): Partial<LinkUp> {
  const name = required('name', input.name);
  const weekday = required('weekday', input.weekday);
  const entryModeration = required('entryModeration', input.entryModeration);
  const requireLinkBack = required('requireLinkBack', input.requireLinkBack);
  required('opensAtTime', input.opensAtTime);
  required('hoursOpen', input.hoursOpen);
  required('timeZone', input.timeZone);
  if (weekday !== undefined && !Object.values(Weekday).includes(weekday)) {
    throw new BadInputError('weekday', 'weekday is not a weekday');
  }
  const changes: Partial<LinkUp> = scheduleFields(input);
  if (name !== undefined) changes.name = requiredText('name', name, LINK_UP_LIMITS.name);
  if (weekday !== undefined) changes.weekday = weekday;
  if (entryModeration !== undefined) changes.entryModeration = entryModeration;
  if (requireLinkBack !== undefined) changes.requireLinkBack = requireLinkBack;
  if (input.description !== undefined) {
    changes.description = optionalText(
      'description',
      input.description,
      LINK_UP_LIMITS.description,
    );
  }
  if (input.rules !== undefined) {
    changes.rules = optionalText('rules', input.rules, LINK_UP_LIMITS.rules);
  }
  return changes;
}

/** Link-ups: lookups, and the writes of admins (create) and co-hosts (edit, co-hosts). */
export class LinkUpService {
  constructor(private readonly db: DataSource) {}

  /** A new link-up with its first co-hosts (admins only; the resolver checks the role). */
  async create(_ctx: Context, input: CreateLinkUpInput): Promise<LinkUp> {
    const name = requiredText('name', input.name, LINK_UP_LIMITS.name);
    const slug = input.slug == null ? null : givenSlug(input.slug.trim());
    if (!Object.values(Weekday).includes(input.weekday))
      throw new BadInputError('weekday', 'weekday is not a weekday');
    const schedule = scheduleFields(input);
    const cohostIds = input.cohostIds.map((id) => fromGlobalId(id, 'Host', 'cohostIds'));
    if (cohostIds.length === 0)
      throw new BadInputError('cohostIds', 'A link-up needs at least one co-host');
    if (cohostIds.length > LINK_UP_LIMITS.cohosts) {
      throw new BadInputError(
        'cohostIds',
        `A link-up has at most ${LINK_UP_LIMITS.cohosts} co-hosts`,
      );
    }
    if (new Set(cohostIds).size !== cohostIds.length)
      throw new BadInputError('cohostIds', 'cohostIds lists a host twice');
    const values = {
      name,
      description: optionalText('description', input.description, LINK_UP_LIMITS.description),
      rules: optionalText('rules', input.rules, LINK_UP_LIMITS.rules),
    };

    try {
      return await this.db.transaction(async (m) => {
        const found: { id: string }[] = await m.query('SELECT id FROM hosts WHERE id = ANY($1)', [
          cohostIds,
        ]);
        if (found.length !== cohostIds.length) throw new NotFoundError('Host');
        let finalSlug = slug;
        if (finalSlug === null) {
          const base = slugify(name, 'link-up');
          const taken: { slug: string }[] = await m.query(takenSlugsSql('link_ups'), [base]);
          finalSlug = firstFreeSlug(
            base,
            taken.map((t) => t.slug),
          );
        } else if ((await m.query('SELECT 1 FROM link_ups WHERE slug = $1', [finalSlug])).length) {
          throw new ConflictError(`The slug "${finalSlug}" is taken`, 'slug');
        }
        const [row] = await m.query(
          `INSERT INTO link_ups (slug, name, description, rules, weekday, opens_at_time, hours_open, time_zone,
             max_entries_per_person, entry_moderation, require_link_back)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
          [
            finalSlug,
            values.name,
            values.description,
            values.rules,
            input.weekday,
            schedule.opensAtTime,
            schedule.hoursOpen,
            schedule.timeZone,
            schedule.maxEntriesPerPerson ?? null,
            input.entryModeration ?? EntryModeration.OPEN,
            input.requireLinkBack ?? false,
          ],
        );
        await m.query(
          `INSERT INTO link_up_cohosts (link_up_id, host_id, position)
           SELECT $1, c.host_id, c.position FROM unnest($2::bigint[]) WITH ORDINALITY AS c(host_id, position)`,
          [row.id, cohostIds],
        );
        return hydrate(m, LinkUp, [row])[0];
      });
    } catch (error) {
      if (uniqueViolation(error) === 'link_ups_slug_key') {
        throw new ConflictError('A link-up with this slug already exists', 'slug');
      }
      throw error;
    }
  }

  /**
   * Edits name, texts and schedule (inputs are checked once the viewer may act); editions
   * already scheduled keep their times.
   */
  async update(ctx: Context, id: string, input: UpdateLinkUpInput): Promise<LinkUp> {
    const linkUpId = fromGlobalId(id, 'LinkUp', 'id');
    return this.db.transaction(async (m) => {
      const linkUp = await lockForCohost(m, ctx, 'Link-up', linkUpId);
      const changes = Object.entries(linkUpChanges(input));
      if (changes.length === 0) return linkUp;
      const columns = m.connection.getMetadata(LinkUp);
      const sets = changes.map(
        ([property], i) =>
          `${columns.findColumnWithPropertyName(property)!.databaseName} = $${i + 2}`,
      );
      const [[row]] = await m.query(
        `UPDATE link_ups SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
        [linkUpId, ...changes.map(([, value]) => value)],
      );
      return hydrate(m, LinkUp, [row])[0];
    });
  }

  /**
   * Adds a current co-host at `position` (default: last), moving later ones down; they join the
   * scheduled editions too. CONFLICT when the host already co-hosts.
   */
  addCohost(
    ctx: Context,
    linkUpGid: string,
    hostGid: string,
    position?: number | null,
  ): Promise<LinkUp> {
    return this.changeCohosts(ctx, linkUpGid, hostGid, async (m, linkUpId, hostId, cohosts) => {
      if (cohosts.some((c) => c.hostId === hostId)) {
        throw new ConflictError('This host already co-hosts the link-up', 'hostId');
      }
      const at =
        position == null
          ? cohosts.length + 1
          : intInRange('position', position, 1, cohosts.length + 1);
      await m.query(
        'UPDATE link_up_cohosts SET position = position + 1 WHERE link_up_id = $1 AND position >= $2',
        [linkUpId, at],
      );
      await m.query(
        'INSERT INTO link_up_cohosts (link_up_id, host_id, position) VALUES ($1, $2, $3)',
        [linkUpId, hostId, at],
      );
    });
  }

  /**
   * Removes a current co-host and closes the gap in the order; they leave the scheduled editions
   * and lose every power at once. The last one cannot go.
   */
  removeCohost(ctx: Context, linkUpGid: string, hostGid: string): Promise<LinkUp> {
    return this.changeCohosts(ctx, linkUpGid, hostGid, async (m, linkUpId, hostId, cohosts) => {
      const removed = cohosts.find((c) => c.hostId === hostId);
      if (!removed) throw new BadInputError('hostId', 'This host is not a co-host of the link-up');
      if (cohosts.length === 1)
        throw new BadInputError('hostId', 'The last co-host of a link-up cannot be removed');
      await m.query('DELETE FROM link_up_cohosts WHERE link_up_id = $1 AND host_id = $2', [
        linkUpId,
        hostId,
      ]);
      await m.query(
        'UPDATE link_up_cohosts SET position = position - 1 WHERE link_up_id = $1 AND position > $2',
        [linkUpId, removed.position],
      );
    });
  }

  /**
   * One change to a link-up's co-host list, in one transaction: the link-up locked for a
   * co-host or admin (NOT_FOUND, then FORBIDDEN), the host checked to exist, then `change`
   * with the current list.
   */
  private changeCohosts(
    ctx: Context,
    linkUpGid: string,
    hostGid: string,
    change: (
      m: EntityManager,
      linkUpId: string,
      hostId: string,
      cohosts: { hostId: string; position: number }[],
    ) => Promise<void>,
  ): Promise<LinkUp> {
    const linkUpId = fromGlobalId(linkUpGid, 'LinkUp', 'linkUpId');
    const hostId = fromGlobalId(hostGid, 'Host', 'hostId');
    return this.db.transaction(async (m) => {
      const linkUp = await lockForCohost(m, ctx, 'Link-up', linkUpId);
      if (!(await m.query('SELECT 1 FROM hosts WHERE id = $1', [hostId])).length)
        throw new NotFoundError('Host');
      const rows: { host_id: string; position: number }[] = await m.query(
        'SELECT host_id, position FROM link_up_cohosts WHERE link_up_id = $1',
        [linkUpId],
      );
      const cohosts = rows.map((r) => ({ hostId: String(r.host_id), position: r.position }));
      await change(m, linkUpId, hostId, cohosts);
      await syncScheduledCohosts(m, ctx, linkUpId);
      return linkUp;
    });
  }
}
