import { toGlobalId } from '../src/common/ids';
import { codes, GqlResult, snapshot, startTestApi, TestApi } from './helpers/api';
import { fixtures, MadeHost } from './helpers/fixtures';

const ENTRY_FIELDS = `id number title url blogName imageUrl submitterName submitterEmail status featuredBy { slug }`;

const SUBMIT_ENTRY = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { ${ENTRY_FIELDS} } }`;
const SET_ENTRY_STATUS = `mutation($id: ID!, $status: EntryStatus!) { setEntryStatus(id: $id, status: $status) { ${ENTRY_FIELDS} } }`;
const FEATURE_ENTRY = `mutation($id: ID!) { featureEntry(id: $id) { ${ENTRY_FIELDS} } }`;
const UNFEATURE_ENTRY = `mutation($id: ID!) { unfeatureEntry(id: $id) { ${ENTRY_FIELDS} } }`;
const ENTRIES = `query($slug: String!, $number: Int!, $includeHidden: Boolean) {
  roundup(linkUpSlug: $slug, number: $number) {
    entryCount
    featured { number featuredBy { slug } }
    entries(first: 100, includeHidden: $includeHidden) { totalCount edges { node { number status submitterEmail } } } } }`;
/**
 * The roundup page a blog renders: the edition, its co-hosts and posts, featured entries with who
 * featured them, the first 50 entries. (featuredBy only under `featured`: asked under both, its
 * loader batches once or twice depending on which list's rows arrive first.)
 */
const ROUNDUP_PAGE = `query RoundupPage($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) {
    id number title opensAt closesAt status entryCount
    linkUp { name slug rules maxEntriesPerPerson cohosts { slug } }
    cohosts { position isNew host { name blogName blogUrl avatarUrl } }
    posts { title slug author { name blogName } }
    featured { number title url blogName featuredBy { name blogName } }
    entries(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id number title url blogName imageUrl submitterName submitterEmail createdAt } }
    }
  }
}`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let admin: MadeHost;
let cohost: MadeHost;
let stranger: MadeHost;

beforeAll(async () => {
  // Many submissions from one address: the per-IP limit is shown in tests/linkups.test.ts.
  t = await startTestApi({ RATE_LIMITS: 'off' });
  f = fixtures(t);
  admin = await f.host({ role: 'ADMIN' });
  cohost = await f.host();
  stranger = await f.host();
  await f.linkUp([stranger.id]);
});
afterEach(() => t.clock.reset());
afterAll(() => t?.stop());

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

/** An open roundup of a new link-up co-hosted by `cohost`. */
async function openRoundup(linkUpValues: Record<string, unknown> = {}) {
  const linkUp = await f.linkUp([cohost.id], linkUpValues);
  const roundup = await f.roundup(linkUp.id, [cohost.id]);
  return { linkUp, roundup };
}

function input(roundupGid: string, n: number | string, overrides: Record<string, unknown> = {}) {
  return {
    roundupId: roundupGid,
    title: `My run ${n}`,
    url: `https://runner.example/posts/${n}`,
    name: `Runner ${n}`,
    email: `runner${n}@test.example`,
    ...overrides,
  };
}

const numbersOf = async (roundupId: string): Promise<number[]> =>
  (
    await t.sql('SELECT number FROM entries WHERE roundup_id = $1 ORDER BY number', [roundupId])
  ).map((r) => r.number);

