import { createHash } from 'node:crypto';
import { toGlobalId } from '../src/common/ids';
import { RunningApi } from '../src/index';
import {
  codes,
  gqlAt,
  GqlResult,
  snapshot,
  startAnotherApi,
  startTestApi,
  TestApi,
} from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';

/**
 * Entry moderation (the link-up's entryModeration and the comment word lists) and edit tokens
 * (updateEntry, withdrawEntry), over HTTP with rate limits on. Every request comes from an
 * address of its own unless a test gives one, so the per-IP write limit stays out of the way.
 */

const ENTRY = `id number title url blogName imageUrl status submitterEmail editToken`;
const SUBMIT = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { ${ENTRY} } }`;
const UPDATE = `mutation($id: ID!, $editToken: String, $input: UpdateEntryInput!) {
  updateEntry(id: $id, editToken: $editToken, input: $input) { ${ENTRY} } }`;
const WITHDRAW = `mutation($id: ID!, $editToken: String!) { withdrawEntry(id: $id, editToken: $editToken) { ${ENTRY} } }`;
const SET_STATUS = `mutation($id: ID!, $status: EntryStatus!) { setEntryStatus(id: $id, status: $status) { ${ENTRY} } }`;
const CREATE_LINK_UP = `mutation($input: CreateLinkUpInput!) { createLinkUp(input: $input) { id entryModeration } }`;
const UPDATE_LINK_UP = `mutation($id: ID!, $input: UpdateLinkUpInput!) { updateLinkUp(id: $id, input: $input) { entryModeration } }`;
/** What a co-host's blog and moderation screen read: counts, the list, hidden ones on request. */
const ROUNDUP = `query($slug: String!, $number: Int!, $includeHidden: Boolean) {
  roundup(linkUpSlug: $slug, number: $number) {
    entryCount pendingEntryCount
    featured { number }
    entries(first: 50, includeHidden: $includeHidden) {
      totalCount edges { node { number title status submitterEmail editToken } } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on Entry { number status editToken } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let admin: MadeHost;
let cohost: MadeHost;
/** Co-hosts another link-up: no power over this file's roundups. */
let otherHost: MadeHost;
let stranger: MadeHost;

beforeAll(async () => {
  t = await startTestApi({ TRUST_PROXY: 'on' });
  f = fixtures(t);
  admin = await f.host({ role: 'ADMIN' });
  cohost = await f.host();
  otherHost = await f.host();
  stranger = await f.host();
  await f.linkUp([otherHost.id]);
});
afterEach(() => t.clock.reset());
afterAll(() => t?.stop());

let addresses = 0;
/** A fresh client address (TRUST_PROXY takes it from X-Forwarded-For). */
const newIp = () => `10.9.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`;

/** A GraphQL request from `ip` (a new address by default), signed in with `token` if given. */
function gql(
  query: string,
  variables: Record<string, unknown>,
  opts: { token?: string; ip?: string } = {},
) {
  return t.gql(query, variables, {
    token: opts.token,
    headers: { 'x-forwarded-for': opts.ip ?? newIp() },
  });
}

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

/** The refusal's code (and field, when it names one), and that it changed no row. */
async function expectRefused(
  request: () => Promise<GqlResult>,
  code: string,
  field?: string,
): Promise<void> {
  const before = await snapshot(t);
  const r = await request();
  expect(codes(r)).toEqual([code]);
  if (field) expect(r.errors![0].extensions.field).toBe(field);
  expect(await snapshot(t)).toEqual(before);
}

interface Edition {
  linkUp: Made & { slug: string };
  roundup: Made & { number: number };
}

/** An open roundup of a new link-up co-hosted by `cohost`, with the link-up's `values`. */
async function openRoundup(values: Record<string, unknown> = {}): Promise<Edition> {
  const linkUp = await f.linkUp([cohost.id], values);
  return { linkUp, roundup: await f.roundup(linkUp.id, [cohost.id]) };
}

let n = 0;
function input(roundup: Made, overrides: Record<string, unknown> = {}) {
  n++;
  return {
    roundupId: roundup.gid,
    title: `Easy miles ${n}`,
    url: `https://runner.example/posts/${n}`,
    name: `Runner ${n}`,
    email: `runner${n}@test.example`,
    ...overrides,
  };
}

async function submit(roundup: Made, overrides: Record<string, unknown> = {}, token?: string) {
  return ok(await gql(SUBMIT, { input: input(roundup, overrides) }, { token })).submitEntry;
}

/** updateEntry with the entry's own edit token (from its submitEntry answer). */
const editWithToken = (entry: any, input: Record<string, unknown>, ip?: string) =>
  gql(UPDATE, { id: entry.id, editToken: entry.editToken, input }, { ip });
/** The answer of a token holder's edit that must succeed. */
const edit = async (entry: any, input: Record<string, unknown>) =>
  ok(await editWithToken(entry, input)).updateEntry;

const read = (e: Edition, token?: string, includeHidden = false) =>
  gql(ROUNDUP, { slug: e.linkUp.slug, number: e.roundup.number, includeHidden }, { token });

const numbers = (page: any) => page.entries.edges.map((edge: any) => edge.node.number);

describe('entryModeration on the link-up', () => {
  it('is OPEN by default; createLinkUp and updateLinkUp set it; null is refused', async () => {
    const base = {
      name: 'Moderated Miles',
      weekday: 'SUNDAY',
      opensAtTime: '07:00',
      hoursOpen: 48,
      timeZone: 'UTC',
      cohostIds: [cohost.gid],
    };
    const plain = ok(await gql(CREATE_LINK_UP, { input: base }, { token: admin.token }));
    expect(plain.createLinkUp.entryModeration).toBe('OPEN');
    const held = ok(
      await gql(
        CREATE_LINK_UP,
        { input: { ...base, entryModeration: 'HOLD_ALL' } },
        { token: admin.token },
      ),
    ).createLinkUp;
    expect(held.entryModeration).toBe('HOLD_ALL');

    const id = plain.createLinkUp.id;
    const changed = await gql(
      UPDATE_LINK_UP,
      { id, input: { entryModeration: 'HOLD_FIRST_TIME' } },
      { token: cohost.token },
    );
    expect(ok(changed).updateLinkUp.entryModeration).toBe('HOLD_FIRST_TIME');
    await expectRefused(
      () => gql(UPDATE_LINK_UP, { id, input: { entryModeration: null } }, { token: cohost.token }),
      'BAD_USER_INPUT',
      'entryModeration',
    );
    await expectRefused(
      () =>
        gql(UPDATE_LINK_UP, { id, input: { entryModeration: 'OPEN' } }, { token: otherHost.token }),
      'FORBIDDEN',
    );
  });

  it('OPEN: entries show at once', async () => {
    const e = await openRoundup();
    expect((await submit(e.roundup)).status).toBe('VISIBLE');
    const page = ok(await read(e, cohost.token, true)).roundup;
    expect(page).toMatchObject({ entryCount: 1, pendingEntryCount: 0 });
  });

  it('HOLD_ALL: every entry waits, seen by co-hosts and admins only, until a co-host approves it', async () => {
    const e = await openRoundup({ entry_moderation: 'HOLD_ALL' });
    const first = await submit(e.roundup);
    const second = await submit(e.roundup, {}, stranger.token);
    const visible = await submit(e.roundup, {}, cohost.token);
    const fourth = await submit(e.roundup);
    // The submitter's answer says it awaits approval; numbers are given at once, in order.
    expect([first, second, visible, fourth].map((x) => [x.number, x.status])).toEqual([
      [1, 'PENDING'],
      [2, 'PENDING'],
      [3, 'VISIBLE'],
      [4, 'PENDING'],
    ]);

    for (const token of [undefined, stranger.token, otherHost.token]) {
      const r = await read(e, token, true);
      const page = ok(r).roundup;
      expect(page).toMatchObject({ entryCount: 1, pendingEntryCount: null });
      expect(page.entries.totalCount).toBe(1);
      expect(numbers(page)).toEqual([3]);
      expect(ok(await gql(NODE, { id: first.id }, { token })).node).toBeNull();
    }
    for (const token of [cohost.token, admin.token]) {
      const r = await read(e, token, true);
      const page = ok(r).roundup;
      expect(page).toMatchObject({ entryCount: 1, pendingEntryCount: 3 });
      expect(page.entries.edges.map((edge: any) => edge.node.status)).toEqual([
        'PENDING',
        'PENDING',
        'VISIBLE',
        'PENDING',
      ]);
      // One compiled statement, which reads the viewer's own row too.
      expect(r.sqlStatements).toBe(1);
      expect(ok(await gql(NODE, { id: first.id }, { token })).node.status).toBe('PENDING');
      // Without includeHidden a co-host reads the public list.
      expect(numbers(ok(await read(e, token)).roundup)).toEqual([3]);
    }
    expect((await read(e)).sqlStatements).toBe(1);

    // Approval: only co-hosts and admins; the number stays.
    await expectRefused(
      () => gql(SET_STATUS, { id: first.id, status: 'VISIBLE' }),
      'UNAUTHENTICATED',
    );
    await expectRefused(
      () => gql(SET_STATUS, { id: first.id, status: 'VISIBLE' }, { token: otherHost.token }),
      'FORBIDDEN',
    );
    const approved = ok(
      await gql(SET_STATUS, { id: first.id, status: 'VISIBLE' }, { token: cohost.token }),
    ).setEntryStatus;
    expect(approved).toMatchObject({ number: 1, status: 'VISIBLE' });
    ok(await gql(SET_STATUS, { id: fourth.id, status: 'HIDDEN' }, { token: admin.token }));
    const after = ok(await read(e, cohost.token, true)).roundup;
    expect(after).toMatchObject({ entryCount: 2, pendingEntryCount: 1 });
    expect(numbers(ok(await read(e)).roundup)).toEqual([1, 3]);
    expect(numbers(after)).toEqual([1, 2, 3, 4]);
    expect((await submit(e.roundup)).number).toBe(5);
  });

  it('HOLD_FIRST_TIME: held until the email has an earlier visible entry in this link-up', async () => {
    const e = await openRoundup({ entry_moderation: 'HOLD_FIRST_TIME' });
    const email = 'new.runner@test.example';
    const first = await submit(e.roundup, { email });
    expect(first.status).toBe('PENDING');
    // Still no visible entry: a second one waits too.
    expect((await submit(e.roundup, { email: 'NEW.Runner@test.example' })).status).toBe('PENDING');
    ok(await gql(SET_STATUS, { id: first.id, status: 'VISIBLE' }, { token: cohost.token }));

    // A returning email (any case) shows at once, in this edition and the next one.
    expect((await submit(e.roundup, { email: 'New.Runner@Test.example' })).status).toBe('VISIBLE');
    const next = await f.roundup(e.linkUp.id, [cohost.id]);
    expect((await submit(next, { email })).status).toBe('VISIBLE');

    // A visible entry in another link-up does not count, nor does a hidden one here.
    const other = await openRoundup({ entry_moderation: 'HOLD_FIRST_TIME' });
    expect((await submit(other.roundup, { email })).status).toBe('PENDING');
    const hiddenEmail = 'hidden@test.example';
    const hidden = await submit(e.roundup, { email: hiddenEmail });
    ok(await gql(SET_STATUS, { id: hidden.id, status: 'HIDDEN' }, { token: cohost.token }));
    expect((await submit(e.roundup, { email: hiddenEmail })).status).toBe('PENDING');
  });
});

describe('the comment word lists on entries', () => {
  it('a moderation word in the title, URL, blog name or name holds the entry as PENDING', async () => {
    const e = await openRoundup();
    const held = [
      await submit(e.roundup, { title: 'My Casino run' }),
      await submit(e.roundup, { url: 'https://casino.example/run' }),
      await submit(e.roundup, { blogName: 'Crypto Runner' }),
      await submit(e.roundup, { name: 'Forex Fred' }),
    ];
    expect(held.map((x) => x.status)).toEqual(Array(4).fill('PENDING'));
    // Whole words only: "casinos" is not "casino".
    expect((await submit(e.roundup, { title: 'Running past the casinos' })).status).toBe('VISIBLE');
    const page = ok(await read(e, cohost.token, true)).roundup;
    expect(page).toMatchObject({ entryCount: 1, pendingEntryCount: 4 });
  });

  it('a blocked word hides it: "BUY CHEAP VIAGRA casino bonus" never goes public', async () => {
    for (const mode of ['OPEN', 'HOLD_ALL']) {
      const e = await openRoundup({ entry_moderation: mode });
      const spam = await submit(e.roundup, {
        title: 'BUY CHEAP VIAGRA casino bonus',
        url: 'https://spam.example/pills',
      });
      expect(spam).toMatchObject({ number: 1, status: 'HIDDEN' });
      ok(
        await gql(
          `mutation($id: ID!) { featureEntry(id: $id) { id } }`,
          { id: spam.id },
          { token: cohost.token },
        ),
      );
      for (const token of [undefined, stranger.token, otherHost.token]) {
        const page = ok(await read(e, token, true)).roundup;
        expect(page).toMatchObject({ entryCount: 0, featured: [] });
        expect(page.entries.edges).toEqual([]);
      }
      const seen = ok(await read(e, cohost.token, true)).roundup;
      expect(seen).toMatchObject({ entryCount: 0, pendingEntryCount: 0, featured: [] });
      expect(seen.entries.edges.map((edge: any) => edge.node.status)).toEqual(['HIDDEN']);
    }
  });

  it("a co-host's or admin's own entry is trusted: neither screened nor held", async () => {
    const e = await openRoundup({ entry_moderation: 'HOLD_ALL' });
    expect((await submit(e.roundup, { title: 'Casino loop' }, cohost.token)).status).toBe(
      'VISIBLE',
    );
    expect((await submit(e.roundup, { title: 'Crypto hills' }, admin.token)).status).toBe(
      'VISIBLE',
    );
    expect((await submit(e.roundup, { title: 'Hills' }, otherHost.token)).status).toBe('PENDING');
  });
});

describe('edit tokens', () => {
  it('come in the submitEntry answer only, stored as their sha256, null in every read', async () => {
    const e = await openRoundup();
    const a = await submit(e.roundup);
    const b = await submit(e.roundup);
    expect(a.editToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.editToken).not.toBe(a.editToken);
    const [row] = await t.sql('SELECT edit_token_hash FROM entries WHERE url = $1', [a.url]);
    expect(row.edit_token_hash).toEqual(createHash('sha256').update(a.editToken).digest());

    // Compiled reads: one statement, and null for everyone.
    const plain = await gql(
      `query($slug: String!, $number: Int!) { roundup(linkUpSlug: $slug, number: $number) {
        entries { edges { node { editToken } } } } }`,
      { slug: e.linkUp.slug, number: e.roundup.number },
    );
    expect(ok(plain).roundup.entries.edges).toEqual([
      { node: { editToken: null } },
      { node: { editToken: null } },
    ]);
    expect(plain.sqlStatements).toBe(1);
    for (const token of [undefined, cohost.token, admin.token]) {
      const page = ok(await read(e, token, true)).roundup;
      expect(page.entries.edges.map((edge: any) => edge.node.editToken)).toEqual([null, null]);
      expect(ok(await gql(NODE, { id: a.id }, { token })).node.editToken).toBeNull();
    }
    // Every other mutation's answer: null.
    const edited = await edit(a, { title: 'Edited' });
    expect(edited.editToken).toBeNull();
    expect(
      ok(await gql(SET_STATUS, { id: a.id, status: 'VISIBLE' }, { token: cohost.token }))
        .setEntryStatus.editToken,
    ).toBeNull();
    expect(
      ok(await gql(WITHDRAW, { id: b.id, editToken: b.editToken })).withdrawEntry.editToken,
    ).toBeNull();
  });

  it('the resolvers answer reads as the compiled statement does (editToken, pendingEntryCount)', async () => {
    const e = await openRoundup({ entry_moderation: 'HOLD_ALL' });
    await submit(e.roundup);
    await submit(e.roundup, {}, cohost.token);
    const resolved: RunningApi = await startAnotherApi(t, { COMPILED_READS: 'off' });
    try {
      for (const token of [undefined, otherHost.token, cohost.token]) {
        const vars = { slug: e.linkUp.slug, number: e.roundup.number, includeHidden: true };
        const compiled = await t.gql(ROUNDUP, vars, { token });
        const byResolvers = await gqlAt(resolved.url, ROUNDUP, vars, { token });
        expect(byResolvers.errors).toBeUndefined();
        expect(ok(compiled)).toEqual(byResolvers.data);
        expect(compiled.sqlStatements).toBeLessThan(byResolvers.sqlStatements);
      }
    } finally {
      await resolved.stop();
    }
  });
});

describe('updateEntry', () => {
  let e: Edition;
  beforeAll(async () => {
    e = await openRoundup();
  });

  it('with its token: edits the given fields, keeps the number, checks the URL and duplicates', async () => {
    const entry = await submit(e.roundup, {
      blogName: 'Old Blog',
      imageUrl: 'https://runner.example/old.jpg',
    });
    const r = await edit(entry, {
      title: '  Fixed the typo ',
      url: 'HTTPS://Runner.Example/fixed/?utm_source=x',
      blogName: null,
    });
    expect(r).toMatchObject({
      number: entry.number,
      title: 'Fixed the typo',
      url: 'https://runner.example/fixed/?utm_source=x',
      blogName: null,
      imageUrl: 'https://runner.example/old.jpg',
      status: 'VISIBLE',
    });
    const [row] = await t.sql('SELECT normalized_url FROM entries WHERE url = $1', [r.url]);
    expect(row.normalized_url).toBe('https://runner.example/fixed');

    // Another entry's URL (normalised) is a CONFLICT; its own URL again is no change.
    const other = await submit(e.roundup, { url: 'https://runner.example/taken' });
    await expectRefused(
      () => editWithToken(entry, { url: 'https://RUNNER.example/taken/#top' }),
      'CONFLICT',
      'url',
    );
    ok(await editWithToken(other, { url: 'https://runner.example/taken' }));

    for (const [bad, field] of [
      [{ url: 'ftp://runner.example/x' }, 'url'],
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ url: null }, 'url'],
      [{ url: `https://runner.example/${'x'.repeat(2000)}` }, 'url'],
      [{ title: '  ' }, 'title'],
      [{ title: null }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ blogName: 'x'.repeat(246) }, 'blogName'],
      [{ imageUrl: 'data:image/png;base64,AAAA' }, 'imageUrl'],
    ] as const) {
      await expectRefused(() => editWithToken(entry, bad), 'BAD_USER_INPUT', field);
    }
  });

  it("refuses a wrong, missing or other entry's token with FORBIDDEN, and a bad id with BAD_USER_INPUT", async () => {
    const entry = await submit(e.roundup);
    const other = await submit(e.roundup);
    const change = { title: 'Hijacked' };
    const tries: [string | null, string | undefined][] = [
      ['not-the-token', undefined],
      [other.editToken, undefined],
      [entry.editToken.slice(0, -1), undefined],
      [null, undefined],
      ['', undefined],
      [null, stranger.token],
      [null, otherHost.token],
    ];
    for (const [editToken, token] of tries) {
      await expectRefused(
        () => gql(UPDATE, { id: entry.id, editToken, input: change }, { token }),
        'FORBIDDEN',
      );
    }
    await expectRefused(
      () =>
        gql(UPDATE, { id: toGlobalId('Entry', 999999), editToken: entry.editToken, input: change }),
      'NOT_FOUND',
    );
    await expectRefused(
      () => gql(UPDATE, { id: e.roundup.gid, editToken: entry.editToken, input: change }),
      'BAD_USER_INPUT',
      'id',
    );
  });

  it('a token holder may edit only while the roundup is OPEN; co-hosts and admins at any time, unscreened', async () => {
    const edition = await openRoundup();
    const entry = await submit(edition.roundup);
    ok(
      await gql(
        `mutation($id: ID!) { closeRoundup(id: $id) { status } }`,
        { id: edition.roundup.gid },
        { token: cohost.token },
      ),
    );
    await expectRefused(() => editWithToken(entry, { title: 'Late' }), 'ROUNDUP_NOT_OPEN');
    const byCohost = ok(
      await gql(
        UPDATE,
        { id: entry.id, input: { title: 'Casino loop, fixed by a co-host' } },
        { token: cohost.token },
      ),
    ).updateEntry;
    expect(byCohost).toMatchObject({ title: 'Casino loop, fixed by a co-host', status: 'VISIBLE' });
    // A co-host needs no token, and a wrong one does not stop them.
    const byAdmin = ok(
      await gql(
        UPDATE,
        { id: entry.id, editToken: 'wrong', input: { imageUrl: 'https://img.example/a.png' } },
        { token: admin.token },
      ),
    ).updateEntry;
    expect(byAdmin).toMatchObject({ imageUrl: 'https://img.example/a.png', number: entry.number });
  });

  it("re-screens a token holder's edit: it may be held or hidden, never shown again by an edit", async () => {
    const held = await submit(e.roundup);
    const moved = await edit(held, { title: 'Crypto miles' });
    expect(moved.status).toBe('PENDING');
    // Taking the word out again does not approve it: that is a co-host's call.
    const back = await edit(held, { title: 'Plain miles' });
    expect(back.status).toBe('PENDING');

    const spam = await submit(e.roundup);
    const hidden = await edit(spam, { blogName: 'Cheap Pills Daily' });
    expect(hidden.status).toBe('HIDDEN');

    // Under HOLD_ALL an approved entry that its submitter changes waits again; an edit that
    // changes nothing changes nothing.
    const strict = await openRoundup({ entry_moderation: 'HOLD_ALL' });
    const entry = await submit(strict.roundup);
    ok(await gql(SET_STATUS, { id: entry.id, status: 'VISIBLE' }, { token: cohost.token }));
    const same = await edit(entry, { title: entry.title });
    expect(same.status).toBe('VISIBLE');
    const changed = await edit(entry, { title: 'New title' });
    expect(changed.status).toBe('PENDING');
  });
});

