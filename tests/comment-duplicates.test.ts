import { randomInt, randomUUID } from 'node:crypto';
import { toGlobalId } from '../src/common/ids';
import { createDataSource } from '../src/db/data-source';
import { CommentDuplicates1764633600000 } from '../src/db/migrations/1764633600000-CommentDuplicates';
import { GqlResult, startTestApi, TestApi } from './helpers/api';
import { caller, refusal } from './helpers/authoring';
import { fixtures, Made, MadeHost } from './helpers/fixtures';

const ADD_COMMENT = `mutation AddComment($input: AddCommentInput!) {
  addComment(input: $input) { id status depth }
}`;
/** How many identical requests go out together. */
const AT_ONCE = 30;

/** The running API and who comments on what. */
interface Scene {
  t: TestApi;
  f: ReturnType<typeof fixtures>;
  call: ReturnType<typeof caller>;
  /** Maya, the post's author; an admin; Ben, a host who is neither. */
  author: MadeHost;
  admin: MadeHost;
  reader: MadeHost;
  post: Made;
}
let s: Scene;
let seq = 0;

/**
 * The API on a fresh database for the describe block it is called in. One API at a time: on
 * PGlite, two would need more connections than the worker's instance takes.
 */
function serve(env: Record<string, string>) {
  beforeAll(async () => {
    const t = await startTestApi({ TRUST_PROXY: 'on', ...env });
    const f = fixtures(t);
    const author = await f.host({ name: 'Maya' });
    s = {
      t,
      f,
      call: caller(t),
      author,
      admin: await f.host({ role: 'ADMIN' }),
      reader: await f.host({ name: 'Ben' }),
      post: await f.post(author.id),
    };
  });
  afterAll(() => s?.t.stop());
}

/** `AT_ONCE` addComment calls sent together, each from its own address; `input(i)` is the i-th. */
const atOnce = (input: (i: number) => Record<string, unknown>, token?: string) =>
  Promise.all(
    Array.from({ length: AT_ONCE }, (_, i) => s.call(ADD_COMMENT, { input: input(i) }, { token })),
  );

/** How many calls were answered each way: `{ written: 1, 'CONFLICT body': 29 }`. */
function outcomes(results: GqlResult[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const r of results) {
    const refused = refusal(r);
    const key = refused ? [refused.code, refused.field].filter(Boolean).join(' ') : 'written';
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}

/** Exactly one call wrote its comment, the rest are CONFLICT on `body`, and one row holds it. */
async function expectOneWritten(results: GqlResult[], postId: string, body: string) {
  expect(outcomes(results)).toEqual({ written: 1, 'CONFLICT body': AT_ONCE - 1 });
  const rows = await s.t.sql('SELECT id FROM comments WHERE post_id = $1 AND body = $2', [
    postId,
    body,
  ]);
  const winner = results.find((r) => !r.errors)!;
  expect(rows.map((r) => toGlobalId('Comment', r.id))).toEqual([winner.data.addComment.id]);
}

/** `count` fixtures made one after another (the test's SQL client takes one query at a time). */
async function several<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let i = 0; i < count; i++) made.push(await make());
  return made;
}

describe('identical comments sent at once: one is written, the others are CONFLICT', () => {
  serve({ RATE_LIMITS: 'off' });

  it('from a guest (rate limits off), the email in either case', async () => {
    const body = `Lovely hills #${++seq}`;
    const results = await atOnce((i) => ({
      postId: s.post.gid,
      body,
      guest: { name: 'Kim Lee', email: i % 2 ? 'KIM@readers.example' : 'kim@readers.example' },
    }));
    await expectOneWritten(results, s.post.id, body);
  });

  it.each([
    ['a signed-in host', () => s.reader.token],
    ["the post's author", () => s.author.token],
    ['an admin', () => s.admin.token],
  ])('from %s', async (_who, token) => {
    const body = `Thanks for reading #${++seq}`;
    const results = await atOnce(() => ({ postId: s.post.gid, body }), token());
    await expectOneWritten(results, s.post.id, body);
  });

  it("from the post's author replying to one comment", async () => {
    const parent = await s.f.comment(s.post.id, { status: 'PENDING' });
    const body = `Glad you liked it #${++seq}`;
    const results = await atOnce(
      () => ({ postId: s.post.gid, parentId: parent.gid, body }),
      s.author.token,
    );
    await expectOneWritten(results, s.post.id, body);
    const [row] = await s.t.sql('SELECT status FROM comments WHERE id = $1', [parent.id]);
    expect(row.status).toBe('APPROVED');
  });
});