describe('submitEntry', () => {
  it('numbers entries 1..n, stores the submitter and IP, and keeps the email private', async () => {
    const { linkUp, roundup } = await openRoundup();
    const first = ok(
      await t.gql(SUBMIT_ENTRY, {
        input: input(roundup.gid, 1, {
          title: '  Ten miles in the rain ',
          url: 'HTTPS://Runner.Example/posts/1/?utm_source=x#top',
          blogName: 'Rainy Runs',
          imageUrl: 'https://runner.example/cover.jpg',
        }),
      }),
    ).submitEntry;
    expect(first).toMatchObject({
      number: 1,
      title: 'Ten miles in the rain',
      url: 'https://runner.example/posts/1/?utm_source=x#top',
      blogName: 'Rainy Runs',
      imageUrl: 'https://runner.example/cover.jpg',
      submitterName: 'Runner 1',
      submitterEmail: null,
      status: 'VISIBLE',
      featuredBy: [],
    });
    const second = ok(await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 2) })).submitEntry;
    expect(second.number).toBe(2);

    const [row] = await t.sql(
      'SELECT normalized_url, ip, submitter_email FROM entries WHERE roundup_id = $1 AND number = 1',
      [roundup.id],
    );
    expect(row).toMatchObject({
      normalized_url: 'https://runner.example/posts/1',
      submitter_email: 'runner1@test.example',
    });
    expect(row.ip).toEqual(expect.any(String));

    const anonymous = ok(
      await t.gql(ENTRIES, { slug: linkUp.slug, number: roundup.number }),
    ).roundup;
    expect(anonymous.entries.edges.map((e: any) => e.node.submitterEmail)).toEqual([null, null]);
    for (const who of [cohost, admin]) {
      const seen = ok(
        await t.gql(ENTRIES, { slug: linkUp.slug, number: roundup.number }, { token: who.token }),
      ).roundup;
      expect(seen.entries.edges.map((e: any) => e.node.submitterEmail)).toEqual([
        'runner1@test.example',
        'runner2@test.example',
      ]);
    }
    const other = ok(
      await t.gql(
        ENTRIES,
        { slug: linkUp.slug, number: roundup.number },
        { token: stranger.token },
      ),
    ).roundup;
    expect(other.entries.edges.map((e: any) => e.node.submitterEmail)).toEqual([null, null]);
  });

  it('refuses the same normalised URL twice with CONFLICT, consuming no number', async () => {
    const { roundup } = await openRoundup();
    ok(
      await t.gql(SUBMIT_ENTRY, {
        input: input(roundup.gid, 1, { url: 'https://runner.example/long-run' }),
      }),
    );
    const before = await snapshot(t);
    for (const url of [
      'https://runner.example/long-run/',
      'HTTPS://RUNNER.EXAMPLE/long-run',
      'https://runner.example:443/long-run#comments',
      'https://runner.example/long-run?utm_source=newsletter&fbclid=1&gclid=2',
    ]) {
      const r = await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 'dup', { url }) });
      expect(codes(r)).toEqual(['CONFLICT']);
      expect(r.errors![0].extensions.field).toBe('url');
    }
    expect(await snapshot(t)).toEqual(before);
    // Other paths, queries and schemes are different links.
    ok(
      await t.gql(SUBMIT_ENTRY, {
        input: input(roundup.gid, 3, { url: 'https://runner.example/long-run?page=2' }),
      }),
    );
    ok(
      await t.gql(SUBMIT_ENTRY, {
        input: input(roundup.gid, 4, { url: 'http://runner.example/long-run' }),
      }),
    );
    expect(await numbersOf(roundup.id)).toEqual([1, 2, 3]);
  });

  it('allows the same URL in another roundup', async () => {
    const a = await openRoundup();
    const b = await openRoundup();
    ok(
      await t.gql(SUBMIT_ENTRY, {
        input: input(a.roundup.gid, 1, { url: 'https://runner.example/same' }),
      }),
    );
    expect(
      ok(
        await t.gql(SUBMIT_ENTRY, {
          input: input(b.roundup.gid, 1, { url: 'https://runner.example/same' }),
        }),
      ).submitEntry.number,
    ).toBe(1);
  });

  it('caps entries per person by email (any case) with LIMIT_EXCEEDED', async () => {
    const { roundup } = await openRoundup({ max_entries_per_person: 2 });
    ok(
      await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 1, { email: 'Pat@Runner.example' }) }),
    );
    ok(
      await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 2, { email: 'pat@runner.example' }) }),
    );
    const before = await snapshot(t);
    const third = await t.gql(SUBMIT_ENTRY, {
      input: input(roundup.gid, 3, { email: ' PAT@runner.EXAMPLE ' }),
    });
    expect(codes(third)).toEqual(['LIMIT_EXCEEDED']);
    expect(await snapshot(t)).toEqual(before);
    expect(
      ok(
        await t.gql(SUBMIT_ENTRY, {
          input: input(roundup.gid, 4, { email: 'sam@runner.example' }),
        }),
      ).submitEntry.number,
    ).toBe(3);
  });

  it.each([
    [{ title: '   ' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ url: 'ftp://runner.example/file' }, 'url'],
    [{ url: 'javascript:alert(1)' }, 'url'],
    [{ url: 'runner.example/no-scheme' }, 'url'],
    [{ url: `https://runner.example/${'x'.repeat(2000)}` }, 'url'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(246) }, 'name'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: `${'x'.repeat(95)}@a.example` }, 'email'],
    [{ blogName: 'x'.repeat(246) }, 'blogName'],
    [{ imageUrl: 'data:image/png;base64,AAAA' }, 'imageUrl'],
    [{ imageUrl: `https://img.example/${'x'.repeat(2000)}` }, 'imageUrl'],
    [{ roundupId: 'garbage' }, 'roundupId'],
    [{ roundupId: toGlobalId('Entry', 1) }, 'roundupId'],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (overrides, field) => {
    const { roundup } = await openRoundup();
    const before = await snapshot(t);
    const r = await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 1, overrides) });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0].extensions.field).toBe(field);
    expect(await snapshot(t)).toEqual(before);
  });

  it('answers NOT_FOUND for a roundup that does not exist', async () => {
    const before = await snapshot(t);
    const r = await t.gql(SUBMIT_ENTRY, { input: input(toGlobalId('Roundup', 999999), 1) });
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(await snapshot(t)).toEqual(before);
  });

  it('takes entries only while the roundup is OPEN (ROUNDUP_NOT_OPEN before, after and once closed early)', async () => {
    const linkUp = await f.linkUp([cohost.id]);
    const roundup = await f.roundup(linkUp.id, [cohost.id], {
      opens_at: new Date('2031-05-05T10:00:00Z'),
      closes_at: new Date('2031-05-08T10:00:00Z'),
    });
    const before = await snapshot(t);
    t.clock.set(new Date('2031-05-05T09:59:00Z'));
    const early = await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 1) });
    expect(codes(early)).toEqual(['ROUNDUP_NOT_OPEN']);
    t.clock.set(new Date('2031-05-08T10:00:00Z'));
    const late = await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 1) });
    expect(codes(late)).toEqual(['ROUNDUP_NOT_OPEN']);
    expect(await snapshot(t)).toEqual(before);

    t.clock.set(new Date('2031-05-06T10:00:00Z'));
    expect(ok(await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 1) })).submitEntry.number).toBe(
      1,
    );
    ok(
      await t.gql(
        `mutation($id: ID!) { closeRoundup(id: $id) { status } }`,
        { id: roundup.gid },
        { token: cohost.token },
      ),
    );
    const closed = await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 2) });
    expect(codes(closed)).toEqual(['ROUNDUP_NOT_OPEN']);
    const [{ last_entry_number }] = await t.sql(
      'SELECT last_entry_number FROM roundups WHERE id = $1',
      [roundup.id],
    );
    expect(last_entry_number).toBe(1);
  });
});

