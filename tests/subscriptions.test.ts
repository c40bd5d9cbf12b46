import WebSocket from 'ws';
import { RunningApi } from '../src/index';
import { GqlResult, gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { launch } from './helpers/launch';
import {
  liveClient,
  LiveClient,
  submitAt,
  subscribe,
  Subscription,
  untilLive,
} from './helpers/live';

/**
 * Live updates on one instance (DESIGN.md, "The live roundup on every co-host's blog"): graphql-ws
 * subscriptions at /graphql, over real sockets, with HTTP's sign-in, limits and visibility.
 */

const ENTRY_EVENTS = `subscription EntryEvents($roundupId: ID!) { entryEvents(roundupId: $roundupId) {
  kind entryId number entry { id number title status submitterEmail } roundup { number } } }`;
const ROUNDUP_EVENTS = `subscription RoundupEvents($linkUpId: ID!) {
  roundupEvents(linkUpId: $linkUpId) { kind roundup { id number status } } }`;
const SET_STATUS = `mutation($id: ID!, $status: EntryStatus!) { setEntryStatus(id: $id, status: $status) { id } }`;
const FEATURE = `mutation($id: ID!) { featureEntry(id: $id) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelRoundup(id: $id) { id } }`;
const CLOSE = `mutation($id: ID!) { closeRoundup(id: $id) { id status } }`;

const HOUR = 3600_000;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let cohost: MadeHost;
const clients: LiveClient[] = [];

beforeAll(async () => {
  // Many submissions from one address; the per-IP limit is tested in tests/linkups.test.ts.
  t = await startTestApi({ RATE_LIMITS: 'off' });
  f = fixtures(t);
  cohost = await f.host();
});
afterEach(async () => {
  t.clock.reset();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(() => t?.stop());

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

function connect(url = t.url, options: { token?: string; authorization?: string } = {}) {
  const live = liveClient(url, options);
  clients.push(live);
  return live;
}

const submit = (roundup: Made, n: number | string) => submitAt(t.url, roundup, n);

/** An open roundup co-hosted by `cohost`, with one visible entry used to check that subscribers are live. */
async function openRoundup(linkUpValues: Record<string, unknown> = {}) {
  const linkUp = await f.linkUp([cohost.id], linkUpValues);
  const roundup = await f.roundup(linkUp.id, [cohost.id]);
  const probe = await f.entry(roundup.id, { status: 'VISIBLE' });
  return { linkUp, roundup, probe };
}

/** Subscribes to the roundup's entry events and waits until the server listens (featuring the probe). */
async function followEntries(roundup: Made, probe: Made, live = connect(), url = t.url) {
  const sub = subscribe(live, ENTRY_EVENTS, { roundupId: roundup.gid });
  await untilLive(
    sub,
    () => gqlAt(url, FEATURE, { id: probe.gid }, { token: cohost.token }),
    (e) => e.entryEvents.entryId === probe.gid,
  );
  return sub;
}

/** Subscribes to the link-up's edition events; a far-off edition, cancelled again and again, shows it is live. */
async function followRoundups(linkUp: Made, live = connect()) {
  const probe = await f.roundup(linkUp.id, [cohost.id], {
    opens_at: new Date(Date.now() + 300 * 24 * HOUR),
    closes_at: new Date(Date.now() + 301 * 24 * HOUR),
  });
  const sub = subscribe(live, ROUNDUP_EVENTS, { linkUpId: linkUp.gid });
  await untilLive(
    sub,
    () => t.gql(CANCEL, { id: probe.gid }, { token: cohost.token }),
    (e) => e.roundupEvents.roundup.id === probe.gid,
  );
  return sub;
}

const aboutEntries = (sub: Subscription, probe: Made) =>
  sub.events.map((e) => e.entryEvents).filter((e) => e.entryId !== probe.gid);

const kindsFor = (sub: Subscription, roundup: Made) =>
  sub.events
    .map((e) => e.roundupEvents)
    .filter((e) => e.roundup.id === roundup.gid)
    .map((e) => e.kind);

describe('entryEvents', () => {
  it('announces a submission as ADDED with its number, read as the subscriber', async () => {
    const { roundup, probe } = await openRoundup();
    const sub = await followEntries(roundup, probe);
    const made = ok(await submit(roundup, 'a')).submitEntry;
    await sub.waitFor(1, (e) => e.entryEvents.entryId === made.id);
    expect(aboutEntries(sub, probe)).toEqual([
      {
        kind: 'ADDED',
        entryId: made.id,
        number: made.number,
        entry: {
          id: made.id,
          number: made.number,
          title: 'Run a',
          status: 'VISIBLE',
          submitterEmail: null,
        },
        roundup: { number: roundup.number },
      },
    ]);
    expect(sub.errors).toEqual([]);
  });

  it('delivers 20 concurrent submissions as 20 ADDED events in number order', async () => {
    const { roundup, probe } = await openRoundup();
    const sub = await followEntries(roundup, probe);
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => submit(roundup, i).then((r) => ok(r).submitEntry)),
    );
    const numbers = made.map((e) => e.number).sort((a, b) => a - b);
    await sub.waitFor(21, () => true, 15_000);
    const events = aboutEntries(sub, probe);
    expect(events.map((e) => e.kind)).toEqual(Array(20).fill('ADDED'));
    expect(events.map((e) => e.number)).toEqual(numbers);
    expect(events.map((e) => e.entry.number)).toEqual(numbers);
  });

  it('gives an anonymous subscriber HIDDEN with entry null for a hidden entry, a co-host the entry', async () => {
    const { roundup, probe } = await openRoundup();
    const entry = await f.entry(roundup.id, { status: 'VISIBLE' });
    const anonymous = await followEntries(roundup, probe);
    const cohosts = await followEntries(roundup, probe, connect(t.url, { token: cohost.token }));
    ok(await t.gql(SET_STATUS, { id: entry.gid, status: 'HIDDEN' }, { token: cohost.token }));
    const about = (e: any) => e.entryEvents.entryId === entry.gid;
    const [seen] = await anonymous.waitFor(1, about);
    expect(seen.entryEvents).toEqual({
      kind: 'HIDDEN',
      entryId: entry.gid,
      number: entry.number,
      entry: null,
      roundup: { number: roundup.number },
    });
    const [full] = await cohosts.waitFor(1, about);
    expect(full.entryEvents).toMatchObject({
      kind: 'HIDDEN',
      entry: { id: entry.gid, status: 'HIDDEN', submitterEmail: expect.any(String) },
    });
  });

  it('lets co-hosts see a held entry arrive (ADDED, PENDING); the public sees HIDDEN, then APPROVED', async () => {
    const { roundup, probe } = await openRoundup({ entry_moderation: 'HOLD_ALL' });
    const anonymous = await followEntries(roundup, probe);
    const cohosts = await followEntries(roundup, probe, connect(t.url, { token: cohost.token }));
    const held = ok(await submit(roundup, 'held')).submitEntry;
    expect(held.status).toBe('PENDING');
    const about = (e: any) => e.entryEvents.entryId === held.id;
    const [forCohost] = await cohosts.waitFor(1, about);
    expect(forCohost.entryEvents).toMatchObject({
      kind: 'ADDED',
      number: held.number,
      entry: { status: 'PENDING', submitterEmail: 'rheld@runner.example' },
    });
    const [forPublic] = await anonymous.waitFor(1, about);
    expect(forPublic.entryEvents).toMatchObject({
      kind: 'HIDDEN',
      number: held.number,
      entry: null,
    });
    ok(await t.gql(SET_STATUS, { id: held.id, status: 'VISIBLE' }, { token: cohost.token }));
    const [, approved] = await anonymous.waitFor(2, about);
    expect(approved.entryEvents).toMatchObject({
      kind: 'APPROVED',
      entry: { status: 'VISIBLE', submitterEmail: null },
    });
  });

  it('refuses a malformed roundup id with BAD_USER_INPUT', async () => {
    const sub = subscribe(connect(), ENTRY_EVENTS, { roundupId: 'nope' });
    await sub.ended;
    expect(sub.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('limits', () => {
  const refusal = async (query: string, live = connect()) => {
    const sub = subscribe(live, query, { roundupId: 'Um91bmR1cDox' });
    await sub.ended;
    expect(sub.events).toEqual([]);
    return sub.errors.map((e) => e.extensions?.code);
  };

  it('refuses a document over the depth, alias and token limits, as HTTP does', async () => {
    const deep = `subscription { entryEvents(roundupId: "Um91bmR1cDox") { entry { roundup { linkUp {
      roundups { edges { node { entries { edges { node { roundup { linkUp { name } } } } } } } } } } } } }`;
    expect(await refusal(deep)).toEqual(['QUERY_TOO_COMPLEX']);
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: kind`).join(' ');
    expect(
      await refusal(`subscription { entryEvents(roundupId: "Um91bmR1cDox") { ${aliases} } }`),
    ).toEqual(['QUERY_TOO_COMPLEX']);
    const tokens = Array(2100).fill('kind').join(' ');
    expect(
      await refusal(`subscription { entryEvents(roundupId: "Um91bmR1cDox") { ${tokens} } }`),
    ).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(await refusal('subscription { nothing }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses a document over the cost limit', async () => {
    const roundup = `roundup { cohosts { isNew position host { name blogName slug bio avatarUrl } }
      posts { title slug excerpt body } featured { number title url } }`;
    const page = (alias: string) =>
      `${alias}: entries(first: 100) { edges { node { id title featuredBy { name slug bio } ${roundup} } } }`;
    const costly = `subscription { entryEvents(roundupId: "Um91bmR1cDox") {
      roundup { ${page('a')} ${page('b')} } } }`;
    expect(await refusal(costly)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('runs only subscriptions over the socket', async () => {
    expect(await refusal('{ linkUps { id } }')).toEqual(['BAD_REQUEST']);
  });

  describe('on an instance with low caps on sockets', () => {
    let low: RunningApi;
    beforeAll(async () => {
      low = await startAnotherApi(t, {
        MAX_SOCKETS_PER_IP: '2',
        MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
      });
    });
    afterAll(() => low?.stop());

    it('closes a socket over MAX_SOCKETS_PER_IP with 4429, and refuses subscriptions over MAX_SUBSCRIPTIONS_PER_SOCKET', async () => {
      const { roundup, probe } = await openRoundup();
      const first = connect(low.url);
      const a = await followEntries(roundup, probe, first, low.url);
      const b = await followEntries(roundup, probe, first, low.url);
      const third = subscribe(first, ENTRY_EVENTS, { roundupId: roundup.gid });
      await third.ended;
      expect(third.errors.map((e) => e.extensions?.code)).toEqual(['LIMIT_EXCEEDED']);
      expect(a.errors.concat(b.errors)).toEqual([]);

      const second = connect(low.url);
      await followEntries(roundup, probe, second, low.url);
      const over = connect(low.url);
      expect(await over.closed).toEqual({
        code: 4429,
        reason: 'Too many sockets from this address',
      });
      // A closed socket frees its place (the server counts it down as its close completes).
      await second.dispose();
      await second.closed;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await followEntries(roundup, probe, connect(low.url), low.url);
    });
  });
});

describe('behind a proxy (TRUST_PROXY=on)', () => {
  let proxied: RunningApi;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    proxied = await startAnotherApi(t, { TRUST_PROXY: 'on', MAX_SOCKETS_PER_IP: '2' });
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await proxied?.stop();
  });

  /** A bare socket as the proxy forwards it: open, or closed at once with its code. */
  const openFrom = (forwardedFor: string) =>
    new Promise<'open' | number>((resolve) => {
      const socket = new WebSocket(proxied.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
        headers: { 'x-forwarded-for': forwardedFor },
      });
      sockets.push(socket);
      socket.once('close', (code) => resolve(code));
      // Over the cap, the server closes right after the upgrade: wait a moment to see which.
      socket.once('open', () => setTimeout(() => resolve('open'), 300));
    });

  it('counts sockets by the address the proxy saw, whatever the client puts to its left', async () => {
    const client = '198.51.100.7';
    expect(await openFrom(client)).toBe('open');
    expect(await openFrom(client)).toBe('open');
    expect(await openFrom(`203.0.113.1, ${client}`)).toBe(4429);
    expect(await openFrom('198.51.100.8')).toBe('open');
  });
});

describe('sign-in', () => {
  it('closes the connection with 4401 for a bad or malformed token', async () => {
    for (const authorization of ['Bearer not.a.token', 'Basic abc']) {
      const live = connect(t.url, { authorization });
      expect((await live.closed).code).toBe(4401);
    }
  });
});

describe('roundupEvents', () => {
  it('announces an edition opening and closing by the clock, once each', async () => {
    const linkUp = await f.linkUp([cohost.id]);
    const opensAt = new Date(Date.now() + HOUR);
    const edition = await f.roundup(linkUp.id, [cohost.id], {
      opens_at: opensAt,
      closes_at: new Date(opensAt.getTime() + 2 * HOUR),
    });
    const sub = await followRoundups(linkUp);
    t.clock.set(new Date(opensAt.getTime() + 1000));
    const opened = await sub.waitFor(1, (e) => e.roundupEvents.roundup.id === edition.gid);
    expect(opened[0].roundupEvents).toEqual({
      kind: 'OPENED',
      roundup: { id: edition.gid, number: edition.number, status: 'OPEN' },
    });
    t.clock.set(new Date(opensAt.getTime() + 2 * HOUR + 1000));
    await sub.waitFor(2, (e) => e.roundupEvents.roundup.id === edition.gid);
    // Several more ticks: nothing is announced twice.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(kindsFor(sub, edition)).toEqual(['OPENED', 'CLOSED']);
    expect(sub.events.at(-1).roundupEvents.roundup.status).toBe('CLOSED');
  });

  it('announces a co-host closing an edition once', async () => {
    const linkUp = await f.linkUp([cohost.id]);
    const sub = await followRoundups(linkUp);
    const open = await f.roundup(linkUp.id, [cohost.id]);
    await sub.waitFor(1, (e) => e.roundupEvents.roundup.id === open.gid); // OPENED, by the ticker
    ok(await t.gql(CLOSE, { id: open.gid }, { token: cohost.token }));
    ok(await t.gql(CLOSE, { id: open.gid }, { token: cohost.token })); // closed already: no news
    await sub.waitFor(2, (e) => e.roundupEvents.roundup.id === open.gid);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(kindsFor(sub, open)).toEqual(['OPENED', 'CLOSED']);
  });
});

describe('shutdown', () => {
  it('closes open sockets with 1001 (going away) within the shutdown sequence', async () => {
    const other = await startAnotherApi(t);
    const { roundup, probe } = await openRoundup();
    const live = connect(other.url);
    await followEntries(roundup, probe, live, other.url);
    const started = Date.now();
    await other.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await live.closed).code).toBe(1001);
  });
});

describe('the real process (production mode)', () => {
  it('logs one line per subscription without secrets, and closes sockets on SIGTERM', async () => {
    const server = await launch(t.databaseUrl);
    try {
      const { roundup, probe } = await openRoundup();
      const sub = await followEntries(
        roundup,
        probe,
        connect(server.url, { token: cohost.token }),
        server.url,
      );
      sub.stop();
      const logged = () => server.logs.find((l) => l.includes('"msg":"graphql subscription"'));
      for (let i = 0; i < 50 && !logged(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(JSON.parse(logged()!)).toMatchObject({
        requestId: expect.any(String),
        operation: 'EntryEvents',
        transport: 'websocket',
        durationMs: expect.any(Number),
        events: expect.any(Number),
      });
      expect(server.logs.join('\n')).not.toContain(cohost.token);
      expect(server.logs.join('\n')).not.toContain(cohost.email);

      const open = connect(server.url);
      await followEntries(roundup, probe, open, server.url);
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      expect((await open.closed).code).toBe(1001);
      expect(await exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
