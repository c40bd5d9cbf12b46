import { RunningApi } from '../src/index';
import { createDataSource } from '../src/db/data-source';
import { preparedStatements } from '../src/db/prepared';
import { GqlResult, gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { liveClient, submitAt, subscribe, untilLive } from './helpers/live';
import { PgBouncer, startPgBouncer } from './helpers/services';

/**
 * The API through the real PgBouncer (Debian's 1.18) in transaction mode, with
 * deploy/pgbouncer.ini's settings (docs/scaling.md, "PgBouncer and named prepared statements").
 * With DATABASE_PREPARED_STATEMENTS=off every request answers right and no statement fails;
 * with named statements on, 1.18 hands a statement prepared on one server connection to another,
 * which does not know it. PostgreSQL only: PgBouncer stands before a PostgreSQL server.
 */

const ENTRY_EVENTS = `subscription($roundupId: ID!) {
  entryEvents(roundupId: $roundupId) { kind entry { number title } } }`;

/** Distinct compiled documents: each asks for a different number of entries. */
const DOCUMENTS = 40;
const documentFor = (i: number) => `query Entries${i}($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) {
    number status entries(first: ${i + 1}) { edges { node { number title } } } } }`;
const ENTRIES = 25;

function expectEntries(result: GqlResult, i: number) {
  expect(result.errors).toBeUndefined();
  const numbers = result.data.roundup.entries.edges.map((e: any) => e.node.number);
  expect(numbers).toEqual(Array.from({ length: Math.min(i + 1, ENTRIES) }, (_, n) => n + 1));
}

const describeOnPostgres = process.env.DATABASE_URL ? describe : describe.skip;

describeOnPostgres('through PgBouncer 1.18 in transaction mode', () => {
  let bouncer: PgBouncer;
  let t: TestApi;
  let cohost: MadeHost;
  let linkUp: Made & { slug: string };
  let roundup: Made & { number: number };

  beforeAll(async () => {
    bouncer = await startPgBouncer(process.env.DATABASE_URL!);
    t = await startTestApi((direct) => ({
      DATABASE_URL: bouncer.through(direct),
      DATABASE_DIRECT_URL: direct,
      DATABASE_PREPARED_STATEMENTS: 'off',
      RATE_LIMITS: 'off',
    }));
    const f = fixtures(t);
    cohost = await f.host();
    linkUp = await f.linkUp([cohost.id]);
    roundup = await f.roundup(linkUp.id, [cohost.id]);
    for (let i = 0; i < ENTRIES; i++) await f.entry(roundup.id, { status: 'VISIBLE' });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await bouncer?.stop();
  });

  /** Every document at once, `rounds` times over. */
  async function readAll(url: string, rounds = 2) {
    const answers: [number, GqlResult][] = [];
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: DOCUMENTS }, async (_, i) => {
          const vars = { slug: linkUp.slug, number: roundup.number };
          answers.push([i, await gqlAt(url, documentFor(i), vars)]);
        }),
      );
    }
    return answers;
  }

  it('sets statement_timeout on the server connections it opens (connect_query)', async () => {
    // The API's own startup parameter is dropped by PgBouncer (ignore_startup_parameters).
    expect(await t.api.db.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '5s' }]);
  });

  it('answers many distinct compiled reads at once, each with its one statement', async () => {
    for (const [i, answer] of await readAll(t.url)) {
      expectEntries(answer, i);
      // One statement: none failed and fell back to the resolvers.
      expect(answer.sqlStatements).toBe(1);
    }
  });

  it("numbers concurrent submits 1..n, gap-free, and takes a co-host's write", async () => {
    const f = fixtures(t);
    const fresh = await f.roundup(linkUp.id, []);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, n) => submitAt(t.url, fresh, n)),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const numbers = results.map((r) => r.data.submitEntry.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));

    // A co-host's write: a transaction that locks the entry, then reads it back.
    const featured = await gqlAt(
      t.url,
      `mutation($id: ID!) { featureEntry(id: $id) { number featuredBy { id } } }`,
      { id: results[0].data.submitEntry.id },
      { token: cohost.token },
    );
    expect(featured.errors).toBeUndefined();
    expect(featured.data.featureEntry.featuredBy).toEqual([{ id: cohost.gid }]);
  });

  it('delivers subscription events (LISTEN on the direct connection)', async () => {
    const followed = await fixtures(t).roundup(linkUp.id, []);
    const live = liveClient(t.url);
    try {
      const sub = subscribe(live, ENTRY_EVENTS, { roundupId: followed.gid });
      let n = 0;
      await untilLive(
        sub,
        () => submitAt(t.url, followed, `live-${++n}`),
        (e: any) =>
          e.entryEvents.kind === 'ADDED' && e.entryEvents.entry.title.startsWith('Run live-'),
      );
      sub.stop();
    } finally {
      await live.dispose();
    }
  });

  describe('with named prepared statements on', () => {
    let named: RunningApi;

    beforeAll(async () => {
      named = await startAnotherApi(t, {
        DATABASE_URL: bouncer.through(t.databaseUrl),
        DATABASE_DIRECT_URL: t.databaseUrl,
        DATABASE_PREPARED_STATEMENTS: 'on',
        RATE_LIMITS: 'off',
      });
    });
    afterAll(() => named?.stop());

    it('fails statements across server connections; off, the same statements all run', async () => {
      const db = createDataSource({ url: bouncer.through(t.databaseUrl), poolSize: 8 });
      await db.initialize();
      try {
        const texts = Array.from({ length: DOCUMENTS }, (_, i) => `SELECT $1::int + ${i} AS n`);
        const attempt = async (named: boolean) => {
          const run = await preparedStatements(db, { named });
          const codes: string[] = [];
          for (let round = 0; round < 5; round++) {
            await Promise.all(
              texts.map(async (text, i) => {
                try {
                  expect(await run(text, [1])).toEqual([{ n: 1 + i }]);
                } catch (error) {
                  codes.push((error as { code: string }).code);
                }
              }),
            );
          }
          return codes;
        };
        const failures = await attempt(true);
        expect(failures.length).toBeGreaterThan(0);
        // "prepared statement … does not exist", "… already exists": nothing else.
        expect(new Set(failures)).toEqual(
          new Set(failures.filter((code) => code === '26000' || code === '42P05')),
        );
        expect(await attempt(false)).toEqual([]);
      } finally {
        await db.destroy();
      }
    });

    it('still answers compiled reads right, through the resolvers after each failure', async () => {
      let fellBack = 0;
      for (let round = 0; round < 5 && fellBack === 0; round++) {
        for (const [i, answer] of await readAll(named.url, 1)) {
          expectEntries(answer, i);
          if (answer.sqlStatements > 1) fellBack++;
        }
      }
      expect(fellBack).toBeGreaterThan(0);
    });
  });
});
