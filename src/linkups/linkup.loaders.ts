import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { ConnectionArgs, ConnectionData } from '../common/pagination';
import {
  byIdLoader,
  childPageLoader,
  countLoader,
  hydrate,
  Loader,
  listLoader,
  ListSpec,
  perPage,
} from '../db/batch';
import { Host } from '../hosts/host.entity';
import { Entry, EntryStatus } from './entry.entity';
import { LinkUp } from './linkup.entity';
import { Roundup, RoundupCohost, RoundupStatus } from './roundup.entity';

const VISIBLE = `t.status = '${EntryStatus.VISIBLE}'`;

/** Entries of a roundup by number (index entries_roundup_status_idx). */
export const entryList: ListSpec<Entry> & { parentColumn: string } = {
  type: Entry,
  table: 'entries',
  parentColumn: 'roundup_id',
  where: VISIBLE,
  key: [{ column: 'number', part: 'int' }],
  direction: 'ASC',
  cursorOf: (e) => [e.number],
};

/** SQL condition for a roundup status at `now` (mirrors roundupStatus()). */
export function roundupStatusSql(status: RoundupStatus, now: Date): string {
  const at = `'${now.toISOString()}'::timestamptz`;
  switch (status) {
    case RoundupStatus.SCHEDULED:
      return `t.closed_at IS NULL AND t.opens_at > ${at}`;
    case RoundupStatus.OPEN:
      return `t.closed_at IS NULL AND t.opens_at <= ${at} AND t.closes_at > ${at}`;
    case RoundupStatus.CLOSED:
      return `(t.closed_at IS NOT NULL OR t.closes_at <= ${at})`;
  }
}

/** Roundups of a link-up, newest edition first. */
export const roundupList: ListSpec<Roundup> & { parentColumn: string } = {
  type: Roundup,
  table: 'roundups',
  parentColumn: 'link_up_id',
  where: 'true',
  key: [{ column: 'number', part: 'int' }],
  direction: 'DESC',
  cursorOf: (r) => [r.number],
};

/** Per-request batch loaders for link-ups, roundups and entries. */
export function linkUpLoaders(db: DataSource, clock: Clock) {
  const entryPages = (where: string) => {
    const count = countLoader(
      db,
      `SELECT t.roundup_id AS parent, count(*) FROM entries t WHERE t.roundup_id = ANY($1) AND ${where} GROUP BY t.roundup_id`,
    );
    return {
      count,
      pages: perPage((args) => childPageLoader(db, { ...entryList, where }, args, count)),
    };
  };
  const visibleEntries = entryPages(VISIBLE);
  const allEntries = entryPages('true');
  const roundupPages = new Map<
    string,
    (args: ConnectionArgs) => Loader<string, ConnectionData<Roundup>>
  >();

  return {
    linkUp: byIdLoader(db, LinkUp, 'link_ups'),
    roundup: byIdLoader(db, Roundup, 'roundups'),
    entry: byIdLoader(db, Entry, 'entries'),
    linkUpCohosts: listLoader(
      db,
      Host,
      `SELECT h.*, c.link_up_id AS parent_key FROM link_up_cohosts c JOIN hosts h ON h.id = c.host_id
       WHERE c.link_up_id = ANY($1) ORDER BY c.position`,
    ),
    roundupCohosts: listLoader(
      db,
      RoundupCohost,
      `SELECT c.*, c.roundup_id AS parent_key FROM roundup_cohosts c WHERE c.roundup_id = ANY($1) ORDER BY c.position`,
    ),
    /** The open roundup, else the next scheduled one: the earliest that has not closed yet. */
    currentRoundup: new Loader<string, Roundup | null>(async (linkUpIds) => {
      const rows = hydrate(
        db,
        Roundup,
        await db.query(
          `SELECT DISTINCT ON (t.link_up_id) t.* FROM roundups t
           WHERE t.link_up_id = ANY($1) AND t.closed_at IS NULL AND t.closes_at > $2
           ORDER BY t.link_up_id, t.opens_at, t.id`,
          [linkUpIds, clock.now()],
        ),
      );
      return linkUpIds.map((id) => rows.find((r) => r.linkUpId === id) ?? null);
    }),
    roundupsOfLinkUp: (status: RoundupStatus | null | undefined, args: ConnectionArgs) => {
      const key = status ?? 'ALL';
      let pages = roundupPages.get(key);
      if (!pages) {
        const where = status ? roundupStatusSql(status, clock.now()) : 'true';
        const count = countLoader(
          db,
          `SELECT t.link_up_id AS parent, count(*) FROM roundups t WHERE t.link_up_id = ANY($1) AND ${where} GROUP BY t.link_up_id`,
        );
        pages = perPage((a) => childPageLoader(db, { ...roundupList, where }, a, count));
        roundupPages.set(key, pages);
      }
      return pages(args);
    },
    visibleEntryCount: visibleEntries.count,
    entriesOfRoundup: (includeHidden: boolean) =>
      (includeHidden ? allEntries : visibleEntries).pages,
    featuredEntries: listLoader(
      db,
      Entry,
      `SELECT t.*, t.roundup_id AS parent_key FROM entries t
       WHERE t.roundup_id = ANY($1) AND ${VISIBLE} AND EXISTS (SELECT 1 FROM entry_features f WHERE f.entry_id = t.id)
       ORDER BY t.number`,
    ),
    featuredBy: listLoader(
      db,
      Host,
      `SELECT h.*, f.entry_id AS parent_key FROM entry_features f JOIN hosts h ON h.id = f.host_id
       WHERE f.entry_id = ANY($1) ORDER BY f.created_at, h.id`,
    ),
  };
}