describe('concurrent submissions', () => {
  it('50 at once get exactly the numbers 1..50', async () => {
    const { roundup } = await openRoundup();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, `c${i}`) }),
      ),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const returned = results.map((r) => r.data.submitEntry.number).sort((a, b) => a - b);
    const expected = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(returned).toEqual(expected);
    expect(await numbersOf(roundup.id)).toEqual(expected);
    const [{ last_entry_number }] = await t.sql(
      'SELECT last_entry_number FROM roundups WHERE id = $1',
      [roundup.id],
    );
    expect(last_entry_number).toBe(50);
  });

  it('concurrent duplicates of one URL give one entry and CONFLICT for the rest', async () => {
    const { roundup } = await openRoundup();
    const variants = [
      'https://runner.example/race',
      'https://runner.example/race/',
      'https://RUNNER.example/race?utm_medium=x',
      'https://runner.example/race#x',
    ];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.gql(SUBMIT_ENTRY, {
          input: input(roundup.gid, `d${i}`, { url: variants[i % variants.length] }),
        }),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(
      Array(19).fill('CONFLICT'),
    );
    expect(await numbersOf(roundup.id)).toEqual([1]);
    const [{ last_entry_number }] = await t.sql(
      'SELECT last_entry_number FROM roundups WHERE id = $1',
      [roundup.id],
    );
    expect(last_entry_number).toBe(1);
  });

  it('concurrent submissions by one person stop exactly at the cap', async () => {
    const { roundup } = await openRoundup({ max_entries_per_person: 3 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.gql(SUBMIT_ENTRY, {
          input: input(roundup.gid, `p${i}`, { email: 'same@runner.example' }),
        }),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(3);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(
      Array(7).fill('LIMIT_EXCEEDED'),
    );
    expect(await numbersOf(roundup.id)).toEqual([1, 2, 3]);
  });
});

