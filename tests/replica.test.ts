import { Client } from 'pg';
import { RunningApi, start } from '../src/index';
import { gqlAt, TEST_JWT_SECRET, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { submitAt } from './helpers/live';
import { PostgresPair, startPostgresPair } from './helpers/services';

/**
 * Anonymous reads on a streaming replica (DATABASE_REPLICA_URLS, docs/scaling.md): a throw-away
 * primary and a pg_basebackup replica of it on this machine. With replay paused on the replica,
 * an anonymous read shows the replica's older view, while a signed-in read and one sent with
 * `Cache-Control: no-cache` (a client reading its own write) see the primary; with the replica
 * stopped, anonymous reads are answered by the primary. PostgreSQL only: it starts PostgreSQL
 * servers of its own, which the embedded runs have no need of.
 */

const ENTRIES = `query($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) { entries { edges { node { number } } } } }`;

const describeOnPostgres = process.env.DATABASE_URL ? describe : describe.skip;

describeOnPostgres('anonymous reads on a streaming replica', () => {
  let pair: PostgresPair;
  let primary: Client;
  let replica: Client;
  let api: RunningApi;
  let cohost: MadeHost;
  let linkUp: Made & { slug: string };
  let roundup: Made & { number: number };

  beforeAll(async () => {
    pair = await startPostgresPair();
    const admin = new Client(pair.primaryUrl);
    await admin.connect();
    await admin.query('CREATE DATABASE roundup');
    await admin.end();
    const databaseUrl = pair.primaryUrl.replace(/\/postgres$/, '/roundup');
    api = await start({
      PORT: '0',
      LOG_LEVEL: 'silent',
      DEMO_DATA: 'off',
      RATE_LIMITS: 'off',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: databaseUrl,
      DATABASE_REPLICA_URLS: pair.onReplica(databaseUrl),
    });
    primary = new Client(databaseUrl);
    await primary.connect();
    // The new database reaches the replica a moment later.
    for (let attempt = 1; !replica; attempt++) {
      const client = new Client(pair.onReplica(databaseUrl));
      try {
        await client.connect();
        replica = client;
      } catch (error) {
        if (attempt === 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const sql = async (query: string, params?: unknown[]) =>
      (await primary.query(query, params)).rows;
    const f = fixtures({ sql } as TestApi);
    cohost = await f.host();
    linkUp = await f.linkUp([cohost.id]);
    roundup = await f.roundup(linkUp.id, [cohost.id]);
    for (let i = 0; i < 3; i++) await f.entry(roundup.id, { status: 'VISIBLE' });
  }, 120_000);
  afterAll(async () => {
    await replica?.end().catch(() => undefined);
    await primary?.end();
    await api?.stop();
    await pair?.stop();
  });

  /** The entry numbers a read of the roundup shows. */
  async function numbers(options: { token?: string; headers?: Record<string, string> } = {}) {
    const result = await gqlAt(
      api.url,
      ENTRIES,
      { slug: linkUp.slug, number: roundup.number },
      options,
    );
    expect(result.errors).toBeUndefined();
    return result.data.roundup.entries.edges.map((e: any) => e.node.number);
  }

  /** Until the replica has replayed everything the primary has written so far (inserted: with
   * synchronous_commit off, a commit may not be written out yet). */
  async function caughtUp() {
    const [{ lsn }] = (await primary.query('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows;
    for (let i = 0; i < 100; i++) {
      const [{ behind }] = (
        await replica.query('SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind', [lsn])
      ).rows;
      if (!behind) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the replica did not catch up in 10 s');
  }

  it('serves anonymous reads from the replica, a writer and signed-in readers from the primary', async () => {
    await caughtUp();
    expect(await numbers()).toEqual([1, 2, 3]);

    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      const submitted = await submitAt(api.url, roundup, 'after-pause');
      expect(submitted.errors).toBeUndefined();
      expect(submitted.data.submitEntry.number).toBe(4);

      // The replica has not replayed the entry: an anonymous read there does not show it.
      expect(await numbers()).toEqual([1, 2, 3]);
      // The submitter asking past caches, and any signed-in reader, read the primary.
      expect(await numbers({ headers: { 'cache-control': 'no-cache' } })).toEqual([1, 2, 3, 4]);
      expect(await numbers({ token: cohost.token })).toEqual([1, 2, 3, 4]);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    await caughtUp();
    expect(await numbers()).toEqual([1, 2, 3, 4]);
  });

  it('answers anonymous reads from the primary while the replica is down', async () => {
    await replica.end();
    await pair.stopReplica();
    await submitAt(api.url, roundup, 'replica-down');
    // The first read finds the replica refusing and goes to the primary; the next skip it.
    for (let i = 0; i < 3; i++) expect(await numbers()).toEqual([1, 2, 3, 4, 5]);
  });
});
