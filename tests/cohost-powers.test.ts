import { codes, GqlResult, snapshot, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';

/**
 * DESIGN, "Who may do what": the power to manage an edition follows the link-up's CURRENT
 * co-hosts. An edition's own co-host list is for display; a removed co-host loses every power
 * at once, on open, scheduled and closed editions alike.
 */

const HOUR = 3600_000;
const UPDATE_ROUNDUP = `mutation($id: ID!) { updateRoundup(id: $id, input: { title: "Tom's title" }) { id } }`;
const CLOSE_ROUNDUP = `mutation($id: ID!) { closeRoundup(id: $id) { id } }`;
const SET_ENTRY_STATUS = `mutation($id: ID!) { setEntryStatus(id: $id, status: HIDDEN) { id } }`;
const FEATURE_ENTRY = `mutation($id: ID!) { featureEntry(id: $id) { id } }`;
const UNFEATURE_ENTRY = `mutation($id: ID!) { unfeatureEntry(id: $id) { id } }`;
const SCHEDULE_ROUNDUP = `mutation($linkUpId: ID!) { scheduleRoundup(input: { linkUpId: $linkUpId }) { id } }`;
const UPDATE_LINK_UP = `mutation($id: ID!) { updateLinkUp(id: $id, input: { description: "Tom's" }) { id } }`;
const REMOVE_COHOST = `mutation($linkUpId: ID!, $hostId: ID!) { removeCohost(linkUpId: $linkUpId, hostId: $hostId) { id } }`;
/** Read once by the compiled one-statement path and once by the resolvers (a directive). */
const ENTRIES = (resolvers: boolean) => `query($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) {
    entries(includeHidden: true) ${resolvers ? '@include(if: true)' : ''} {
      edges { node { number status submitterEmail } } } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let admin: MadeHost;
let tom: MadeHost;
let maya: MadeHost;
let linkUp: Made & { slug: string };
const editions: Record<'closed' | 'open' | 'scheduled', Made & { number: number }> = {} as never;
const entries: Record<string, Made> = {};

beforeAll(async () => {
  t = await startTestApi();
  f = fixtures(t);
  admin = await f.host({ role: 'ADMIN' });
  tom = await f.host();
  maya = await f.host();
  linkUp = await f.linkUp([maya.id, tom.id]);
  const now = Date.now();
  const times = {
    closed: [now - 200 * HOUR, now - 100 * HOUR],
    open: [now - HOUR, now + 47 * HOUR],
    scheduled: [now + 100 * HOUR, now + 148 * HOUR],
  };
  for (const [name, [opens, closes]] of Object.entries(times)) {
    const edition = await f.roundup(linkUp.id, [maya.id, tom.id], {
      opens_at: new Date(opens),
      closes_at: new Date(closes),
    });
    editions[name as keyof typeof editions] = edition;
    entries[name] = await f.entry(edition.id);
    await f.entry(edition.id, { status: 'HIDDEN' });
    await t.sql('INSERT INTO entry_features (entry_id, host_id) VALUES ($1, $2)', [
      entries[name].id,
      tom.id,
    ]);
  }
});
afterAll(() => t?.stop());

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

async function readEntries(edition: { number: number }, token: string, resolvers: boolean) {
  const r = ok(
    await t.gql(ENTRIES(resolvers), { slug: linkUp.slug, number: edition.number }, { token }),
  );
  return r.roundup.entries.edges.map((e: { node: unknown }) => e.node);
}

const EDITIONS = ['closed', 'open', 'scheduled'] as const;

describe('a co-host removed from the link-up', () => {
  it('had the powers while a co-host (the control)', async () => {
    for (const name of EDITIONS) {
      for (const resolvers of [false, true]) {
        const seen = await readEntries(editions[name], tom.token, resolvers);
        expect(seen).toEqual([
          { number: 1, status: 'VISIBLE', submitterEmail: expect.stringContaining('@') },
          { number: 2, status: 'HIDDEN', submitterEmail: expect.stringContaining('@') },
        ]);
      }
    }
    ok(await t.gql(UPDATE_LINK_UP, { id: linkUp.gid }, { token: tom.token }));
  });

  describe('after removeCohost', () => {
    beforeAll(async () => {
      ok(
        await t.gql(
          REMOVE_COHOST,
          { linkUpId: linkUp.gid, hostId: tom.gid },
          { token: admin.token },
        ),
      );
    });

    it.each(EDITIONS)(
      'may not edit, close or moderate the %s edition, and nothing changes',
      async (name) => {
        const before = await snapshot(t);
        for (const [doc, id] of [
          [UPDATE_ROUNDUP, editions[name].gid],
          [CLOSE_ROUNDUP, editions[name].gid],
          [SET_ENTRY_STATUS, entries[name].gid],
          [FEATURE_ENTRY, entries[name].gid],
          [UNFEATURE_ENTRY, entries[name].gid],
        ] as const) {
          expect(codes(await t.gql(doc, { id }, { token: tom.token }))).toEqual(['FORBIDDEN']);
        }
        expect(await snapshot(t)).toEqual(before);
      },
    );

    it.each(EDITIONS)(
      'sees only visible entries of the %s edition and no submitter emails, on both executors',
      async (name) => {
        for (const resolvers of [false, true]) {
          expect(await readEntries(editions[name], tom.token, resolvers)).toEqual([
            { number: 1, status: 'VISIBLE', submitterEmail: null },
          ]);
        }
      },
    );

    it('may not schedule editions, edit the link-up or remove other co-hosts', async () => {
      const before = await snapshot(t);
      expect(
        codes(await t.gql(SCHEDULE_ROUNDUP, { linkUpId: linkUp.gid }, { token: tom.token })),
      ).toEqual(['FORBIDDEN']);
      expect(codes(await t.gql(UPDATE_LINK_UP, { id: linkUp.gid }, { token: tom.token }))).toEqual([
        'FORBIDDEN',
      ]);
      expect(
        codes(
          await t.gql(
            REMOVE_COHOST,
            { linkUpId: linkUp.gid, hostId: maya.gid },
            { token: tom.token },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      expect(await snapshot(t)).toEqual(before);
    });

    it('stays on the closed and open editions for display; the remaining co-host keeps every power', async () => {
      for (const name of ['closed', 'open'] as const) {
        const [{ count }] = await t.sql(
          'SELECT count(*)::int AS count FROM roundup_cohosts WHERE roundup_id = $1 AND host_id = $2',
          [editions[name].id, tom.id],
        );
        expect(count).toBe(1);
      }
      for (const name of EDITIONS) {
        expect(await readEntries(editions[name], maya.token, false)).toHaveLength(2);
        ok(await t.gql(FEATURE_ENTRY, { id: entries[name].gid }, { token: maya.token }));
        ok(await t.gql(UPDATE_ROUNDUP, { id: editions[name].gid }, { token: maya.token }));
      }
    });
  });
});