describe('moderation', () => {
  it('hiding never renumbers; hidden entries are left out of the public list and count', async () => {
    const { linkUp, roundup } = await openRoundup();
    const entries = [];
    for (let n = 1; n <= 4; n++)
      entries.push(ok(await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, n) })).submitEntry);
    const hidden = ok(
      await t.gql(
        SET_ENTRY_STATUS,
        { id: entries[1].id, status: 'HIDDEN' },
        { token: cohost.token },
      ),
    ).setEntryStatus;
    expect(hidden).toMatchObject({ number: 2, status: 'HIDDEN' });
    expect(ok(await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 5) })).submitEntry.number).toBe(
      5,
    );

    const pub = ok(
      await t.gql(ENTRIES, { slug: linkUp.slug, number: roundup.number, includeHidden: true }),
    ).roundup;
    expect(pub.entryCount).toBe(4);
    expect(pub.entries.edges.map((e: any) => e.node.number)).toEqual([1, 3, 4, 5]);
    const mod = ok(
      await t.gql(
        ENTRIES,
        { slug: linkUp.slug, number: roundup.number, includeHidden: true },
        { token: cohost.token },
      ),
    ).roundup;
    expect(mod.entries.edges.map((e: any) => e.node.number)).toEqual([1, 2, 3, 4, 5]);

    const shown = ok(
      await t.gql(
        SET_ENTRY_STATUS,
        { id: entries[1].id, status: 'VISIBLE' },
        { token: admin.token },
      ),
    ).setEntryStatus;
    expect(shown).toMatchObject({ number: 2, status: 'VISIBLE' });
    expect(await numbersOf(roundup.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('features per co-host: featuredBy lists who, Roundup.featured lists visible featured entries; both idempotent', async () => {
    const second = await f.host();
    const linkUp = await f.linkUp([cohost.id, second.id]);
    const roundup = await f.roundup(linkUp.id, [cohost.id, second.id]);
    const a = ok(await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 1) })).submitEntry;
    const b = ok(await t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, 2) })).submitEntry;

    expect(
      ok(await t.gql(FEATURE_ENTRY, { id: b.id }, { token: cohost.token })).featureEntry.featuredBy,
    ).toEqual([{ slug: cohost.slug }]);
    expect(
      ok(await t.gql(FEATURE_ENTRY, { id: b.id }, { token: cohost.token })).featureEntry.featuredBy,
    ).toEqual([{ slug: cohost.slug }]);
    const both = ok(await t.gql(FEATURE_ENTRY, { id: b.id }, { token: second.token })).featureEntry;
    expect(both.featuredBy).toEqual([{ slug: cohost.slug }, { slug: second.slug }]);
    ok(await t.gql(FEATURE_ENTRY, { id: a.id }, { token: admin.token }));

    const page = () => t.gql(ENTRIES, { slug: linkUp.slug, number: roundup.number });
    expect(ok(await page()).roundup.featured).toEqual([
      { number: 1, featuredBy: [{ slug: admin.slug }] },
      { number: 2, featuredBy: [{ slug: cohost.slug }, { slug: second.slug }] },
    ]);

    // Unfeaturing takes back only the viewer's own mark, and twice is harmless.
    expect(
      ok(await t.gql(UNFEATURE_ENTRY, { id: b.id }, { token: cohost.token })).unfeatureEntry
        .featuredBy,
    ).toEqual([{ slug: second.slug }]);
    expect(
      ok(await t.gql(UNFEATURE_ENTRY, { id: b.id }, { token: cohost.token })).unfeatureEntry
        .featuredBy,
    ).toEqual([{ slug: second.slug }]);
    // A hidden entry drops out of the featured list but keeps its marks.
    ok(await t.gql(SET_ENTRY_STATUS, { id: a.id, status: 'HIDDEN' }, { token: second.token }));
    expect(ok(await page()).roundup.featured).toEqual([
      { number: 2, featuredBy: [{ slug: second.slug }] },
    ]);
  });

  it('answers NOT_FOUND for an entry that does not exist and BAD_USER_INPUT for a malformed id', async () => {
    for (const doc of [FEATURE_ENTRY, UNFEATURE_ENTRY]) {
      expect(
        codes(await t.gql(doc, { id: toGlobalId('Entry', 999999) }, { token: admin.token })),
      ).toEqual(['NOT_FOUND']);
      const bad = await t.gql(doc, { id: toGlobalId('Roundup', 1) }, { token: admin.token });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0].extensions.field).toBe('id');
    }
    expect(
      codes(
        await t.gql(
          SET_ENTRY_STATUS,
          { id: toGlobalId('Entry', 999999), status: 'HIDDEN' },
          { token: admin.token },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
  });
});

