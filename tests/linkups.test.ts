import { toGlobalId } from '../src/common/ids';
import { codes, GqlResult, snapshot, startTestApi, TestApi } from './helpers/api';
import { fixtures, MadeHost } from './helpers/fixtures';

const LINK_UP_FIELDS = `id slug name description rules weekday opensAtTime hoursOpen timeZone maxEntriesPerPerson
  cohosts { id slug }`;
const ROUNDUP_FIELDS = `id number title opensAt closesAt status
  cohosts { position isNew host { slug } }`;

const CREATE_LINK_UP = `mutation($input: CreateLinkUpInput!) { createLinkUp(input: $input) { ${LINK_UP_FIELDS} } }`;
const UPDATE_LINK_UP = `mutation($id: ID!, $input: UpdateLinkUpInput!) { updateLinkUp(id: $id, input: $input) { ${LINK_UP_FIELDS} } }`;
const ADD_COHOST = `mutation($linkUpId: ID!, $hostId: ID!, $position: Int) {
  addCohost(linkUpId: $linkUpId, hostId: $hostId, position: $position) { ${LINK_UP_FIELDS} } }`;
const REMOVE_COHOST = `mutation($linkUpId: ID!, $hostId: ID!) { removeCohost(linkUpId: $linkUpId, hostId: $hostId) { ${LINK_UP_FIELDS} } }`;
const SCHEDULE_ROUNDUP = `mutation($input: ScheduleRoundupInput!) { scheduleRoundup(input: $input) { ${ROUNDUP_FIELDS} } }`;
const UPDATE_ROUNDUP = `mutation($id: ID!, $input: UpdateRoundupInput!) { updateRoundup(id: $id, input: $input) { ${ROUNDUP_FIELDS} } }`;
const CLOSE_ROUNDUP = `mutation($id: ID!) { closeRoundup(id: $id) { ${ROUNDUP_FIELDS} } }`;
const SUBMIT_ENTRY = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { id number } }`;
const LINK_UP = `query($slug: String!) { linkUp(slug: $slug) {
  ${LINK_UP_FIELDS}
  currentRoundup { number status }
  roundups(first: 10) { edges { node { number status } } } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let admin: MadeHost;
let maya: MadeHost;
let ben: MadeHost;
let stranger: MadeHost;

beforeAll(async () => {
  t = await startTestApi();
  f = fixtures(t);
  admin = await f.host({ role: 'ADMIN' });
  maya = await f.host();
  ben = await f.host();
  stranger = await f.host();
});
afterEach(() => t.clock.reset());
afterAll(() => t?.stop());

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

function linkUpInput(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Sunday Long Run',
    weekday: 'MONDAY',
    opensAtTime: '06:00',
    hoursOpen: 72,
    timeZone: 'America/New_York',
    cohostIds: [maya.gid, ben.gid],
    ...overrides,
  };
}

describe('createLinkUp', () => {
  it('creates a link-up with its co-hosts in order and a slug made from the name', async () => {
    const r = ok(
      await t.gql(
        CREATE_LINK_UP,
        {
          input: linkUpInput({
            name: 'Café Runners’ Club',
            description: ' Weekly. ',
            timeZone: 'europe/paris',
            maxEntriesPerPerson: 3,
          }),
        },
        { token: admin.token },
      ),
    ).createLinkUp;
    expect(r).toMatchObject({
      slug: 'cafe-runners-club',
      name: 'Café Runners’ Club',
      description: 'Weekly.',
      rules: null,
      weekday: 'MONDAY',
      opensAtTime: '06:00',
      hoursOpen: 72,
      timeZone: 'Europe/Paris',
      maxEntriesPerPerson: 3,
      cohosts: [{ slug: maya.slug }, { slug: ben.slug }],
    });
    const again = ok(
      await t.gql(
        CREATE_LINK_UP,
        { input: linkUpInput({ name: 'Cafe runners club' }) },
        { token: admin.token },
      ),
    );
    expect(again.createLinkUp.slug).toBe('cafe-runners-club-2');
    const third = ok(
      await t.gql(
        CREATE_LINK_UP,
        { input: linkUpInput({ name: 'CAFÉ RUNNERS CLUB' }) },
        { token: admin.token },
      ),
    );
    expect(third.createLinkUp.slug).toBe('cafe-runners-club-3');
  });

  it('takes a given slug, and refuses one that is taken with CONFLICT', async () => {
    const r = ok(
      await t.gql(
        CREATE_LINK_UP,
        { input: linkUpInput({ slug: 'tempo-tuesday' }) },
        { token: admin.token },
      ),
    );
    expect(r.createLinkUp.slug).toBe('tempo-tuesday');
    const before = await snapshot(t);
    const taken = await t.gql(
      CREATE_LINK_UP,
      { input: linkUpInput({ slug: 'tempo-tuesday' }) },
      { token: admin.token },
    );
    expect(codes(taken)).toEqual(['CONFLICT']);
    expect(taken.errors![0].extensions.field).toBe('slug');
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([
    [{ name: '  ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ slug: 'Not A Slug' }, 'slug'],
    [{ opensAtTime: '6:00' }, 'opensAtTime'],
    [{ opensAtTime: '24:00' }, 'opensAtTime'],
    [{ hoursOpen: 0 }, 'hoursOpen'],
    [{ hoursOpen: 169 }, 'hoursOpen'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    [{ timeZone: '+02:00' }, 'timeZone'],
    [{ maxEntriesPerPerson: 0 }, 'maxEntriesPerPerson'],
    [{ description: 'x'.repeat(5001) }, 'description'],
    [{ cohostIds: [] }, 'cohostIds'],
    [{ cohostIds: ['not-an-id'] }, 'cohostIds'],
    [{ cohostIds: [toGlobalId('Post', 1)] }, 'cohostIds'],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (overrides, field) => {
    const before = await snapshot(t);
    const r = await t.gql(
      CREATE_LINK_UP,
      { input: linkUpInput(overrides) },
      { token: admin.token },
    );
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0].extensions.field).toBe(field);
    expect(await snapshot(t)).toEqual(before);
  });

  it('refuses a co-host list naming the same host twice, and a missing host with NOT_FOUND', async () => {
    const before = await snapshot(t);
    const twice = await t.gql(
      CREATE_LINK_UP,
      { input: linkUpInput({ cohostIds: [maya.gid, maya.gid] }) },
      { token: admin.token },
    );
    expect(codes(twice)).toEqual(['BAD_USER_INPUT']);
    const missing = await t.gql(
      CREATE_LINK_UP,
      { input: linkUpInput({ cohostIds: [maya.gid, toGlobalId('Host', 999999)] }) },
      { token: admin.token },
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('updateLinkUp', () => {
  it('changes the given fields only; null clears optional text and the cap', async () => {
    const linkUp = await f.linkUp([maya.id], { description: 'Old', max_entries_per_person: 2 });
    const r = ok(
      await t.gql(
        UPDATE_LINK_UP,
        {
          id: linkUp.gid,
          input: {
            name: 'Renamed',
            description: null,
            maxEntriesPerPerson: null,
            weekday: 'FRIDAY',
            timeZone: 'Asia/Tokyo',
          },
        },
        { token: maya.token },
      ),
    ).updateLinkUp;
    expect(r).toMatchObject({
      slug: linkUp.slug,
      name: 'Renamed',
      description: null,
      maxEntriesPerPerson: null,
      weekday: 'FRIDAY',
      opensAtTime: '09:00',
      timeZone: 'Asia/Tokyo',
    });
  });

  it('refuses bad values and null for required fields, naming the field', async () => {
    const linkUp = await f.linkUp([maya.id]);
    const before = await snapshot(t);
    for (const [input, field] of [
      [{ name: null }, 'name'],
      [{ hoursOpen: null }, 'hoursOpen'],
      [{ timeZone: 'Nowhere/Special' }, 'timeZone'],
      [{ opensAtTime: '12:60' }, 'opensAtTime'],
    ] as const) {
      const r = await t.gql(UPDATE_LINK_UP, { id: linkUp.gid, input }, { token: maya.token });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions.field).toBe(field);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('answers NOT_FOUND for a missing link-up and BAD_USER_INPUT for a malformed id', async () => {
    const missing = await t.gql(
      UPDATE_LINK_UP,
      { id: toGlobalId('LinkUp', 999999), input: { name: 'X' } },
      { token: admin.token },
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    const malformed = await t.gql(
      UPDATE_LINK_UP,
      { id: 'nope', input: { name: 'X' } },
      { token: admin.token },
    );
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors![0].extensions.field).toBe('id');
  });
});

describe('co-hosts', () => {
  it('keeps a display order: append, insert at a position, remove and close the gap', async () => {
    const [a, b, c, d] = [await f.host(), await f.host(), await f.host(), await f.host()];
    const linkUp = await f.linkUp([a.id, b.id]);
    const slugsOf = (l: { cohosts: { slug: string }[] }) => l.cohosts.map((h) => h.slug);

    const appended = ok(
      await t.gql(ADD_COHOST, { linkUpId: linkUp.gid, hostId: c.gid }, { token: a.token }),
    ).addCohost;
    expect(slugsOf(appended)).toEqual([a.slug, b.slug, c.slug]);
    const inserted = ok(
      await t.gql(
        ADD_COHOST,
        { linkUpId: linkUp.gid, hostId: d.gid, position: 1 },
        { token: admin.token },
      ),
    ).addCohost;
    expect(slugsOf(inserted)).toEqual([d.slug, a.slug, b.slug, c.slug]);
    const removed = ok(
      await t.gql(REMOVE_COHOST, { linkUpId: linkUp.gid, hostId: a.gid }, { token: b.token }),
    ).removeCohost;
    expect(slugsOf(removed)).toEqual([d.slug, b.slug, c.slug]);
    expect(slugsOf((await t.gql(LINK_UP, { slug: linkUp.slug })).data.linkUp)).toEqual([
      d.slug,
      b.slug,
      c.slug,
    ]);

    const positions = await t.sql(
      'SELECT host_id, position FROM link_up_cohosts WHERE link_up_id = $1 ORDER BY position',
      [linkUp.id],
    );
    expect(positions.map((p) => [String(p.host_id), p.position])).toEqual([
      [d.id, 1],
      [b.id, 2],
      [c.id, 3],
    ]);
    // A co-host may step down while others remain.
    const left = ok(
      await t.gql(REMOVE_COHOST, { linkUpId: linkUp.gid, hostId: c.gid }, { token: c.token }),
    ).removeCohost;
    expect(slugsOf(left)).toEqual([d.slug, b.slug]);
  });

  it('refuses adding a host twice (CONFLICT), a bad position, a missing host (NOT_FOUND)', async () => {
    const linkUp = await f.linkUp([maya.id, ben.id]);
    const before = await snapshot(t);
    const twice = await t.gql(
      ADD_COHOST,
      { linkUpId: linkUp.gid, hostId: ben.gid },
      { token: maya.token },
    );
    expect(codes(twice)).toEqual(['CONFLICT']);
    const position = await t.gql(
      ADD_COHOST,
      { linkUpId: linkUp.gid, hostId: stranger.gid, position: 4 },
      { token: maya.token },
    );
    expect(codes(position)).toEqual(['BAD_USER_INPUT']);
    expect(position.errors![0].extensions.field).toBe('position');
    const missing = await t.gql(
      ADD_COHOST,
      { linkUpId: linkUp.gid, hostId: toGlobalId('Host', 999999) },
      { token: maya.token },
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(await snapshot(t)).toEqual(before);
  });

  it('never removes the last co-host, nor a host who is not one', async () => {
    const linkUp = await f.linkUp([maya.id]);
    const before = await snapshot(t);
    const last = await t.gql(
      REMOVE_COHOST,
      { linkUpId: linkUp.gid, hostId: maya.gid },
      { token: maya.token },
    );
    expect(codes(last)).toEqual(['BAD_USER_INPUT']);
    expect(last.errors![0].extensions.field).toBe('hostId');
    const notOne = await t.gql(
      REMOVE_COHOST,
      { linkUpId: linkUp.gid, hostId: ben.gid },
      { token: admin.token },
    );
    expect(codes(notOne)).toEqual(['BAD_USER_INPUT']);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('scheduleRoundup', () => {
  it('numbers editions, opens them on the schedule across the November DST change, copies co-hosts', async () => {
    t.clock.set(new Date('2026-10-20T12:00:00Z')); // a Tuesday, EDT
    const linkUp = await f.linkUp([maya.id, ben.id], {
      weekday: 'MONDAY',
      opens_at_time: '06:00',
      hours_open: 72,
      time_zone: 'America/New_York',
    });

    const first = ok(
      await t.gql(
        SCHEDULE_ROUNDUP,
        { input: { linkUpId: linkUp.gid, title: 'Week 1' } },
        { token: maya.token },
      ),
    ).scheduleRoundup;
    expect(first).toMatchObject({
      number: 1,
      title: 'Week 1',
      opensAt: '2026-10-26T10:00:00.000Z', // 06:00 EDT
      closesAt: '2026-10-29T10:00:00.000Z',
      status: 'SCHEDULED',
      cohosts: [
        { position: 1, isNew: true, host: { slug: maya.slug } },
        { position: 2, isNew: true, host: { slug: ben.slug } },
      ],
    });

    // The next edition opens after the previous one's opening, not merely after now.
    const second = ok(
      await t.gql(SCHEDULE_ROUNDUP, { input: { linkUpId: linkUp.gid } }, { token: ben.token }),
    ).scheduleRoundup;
    expect(second).toMatchObject({
      number: 2,
      title: null,
      opensAt: '2026-11-02T11:00:00.000Z',
      closesAt: '2026-11-05T11:00:00.000Z',
    }); // 06:00 EST

    // Time passes beyond both: the next edition opens after now.
    t.clock.set(new Date('2026-11-20T12:00:00Z'));
    const third = ok(
      await t.gql(SCHEDULE_ROUNDUP, { input: { linkUpId: linkUp.gid } }, { token: admin.token }),
    ).scheduleRoundup;
    expect(third).toMatchObject({ number: 3, opensAt: '2026-11-23T11:00:00.000Z' });
  });

  it('opens at the right local time across the March DST change', async () => {
    t.clock.set(new Date('2026-03-03T00:00:00Z')); // Monday evening EST in New York
    const linkUp = await f.linkUp([maya.id], {
      weekday: 'SUNDAY',
      opens_at_time: '20:00',
      hours_open: 24,
      time_zone: 'America/New_York',
    });
    const first = ok(
      await t.gql(SCHEDULE_ROUNDUP, { input: { linkUpId: linkUp.gid } }, { token: maya.token }),
    ).scheduleRoundup;
    expect(first).toMatchObject({
      opensAt: '2026-03-09T00:00:00.000Z',
      closesAt: '2026-03-10T00:00:00.000Z',
    }); // Sun 8 March 20:00 EDT
    const before = await t.gql(
      SCHEDULE_ROUNDUP,
      { input: { linkUpId: linkUp.gid } },
      { token: maya.token },
    );
    expect(ok(before).scheduleRoundup.opensAt).toBe('2026-03-16T00:00:00.000Z');

    const winter = await f.linkUp([maya.id], {
      weekday: 'SUNDAY',
      opens_at_time: '20:00',
      hours_open: 24,
      time_zone: 'America/New_York',
    });
    t.clock.set(new Date('2026-02-24T00:00:00Z'));
    const r = ok(
      await t.gql(SCHEDULE_ROUNDUP, { input: { linkUpId: winter.gid } }, { token: maya.token }),
    ).scheduleRoundup;
    expect(r.opensAt).toBe('2026-03-02T01:00:00.000Z'); // Sun 1 March 20:00 EST
  });

  it('marks as new only co-hosts without an earlier edition of this link-up', async () => {
    const [a, b, c] = [await f.host(), await f.host(), await f.host()];
    const linkUp = await f.linkUp([a.id, b.id]);
    const schedule = async () =>
      ok(
        await t.gql(SCHEDULE_ROUNDUP, { input: { linkUpId: linkUp.gid } }, { token: admin.token }),
      ).scheduleRoundup.cohosts.map(
        (x: { host: { slug: string }; isNew: boolean; position: number }) => [
          x.position,
          x.host.slug,
          x.isNew,
        ],
      );
    expect(await schedule()).toEqual([
      [1, a.slug, true],
      [2, b.slug, true],
    ]);
    ok(
      await t.gql(
        ADD_COHOST,
        { linkUpId: linkUp.gid, hostId: c.gid, position: 1 },
        { token: a.token },
      ),
    );
    // c joined the scheduled edition #1, where they are new; so on #2 they are not.
    expect(await schedule()).toEqual([
      [1, c.slug, false],
      [2, a.slug, false],
      [3, b.slug, false],
    ]);
    ok(await t.gql(REMOVE_COHOST, { linkUpId: linkUp.gid, hostId: a.gid }, { token: b.token }));
    expect(await schedule()).toEqual([
      [1, c.slug, false],
      [2, b.slug, false],
    ]);
    ok(await t.gql(ADD_COHOST, { linkUpId: linkUp.gid, hostId: a.gid }, { token: b.token }));
    expect(await schedule()).toEqual([
      [1, c.slug, false],
      [2, b.slug, false],
      [3, a.slug, false],
    ]);
    // Scheduled editions follow the link-up's co-hosts: a was removed and added back, last.
    const first = await t.sql(
      `SELECT h.slug, c.position, c.is_new FROM roundup_cohosts c JOIN roundups r ON r.id = c.roundup_id
       JOIN hosts h ON h.id = c.host_id WHERE r.link_up_id = $1 AND r.number = 1 ORDER BY c.position`,
      [linkUp.id],
    );
    expect(first.map((x) => [x.position, x.slug, x.is_new])).toEqual([
      [1, c.slug, true],
      [2, b.slug, true],
      [3, a.slug, true],
    ]);
  });

  it('takes given times; closesAt defaults to opensAt + hoursOpen; closesAt must follow opensAt', async () => {
    const linkUp = await f.linkUp([maya.id], { hours_open: 48 });
    const given = ok(
      await t.gql(
        SCHEDULE_ROUNDUP,
        { input: { linkUpId: linkUp.gid, opensAt: '2026-05-01T08:00:00+02:00' } },
        { token: maya.token },
      ),
    ).scheduleRoundup;
    expect(given).toMatchObject({
      opensAt: '2026-05-01T06:00:00.000Z',
      closesAt: '2026-05-03T06:00:00.000Z',
    });

    const before = await snapshot(t);
    const backwards = await t.gql(
      SCHEDULE_ROUNDUP,
      {
        input: {
          linkUpId: linkUp.gid,
          opensAt: '2026-06-01T08:00:00Z',
          closesAt: '2026-06-01T08:00:00Z',
        },
      },
      { token: maya.token },
    );
    expect(codes(backwards)).toEqual(['BAD_USER_INPUT']);
    expect(backwards.errors![0].extensions.field).toBe('closesAt');
    const longTitle = await t.gql(
      SCHEDULE_ROUNDUP,
      { input: { linkUpId: linkUp.gid, title: 'x'.repeat(201) } },
      { token: maya.token },
    );
    expect(codes(longTitle)).toEqual(['BAD_USER_INPUT']);
    expect(longTitle.errors![0].extensions.field).toBe('title');
    const missing = await t.gql(
      SCHEDULE_ROUNDUP,
      { input: { linkUpId: toGlobalId('LinkUp', 999999) } },
      { token: admin.token },
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('roundup status follows the clock', () => {
  it('is SCHEDULED, then OPEN, then CLOSED; closeRoundup closes early; the link-up shows the current one', async () => {
    const linkUp = await f.linkUp([maya.id]);
    const opensAt = '2030-01-07T09:00:00.000Z';
    const closesAt = '2030-01-09T09:00:00.000Z';
    const r = ok(
      await t.gql(
        SCHEDULE_ROUNDUP,
        { input: { linkUpId: linkUp.gid, opensAt, closesAt } },
        { token: maya.token },
      ),
    ).scheduleRoundup;
    const next = ok(
      await t.gql(
        SCHEDULE_ROUNDUP,
        { input: { linkUpId: linkUp.gid, opensAt: '2030-01-14T09:00:00Z' } },
        { token: maya.token },
      ),
    ).scheduleRoundup;
    const current = async () =>
      (await t.gql(LINK_UP, { slug: linkUp.slug })).data.linkUp.currentRoundup;

    t.clock.set(new Date('2030-01-07T08:59:59Z'));
    expect(await current()).toEqual({ number: 1, status: 'SCHEDULED' });
    t.clock.set(new Date(opensAt));
    expect(await current()).toEqual({ number: 1, status: 'OPEN' });
    t.clock.set(new Date(closesAt));
    expect(await current()).toEqual({ number: 2, status: 'SCHEDULED' });

    t.clock.set(new Date('2030-01-15T09:00:00Z'));
    expect(await current()).toEqual({ number: 2, status: 'OPEN' });
    const closed = ok(
      await t.gql(CLOSE_ROUNDUP, { id: next.id }, { token: maya.token }),
    ).closeRoundup;
    expect(closed.status).toBe('CLOSED');
    expect(await current()).toBeNull();
    const [{ closed_at }] = await t.sql('SELECT closed_at FROM roundups WHERE id = $1', [
      fromGid(next.id),
    ]);
    // The clock keeps ticking from where it was set.
    expect(closed_at.getTime()).toBeGreaterThanOrEqual(Date.parse('2030-01-15T09:00:00Z'));
    expect(closed_at.getTime()).toBeLessThan(Date.parse('2030-01-16T09:00:00Z'));

    // Closing again, or closing one that closed on time, changes nothing.
    const before = await snapshot(t);
    t.clock.set(new Date('2030-01-16T09:00:00Z'));
    expect(
      ok(await t.gql(CLOSE_ROUNDUP, { id: next.id }, { token: maya.token })).closeRoundup.status,
    ).toBe('CLOSED');
    expect(
      ok(await t.gql(CLOSE_ROUNDUP, { id: r.id }, { token: maya.token })).closeRoundup.status,
    ).toBe('CLOSED');
    expect(await snapshot(t)).toEqual(before);
  });

  it('updateRoundup changes title and times, and checks closesAt > opensAt against the stored times', async () => {
    const linkUp = await f.linkUp([maya.id]);
    const roundup = await f.roundup(linkUp.id, [maya.id], {
      opens_at: new Date('2030-02-01T00:00:00Z'),
      closes_at: new Date('2030-02-03T00:00:00Z'),
      title: 'Old',
    });
    const r = ok(
      await t.gql(
        UPDATE_ROUNDUP,
        { id: roundup.gid, input: { title: ' New title ', closesAt: '2030-02-04T00:00:00Z' } },
        { token: maya.token },
      ),
    ).updateRoundup;
    expect(r).toMatchObject({
      title: 'New title',
      opensAt: '2030-02-01T00:00:00.000Z',
      closesAt: '2030-02-04T00:00:00.000Z',
    });
    expect(
      ok(
        await t.gql(
          UPDATE_ROUNDUP,
          { id: roundup.gid, input: { title: null } },
          { token: maya.token },
        ),
      ).updateRoundup.title,
    ).toBeNull();

    // A new opensAt alone keeps the edition's length (3 days).
    expect(
      ok(
        await t.gql(
          UPDATE_ROUNDUP,
          { id: roundup.gid, input: { opensAt: '2030-02-02T00:00:00Z' } },
          { token: maya.token },
        ),
      ).updateRoundup,
    ).toMatchObject({ opensAt: '2030-02-02T00:00:00.000Z', closesAt: '2030-02-05T00:00:00.000Z' });

    const before = await snapshot(t);
    const backwards = await t.gql(
      UPDATE_ROUNDUP,
      { id: roundup.gid, input: { closesAt: '2030-02-01T00:00:00Z' } },
      { token: maya.token },
    );
    expect(codes(backwards)).toEqual(['BAD_USER_INPUT']);
    expect(backwards.errors![0].extensions.field).toBe('closesAt');
    const nullTime = await t.gql(
      UPDATE_ROUNDUP,
      { id: roundup.gid, input: { opensAt: null } },
      { token: maya.token },
    );
    expect(codes(nullTime)).toEqual(['BAD_USER_INPUT']);
    const missing = await t.gql(
      UPDATE_ROUNDUP,
      { id: toGlobalId('Roundup', 999999), input: { title: 'x' } },
      { token: admin.token },
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(await snapshot(t)).toEqual(before);
  });
});

function fromGid(gid: string): string {
  return Buffer.from(gid, 'base64url').toString().split(':')[1];
}

describe('authorization matrix', () => {
  type Who = 'anonymous' | 'host' | 'cohost' | 'admin';
  const WHO: Who[] = ['anonymous', 'host', 'cohost', 'admin'];
  let cohost: MadeHost;
  let linkUp: { id: string; gid: string };
  let roundup: { id: string; gid: string };
  const tokenOf = (who: Who) =>
    ({ anonymous: undefined, host: stranger.token, cohost: cohost.token, admin: admin.token })[who];

  beforeAll(async () => {
    cohost = await f.host();
    // The plain host co-hosts another link-up: being a co-host somewhere is not enough.
    await f.linkUp([stranger.id]);
    linkUp = await f.linkUp([cohost.id]);
    roundup = await f.roundup(linkUp.id, [cohost.id], {
      opens_at: new Date('2030-03-01T00:00:00Z'),
      closes_at: new Date('2030-03-03T00:00:00Z'),
    });
  });

  /** `prepare` makes the case's own fixtures; the snapshot is taken between it and the call. */
  const cases: {
    mutation: string;
    expected: Record<Who, string>;
    prepare?: (who: Who) => Promise<Record<string, unknown>>;
    call: (vars: Record<string, unknown>, who: Who, token?: string) => Promise<GqlResult>;
  }[] = [
    {
      mutation: 'createLinkUp',
      expected: {
        anonymous: 'UNAUTHENTICATED',
        host: 'FORBIDDEN',
        cohost: 'FORBIDDEN',
        admin: 'ok',
      },
      call: (_v, who, token) =>
        t.gql(
          CREATE_LINK_UP,
          { input: linkUpInput({ name: `Made by ${who}`, cohostIds: [cohost.gid] }) },
          { token },
        ),
    },
    {
      mutation: 'updateLinkUp',
      expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', cohost: 'ok', admin: 'ok' },
      call: (_v, who, token) =>
        t.gql(
          UPDATE_LINK_UP,
          { id: linkUp.gid, input: { description: `Edited by ${who}` } },
          { token },
        ),
    },
    {
      mutation: 'addCohost',
      expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', cohost: 'ok', admin: 'ok' },
      prepare: async () => ({ hostId: (await f.host()).gid }),
      call: (v, _who, token) =>
        t.gql(ADD_COHOST, { linkUpId: linkUp.gid, hostId: v.hostId }, { token }),
    },
    {
      mutation: 'removeCohost',
      expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', cohost: 'ok', admin: 'ok' },
      prepare: async () => {
        const extra = await f.host();
        await t.sql(
          'INSERT INTO link_up_cohosts (link_up_id, host_id, position) SELECT $1, $2, max(position) + 1 FROM link_up_cohosts WHERE link_up_id = $1',
          [linkUp.id, extra.id],
        );
        return { hostId: extra.gid };
      },
      call: (v, _who, token) =>
        t.gql(REMOVE_COHOST, { linkUpId: linkUp.gid, hostId: v.hostId }, { token }),
    },
    {
      mutation: 'scheduleRoundup',
      expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', cohost: 'ok', admin: 'ok' },
      call: (_v, _who, token) =>
        t.gql(SCHEDULE_ROUNDUP, { input: { linkUpId: linkUp.gid } }, { token }),
    },
    {
      mutation: 'updateRoundup',
      expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', cohost: 'ok', admin: 'ok' },
      call: (_v, who, token) =>
        t.gql(UPDATE_ROUNDUP, { id: roundup.gid, input: { title: `Titled by ${who}` } }, { token }),
    },
    {
      mutation: 'closeRoundup',
      expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', cohost: 'ok', admin: 'ok' },
      prepare: async () => ({ id: (await f.roundup(linkUp.id, [cohost.id])).gid }),
      call: (v, _who, token) => t.gql(CLOSE_ROUNDUP, { id: v.id }, { token }),
    },
  ];

  describe.each(cases)('$mutation', ({ expected, prepare, call }) => {
    it.each(WHO)('as %s', async (who) => {
      const vars = prepare ? await prepare(who) : {};
      const before = await snapshot(t);
      const r = await call(vars, who, tokenOf(who));
      if (expected[who] === 'ok') {
        expect(r.errors).toBeUndefined();
      } else {
        expect(codes(r)).toEqual([expected[who]]);
        expect(await snapshot(t)).toEqual(before);
      }
    });
  });

  it('refuses other hosts before looking at their input', async () => {
    const before = await snapshot(t);
    for (const [doc, vars] of [
      [UPDATE_LINK_UP, { id: linkUp.gid, input: { timeZone: 'Nowhere/Special', name: null } }],
      [SCHEDULE_ROUNDUP, { input: { linkUpId: linkUp.gid, title: 'x'.repeat(500) } }],
      [UPDATE_ROUNDUP, { id: roundup.gid, input: { opensAt: null } }],
      [ADD_COHOST, { linkUpId: linkUp.gid, hostId: stranger.gid, position: 99 }],
    ] as const) {
      expect(codes(await t.gql(doc, vars, { token: stranger.token }))).toEqual(['FORBIDDEN']);
      expect(codes(await t.gql(doc, vars))).toEqual(['UNAUTHENTICATED']);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('a co-host added to the link-up later may manage its earlier editions (powers follow the link-up)', async () => {
    const newcomer = await f.host();
    ok(
      await t.gql(
        ADD_COHOST,
        { linkUpId: linkUp.gid, hostId: newcomer.gid },
        { token: cohost.token },
      ),
    );
    const edition = await f.roundup(linkUp.id, [cohost.id], {
      opens_at: new Date('2031-01-01T00:00:00Z'),
      closes_at: new Date('2031-01-03T00:00:00Z'),
    });
    t.clock.set(new Date('2031-01-02T00:00:00Z'));
    const titled = ok(
      await t.gql(
        UPDATE_ROUNDUP,
        { id: edition.gid, input: { title: 'By the newcomer' } },
        { token: newcomer.token },
      ),
    ).updateRoundup;
    expect(titled.title).toBe('By the newcomer');
    expect(
      ok(await t.gql(CLOSE_ROUNDUP, { id: edition.gid }, { token: newcomer.token })).closeRoundup
        .status,
    ).toBe('CLOSED');
  });
});

describe('anonymous entries count toward the per-IP write limit', () => {
  it('answers RATE_LIMITED with retryAfter once over the limit, storing nothing; signed-in hosts are not limited', async () => {
    const linkUp = await f.linkUp([maya.id]);
    const roundup = await f.roundup(linkUp.id, [maya.id]);
    const submit = (n: number, token?: string) =>
      t.gql(
        SUBMIT_ENTRY,
        {
          input: {
            roundupId: roundup.gid,
            title: `Run ${n}`,
            url: `https://runner.example/${n}`,
            name: 'Runner',
            email: `r${n}@x.example`,
          },
        },
        { token },
      );
    for (let n = 1; n <= 30; n++) ok(await submit(n));
    const before = await snapshot(t);
    const limited = await submit(31);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.errors![0].extensions.retryAfter).toEqual(expect.any(Number));
    expect(limited.errors![0].extensions.retryAfter).toBeGreaterThan(0);
    expect(await snapshot(t)).toEqual(before);
    expect(ok(await submit(32, maya.token)).submitEntry.number).toBe(31);
  });
});
