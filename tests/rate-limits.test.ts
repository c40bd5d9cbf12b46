import { randomUUID } from 'node:crypto';
import { RunningApi } from '../src/index';
import { startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures } from './helpers/fixtures';

/**
 * Limits are shared through PostgreSQL (default) or Redis (REDIS_URL), never process memory:
 * two API instances on one database enforce one limit together.
 */
const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`;
/** The Redis store is tested when REDIS_URL names a server (CI sets it), like DATABASE_URL. */
const REDIS_URL = process.env.REDIS_URL;
/** Redis counters outlive a test run: each run comes from addresses of its own (TRUST_PROXY). */
const ip = () =>
  `10.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`;
const headers = (from: string) => ({ 'content-type': 'application/json', 'x-forwarded-for': from });

const stores: [string, Record<string, string>][] = [['PostgreSQL', {}]];
if (REDIS_URL) stores.push(['Redis', { REDIS_URL }]);

describe.each(stores)('rate limits in %s', (_store, extraEnv: Record<string, string>) => {
  let t: TestApi;
  let second: RunningApi;

  beforeAll(async () => {
    t = await startTestApi({ TRUST_PROXY: 'on', ...extraEnv });
    second = await startAnotherApi(t, { TRUST_PROXY: 'on', ...extraEnv });
  });
  afterAll(async () => {
    await second?.stop();
    await t?.stop();
  });

  async function signInAt(url: string, email: string, from = ip()) {
    const res = await fetch(url, {
      method: 'POST',
      headers: headers(from),
      body: JSON.stringify({ query: SIGN_IN, variables: { email, password: 'wrong password' } }),
    });
    return (await res.json()) as any;
  }

  it('counts sign-in failures for one email across two instances, then refuses with retryAfter', async () => {
    const email = `target-${randomUUID()}@test.example`;
    await fixtures(t).host({ email });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await signInAt(i % 2 ? second.url : t.url, email));
    const seen = answers.map((a) => a.errors[0].extensions.code);
    expect(seen).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    const retryAfter = answers[5].errors[0].extensions.retryAfter;
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60).toBe(true);
  });

  it('holds a second guest comment within 15 seconds as RATE_LIMITED on the other instance', async () => {
    const f = fixtures(t);
    const post = await f.post((await f.host()).id);
    const email = `guest-${randomUUID()}@test.example`;
    const ADD = `mutation($input: AddCommentInput!) { addComment(input: $input) { status } }`;
    const input = (body: string) => ({ postId: post.gid, body, guest: { name: 'Flooder', email } });
    const from = ip();
    const first = await t.gql(
      ADD,
      { input: input('first') },
      { headers: { 'x-forwarded-for': from } },
    );
    expect(first.errors).toBeUndefined();
    const res = await fetch(second.url, {
      method: 'POST',
      headers: headers(from),
      body: JSON.stringify({ query: ADD, variables: { input: input('second') } }),
    });
    const body: any = await res.json();
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].extensions.retryAfter).toBeGreaterThan(0);
    const [{ count }] = await t.sql(
      'SELECT count(*)::int AS count FROM comments WHERE guest_email = $1',
      [email],
    );
    expect(count).toBe(1);
  });

  it('keys a tripped sign-in limit on the address the proxy saw, not an X-Forwarded-For entry the client wrote', async () => {
    const from = ip();
    const signIn = (forwardedFor: string) =>
      signInAt(t.url, `nobody-${randomUUID()}@test.example`, forwardedFor);
    // Distinct emails: only the per-address limit (20 per 15 minutes) counts them.
    for (let i = 0; i < 20; i++)
      expect((await signIn(from)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await signIn(from)).errors[0].extensions.code).toBe('RATE_LIMITED');
    // One proxy in front: the client is its right-most entry, whatever the client put before it.
    expect((await signIn(`203.0.113.1, ${from}`)).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect((await signIn(`${ip()}, ${from}`)).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('is off with RATE_LIMITS=off', async () => {
    const off = await startAnotherApi(t, { TRUST_PROXY: 'on', RATE_LIMITS: 'off', ...extraEnv });
    try {
      const email = `free-${randomUUID()}@test.example`;
      const from = ip();
      for (let i = 0; i < 25; i++)
        expect((await signInAt(off.url, email, from)).errors[0].extensions.code).toBe(
          'UNAUTHENTICATED',
        );
    } finally {
      await off.stop();
    }
  });
});