describe('authorization matrix', () => {
  type Who = 'anonymous' | 'host' | 'cohost' | 'admin';
  const WHO: Who[] = ['anonymous', 'host', 'cohost', 'admin'];
  const tokenOf = (who: Who) =>
    ({ anonymous: undefined, host: stranger.token, cohost: cohost.token, admin: admin.token })[who];
  let roundup: { id: string; gid: string };
  let entryGid: string;
  let n = 0;

  beforeAll(async () => {
    ({ roundup } = await openRoundup());
  });
  beforeEach(async () => {
    const [{ id }] = await t.sql(
      `INSERT INTO entries (roundup_id, number, title, url, normalized_url, submitter_name, submitter_email)
       SELECT id, last_entry_number + 1, 'Fixture', 'https://fixture.example/' || $2, 'https://fixture.example/' || $2, 'F', 'f@x.example'
       FROM roundups WHERE id = $1 RETURNING id`,
      [roundup.id, ++n],
    );
    await t.sql('UPDATE roundups SET last_entry_number = last_entry_number + 1 WHERE id = $1', [
      roundup.id,
    ]);
    await t.sql('INSERT INTO entry_features (entry_id, host_id) VALUES ($1, $2), ($1, $3)', [
      id,
      cohost.id,
      admin.id,
    ]);
    entryGid = toGlobalId('Entry', id);
  });

  const moderator: Record<Who, string> = {
    anonymous: 'UNAUTHENTICATED',
    host: 'FORBIDDEN',
    cohost: 'ok',
    admin: 'ok',
  };
  const cases: {
    mutation: string;
    expected: Record<Who, string>;
    call: (who: Who, token?: string) => Promise<GqlResult>;
  }[] = [
    {
      mutation: 'submitEntry',
      expected: { anonymous: 'ok', host: 'ok', cohost: 'ok', admin: 'ok' },
      call: (who, token) =>
        t.gql(SUBMIT_ENTRY, { input: input(roundup.gid, `by-${who}`) }, { token }),
    },
    {
      mutation: 'setEntryStatus',
      expected: moderator,
      call: (_who, token) => t.gql(SET_ENTRY_STATUS, { id: entryGid, status: 'HIDDEN' }, { token }),
    },
    {
      mutation: 'featureEntry',
      expected: moderator,
      call: (_who, token) => t.gql(FEATURE_ENTRY, { id: entryGid }, { token }),
    },
    {
      mutation: 'unfeatureEntry',
      expected: moderator,
      call: (_who, token) => t.gql(UNFEATURE_ENTRY, { id: entryGid }, { token }),
    },
  ];

  describe.each(cases)('$mutation', ({ expected, call }) => {
    it.each(WHO)('as %s', async (who) => {
      const before = await snapshot(t);
      const r = await call(who, tokenOf(who));
      if (expected[who] === 'ok') {
        expect(r.errors).toBeUndefined();
      } else {
        expect(codes(r)).toEqual([expected[who]]);
        expect(await snapshot(t)).toEqual(before);
      }
    });
  });

  it('a co-host added to the link-up later may moderate its earlier editions', async () => {
    const linkUp = await f.linkUp([cohost.id]);
    const edition = await f.roundup(linkUp.id, [cohost.id]);
    const entry = await f.entry(edition.id);
    const newcomer = await f.host();
    ok(
      await t.gql(
        `mutation($l: ID!, $h: ID!) { addCohost(linkUpId: $l, hostId: $h) { id } }`,
        { l: linkUp.gid, h: newcomer.gid },
        { token: cohost.token },
      ),
    );
    for (const [doc, vars] of [
      [SET_ENTRY_STATUS, { id: entry.gid, status: 'HIDDEN' }],
      [FEATURE_ENTRY, { id: entry.gid }],
      [UNFEATURE_ENTRY, { id: entry.gid }],
    ] as const) {
      ok(await t.gql(doc, vars, { token: newcomer.token }));
    }
    const [row] = await t.sql('SELECT status FROM entries WHERE id = $1', [entry.id]);
    expect(row.status).toBe('HIDDEN');
  });
});