describe('withdrawEntry', () => {
  it('hides the entry and keeps its number; the next entry takes the next number', async () => {
    const e = await openRoundup();
    const first = await submit(e.roundup);
    const second = await submit(e.roundup);
    await expectRefused(
      () => gql(WITHDRAW, { id: first.id, editToken: second.editToken }),
      'FORBIDDEN',
    );
    // A co-host hides with setEntryStatus: withdrawEntry wants the token.
    await expectRefused(
      () => gql(WITHDRAW, { id: first.id, editToken: 'x' }, { token: cohost.token }),
      'FORBIDDEN',
    );
    const withdrawn = ok(
      await gql(WITHDRAW, { id: first.id, editToken: first.editToken }),
    ).withdrawEntry;
    expect(withdrawn).toMatchObject({ number: 1, status: 'HIDDEN' });
    expect(
      ok(await gql(WITHDRAW, { id: first.id, editToken: first.editToken })).withdrawEntry.status,
    ).toBe('HIDDEN');
    expect((await submit(e.roundup)).number).toBe(3);
    expect(numbers(ok(await read(e, undefined, true)).roundup)).toEqual([2, 3]);
    expect(numbers(ok(await read(e, cohost.token, true)).roundup)).toEqual([1, 2, 3]);

    // A withdrawn entry stays hidden whatever its submitter edits.
    const edited = await edit(first, { title: 'Back?' });
    expect(edited.status).toBe('HIDDEN');

    // Withdrawing works after the roundup closed.
    t.clock.set(new Date(Date.now() + 8 * 24 * 3600_000));
    expect(
      ok(await gql(WITHDRAW, { id: second.id, editToken: second.editToken })).withdrawEntry,
    ).toMatchObject({ number: 2, status: 'HIDDEN' });
  });
});

