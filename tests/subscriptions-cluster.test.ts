import { RunningApi } from '../src/index';
import { GqlResult, gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import {
  liveClient,
  LiveClient,
  resubscribe,
  submitAt,
  subscribe,
  untilLive,
} from './helpers/live';
import { TcpProxy } from './helpers/tcp-proxy';

/**
 * Live updates across instances (DESIGN.md, "Beyond one machine"): two API instances on one
 * PostgreSQL, fanning out through Redis pub/sub (when REDIS_URL names a server, as for the
 * rate-limit tests) and through LISTEN/NOTIFY. A subscriber on A hears what B does; the clock's
 * OPENED goes out once for the cluster; losing the transport ends subscriptions with
 * SERVICE_UNAVAILABLE while HTTP keeps answering.
 */

const ENTRY_EVENTS = `subscription EntryEvents($roundupId: ID!) {
  entryEvents(roundupId: $roundupId) { kind entryId number entry { number } } }`;
const ROUNDUP_EVENTS = `subscription RoundupEvents($linkUpId: ID!) {
  roundupEvents(linkUpId: $linkUpId) { kind roundup { id status } } }`;
const FEATURE = `mutation($id: ID!) { featureEntry(id: $id) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelRoundup(id: $id) { id } }`;

const DAY = 24 * 3600_000;

function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data;
}

interface Transport {
  /** Settings of both instances (REDIS_URL through `proxy` for Redis). */
  env(): Record<string, string>;
  /** Takes the transport away, as a restart or a network failure would. */
  cut(t: TestApi): Promise<void>;
  restore(): void;
  stop(): Promise<void>;
}

/** Redis behind a TCP proxy the test can cut. */
async function redis(url: string): Promise<Transport> {
  const proxy = await TcpProxy.start(url);
  return {
    env: () => ({ REDIS_URL: proxy.url(url) }),
    cut: async () => proxy.cut(),
    restore: () => proxy.restore(),
    stop: () => proxy.stop(),
  };
}

/** LISTEN/NOTIFY: cut by terminating the instances' LISTEN connections; they reconnect. */
async function postgres(): Promise<Transport> {
  return {
    env: () => ({}),
    async cut(t) {
      await t.sql(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'roundup-live'`,
      );
    },
    restore: () => {},
    stop: async () => {},
  };
}

const transports: [string, () => Promise<Transport>][] = [['LISTEN/NOTIFY', postgres]];
if (process.env.REDIS_URL) transports.unshift(['Redis', () => redis(process.env.REDIS_URL!)]);

(process.env.DATABASE_URL ? describe : describe.skip).each(transports)(
  'two instances, fan-out through %s',
  (_name, makeTransport) => {
    let transport: Transport;
    let t: TestApi;
    let b: RunningApi;
    let f: ReturnType<typeof fixtures>;
    let cohost: MadeHost;
    const clients: LiveClient[] = [];

    beforeAll(async () => {
      transport = await makeTransport();
      t = await startTestApi({ RATE_LIMITS: 'off', ...transport.env() });
      b = await startAnotherApi(t, { RATE_LIMITS: 'off', ...transport.env() });
      f = fixtures(t);
      cohost = await f.host();
    });
    afterEach(() => Promise.all(clients.splice(0).map((c) => c.dispose())));
    afterAll(async () => {
      await b?.stop();
      await t?.stop();
      await transport?.stop();
    });

    function connect(url: string) {
      const live = liveClient(url);
      clients.push(live);
      return live;
    }

    /** A subscriber on `url` to the roundup's entries, live once B's pokes reach it. */
    function followEntries(url: string, roundup: Made, probe: Made) {
      const live = connect(url);
      return resubscribe(
        () => subscribe(live, ENTRY_EVENTS, { roundupId: roundup.gid }),
        () => gqlAt(b.url, FEATURE, { id: probe.gid }, { token: cohost.token }),
        (e) => e.entryEvents.entryId === probe.gid,
      );
    }

    async function openRoundup() {
      const linkUp = await f.linkUp([cohost.id]);
      const roundup = await f.roundup(linkUp.id, [cohost.id]);
      const probe = await f.entry(roundup.id, { status: 'VISIBLE' });
      return { roundup, probe };
    }

    const submitThroughB = (roundup: Made, n: number | string) =>
      submitAt(b.url, roundup, n).then((r) => ok(r).submitEntry);

    it("delivers B's submissions to a subscriber on A as ADDED, with their numbers, in order", async () => {
      const { roundup, probe } = await openRoundup();
      const onA = await followEntries(t.url, roundup, probe);
      const about = (id: string) => (e: any) => e.entryEvents.entryId === id;

      const one = await submitThroughB(roundup, 'one');
      const sent = Date.now();
      const [added] = await onA.waitFor(1, about(one.id));
      expect(Date.now() - sent).toBeLessThan(1000);
      expect(added.entryEvents).toEqual({
        kind: 'ADDED',
        entryId: one.id,
        number: one.number,
        entry: { number: one.number },
      });

      const made = await Promise.all(
        Array.from({ length: 20 }, (_, i) => submitThroughB(roundup, i)),
      );
      const numbers = made.map((e) => e.number).sort((x, y) => x - y);
      const isNew = (e: any) => e.entryEvents.kind === 'ADDED' && e.entryEvents.entryId !== one.id;
      const events = await onA.waitFor(20, isNew, 15_000);
      expect(events.map((e) => e.entryEvents.number)).toEqual(numbers);
      expect(onA.errors).toEqual([]);
    });

    it('announces a clock-driven OPENED once for the cluster', async () => {
      const linkUp = await f.linkUp([cohost.id]);
      const probe = await f.roundup(linkUp.id, [cohost.id], {
        opens_at: new Date(Date.now() + 300 * DAY),
        closes_at: new Date(Date.now() + 301 * DAY),
      });
      const [onA, onB] = [connect(t.url), connect(b.url)].map((live) =>
        subscribe(live, ROUNDUP_EVENTS, { linkUpId: linkUp.gid }),
      );
      for (const sub of [onA, onB]) {
        await untilLive(
          sub,
          () => t.gql(CANCEL, { id: probe.gid }, { token: cohost.token }),
          (e) => e.roundupEvents.roundup.id === probe.gid,
        );
      }
      const opensAt = new Date(Date.now() + 1500);
      const edition = await f.roundup(linkUp.id, [cohost.id], {
        opens_at: opensAt,
        closes_at: new Date(opensAt.getTime() + DAY),
      });
      const about = (e: any) => e.roundupEvents.roundup.id === edition.gid;
      for (const sub of [onA, onB]) await sub.waitFor(1, about, 8000);
      expect(Date.now() - opensAt.getTime()).toBeLessThan(5000);
      // Both tickers ran several times since: still one OPENED each.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      for (const sub of [onA, onB]) {
        expect(sub.events.filter(about).map((e) => e.roundupEvents)).toEqual([
          { kind: 'OPENED', roundup: { id: edition.gid, status: 'OPEN' } },
        ]);
      }
    });

    it('ends subscriptions with SERVICE_UNAVAILABLE when the transport is lost; HTTP answers; subscribing works again', async () => {
      const { roundup, probe } = await openRoundup();
      const onA = await followEntries(t.url, roundup, probe);
      await transport.cut(t);
      await onA.ended;
      expect(onA.errors.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
      const answer = await gqlAt(t.url, '{ linkUps { id } }');
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      transport.restore();
      const again = await followEntries(t.url, roundup, probe);
      const one = await submitThroughB(roundup, 'after');
      await again.waitFor(1, (e) => e.entryEvents.entryId === one.id);
    });
  },
);