describe('the roundup page', () => {
  it('costs the same number of SQL statements for 5 entries and for 60', async () => {
    const statements: number[] = [];
    for (const count of [5, 60]) {
      const second = await f.host();
      const linkUp = await f.linkUp([cohost.id, second.id], { rules: 'Be kind' });
      const roundup = await f.roundup(linkUp.id, [cohost.id, second.id]);
      await f.post(cohost.id, { roundup_id: roundup.id });
      await f.post(second.id, { roundup_id: roundup.id });
      const ids: string[] = [];
      for (let i = 0; i < count; i++)
        ids.push((await f.entry(roundup.id, { image_url: `https://img.example/${i}.jpg` })).id);
      for (const id of ids.filter((_, i) => i % 3 === 0)) {
        await t.sql('INSERT INTO entry_features (entry_id, host_id) VALUES ($1, $2)', [
          id,
          cohost.id,
        ]);
      }
      await t.sql("UPDATE entries SET status = 'HIDDEN' WHERE id = $1", [ids[1]]);

      for (const token of [undefined, cohost.token]) {
        const r = await t.gql(
          ROUNDUP_PAGE,
          { slug: linkUp.slug, number: roundup.number },
          { token },
        );
        const page = ok(r).roundup;
        expect(page.entryCount).toBe(count - 1);
        expect(page.entries.edges).toHaveLength(Math.min(50, count - 1));
        expect(page.entries.totalCount).toBe(count - 1);
        expect(page.cohosts).toHaveLength(2);
        expect(page.posts).toHaveLength(2);
        expect(page.featured.length).toBe(Math.ceil(count / 3));
        expect(page.entries.edges[0].node.submitterEmail).toBe(
          token ? 'runner1@test.example' : null,
        );
        statements.push(r.sqlStatements);
      }
    }
    const [anon5, cohost5, anon60, cohost60] = statements;
    expect(anon60).toBe(anon5);
    expect(cohost60).toBe(cohost5);
    // One compiled statement for every viewer (read/compile.ts); it reads a co-host's own row too.
    expect(anon5).toBe(1);
    expect(cohost5).toBe(1);
  });
});
