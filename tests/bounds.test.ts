import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { BadInputError, databaseUnavailable } from '../src/common/errors';
import { encodeCursor } from '../src/common/pagination';
import { createDataSource } from '../src/db/data-source';
import { preparedStatements } from '../src/db/prepared';
import { RunningApi } from '../src/index';
import { codes, gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { HOSTILE_FIRST_ONE, HOSTILE_FIRST_ZERO } from '../bench/operations';
import { fixtures } from './helpers/fixtures';

/**
 * The bounds on what one request may cost the database (DESIGN.md, "Reads: one model, two
 * executors"): statements time out as HTTP 503, prepared statements stay few per connection,
 * cursors re-serialise exactly, and the cost estimate never prices a subtree at zero.
 */

const FEED = '{ posts(first: 5) { edges { node { title author { name } } } } }';

let t: TestApi;
/** The same database with COMPILED_READS=off: every answer from the resolvers. */
let resolved: RunningApi;

beforeAll(async () => {
  t = await startTestApi();
  resolved = await startAnotherApi(t, { COMPILED_READS: 'off' });
  const f = fixtures(t);
  const host = await f.host({ slug: 'ada' });
  const post = await f.post(host.id, { slug: 'tempo' });
  await f.comment(post.id);
  const linkUp = await f.linkUp([host.id], { slug: 'weekly' });
  const roundup = await f.roundup(linkUp.id, [host.id]);
  await f.entry(roundup.id);
});
afterAll(async () => {
  await resolved?.stop();
  await t?.stop();
});

describe('a statement past STATEMENT_TIMEOUT_MS', () => {
  let slow: RunningApi;
  beforeAll(async () => {
    slow = await startAnotherApi(t, { STATEMENT_TIMEOUT_MS: '300' });
  });
  afterAll(() => slow?.stop());

  it('answers HTTP 503 SERVICE_UNAVAILABLE with Retry-After, and 200 once the table is free', async () => {
    expect((await gqlAt(slow.url, FEED)).status).toBe(200);
    const locker = new Client(t.databaseUrl);
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE posts IN ACCESS EXCLUSIVE MODE');
      const r = await gqlAt(slow.url, FEED);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } }),
      ]);
      expect(JSON.stringify(r.errors)).not.toMatch(/timeout|SELECT|57014/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const after = await gqlAt(slow.url, FEED);
    expect(after.status).toBe(200);
    expect(after.errors).toBeUndefined();
  });
});

describe('databaseUnavailable', () => {
  const failed = (driverError: object) =>
    new QueryFailedError('SELECT 1', [], Object.assign(new Error('failed'), driverError));

  it.each([
    ['a statement timeout', failed({ code: '57014' })],
    ['a server shutting down', failed({ code: '57P01' })],
    ['too many connections', failed({ code: '53300' })],
    ['a client query timeout', failed({ message: 'Query read timeout' })],
    ['a lost connection', failed({ message: 'Connection terminated unexpectedly' })],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a connection timeout',
      new Error('Connection terminated due to connection timeout', {
        cause: new Error('timeout expired'),
      }),
    ],
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
  ])('is true for %s', (_name, error) => {
    expect(databaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', failed({ code: '23505' })],
    ['an invalid timestamp', failed({ code: '22007' })],
    ['a bug', new TypeError('x is undefined')],
    ['a refusal of ours', new BadInputError('after', 'bad cursor')],
  ])('is false for %s', (_name, error) => {
    expect(databaseUnavailable(error)).toBe(false);
  });
});

/** PGlite runs every statement unnamed: named statements exist only on a real PostgreSQL. */
(process.env.DATABASE_URL ? describe : describe.skip)('prepared statements', () => {
  it('are at most N per connection, the least recently used deallocated', async () => {
    const db = createDataSource({ url: t.databaseUrl, poolSize: 1 });
    await db.initialize();
    try {
      const run = await preparedStatements(db, { maxNamed: 3 });
      const text = (i: number) => `SELECT $1::int + ${i} AS n`;
      /** The one pooled connection's prepared statements, as the texts above. */
      const prepared = async () =>
        (await db.query('SELECT statement FROM pg_prepared_statements ORDER BY statement')).map(
          (r: { statement: string }) => r.statement,
        );

      for (let i = 0; i < 10; i++) expect(await run(text(i), [1])).toEqual([{ n: 1 + i }]);
      expect(await prepared()).toEqual([text(7), text(8), text(9)]);
      await run(text(7), [1]);
      await run(text(10), [1]);
      expect(await prepared()).toEqual([text(10), text(7), text(9)]);
      // Evicted texts are prepared again and still answer right.
      for (let i = 0; i < 10; i++) expect(await run(text(i), [2])).toEqual([{ n: 2 + i }]);
      expect(await prepared()).toEqual([text(7), text(8), text(9)]);

      const long = `SELECT $1::int AS n /* ${'x'.repeat(30_000)} */`;
      expect(await run(long, [5])).toEqual([{ n: 5 }]);
      expect(await prepared()).toEqual([text(7), text(8), text(9)]);
    } finally {
      await db.destroy();
    }
  });
});

