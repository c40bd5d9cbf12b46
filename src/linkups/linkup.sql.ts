import { PostStatus } from '../posts/post.entity';
import { columns, FieldScope, globalId, NotCompilable, Sql, TypeSql } from '../server/sql-json';
import { EntryStatus } from './entry.entity';
import { entryList, roundupList } from './linkup.loaders';
import { RoundupStatus } from './roundup.entity';

const now = (f: FieldScope): Sql => f.param((b) => b.now, 'timestamptz');

/** Link-ups, roundups and entries for an anonymous reader (see server/sql-json.ts). */
export const linkUpSql: TypeSql = {
  Query: {
    linkUp: (f) =>
      f.one('LinkUp', (a) => `link_ups ${a} WHERE ${a}.slug = ${f.arg('slug', 'text')}`),
    linkUps: (f) =>
      f.many(
        'LinkUp',
        (a) => `link_ups ${a}`,
        (a) => `${a}.name, ${a}.id`,
      ),
    roundup: (f) =>
      f.one(
        'Roundup',
        (a) => `roundups ${a} WHERE ${a}.number = ${f.arg('number', 'int')}
          AND ${a}.link_up_id = (SELECT l.id FROM link_ups l WHERE l.slug = ${f.arg('linkUpSlug', 'text')})`,
      ),
  },
  LinkUp: {
    id: globalId('LinkUp'),
    ...columns(
      'slug',
      'name',
      'description',
      'rules',
      'weekday',
      'opensAtTime',
      'hoursOpen',
      'timeZone',
      'maxEntriesPerPerson',
      'createdAt',
    ),
    cohosts: (f) =>
      f.many(
        'Host',
        (a) =>
          `hosts ${a} JOIN link_up_cohosts c ON c.host_id = ${a}.id WHERE c.link_up_id = ${f.row}.id`,
        () => 'c.position',
      ),
    // The currentRoundup loader: the earliest edition that has not closed yet.
    currentRoundup: (f) =>
      f.one(
        'Roundup',
        (a) => `(SELECT * FROM roundups r WHERE r.link_up_id = ${f.row}.id AND r.closed_at IS NULL
          AND r.closes_at > ${now(f)} ORDER BY r.opens_at, r.id LIMIT 1) ${a}`,
      ),
    roundups: (f) => {
      // A status filter depends on the clock in its WHERE: left to the loaders.
      if (f.has('status')) throw new NotCompilable('roundups(status)');
      return f.connection(roundupList, `t.link_up_id = ${f.row}.id`);
    },
  },
  Roundup: {
    id: globalId('Roundup'),
    ...columns('number', 'title', 'opensAt', 'closesAt'),
    // roundupStatus() at the request's clock.
    status: (f) => `CASE
      WHEN ${f.row}.closed_at IS NOT NULL AND ${f.row}.closed_at <= ${now(f)} THEN '${RoundupStatus.CLOSED}'
      WHEN ${now(f)} < ${f.row}.opens_at THEN '${RoundupStatus.SCHEDULED}'
      WHEN ${now(f)} < ${f.row}.closes_at THEN '${RoundupStatus.OPEN}'
      ELSE '${RoundupStatus.CLOSED}' END`,
    linkUp: (f) => f.one('LinkUp', (a) => `link_ups ${a} WHERE ${a}.id = ${f.row}.link_up_id`),
    cohosts: (f) =>
      f.many(
        'Cohost',
        (a) => `roundup_cohosts ${a} WHERE ${a}.roundup_id = ${f.row}.id`,
        (a) => `${a}.position`,
      ),
    posts: (f) =>
      f.many(
        'Post',
        (a) =>
          `posts ${a} WHERE ${a}.roundup_id = ${f.row}.id AND ${a}.status = '${PostStatus.PUBLISHED}'`,
        (a) => `${a}.published_at, ${a}.id`,
      ),
    featured: (f) =>
      f.many(
        'Entry',
        (
          a,
        ) => `entries ${a} WHERE ${a}.roundup_id = ${f.row}.id AND ${a}.status = '${EntryStatus.VISIBLE}'
          AND EXISTS (SELECT 1 FROM entry_features x WHERE x.entry_id = ${a}.id)`,
        (a) => `${a}.number`,
      ),
    entryCount: (f) =>
      `(SELECT count(*) FROM entries e WHERE e.roundup_id = ${f.row}.id AND e.status = '${EntryStatus.VISIBLE}')`,
    // includeHidden is honoured for co-hosts and admins only: an anonymous reader sees the visible.
    entries: (f) => f.connection(entryList, `t.roundup_id = ${f.row}.id`),
  },
  Cohost: {
    ...columns('position', 'isNew'),
    host: (f) => f.one('Host', (a) => `hosts ${a} WHERE ${a}.id = ${f.row}.host_id`),
  },
  Entry: {
    id: globalId('Entry'),
    ...columns(
      'number',
      'title',
      'url',
      'submitterName',
      'blogName',
      'imageUrl',
      'status',
      'createdAt',
    ),
    submitterEmail: () => 'NULL',
    roundup: (f) => f.one('Roundup', (a) => `roundups ${a} WHERE ${a}.id = ${f.row}.roundup_id`),
    featuredBy: (f) =>
      f.many(
        'Host',
        (a) =>
          `hosts ${a} JOIN entry_features x ON x.host_id = ${a}.id WHERE x.entry_id = ${f.row}.id`,
        (a) => `x.created_at, ${a}.id`,
      ),
  },
};
