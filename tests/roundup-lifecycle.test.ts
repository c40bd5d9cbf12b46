import { fromGlobalId } from '../src/common/ids';
import { codes, GqlResult, snapshot, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';

/** An edition's life (docs/linkups.md): scheduled, open, closed or cancelled; full; co-hosts. */

const ROUNDUP = `id number status opensAt closesAt closedAt maxEntries entryCount
  cohosts { position isNew host { slug } }`;
const SCHEDULE = `mutation($input: ScheduleRoundupInput!) { scheduleRoundup(input: $input) { ${ROUNDUP} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRoundupInput!) { updateRoundup(id: $id, input: $input) { ${ROUNDUP} } }`;
const CLOSE = `mutation($id: ID!) { closeRoundup(id: $id) { ${ROUNDUP} } }`;
const CANCEL = `mutation($id: ID!) { cancelRoundup(id: $id) { ${ROUNDUP} } }`;
const SUBMIT = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { number status } }`;
const SET_STATUS = `mutation($id: ID!, $status: EntryStatus!) { setEntryStatus(id: $id, status: $status) { id } }`;
const ADD_COHOST = `mutation($l: ID!, $h: ID!) { addCohost(linkUpId: $l, hostId: $h) { id } }`;
const REMOVE_COHOST = `mutation($l: ID!, $h: ID!) { removeCohost(linkUpId: $l, hostId: $h) { id } }`;
/** Read by the compiled statement, or by the resolvers (a directive is not compiled). */
const LINK_UP = (resolvers: boolean) => `query($slug: String!) { linkUp(slug: $slug) {
  currentRoundup ${resolvers ? '@include(if: true)' : ''} { number }
  closed: roundups(status: CLOSED) { edges { node { number } } }
  cancelled: roundups(status: CANCELLED) { edges { node { number } } }
  all: roundups { edges { node { ${ROUNDUP} } } } } }`;

const DAY = 24 * 3600_000;
const at = (iso: string) => new Date(iso);

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let maya: MadeHost;
let ben: MadeHost;
let stranger: MadeHost;

beforeAll(async () => {
  t = await startTestApi();
  f = fixtures(t);
  [maya, ben, stranger] = [await f.host(), await f.host(), await f.host()];
});
afterEach(() => t.clock.reset());
afterAll(() => t?.stop());

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

async function readLinkUp(slug: string) {
  const [compiled, resolved] = [
    await t.gql(LINK_UP(false), { slug }),
    await t.gql(LINK_UP(true), { slug }),
  ];
  expect(compiled.sqlStatements).toBe(1);
  expect(resolved.data).toEqual(compiled.data);
  const linkUp = ok(compiled).linkUp;
  const numbers = (c: { edges: { node: { number: number } }[] }) =>
    c.edges.map((e) => e.node.number);
  return {
    current: linkUp.currentRoundup?.number ?? null,
    closed: numbers(linkUp.closed),
    cancelled: numbers(linkUp.cancelled),
    all: linkUp.all.edges.map((e: { node: unknown }) => e.node),
  };
}

function submit(roundup: Made, n: number) {
  return t.gql(SUBMIT, {
    input: {
      roundupId: roundup.gid,
      title: `Run ${n}`,
      url: `https://runner.example/${roundup.id}/${n}`,
      name: `Runner ${n}`,
      email: `r${n}@runner.example`,
    },
  });
}

/** A link-up with editions #1 closed (Jan 1-3), #2 open (Jan 8-10), #3 scheduled (Jan 15-17). */
async function weekOfEditions() {
  const linkUp = await f.linkUp([maya.id, ben.id]);
  const editions: (Made & { number: number })[] = [];
  for (const day of ['01', '08', '15']) {
    editions.push(
      await f.roundup(linkUp.id, [maya.id, ben.id], {
        opens_at: at(`2030-01-${day}T09:00:00Z`),
        closes_at: new Date(at(`2030-01-${day}T09:00:00Z`).getTime() + 2 * DAY),
      }),
    );
  }
  t.clock.set(at('2030-01-09T09:00:00Z'));
  return { linkUp, closed: editions[0], open: editions[1], scheduled: editions[2] };
}

describe('closedAt', () => {
  it('is null until closed, closesAt when closed on time, the moment of an early close otherwise', async () => {
    const { linkUp, closed, open } = await weekOfEditions();
    let seen = await readLinkUp(linkUp.slug);
    expect(seen.all.map((r: { closedAt: string | null }) => r.closedAt)).toEqual([
      null,
      null,
      '2030-01-03T09:00:00.000Z',
    ]);
    const early = ok(await t.gql(CLOSE, { id: open.gid }, { token: maya.token })).closeRoundup;
    expect(early).toMatchObject({
      status: 'CLOSED',
      closesAt: '2030-01-10T09:00:00.000Z',
      closedAt: expect.stringMatching(/^2030-01-09T09:00:0/), // the clock ticks on
    });
    seen = await readLinkUp(linkUp.slug);
    expect(seen.closed).toEqual([open.number, closed.number]);
    expect(seen.current).toBe(3);
  });
});

