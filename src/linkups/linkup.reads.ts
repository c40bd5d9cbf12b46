import { isPublished } from '../posts';
import { byId, bySlug, ListSpec, ReadSpec, Rule, Scope, Sql } from '../read/model';
import { Entry, EntryStatus } from './entry.entity';
import { LinkUp } from './linkup.entity';
import { Roundup, RoundupCohost, RoundupStatus } from './roundup.entity';

/** When a roundup stops taking entries: closesAt, or earlier when closed by hand or when full. */
export const endsAt = (t: Sql): Sql => `least(${t}.closed_at, ${t}.closes_at)`;

/**
 * A roundup's status at the request's clock: CANCELLED once cancelled (only a scheduled edition
 * can be), CLOSED from endsAt, SCHEDULED before opensAt, OPEN in between.
 */
export const roundupStatus: Rule = (t, s) => `CASE
  WHEN ${t}.cancelled_at IS NOT NULL THEN '${RoundupStatus.CANCELLED}'
  WHEN ${endsAt(t)} <= ${s.now()} THEN '${RoundupStatus.CLOSED}'
  WHEN ${s.now()} < ${t}.opens_at THEN '${RoundupStatus.SCHEDULED}'
  ELSE '${RoundupStatus.OPEN}' END`;

/** OPEN or SCHEDULED in roundupStatus's terms: neither cancelled nor ended. */
const isLive: Rule = (t, s) => `${t}.cancelled_at IS NULL AND ${s.now()} < ${endsAt(t)}`;

/** Among live editions, the current one first: the open one, else the next to open. */
const currentFirst = (t: Sql): Sql => `${t}.opens_at, ${t}.id`;

/** When a CLOSED roundup actually closed. */
const roundupClosedAt: Rule = (t, s) =>
  `CASE WHEN ${t}.cancelled_at IS NULL AND ${endsAt(t)} <= ${s.now()} THEN ${endsAt(t)} END`;

/**
 * The viewer is a current co-host of the link-up `linkUpId`, or an admin. Every co-host power
 * (managing editions and entries, private fields) follows this rule, never an edition's own
 * co-host list, which is kept for display only: a removed co-host loses their powers at once.
 */
export const cohostOfLinkUp = (linkUpId: Sql, s: Scope): Sql =>
  `(${s.admin()} OR EXISTS (SELECT 1 FROM link_up_cohosts c
    WHERE c.link_up_id = ${linkUpId} AND c.host_id = ${s.viewer()}))`;

/** The viewer may manage the roundup `roundupId`: a current co-host of its link-up, or an admin. */
export const cohostOf = (roundupId: Sql, s: Scope): Sql =>
  cohostOfLinkUp(`(SELECT r.link_up_id FROM roundups r WHERE r.id = ${roundupId})`, s);

/** An entry anyone may see. */
export const isVisible = (t: Sql): Sql => `${t}.status = '${EntryStatus.VISIBLE}'`;

/** How many visible entries the roundup `t` has (what maxEntries counts). */
export const visibleEntryCount = (t: Sql): Sql =>
  `(SELECT count(*)::int FROM entries e WHERE e.roundup_id = ${t}.id AND ${isVisible('e')})`;

/** Pending and hidden entries are seen by the roundup's co-hosts and admins only. */
const visibleEntry: Rule = (t, s) => `(${isVisible(t)} OR ${cohostOf(`${t}.roundup_id`, s)})`;

/**
 * Entries of a roundup by number (index entries_roundup_status_idx); includeHidden (pending and
 * hidden ones too) for co-hosts.
 */
const entryList: ListSpec = {
  type: 'Entry',
  table: 'entries',
  where: (t, s) =>
    `(${isVisible(t)} OR (${s.arg('includeHidden', 'boolean')} AND ${cohostOf(`${t}.roundup_id`, s)}))`,
  key: [{ column: 'number', part: 'int' }],
  direction: 'ASC',
};

/** An edition that has opened (OPEN or CLOSED): what the feeds list. */
export const hasOpened: Rule = (t, s) =>
  `${roundupStatus(t, s)} IN ('${RoundupStatus.OPEN}', '${RoundupStatus.CLOSED}')`;

/**
 * Editions of a link-up, newest first: of one status when asked, and only those that have opened
 * (or not) when asked.
 */
const roundupList: ListSpec = {
  type: 'Roundup',
  table: 'roundups',
  where: (t, s) =>
    [
      s.given('status') ? `${roundupStatus(t, s)} = ${s.arg('status', 'text')}` : '',
      s.given('opened') ? `(${hasOpened(t, s)}) = ${s.arg('opened', 'boolean')}` : '',
    ]
      .filter(Boolean)
      .join(' AND ') || 'true',
  key: [{ column: 'number', part: 'int' }],
  direction: 'DESC',
};

const cohostsOfLinkUp = (t: Sql) => `hosts ${t} JOIN link_up_cohosts c ON c.host_id = ${t}.id`;

