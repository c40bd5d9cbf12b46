import { startTestApi, TestApi } from './helpers/api';
import { fixtures } from './helpers/fixtures';

/**
 * Every statement of the hot operations can be served by an index: with sequential scans
 * priced out (enable_seqscan = off), no plan may still fall back to one on a domain table.
 */
const FEED = `query($after: String) { posts(first: 20, after: $after) { pageInfo { endCursor } edges { node {
  id author { name } commentCount
  comments(first: 5) { edges { node { body author { displayName } replies { body author { displayName } } } } }
  roundup { number cohosts { isNew host { name } } entryCount } } } } }`;
const ROUNDUP = `query($slug: String!, $n: Int!) { roundup(linkUpSlug: $slug, number: $n) {
  title status cohosts { isNew host { name } } featured { number title featuredBy { name } }
  entries(first: 50) { totalCount edges { node { number title url } } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on Post { title author { name } } } }`;
const SUBMIT = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { number } }`;

let t: TestApi;
let recorded: { sql: string; params: unknown[] }[] = [];

beforeAll(async () => {
  t = await startTestApi({ RATE_LIMITS: 'off' });
  const logger = t.api.db.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (sql, params, runner) => {
    recorded.push({ sql, params: (params ?? []) as unknown[] });
    logQuery(sql, params, runner);
  };
});
afterAll(() => t?.stop());

async function seqScans(operation: () => Promise<unknown>): Promise<string[]> {
  recorded = [];
  await operation();
  const statements = recorded.filter((q) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)/i.test(q.sql));
  expect(statements.length).toBeGreaterThan(0);
  const offenders: string[] = [];
  await t.sql('SET enable_seqscan = off');
  try {
    for (const { sql, params } of statements) {
      const [{ 'QUERY PLAN': plan }] = await t.sql(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const text = JSON.stringify(plan);
      for (const match of text.matchAll(/"Node Type":"Seq Scan"[^}]*?"Relation Name":"(\w+)"/g)) {
        if (match[1] !== 'rate_limits')
          offenders.push(`${match[1]} in: ${sql.replace(/\s+/g, ' ').slice(0, 160)}`);
      }
    }
  } finally {
    await t.sql('SET enable_seqscan = on');
  }
  return offenders;
}

let linkUpSlug: string;
let roundupGid: string;
let postGid: string;
let after: string;

beforeAll(async () => {
  const f = fixtures(t);
  const hosts = [await f.host(), await f.host(), await f.host()];
  const linkUp = await f.linkUp(hosts.map((h) => h.id));
  linkUpSlug = linkUp.slug;
  const roundup = await f.roundup(
    linkUp.id,
    hosts.map((h) => h.id),
  );
  roundupGid = roundup.gid;
  for (let i = 0; i < 30; i++) await f.entry(roundup.id);
  await t.sql(
    'INSERT INTO entry_features (entry_id, host_id) SELECT id, $2 FROM entries WHERE roundup_id = $1 AND number < 3',
    [roundup.id, hosts[0].id],
  );
  for (let i = 0; i < 30; i++) {
    const post = await f.post(hosts[i % 3].id, { roundup_id: roundup.id });
    postGid = post.gid;
    const c = await f.comment(post.id);
    await f.comment(post.id, { parent_id: c.id, depth: 2 });
  }
  await t.sql('ANALYZE');
  after = (await t.gql(FEED, {})).data.posts.pageInfo.endCursor;
});

it.each([
  ['the feed', () => t.gql(FEED, {})],
  ['a deep feed page', () => t.gql(FEED, { after })],
  ['the roundup page', () => t.gql(ROUNDUP, { slug: linkUpSlug, n: 1 })],
  ['node(id)', () => t.gql(NODE, { id: postGid })],
  [
    'submitEntry',
    () =>
      t.gql(SUBMIT, {
        input: {
          roundupId: roundupGid,
          title: 'Plan check',
          url: `https://plans.example/${Date.now()}`,
          name: 'P',
          email: 'p@test.example',
        },
      }),
  ],
])('%s uses indexes only', async (_name, operation) => {
  expect(await seqScans(operation)).toEqual([]);
});

it('notices a sequential scan (the check itself can fail)', async () => {
  const offenders = await seqScans(() =>
    t.api.db.query('SELECT * FROM link_ups WHERE description IS NULL'),
  );
  expect(offenders).toEqual([expect.stringMatching(/^link_ups in: SELECT \* FROM link_ups/)]);
});