describe('guessing edit tokens', () => {
  it('is RATE_LIMITED per address after 10 wrong tokens, even with the right one; right tokens do not count', async () => {
    const e = await openRoundup();
    const entry = await submit(e.roundup);
    const ip = newIp();
    // Right tokens give their count back: many edits from one address are fine.
    for (let i = 0; i < 12; i++) {
      ok(await editWithToken(entry, { title: `Edit ${i}` }, ip));
    }
    for (let i = 0; i < 10; i++) {
      const doc = i % 2 ? WITHDRAW : UPDATE;
      const r = await gql(
        doc,
        { id: entry.id, editToken: `guess-${i}`, input: { title: 'x' } },
        { ip },
      );
      expect(codes(r)).toEqual(['FORBIDDEN']);
    }
    for (const editToken of ['guess-10', entry.editToken]) {
      await expectRefused(
        () => gql(UPDATE, { id: entry.id, editToken, input: { title: 'Guessed' } }, { ip }),
        'RATE_LIMITED',
      );
    }
    const limited = await gql(WITHDRAW, { id: entry.id, editToken: entry.editToken }, { ip });
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.errors![0].extensions.retryAfter).toBeGreaterThan(0);
    // Another address, and a co-host without a token, are not limited.
    expect((await edit(entry, { title: 'Mine' })).title).toBe('Mine');
    expect(
      ok(await gql(UPDATE, { id: entry.id, input: { title: 'Ours' } }, { token: cohost.token, ip }))
        .updateEntry.title,
    ).toBe('Ours');
  });

  it('counts concurrent guesses exactly: a burst of 30 gets 10 FORBIDDEN and 20 RATE_LIMITED', async () => {
    const e = await openRoundup();
    const entry = await submit(e.roundup);
    const ip = newIp();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        gql(UPDATE, { id: entry.id, editToken: `burst-${i}`, input: { title: 'x' } }, { ip }),
      ),
    );
    const seen = results.map((r) => codes(r)[0]).sort();
    expect(seen).toEqual([...Array(10).fill('FORBIDDEN'), ...Array(20).fill('RATE_LIMITED')]);
  });
});
