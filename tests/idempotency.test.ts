import { randomUUID } from 'node:crypto';
import { RunningApi } from '../src/index';
import { IDEMPOTENCY_TTL_MS } from '../src/server/idempotency';
import { gqlAt, GqlResult, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, MadeHost } from './helpers/fixtures';
import { TcpProxy } from './helpers/tcp-proxy';

/**
 * `Idempotency-Key` on mutations: a retry gets the first answer and writes nothing, on any
 * instance; the key is per viewer and per request; answers are kept sealed for 24 hours.
 */
const SUBMIT_ENTRY = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { id number editToken } }`;
const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { id title } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`;

let t: TestApi;
let second: RunningApi;
let host: MadeHost;
let other: MadeHost;
let roundup: { id: string; gid: string };

beforeAll(async () => {
  t = await startTestApi({ RATE_LIMITS: 'off' });
  // Rate limits on here: a RATE_LIMITED answer must not be kept.
  second = await startAnotherApi(t);
  const f = fixtures(t);
  host = await f.host();
  other = await f.host();
  roundup = await f.roundup((await f.linkUp([host.id])).id, [host.id]);
});
afterAll(async () => {
  await second?.stop();
  await t?.stop();
});

const withKey = (key: string, token?: string) => ({ token, headers: { 'idempotency-key': key } });
const entryInput = () => ({
  input: {
    roundupId: roundup.gid,
    title: 'Hill repeats',
    url: `https://runner.example/${randomUUID()}`,
    name: 'Runner',
    email: 'runner@test.example',
  },
});
const count = async (sql: string, params: unknown[] = []) =>
  (await t.sql(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n as number;
const entries = () => count('entries WHERE roundup_id = $1', [roundup.id]);
const postsBy = (h: MadeHost) => count('posts WHERE author_id = $1', [h.id]);
const code = (r: GqlResult) => r.errors?.[0]?.extensions.code;

describe('a retried mutation', () => {
  it('gets the first answer, editToken included, and writes nothing again, on either instance', async () => {
    const key = randomUUID();
    const variables = entryInput();
    const before = await entries();
    const first = await t.gql(SUBMIT_ENTRY, variables, withKey(key));
    expect(first.errors).toBeUndefined();
    expect(first.data.submitEntry.editToken).toEqual(expect.any(String));
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await t.gql(SUBMIT_ENTRY, variables, withKey(key));
    const elsewhere = await gqlAt(second.url, SUBMIT_ENTRY, variables, withKey(key));
    for (const retry of [again, elsewhere]) {
      expect(retry.status).toBe(200);
      expect(retry.text).toBe(first.text);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
    }
    expect(await entries()).toBe(before + 1);
  });

  it('is CONFLICT (409) with the same key and a different request, and writes nothing', async () => {
    const key = randomUUID();
    expect((await t.gql(SUBMIT_ENTRY, entryInput(), withKey(key))).errors).toBeUndefined();
    const before = await entries();
    const different = await gqlAt(second.url, SUBMIT_ENTRY, entryInput(), withKey(key));
    expect(different.status).toBe(409);
    expect(code(different)).toBe('CONFLICT');
    expect(await entries()).toBe(before);
  });

  it("is per viewer: a host's key never replays another viewer's answer", async () => {
    const key = randomUUID();
    const input = { input: { title: `Long run ${key}`, body: 'Twenty miles.' } };
    const [hostBefore, otherBefore] = [await postsBy(host), await postsBy(other)];
    const mine = await t.gql(CREATE_POST, input, withKey(key, host.token));
    const retried = await gqlAt(second.url, CREATE_POST, input, withKey(key, host.token));
    expect(retried.text).toBe(mine.text);
    const theirs = await t.gql(CREATE_POST, input, withKey(key, other.token));
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.createPost.id).not.toBe(mine.data.createPost.id);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    // Anonymous, the same key and request: its own answer (here a refusal), not the host's.
    const anonymous = await t.gql(CREATE_POST, input, withKey(key));
    expect(code(anonymous)).toBe('UNAUTHENTICATED');
    expect([await postsBy(host), await postsBy(other)]).toEqual([hostBefore + 1, otherBefore + 1]);
  });

  it('runs again once the first answer is over 24 hours old, and expired keys are cleaned up', async () => {
    const key = randomUUID();
    const input = { input: { title: `Tempo ${key}`, body: 'Six miles.' } };
    const before = await postsBy(host);
    await t.gql(CREATE_POST, input, withKey(key, host.token));
    try {
      t.clock.set(new Date(Date.now() + IDEMPOTENCY_TTL_MS - 60_000));
      const within = await t.gql(CREATE_POST, input, withKey(key, host.token));
      expect(within.headers.get('idempotent-replayed')).toBe('true');
      t.clock.set(new Date(Date.now() + IDEMPOTENCY_TTL_MS + 120_000));
      const after = await t.gql(CREATE_POST, input, withKey(key, host.token));
      expect(after.errors).toBeUndefined();
      expect(after.headers.get('idempotent-replayed')).toBeNull();
      expect(await postsBy(host)).toBe(before + 2);
      // Rows expired by then were deleted when that key was claimed.
      const stale = await count('idempotency_keys WHERE expires_at <= $1', [
        new Date(Date.now() + IDEMPOTENCY_TTL_MS + 60_000),
      ]);
      expect(stale).toBe(0);
    } finally {
      t.clock.reset();
    }
  });

  it('keeps neither the key nor the answer readable in the table', async () => {
    const key = randomUUID();
    const first = await t.gql(SUBMIT_ENTRY, entryInput(), withKey(key));
    const editToken: string = first.data.submitEntry.editToken;
    const rows = await t.sql(
      `SELECT encode(key_hash, 'escape') AS k, encode(answer, 'escape') AS a, * FROM idempotency_keys`,
    );
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(editToken);
    expect(dump).not.toContain(first.data.submitEntry.id);
  });

  it('never runs twice when two copies arrive together: one answers, the other replays or is told to retry', async () => {
    const key = randomUUID();
    const variables = entryInput();
    const before = await entries();
    const answers = await Promise.all([
      t.gql(SUBMIT_ENTRY, variables, withKey(key)),
      gqlAt(second.url, SUBMIT_ENTRY, variables, withKey(key)),
    ]);
    expect(await entries()).toBe(before + 1);
    const ran = answers.filter((a) => !a.errors && !a.headers.get('idempotent-replayed'));
    expect(ran).toHaveLength(1);
    for (const a of answers) {
      if (a === ran[0]) continue;
      if (a.errors) {
        expect([a.status, code(a)]).toEqual([409, 'CONFLICT']);
        expect(a.headers.get('retry-after')).toBe('5');
      } else expect(a.text).toBe(ran[0].text);
    }
  });

  it('keeps refusals, but not RATE_LIMITED: that retry runs again', async () => {
    const email = `target-${randomUUID()}@test.example`;
    const keys = () => count('idempotency_keys');
    const signIn = (key: string) =>
      gqlAt(second.url, SIGN_IN, { email, password: 'wrong password' }, withKey(key));
    let before = await keys();
    expect(code(await signIn(randomUUID()))).toBe('UNAUTHENTICATED');
    expect(await keys()).toBe(before + 1);
    for (let i = 0; i < 4; i++) await signIn(randomUUID());
    before = await keys();
    const limited = await signIn(randomUUID());
    expect(code(limited)).toBe('RATE_LIMITED');
    expect(await keys()).toBe(before);
  });

  it('ignores the header on queries, and refuses a key too short to be secret', async () => {
    const before = await count('idempotency_keys');
    const query = await t.gql('{ hosts(first: 1) { totalCount } }', {}, withKey(randomUUID()));
    expect(query.errors).toBeUndefined();
    expect(await count('idempotency_keys')).toBe(before);
    const short = await t.gql(SUBMIT_ENTRY, entryInput(), withKey('retry-1'));
    expect([short.status, code(short)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('is SERVICE_UNAVAILABLE (503) when the key cannot be checked, and runs once the database is back', async () => {
    const proxy = await TcpProxy.start(t.databaseUrl);
    const cut = await startAnotherApi(t, { DATABASE_URL: proxy.url(t.databaseUrl) });
    try {
      const key = randomUUID();
      const variables = entryInput();
      proxy.cut();
      const down = await gqlAt(cut.url, SUBMIT_ENTRY, variables, withKey(key));
      expect([down.status, code(down)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      expect(down.headers.get('retry-after')).toBe('5');
      proxy.restore();
      const before = await entries();
      const back = await gqlAt(cut.url, SUBMIT_ENTRY, variables, withKey(key));
      expect(back.errors).toBeUndefined();
      expect(await entries()).toBe(before + 1);
    } finally {
      proxy.restore();
      await cut.stop();
      await proxy.stop();
    }
  });
});