describe('what is not a duplicate stays allowed, also at once', () => {
  serve({ RATE_LIMITS: 'off' });

  /** Every call succeeded, and `AT_ONCE` more comments exist. */
  async function expectAllWritten(send: () => Promise<GqlResult[]>) {
    const [{ before }] = await s.t.sql('SELECT count(*)::int AS before FROM comments');
    expect(outcomes(await send())).toEqual({ written: AT_ONCE });
    const [{ after }] = await s.t.sql('SELECT count(*)::int AS after FROM comments');
    expect(after - before).toBe(AT_ONCE);
  }

  it('different bodies from one person on one post', async () => {
    const n = ++seq;
    await expectAllWritten(() =>
      atOnce((i) => ({ postId: s.post.gid, body: `Thought ${i} of batch ${n}` }), s.reader.token),
    );
  });

  it('the same body on different posts', async () => {
    const posts = await several(AT_ONCE, () => s.f.post(s.author.id));
    await expectAllWritten(() =>
      atOnce((i) => ({ postId: posts[i].gid, body: 'Great read!' }), s.admin.token),
    );
  });

  it('the same body from different guests, and a guest using a host’s email', async () => {
    const body = `Same words, different people #${++seq}`;
    await expectAllWritten(() =>
      atOnce((i) => ({
        postId: s.post.gid,
        body,
        guest: { name: `Guest ${i}`, email: i ? `g${i}@readers.example` : s.reader.email },
      })),
    );
    const asHost = await s.call(
      ADD_COMMENT,
      { input: { postId: s.post.gid, body } },
      { token: s.reader.token },
    );
    expect(outcomes([asHost])).toEqual({ written: 1 });
  });

  it("the same reply from the post's author to different comments, each approving its parent", async () => {
    const parents = await several(AT_ONCE, () => s.f.comment(s.post.id, { status: 'PENDING' }));
    await expectAllWritten(() =>
      atOnce(
        // The same words to each: a duplicate is the same body in the same place of the thread.
        (i) => ({ postId: s.post.gid, parentId: parents[i].gid, body: 'Thank you for reading!' }),
        s.author.token,
      ),
    );
    const rows = await s.t.sql('SELECT DISTINCT status FROM comments WHERE id = ANY($1)', [
      parents.map((p) => p.id),
    ]);
    expect(rows).toEqual([{ status: 'APPROVED' }]);
  });
});

/** Redis counters outlive a run and are shared with other runs: random addresses and emails. */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`;
const stores: [string, Record<string, string>][] = [['PostgreSQL', {}]];
if (process.env.REDIS_URL) stores.push(['Redis', { REDIS_URL: process.env.REDIS_URL }]);

describe.each(stores)('with rate limits on, counted in %s', (_store, env) => {
  serve(env);

  it('a double submit is CONFLICT, not RATE_LIMITED, and the flood limit still holds', async () => {
    const email = `noor-${randomUUID()}@readers.example`;
    const send = (body: string) =>
      s.call(
        ADD_COMMENT,
        { input: { postId: s.post.gid, body, guest: { name: 'Noor', email } } },
        { ip: randomIp() },
      );
    const body = `Double click #${++seq}`;
    const results = await Promise.all(Array.from({ length: AT_ONCE }, () => send(body)));
    await expectOneWritten(results, s.post.id, body);
    expect(refusal(await send('Something else entirely.'))).toEqual({ code: 'RATE_LIMITED' });
  });
});

describe('a database holding duplicates from before the rule', () => {
  serve({ RATE_LIMITS: 'off' });

  /** Runs the migration's down, then `between`, then its up, on the test's database. */
  async function remigrate(between: () => Promise<void>) {
    const db = createDataSource({ url: s.t.databaseUrl });
    await db.initialize();
    const q = db.createQueryRunner();
    try {
      const migration = new CommentDuplicates1764633600000();
      await migration.down(q);
      await between();
      await migration.up(q);
    } finally {
      await q.release();
      await db.destroy();
    }
  }

  it('migrates: old copies stay as they were, flagged, and a new copy is CONFLICT', async () => {
    const jo = { guest_name: 'Jo', guest_email: 'jo@readers.example', body: 'Said it twice.' };
    const maya = {
      guest_name: null,
      guest_email: null,
      author_host_id: s.author.id,
      body: 'Thanks!',
    };
    const copies: Made[] = [];
    await remigrate(async () => {
      copies.push(await s.f.comment(s.post.id, { ...jo, status: 'APPROVED' }));
      copies.push(await s.f.comment(s.post.id, { ...jo, guest_email: 'JO@readers.example' }));
      copies.push(await s.f.comment(s.post.id, { ...jo, status: 'SPAM' }));
      copies.push(await s.f.comment(s.post.id, maya));
      copies.push(await s.f.comment(s.post.id, maya));
    });
    const rows = await s.t.sql(
      'SELECT status, legacy_duplicate FROM comments WHERE id = ANY($1) ORDER BY id',
      [copies.map((c) => c.id)],
    );
    expect(rows).toEqual([
      { status: 'APPROVED', legacy_duplicate: false },
      { status: 'APPROVED', legacy_duplicate: true },
      { status: 'SPAM', legacy_duplicate: true },
      { status: 'APPROVED', legacy_duplicate: false },
      { status: 'APPROVED', legacy_duplicate: true },
    ]);

    const again = [
      await s.call(ADD_COMMENT, {
        input: { postId: s.post.gid, body: jo.body, guest: { name: 'Jo', email: jo.guest_email } },
      }),
      await s.call(
        ADD_COMMENT,
        { input: { postId: s.post.gid, body: maya.body } },
        { token: s.author.token },
      ),
    ];
    expect(outcomes(again)).toEqual({ 'CONFLICT body': 2 });
  });
});