/** How link-ups, roundups and entries are read (read/model.ts). */
export const linkUpReads = {
  Query: {
    fields: {
      linkUp: bySlug('LinkUp', 'link_ups'),
      linkUps: {
        kind: 'many',
        type: 'LinkUp',
        from: (t) => `link_ups ${t}`,
        order: (t) => `${t}.name, ${t}.id`,
      },
      roundup: {
        kind: 'one',
        type: 'Roundup',
        from: (t) => `roundups ${t}`,
        where: (t, s) => `${t}.number = ${s.arg('number', 'int')} AND ${t}.link_up_id =
          (SELECT l.id FROM link_ups l WHERE l.slug = ${s.arg('linkUpSlug', 'text')})`,
      },
    },
  },
  Host: {
    fields: {
      linkUps: {
        kind: 'many',
        type: 'LinkUp',
        from: (t) => `link_ups ${t} JOIN link_up_cohosts c ON c.link_up_id = ${t}.id`,
        link: { child: () => 'c.host_id', parent: 'id' },
        order: (t) => `${t}.name, ${t}.id`,
      },
    },
  },
  Post: {
    fields: {
      roundup: byId('Roundup', 'roundups', 'roundup_id'),
    },
  },
  LinkUp: {
    entity: LinkUp,
    table: 'link_ups',
    fields: {
      cohosts: {
        kind: 'many',
        type: 'Host',
        from: cohostsOfLinkUp,
        link: { child: () => 'c.link_up_id', parent: 'id' },
        order: () => 'c.position',
      },
      /** The open roundup, else the next scheduled one. */
      currentRoundup: {
        kind: 'one',
        type: 'Roundup',
        from: (t) => `roundups ${t}`,
        link: { child: (t) => `${t}.link_up_id`, parent: 'id' },
        where: isLive,
        order: currentFirst,
      },
      /** currentRoundup, else the last edition that opened: what the embed shows. */
      latestRoundup: {
        kind: 'one',
        type: 'Roundup',
        from: (t) => `roundups ${t}`,
        link: { child: (t) => `${t}.link_up_id`, parent: 'id' },
        // One pass over the link-up's editions: the live ones first, the current one among them
        // (currentFirst), then the others by number, newest first.
        where: (t, s) => `(${isLive(t, s)} OR ${hasOpened(t, s)})`,
        order: (t, s) =>
          `(${isLive(t, s)}) DESC, CASE WHEN ${isLive(t, s)} THEN ${t}.opens_at END, ${t}.number DESC`,
      },
      roundups: {
        kind: 'connection',
        list: roundupList,
        link: { child: (t) => `${t}.link_up_id`, parent: 'id' },
      },
    },
  },
  Roundup: {
    entity: Roundup,
    table: 'roundups',
    fields: {
      status: { kind: 'value', sql: roundupStatus },
      closedAt: { kind: 'value', sql: roundupClosedAt },
      linkUp: byId('LinkUp', 'link_ups', 'link_up_id'),
      cohosts: {
        kind: 'many',
        type: 'Cohost',
        from: (t) => `roundup_cohosts ${t}`,
        link: { child: (t) => `${t}.roundup_id`, parent: 'id' },
        order: (t) => `${t}.position`,
      },
      posts: {
        kind: 'many',
        type: 'Post',
        from: (t) => `posts ${t}`,
        link: { child: (t) => `${t}.roundup_id`, parent: 'id' },
        where: isPublished,
        order: (t) => `${t}.published_at, ${t}.id`,
      },
      featured: {
        kind: 'many',
        type: 'Entry',
        from: (t) => `entries ${t}`,
        link: { child: (t) => `${t}.roundup_id`, parent: 'id' },
        where: (t) =>
          `${isVisible(t)} AND EXISTS (SELECT 1 FROM entry_features x WHERE x.entry_id = ${t}.id)`,
        order: (t) => `${t}.number`,
      },
      entryCount: { kind: 'value', sql: visibleEntryCount },
      /** Entries waiting for approval: a count for the co-hosts and admins, null for others. */
      pendingEntryCount: {
        kind: 'value',
        sql: (t, s) =>
          `CASE WHEN ${cohostOf(`${t}.id`, s)} THEN (SELECT count(*)::int FROM entries e
            WHERE e.roundup_id = ${t}.id AND e.status = '${EntryStatus.PENDING}') END`,
      },
      entries: {
        kind: 'connection',
        list: entryList,
        link: { child: (t) => `${t}.roundup_id`, parent: 'id' },
      },
    },
  },
  Cohost: {
    entity: RoundupCohost,
    table: 'roundup_cohosts',
    /** One host on one edition: the same id whatever its position, also after a list rebuild. */
    key: ['roundup_id', 'host_id'],
    fields: {
      host: byId('Host', 'hosts', 'host_id'),
    },
  },
  Entry: {
    entity: Entry,
    table: 'entries',
    visible: visibleEntry,
    fields: {
      roundup: byId('Roundup', 'roundups', 'roundup_id'),
      featuredBy: {
        kind: 'many',
        type: 'Host',
        from: (t) => `hosts ${t} JOIN entry_features x ON x.host_id = ${t}.id`,
        link: { child: () => 'x.entry_id', parent: 'id' },
        order: (t) => `x.created_at, ${t}.id`,
      },
      submitterEmail: {
        kind: 'value',
        sql: (t, s) => `CASE WHEN ${cohostOf(`${t}.roundup_id`, s)} THEN ${t}.submitter_email END`,
      },
      /** Only the submitEntry answer carries the token (its resolver); every read sees null. */
      editToken: { kind: 'value', sql: () => 'NULL::text' },
    },
  },
} satisfies ReadSpec;