describe('cursors', () => {
  /** Every connection field, each taking `after` from the variable $after. */
  const LISTS: Record<string, string> = {
    posts: 'posts(after: $after) { edges { node { title } } }',
    'Post.comments': 'post(slug: "tempo") { comments(after: $after) { edges { node { body } } } }',
    'Host.posts': 'host(slug: "ada") { posts(after: $after) { totalCount } }',
    hosts: 'hosts(after: $after) { totalCount }',
    'Roundup.entries':
      'roundup(linkUpSlug: "weekly", number: 1) { entries(after: $after) { totalCount } }',
  };
  /** Date.parse accepts each, PostgreSQL refuses the first two, none is what the API writes. */
  const NOT_EXACT: Record<string, string> = {
    'February 31st': encodeCursor(['2024-02-31T00:00:00Z', '5']),
    'year 0': encodeCursor(['0000-01-01T00:00:00.000Z', '5']),
    'no milliseconds': encodeCursor(['2024-02-29T00:00:00Z', '5']),
  };
  const cases = Object.entries(LISTS).flatMap(([list, selection]) =>
    Object.entries(NOT_EXACT).flatMap(([cursor, after]) => [
      { list, cursor, given: 'a variable', query: `query($after: String) { ${selection} }`, after },
      {
        list,
        cursor,
        given: 'the document',
        query: `{ ${selection.replace('$after', JSON.stringify(after))} }`,
      },
    ]),
  );

  it.each(cases)(
    '$list refuses a $cursor cursor given in $given, compiled or resolved',
    async ({ query, after }) => {
      for (const url of [t.url, resolved.url]) {
        const r = await gqlAt(url, query, after ? { after } : undefined);
        expect(codes(r)).toEqual(['BAD_USER_INPUT']);
        expect(r.errors![0].extensions.field).toBe('after');
      }
    },
  );

  it('take a date exactly as the API writes it', async () => {
    const after = encodeCursor(['2024-02-29T00:00:00.000Z', '5']);
    for (const url of [t.url, resolved.url]) {
      const r = await gqlAt(url, `query($after: String) { ${LISTS.posts} }`, { after });
      expect(r.errors).toBeUndefined();
    }
  });
});

describe('the cost estimate', () => {
  /** About 10,400 once per post: a hundred comments, each with its post's hundred comments. */
  const HEAVY =
    'edges { node { comments(first: 100) { edges { node { post { comments(first: 100) { totalCount } } } } } } }';
  const costOf = (r: { errors?: { message: string }[] }) =>
    Number(/Query cost (\d+)/.exec(r.errors?.[0]?.message ?? '')?.[1]);

  it('prices a first: 0 connection by its children once', async () => {
    const one = await t.gql(`{ posts(first: 0) { ${HEAVY} } }`);
    expect(one.errors).toBeUndefined();
    const two = await t.gql(`{ a: posts(first: 0) { ${HEAVY} } b: posts(first: 0) { ${HEAVY} } }`);
    expect(codes(two)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(costOf(two)).toBeGreaterThan(20_000);
  });

  it('prices a first whose variable is not given at the default page size', async () => {
    const query = `query($n: Int) { posts(first: $n) { ${HEAVY} } }`;
    expect((await t.gql(query, { n: 0 })).errors).toBeUndefined();
    const r = await t.gql(query);
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(costOf(r)).toBeGreaterThan(20 * 10_000);
  });
});

describe('documents whose compiled SQL would be too large', () => {
  it.each([
    ['every relation inline under first: 0', HOSTILE_FIRST_ZERO],
    ['every relation inline under first: 1', HOSTILE_FIRST_ONE],
  ])('%s: refused as too complex or answered by the resolvers', async (_name, query) => {
    const r = await t.gql(query);
    if (r.errors) {
      expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    } else {
      // Past MAX_COMPILED_SQL, the loaders answer: a statement per kind of relation, not one.
      expect(r.sqlStatements).toBeGreaterThan(1);
      expect(r.data.a).toBeDefined();
    }
  });
});

describe('a null variable for a non-null argument', () => {
  const ENTRIES = `query($hidden: Boolean) { roundup(linkUpSlug: "weekly", number: 1) {
    entries(includeHidden: $hidden) { totalCount } } }`;

  it.each([
    ['compiled', () => t.url],
    ['resolved', () => resolved.url],
  ])('is BAD_USER_INPUT at the field (%s), not an internal error', async (_path, url) => {
    const r = await gqlAt(url(), ENTRIES, { hidden: null });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0].path).toEqual(['roundup', 'entries']);
  });
});