describe('cancelRoundup', () => {
  it('cancels a scheduled edition: it keeps its number, shows CANCELLED, is never listed as closed', async () => {
    const { linkUp, scheduled } = await weekOfEditions();
    const cancelled = ok(
      await t.gql(CANCEL, { id: scheduled.gid }, { token: ben.token }),
    ).cancelRoundup;
    expect(cancelled).toMatchObject({ number: 3, status: 'CANCELLED', closedAt: null });
    // Long after its planned close, it is still CANCELLED.
    t.clock.set(at('2030-03-01T00:00:00Z'));
    const seen = await readLinkUp(linkUp.slug);
    expect(seen.cancelled).toEqual([3]);
    expect(seen.closed).toEqual([2, 1]);
    expect(seen.current).toBeNull();
    expect(seen.all[0]).toMatchObject({ number: 3, status: 'CANCELLED', closedAt: null });
    // Cancelling again changes nothing.
    const before = await snapshot(t);
    ok(await t.gql(CANCEL, { id: scheduled.gid }, { token: ben.token }));
    expect(await snapshot(t)).toEqual(before);
  });

  it('refuses open and closed editions with CONFLICT, and others than co-hosts, changing nothing', async () => {
    const { open, closed, scheduled } = await weekOfEditions();
    const before = await snapshot(t);
    for (const id of [open.gid, closed.gid]) {
      expect(codes(await t.gql(CANCEL, { id }, { token: maya.token }))).toEqual(['CONFLICT']);
    }
    expect(codes(await t.gql(CANCEL, { id: scheduled.gid }, { token: stranger.token }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await t.gql(CANCEL, { id: scheduled.gid }))).toEqual(['UNAUTHENTICATED']);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a cancelled edition takes no entries, cannot be closed or edited; a scheduled one cannot be closed', async () => {
    const { scheduled } = await weekOfEditions();
    expect(codes(await t.gql(CLOSE, { id: scheduled.gid }, { token: maya.token }))).toEqual([
      'CONFLICT',
    ]);
    ok(await t.gql(CANCEL, { id: scheduled.gid }, { token: maya.token }));
    t.clock.set(at('2030-01-16T09:00:00Z')); // inside its planned times
    const before = await snapshot(t);
    const refused = await submit(scheduled, 1);
    expect(codes(refused)).toEqual(['ROUNDUP_NOT_OPEN']);
    expect(codes(await t.gql(CLOSE, { id: scheduled.gid }, { token: maya.token }))).toEqual([
      'CONFLICT',
    ]);
    expect(
      codes(
        await t.gql(UPDATE, { id: scheduled.gid, input: { title: 'x' } }, { token: maya.token }),
      ),
    ).toEqual(['CONFLICT']);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('maxEntries', () => {
  it('closes the edition when that many entries are visible; the next submit is ROUNDUP_NOT_OPEN', async () => {
    const linkUp = await f.linkUp([maya.id]);
    t.clock.set(at('2030-05-01T00:00:00Z'));
    const edition = ok(
      await t.gql(
        SCHEDULE,
        {
          input: {
            linkUpId: linkUp.gid,
            opensAt: '2030-05-01T00:00:00Z',
            closesAt: '2030-05-03T00:00:00Z',
            maxEntries: 3,
          },
        },
        { token: maya.token },
      ),
    ).scheduleRoundup;
    const made = { id: fromGlobalId(edition.id, 'Roundup', 'id'), gid: edition.id };
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => submit(made, n)));
    const accepted = results.filter((r) => !r.errors).map((r) => r.data.submitEntry.number);
    expect(accepted.sort()).toEqual([1, 2, 3]);
    expect(results.filter((r) => r.errors).flatMap(codes)).toEqual([
      'ROUNDUP_NOT_OPEN',
      'ROUNDUP_NOT_OPEN',
    ]);
    const [seen] = (await readLinkUp(linkUp.slug)).all;
    expect(seen).toMatchObject({
      status: 'CLOSED',
      maxEntries: 3,
      entryCount: 3,
      closedAt: expect.stringMatching(/^2030-05-01T00:00:0/),
      closesAt: '2030-05-03T00:00:00.000Z',
    });
  });

  it('counts visible entries only; lowering it to what is in closes at once; bad values are refused', async () => {
    const { open } = await weekOfEditions();
    const hidden = await f.entry(open.id, { status: 'HIDDEN' });
    await f.entry(open.id);
    const before = await snapshot(t);
    for (const maxEntries of [0, 10_001, -1]) {
      const r = await t.gql(UPDATE, { id: open.gid, input: { maxEntries } }, { token: maya.token });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions.field).toBe('maxEntries');
    }
    expect(await snapshot(t)).toEqual(before);
    const two = ok(
      await t.gql(UPDATE, { id: open.gid, input: { maxEntries: 2 } }, { token: maya.token }),
    ).updateRoundup;
    expect(two).toMatchObject({ status: 'OPEN', maxEntries: 2, entryCount: 1 });
    // Showing the hidden entry makes two visible: full, closed.
    ok(await t.gql(SET_STATUS, { id: hidden.gid, status: 'VISIBLE' }, { token: maya.token }));
    const [{ closed_at }] = await t.sql('SELECT closed_at FROM roundups WHERE id = $1', [open.id]);
    expect(closed_at.getTime() - at('2030-01-09T09:00:00Z').getTime()).toBeLessThan(60_000);
  });
});

describe('co-hosts of scheduled editions follow the link-up', () => {
  it('a new co-host joins scheduled editions only (new on the first), a removed one leaves them only', async () => {
    const { linkUp, closed, open, scheduled } = await weekOfEditions();
    t.clock.set(at('2030-01-09T09:00:00Z'));
    const fourth = ok(
      await t.gql(SCHEDULE, { input: { linkUpId: linkUp.gid } }, { token: maya.token }),
    ).scheduleRoundup;
    const newcomer = await f.host();
    ok(await t.gql(ADD_COHOST, { l: linkUp.gid, h: newcomer.gid }, { token: maya.token }));
    ok(await t.gql(REMOVE_COHOST, { l: linkUp.gid, h: ben.gid }, { token: maya.token }));
    const cohosts = async () =>
      Object.fromEntries(
        (await readLinkUp(linkUp.slug)).all.map(
          (r: { number: number; cohosts: { host: { slug: string }; isNew: boolean }[] }) => [
            r.number,
            r.cohosts.map((c) => `${c.host.slug}${c.isNew ? ' (new)' : ''}`),
          ],
        ),
      );
    expect(await cohosts()).toEqual({
      [closed.number]: [maya.slug, ben.slug], // as the fixtures made them
      [open.number]: [maya.slug, ben.slug],
      [scheduled.number]: [maya.slug, `${newcomer.slug} (new)`],
      [fourth.number]: [maya.slug, newcomer.slug],
    });
    // Cancelling #3 makes #4 the newcomer's first edition.
    ok(await t.gql(CANCEL, { id: scheduled.gid }, { token: maya.token }));
    expect((await cohosts())[fourth.number]).toEqual([maya.slug, `${newcomer.slug} (new)`]);
  });
});

describe('times', () => {
  it('refuses an overlap with a neighbouring edition, naming the field, and changes nothing', async () => {
    const { linkUp, open, scheduled } = await weekOfEditions();
    const before = await snapshot(t);
    const cases = [
      [UPDATE, { id: open.gid, input: { closesAt: '2030-01-15T10:00:00Z' } }, 'closesAt'],
      [UPDATE, { id: scheduled.gid, input: { opensAt: '2030-01-09T09:00:00Z' } }, 'opensAt'],
      [SCHEDULE, { input: { linkUpId: linkUp.gid, opensAt: '2030-01-16T00:00:00Z' } }, 'opensAt'],
    ] as const;
    for (const [doc, vars, field] of cases) {
      const r = await t.gql(doc, vars, { token: maya.token });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions.field).toBe(field);
    }
    expect(await snapshot(t)).toEqual(before);
    // Touching is not overlapping; an edition closed early ends when it closed.
    ok(
      await t.gql(
        UPDATE,
        { id: open.gid, input: { closesAt: '2030-01-15T09:00:00Z' } },
        { token: maya.token },
      ),
    );
    ok(await t.gql(CLOSE, { id: open.gid }, { token: maya.token }));
    const moved = ok(
      await t.gql(
        UPDATE,
        { id: scheduled.gid, input: { opensAt: '2030-01-12T09:00:00Z' } },
        { token: maya.token },
      ),
    ).updateRoundup;
    expect(moved).toMatchObject({
      opensAt: '2030-01-12T09:00:00.000Z',
      closesAt: '2030-01-14T09:00:00.000Z',
    });
  });
});
