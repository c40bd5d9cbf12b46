import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { NodeType, toGlobalId } from '../src/common/ids';
import { RunningApi } from '../src/index';
import { gqlAt, GqlResult, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, MadeHost, PASSWORD } from './helpers/fixtures';
import {
  DocumentGenerator,
  GeneratedDocument,
  pretty,
  Vocabulary,
} from './helpers/random-documents';

/**
 * Generated differential test: random query documents built from schema.graphql go to two
 * instances on one database, `t` (compiled reads on, the default) and `resolved`
 * (COMPILED_READS=off), as four viewers (anonymous, a host, a co-host, an admin). Both must
 * answer with the same HTTP status, the same `data` (key order included) and the same errors
 * (code and path, see errorKeys). The data exercises every read rule; cursors and ids come from
 * real answers. DIFF_SEED and DIFF_DOCS reproduce a run; a failure prints the documents,
 * variables, viewer and both answers.
 */

const SEED = Number(process.env.DIFF_SEED ?? 20260304);
/** Heavy suites run in full on PostgreSQL; PGlite gets a sample. */
const DOCS = Number(process.env.DIFF_DOCS ?? (process.env.DATABASE_URL ? 2000 : 150));
/**
 * Requests in flight at once. PGlite serves one statement at a time anyway, and its test server
 * takes 20 connections: two instances' pools (10 each) and the SQL client would pass that.
 */
const CONCURRENCY = process.env.DATABASE_URL ? 4 : 1;
const LIMITS = { maxDepth: 10, maxAliases: 15, maxCost: 20000, maxTokens: 2000 };

/** Both instances' clocks stand here while the test runs; every stored time is relative to it. */
const BASE = new Date('2026-03-04T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(BASE.getTime() + ms);

type Vars = Record<string, unknown>;
type Viewer = 'anonymous' | 'host' | 'co-host' | 'admin';

let t: TestApi;
let resolved: RunningApi;
const hosts: Record<string, MadeHost> = {};
const tokens: Record<Viewer, string | undefined> = {
  anonymous: undefined,
  host: undefined,
  'co-host': undefined,
  admin: undefined,
};
/** The documents sent: the first DOCS generated; the feature check reads at least FEATURE_SAMPLE. */
let documents: GeneratedDocument[] = [];
let generated: GeneratedDocument[] = [];
const FEATURE_SAMPLE = 500;

interface Divergence {
  viewer: Viewer;
  index: number;
  document: GeneratedDocument;
  compiled: Answer;
  resolvers: Answer;
}

beforeAll(async () => {
  t = await startTestApi({ RATE_LIMITS: 'off' });
  resolved = await startAnotherApi(t, { COMPILED_READS: 'off', RATE_LIMITS: 'off' });
  t.clock.set(BASE);
  resolved.clock.set(BASE);
  await seed();
  for (const [viewer, slug] of [
    ['host', 'dev'],
    ['co-host', 'ben'],
    ['admin', 'ada'],
  ] as const) {
    const data = await write(
      `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`,
      { email: hosts[slug].email, password: PASSWORD },
    );
    tokens[viewer] = data.signIn.token;
  }
  const schema = buildSchema(readFileSync(path.resolve(__dirname, '../schema.graphql'), 'utf8'));
  const vocab = await vocabulary();
  const generator = new DocumentGenerator(schema, vocab, SEED, LIMITS);
  generated = Array.from({ length: Math.max(DOCS, FEATURE_SAMPLE) }, () => generator.next());
  documents = generated.slice(0, DOCS);
}, 120_000);

afterAll(async () => {
  await resolved?.stop();
  await t?.stop();
});

/** A seeding write through the API; any error stops the test. */
async function write(query: string, variables: Vars = {}, token?: string) {
  const result = await t.gql(query, variables, { token });
  if (result.errors) {
    throw new Error(`Seeding failed: ${JSON.stringify(result.errors)}\n${query}`);
  }
  return result.data;
}

/**
 * Data for every read rule, written through the mutations where they reach the state (link-ups,
 * editions, co-host changes, entries, features, posts, comments and their moderation) and by SQL
 * where they do not (closed_at in the future, replies under held comments, ties, bulk rows).
 * Afterwards every timestamp is set from the row's id, so one seed makes one answer.
 */
async function seed() {
  const f = fixtures(t);
  hosts.ada = await f.host({
    slug: 'ada',
    name: 'Ada Lovelace',
    blog_name: 'Analytical Miles',
    blog_url: 'https://ada.example',
    avatar_url: 'https://ada.example/me.png',
    bio: 'Runs "long", writes \\ longer. 🏃‍♀️\nSecond line.',
    role: 'ADMIN',
  });
  hosts.ben = await f.host({ slug: 'ben', name: 'Ben', blog_name: 'Ben Runs', bio: null });
  hosts.cleo = await f.host({ slug: 'cleo', name: 'Cleo', blog_name: '', bio: 'Trail only.' });
  hosts.dev = await f.host({ slug: 'dev', name: 'Dev', blog_url: 'https://dev.example' });
  hosts.eve = await f.host({ slug: 'eve', name: 'Eve', blog_name: null });
  hosts.fay = await f.host({ slug: 'fay', name: 'Fay', blog_name: 'Fay Fast' });
  hosts.gil = await f.host({ slug: 'gil', name: 'Gil', role: 'ADMIN' });
  const { ada, ben, cleo, dev, eve, fay } = hosts;

  const linkUp = async (input: Vars) =>
    (
      await write(
        `mutation($input: CreateLinkUpInput!) { createLinkUp(input: $input) { id } }`,
        { input },
        ada.token,
      )
    ).createLinkUp.id as string;
  const monday = await linkUp({
    name: 'Monday Miles',
    slug: 'monday-miles',
    description: 'Share your week of running.',
    rules: 'One link per post.\nBe kind.',
    weekday: 'MONDAY',
    opensAtTime: '07:00',
    hoursOpen: 48,
    timeZone: 'America/New_York',
    maxEntriesPerPerson: 3,
    cohostIds: [ben.gid, fay.gid],
  });
  const trail = await linkUp({
    name: 'Trail Tuesday',
    slug: 'trail-tuesday',
    weekday: 'TUESDAY',
    opensAtTime: '18:30',
    hoursOpen: 24,
    timeZone: 'Europe/Berlin',
    cohostIds: [cleo.gid, ada.gid],
  });
  await linkUp({
    name: 'Sunday Long Run',
    slug: 'sunday-long-run',
    weekday: 'SUNDAY',
    opensAtTime: '06:00',
    hoursOpen: 12,
    timeZone: 'UTC',
    cohostIds: [eve.gid],
  });

  const schedule = async (linkUpId: string, token: string, input: Vars) =>
    (
      await write(
        `mutation($input: ScheduleRoundupInput!) { scheduleRoundup(input: $input) { id } }`,
        { input: { linkUpId, ...input } },
        token,
      )
    ).scheduleRoundup.id as string;
  const close = (id: string, token: string) =>
    write(`mutation($id: ID!) { closeRoundup(id: $id) { id } }`, { id }, token);
  const cohost = (change: 'addCohost' | 'removeCohost', linkUpId: string, hostId: string) =>
    write(
      `mutation($l: ID!, $h: ID!) { ${change}(linkUpId: $l, hostId: $h) { id } }`,
      { l: linkUpId, h: hostId },
      ben.token,
    );

  // Monday Miles: closed by time, closed early, open, closed_at in the future (still open by
  // its times), then, after Fay leaves, scheduled ones (one with a future closed_at, one
  // closed before it opened, one cancelled).
  const m1 = await schedule(monday, ben.token, {
    title: 'Week one',
    opensAt: at(-14 * DAY),
    closesAt: at(-12 * DAY),
  });
  await cohost('addCohost', monday, cleo.gid);
  const m2 = await schedule(monday, ben.token, { opensAt: at(-3 * DAY), closesAt: at(DAY) });
  await close(m2, ben.token);
  // Two editions open at once, overlapping the one closed early: the API refuses overlaps now,
  // databases from before may hold them. Scheduled apart, then moved together in SQL.
  const overlapping = async (title: string, opensAt: Date, closesAt: Date, apart: number) => {
    const id = await schedule(monday, ben.token, {
      title,
      opensAt: at(apart * DAY),
      closesAt: at((apart + 1) * DAY),
    });
    await t.sql('UPDATE roundups SET opens_at = $2, closes_at = $3 WHERE id = $1', [
      fromGid(id),
      opensAt,
      closesAt,
    ]);
    return id;
  };
  const m3 = await overlapping('Week three: "hills" & more', at(-6 * HOUR), at(2 * DAY), 300);
  const m4 = await overlapping('Closes early, later', at(-DAY), at(3 * DAY), 302);
  const t1 = await schedule(trail, cleo.token, { opensAt: at(-8 * DAY), closesAt: at(-7 * DAY) });
  const t2 = await schedule(trail, cleo.token, {
    title: 'Mud',
    opensAt: at(-DAY),
    closesAt: at(DAY),
  });

  const submit = async (roundupId: string, n: number, extra: Vars = {}) =>
    (
      await write(`mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { id } }`, {
        input: {
          roundupId,
          title: `Run report ${n}`,
          url: `https://runner${n % 4}.example/posts/${n}`,
          name: `Runner ${n % 4}`,
          email: `runner${n % 4}@test.example`,
          ...extra,
        },
      })
    ).submitEntry.id as string;
  const m3e = [
    await submit(m3, 1, { blogName: 'Hill Reps', imageUrl: 'https://runner1.example/hills.jpg' }),
    await submit(m3, 2),
    await submit(m3, 3, { title: 'Ünïcödé & <tags>', blogName: '' }),
    await submit(m3, 4),
    await submit(m3, 5, { blogName: 'Five' }),
    await submit(m3, 6),
    await submit(m3, 7),
  ];
  const m4e = [await submit(m4, 11), await submit(m4, 12), await submit(m4, 13)];
  const t2e = [await submit(t2, 21), await submit(t2, 22), await submit(t2, 23)];
  const entryStatus = (id: string, status: string, token: string) =>
    write(
      `mutation($id: ID!, $s: EntryStatus!) { setEntryStatus(id: $id, status: $s) { id } }`,
      { id, s: status },
      token,
    );
  await entryStatus(m3e[1], 'HIDDEN', ben.token);
  await entryStatus(m3e[5], 'HIDDEN', cleo.token);
  await entryStatus(m4e[0], 'HIDDEN', ben.token);
  await entryStatus(t2e[1], 'HIDDEN', ada.token);
  await entryStatus(m3e[3], 'PENDING', ben.token);
  const feature = (id: string, token: string) =>
    write(`mutation($id: ID!) { featureEntry(id: $id) { id } }`, { id }, token);
  await feature(m3e[0], ben.token);
  await feature(m3e[0], cleo.token);
  await feature(m3e[0], fay.token);
  await feature(m3e[3], cleo.token);
  await feature(m3e[1], ben.token); // featured, then hidden
  await feature(m4e[1], fay.token);
  await feature(t2e[0], ada.token);
  await feature(t2e[1], cleo.token);

  // Posts that carry editions: only their co-hosts' posts may.
  const post = async (token: string, input: Vars, publish = true) => {
    const id = (
      await write(
        `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
        {
          input: {
            body: `# ${input.title}\n\nSome *Markdown* and a [link](https://x.example).`,
            ...input,
          },
        },
        token,
      )
    ).createPost.id as string;
    if (publish) await write(`mutation($id: ID!) { publishPost(id: $id) { id } }`, { id }, token);
    return id;
  };
  const fayPost = await post(fay.token, {
    title: 'Fay on week three',
    slug: 'fay-week-three',
    roundupId: m3,
    tags: ['Monday Miles'],
  });
  await cohost('removeCohost', monday, fay.gid);
  const m5 = await schedule(monday, ben.token, { opensAt: at(5 * DAY), closesAt: at(7 * DAY) });
  const m6 = await schedule(monday, ben.token, {
    title: 'Scheduled, closed_at set',
    opensAt: at(8 * DAY),
    closesAt: at(9 * DAY),
  });
  const m7 = await schedule(monday, ben.token, { opensAt: at(10 * DAY), closesAt: at(11 * DAY) });
  const m8 = await schedule(monday, ben.token, { opensAt: at(12 * DAY), closesAt: at(13 * DAY) });
  await write(`mutation($id: ID!) { cancelRoundup(id: $id) { id } }`, { id: m8 }, ben.token);
  await schedule(trail, cleo.token, { opensAt: at(6 * DAY), closesAt: at(7 * DAY) });

  const benPost = await post(ben.token, {
    title: 'Week three recap',
    slug: 'ben-week-three',
    excerpt: 'Hills, mostly.',
    roundupId: m3,
    tags: ['Monday Miles', 'Tempo'],
  });
  await post(ben.token, { title: 'Week four', slug: 'ben-week-four', roundupId: m4, tags: [] });
  await post(ben.token, { title: 'Next week', slug: 'ben-next-week', roundupId: m5 }, false);
  await post(ben.token, { title: 'Easy miles', slug: 'ben-easy', tags: ['easy', 'tempo'] });
  await post(cleo.token, { title: 'Cleo on hills', slug: 'cleo-week-three', roundupId: m3 });
  const cleoTrail = await post(cleo.token, {
    title: 'Mud season',
    slug: 'cleo-trail-two',
    roundupId: t2,
    tags: ['trail'],
  });
  await post(cleo.token, { title: 'Unfinished', slug: 'cleo-draft', roundupId: m6 }, false);
  const devFirst = await post(dev.token, {
    title: 'First race',
    slug: 'dev-first',
    tags: ['tempo', 'race report'],
  });
  await post(dev.token, {
    title: 'Closed for comments',
    slug: 'dev-closed',
    tags: ['trail'],
    commentsOpen: false,
  });
  const devDraft = await post(dev.token, { title: 'Draft one', slug: 'dev-draft-1' }, false);
  await post(dev.token, { title: 'Draft two', slug: 'dev-draft-2', tags: ['tempo'] }, false);
  const unpublished = await post(dev.token, { title: 'Taken back', slug: 'dev-unpublished' });
  await write(
    `mutation($id: ID!) { unpublishPost(id: $id) { id } }`,
    { id: unpublished },
    dev.token,
  );
  await post(ada.token, { title: 'Announcement', slug: 'ada-news', tags: ['news'] });
  await post(ada.token, { title: 'Admin draft', slug: 'ada-draft' }, false);

  // Comments through the API: guests held, then moderated; the author's and an admin's own.
  const comment = async (input: Vars, token?: string) =>
    (
      await write(
        `mutation($input: AddCommentInput!) { addComment(input: $input) { id } }`,
        { input },
        token,
      )
    ).addComment.id as string;
  const moderate = (id: string, status: string, token: string) =>
    write(
      `mutation($id: ID!, $s: CommentStatus!) { moderateComment(id: $id, status: $s) { id } }`,
      { id, s: status },
      token,
    );
  const gia = {
    name: 'Gia',
    email: 'gia@test.example',
    blogName: 'Gia Runs',
    url: 'https://gia.example',
  };
  const c1 = await comment({ postId: benPost, body: 'Lovely hills!', guest: gia });
  await moderate(c1, 'APPROVED', ben.token);
  const held = await comment({
    postId: benPost,
    body: 'First time here.',
    guest: { name: 'Hal', email: 'hal@test.example' },
  });
  const spam = await comment({
    postId: benPost,
    body: 'Cheap shoes at https://a.example and https://b.example',
    guest: { name: 'Ivy', email: 'ivy@test.example' },
  });
  await moderate(spam, 'SPAM', ben.token);
  const trash = await comment({
    postId: benPost,
    body: 'Meh.',
    guest: { name: 'Jo', email: 'jo@test.example', url: 'https://jo.example' },
  });
  await moderate(trash, 'TRASH', ada.token);
  const reply = await comment({ postId: benPost, parentId: c1, body: 'Thanks, Gia!' }, ben.token);
  const reply2 = await comment({ postId: benPost, parentId: reply, body: 'Any time.', guest: gia });
  await comment({ postId: benPost, body: 'Admin says hi.' }, ada.token);
  await comment({ postId: benPost, body: 'A host, not the author.' }, dev.token);
  await comment({ postId: benPost, body: 'Back again.', guest: gia });
  await comment({ postId: cleoTrail, body: 'Muddy!', guest: gia });
  await comment({
    postId: devFirst,
    body: 'Congrats',
    guest: { name: 'Kim', email: 'kim@test.example' },
  });

  // Replies under a held and under a spam comment, deep threads, a comment on a draft.
  const sqlComment = (postId: string, values: Vars) =>
    f.comment(fromGid(postId), { guest_blog_name: null, ...values });
  const r1 = await sqlComment(benPost, { parent_id: fromGid(held), depth: 2, status: 'APPROVED' });
  await sqlComment(benPost, { parent_id: r1.id, depth: 3, status: 'PENDING' });
  await sqlComment(benPost, {
    parent_id: r1.id,
    depth: 3,
    author_host_id: ben.id,
    guest_name: null,
    guest_email: null,
  });
  await sqlComment(benPost, { parent_id: fromGid(spam), depth: 2, status: 'APPROVED' });
  const d4 = await sqlComment(benPost, {
    parent_id: fromGid(reply2),
    depth: 4,
    guest_blog_name: 'Deep',
  });
  await sqlComment(benPost, { parent_id: d4.id, depth: 5, status: 'APPROVED' });
  await sqlComment(benPost, { parent_id: d4.id, depth: 5, status: 'TRASH' });
  await sqlComment(fayPost, { status: 'APPROVED', guest_url: 'https://lee.example' });
  await sqlComment(devDraft, { status: 'APPROVED' });
  await sqlComment(devDraft, { status: 'PENDING' });
  const statuses = ['APPROVED', 'APPROVED', 'PENDING', 'APPROVED', 'SPAM', 'APPROVED', 'TRASH'];
  for (let i = 0; i < 14; i++) {
    await sqlComment(devFirst, {
      status: statuses[i % statuses.length],
      guest_blog_name: i % 3 === 0 ? `Blog ${i}` : null,
      guest_url: i % 4 === 0 ? `https://guest${i}.example` : null,
    });
  }

  // Bulk published posts, some sharing publishedAt (the id breaks the tie), one in the future.
  const authors = [ada, ben, cleo, dev, fay, hosts.gil];
  const tagSets = [['tempo'], ['trail', 'tempo'], [], ['long run'], ['race report'], ['Tempo']];
  for (let i = 0; i < 24; i++) {
    const tie = i < 5 ? at(-5 * DAY) : i < 8 ? at(-2 * DAY) : null;
    await f.post(authors[i % authors.length].id, {
      slug: `bulk-${i + 1}`,
      tags: tagSets[i % tagSets.length],
      status: i % 9 === 8 ? 'DRAFT' : 'PUBLISHED',
      published_at: i % 9 === 8 ? null : (tie ?? at(i === 23 ? DAY : -(i * 7 + 1) * HOUR)),
      // Co-hosts' posts, two of them tied and one a draft, carry the open edition; one the first.
      roundup_id: [1, 2, 8, 10].includes(i) ? fromGid(m3) : i === 7 ? fromGid(m1) : null,
    });
  }
  for (let i = 0; i < 5; i++)
    await f.entry(fromGid(m1), { status: i === 2 ? 'HIDDEN' : 'VISIBLE' });
  for (let i = 0; i < 3; i++) await f.entry(fromGid(m2));
  await f.entry(fromGid(t1));

  // States no mutation reaches: an early close in the past, closed_at in the future, an edition
  // "closed" before it opened (how a cancellation looked before cancelRoundup).
  const roundupTimes: [string, Date][] = [
    [m2, at(-2 * HOUR)],
    [m4, at(12 * HOUR)],
    [m6, at(8 * DAY + 12 * HOUR)],
    [m7, at(-HOUR)],
  ];
  for (const [id, closedAt] of roundupTimes)
    await t.sql('UPDATE roundups SET closed_at = $2 WHERE id = $1', [fromGid(id), closedAt]);
  await settleTimes();
}

/** Every stored timestamp made from ids, so cursors and answers repeat run after run. */
async function settleTimes() {
  const base = BASE.toISOString();
  const statements = [
    // Hosts, comments and features two by two share a timestamp: the id breaks the tie.
    `UPDATE hosts SET created_at = $1::timestamptz - interval '60 days' + (id / 2) * interval '1 day'`,
    `UPDATE link_ups SET created_at = $1::timestamptz - interval '30 days' + id * interval '1 hour'`,
    `UPDATE roundups SET created_at = opens_at - interval '7 days'`,
    `UPDATE posts SET created_at = $1::timestamptz - interval '20 days' + id * interval '3 hours',
       updated_at = $1::timestamptz - interval '20 days' + id * interval '3 hours' + (id % 3) * interval '1 minute'`,
    `UPDATE posts SET published_at = $1::timestamptz - interval '6 days' + id * interval '113 minutes'
       WHERE published_at IS NOT NULL AND slug NOT LIKE 'bulk-%'`,
    `UPDATE comments SET created_at = $1::timestamptz - interval '4 days' + (id / 2) * interval '17 minutes'`,
    `UPDATE entries e SET created_at = r.opens_at + e.number * interval '10 minutes'
       FROM roundups r WHERE r.id = e.roundup_id`,
    `UPDATE entry_features SET created_at = $1::timestamptz - interval '1 hour' + (entry_id / 2) * interval '1 minute'`,
  ];
  for (const statement of statements)
    await t.sql(statement, statement.includes('$1') ? [base] : []);
}

function fromGid(gid: string): string {
  return Buffer.from(gid, 'base64url').toString().split(':')[1];
}

/**
 * Slugs, numbers, tags, cursors and ids as the API answers them (signed in as an admin, who
 * sees drafts, held comments and hidden entries), plus values that must be refused or miss.
 */
async function vocabulary(): Promise<Vocabulary> {
  const admin = tokens.admin;
  const read = async (query: string, variables: Vars = {}) => {
    const result = await t.gql(query, variables, { token: admin });
    if (result.errors) throw new Error(`Harvest failed: ${JSON.stringify(result.errors)}`);
    return result.data;
  };
  const cursors: Record<string, string[]> = {};
  const ids = new Set<string>();
  const take = (connection: string, page: any) => {
    const list = (cursors[connection] ??= []);
    for (const edge of page.edges) {
      list.push(edge.cursor);
      if (edge.node?.id) ids.add(edge.node.id);
    }
    if (page.pageInfo?.endCursor && !list.includes(page.pageInfo.endCursor))
      list.push(page.pageInfo.endCursor);
  };
  const PAGE = `pageInfo { endCursor } edges { cursor node { id } }`;

  const { hosts: hostPage } = await read(
    `{ hosts(first: 100) { pageInfo { endCursor } edges { cursor node { id slug } } } }`,
  );
  take('HostConnection', hostPage);
  const hostSlugs: string[] = hostPage.edges.map((e: any) => e.node.slug);
  for (const slug of hostSlugs) {
    const { host } = await read(
      `query($slug: String!) { host(slug: $slug) { posts(first: 100) { ${PAGE} } } }`,
      { slug },
    );
    take('PostConnection', host.posts);
  }
  const { published, drafts } = await read(
    `{ published: posts(first: 100) { pageInfo { endCursor } edges { cursor node { id slug tags } } }
       drafts: posts(first: 100, filter: { status: DRAFT }) { pageInfo { endCursor } edges { cursor node { id slug tags } } } }`,
  );
  take('PostConnection', published);
  take('PostConnection', drafts);
  const posts = [...published.edges, ...drafts.edges].map((e: any) => e.node);
  for (const { slug } of posts) {
    const { post } = await read(
      `query($slug: String!) { post(slug: $slug) { comments(first: 50) { pageInfo { endCursor }
        edges { cursor node { id replies { id replies { id } } } } } } }`,
      { slug },
    );
    take('CommentConnection', post.comments);
    const replies = (list: any[]): void =>
      list.forEach((c) => {
        ids.add(c.id);
        replies(c.replies ?? []);
      });
    replies(post.comments.edges.map((e: any) => e.node));
  }
  const { moderationQueue } = await read(`{ moderationQueue(first: 100) { ${PAGE} } }`);
  take('CommentConnection', moderationQueue);
  const { linkUps } = await read(
    `{ linkUps { id slug roundups(first: 100) { pageInfo { endCursor } edges { cursor node { id number } } } } }`,
  );
  const roundupIds: string[] = [];
  for (const linkUp of linkUps) {
    ids.add(linkUp.id);
    take('RoundupConnection', linkUp.roundups);
    for (const { node } of linkUp.roundups.edges) {
      roundupIds.push(node.id);
      const { roundup } = await read(
        `query($slug: String!, $n: Int!) { roundup(linkUpSlug: $slug, number: $n) {
          entries(first: 100, includeHidden: true) { ${PAGE} } } }`,
        { slug: linkUp.slug, n: node.number },
      );
      take('EntryConnection', roundup.entries);
    }
  }
  // Comments no list shows (spam, trash, deep replies, replies under held ones): node(id) only.
  for (const { id } of await t.sql('SELECT id FROM comments ORDER BY id'))
    ids.add(toGlobalId('Comment', id));

  const linkUpSlugs: string[] = linkUps.map((l: any) => l.slug);
  const tags = [...new Set(posts.flatMap((p: any) => p.tags as string[]))].sort();
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const gid = (type: NodeType, id: string | number) => toGlobalId(type, id);
  return {
    cursors,
    ids: [...ids],
    badIds: [
      'garbage',
      '',
      gid('Post', 999999),
      gid('Host', '99999999999999999'),
      b64('Nope:1'),
      b64('Post:0'),
      b64('Post:01'),
      `${gid('Post', 1)}=`,
      b64('Roundup:1 '),
    ],
    badCursors: [
      'garbage',
      '',
      b64('[]'),
      b64('["2024-02-31T00:00:00Z","5"]'),
      b64('["0000-01-01T00:00:00Z","1"]'),
      b64('["2030-01-01T00:00:00.000Z","1"]'),
      b64('[99999999999999999999]'),
      b64('[3.5]'),
      b64('["x"]'),
      b64('{"a":1}'),
    ],
    refused: {
      'Roundup.entries.includeHidden': [null],
      'PostFilter.roundupId': ['garbage', posts[0].id, `${roundupIds[0]}=`],
    },
    failing: ['Query.moderationQueue'],
    values: {
      'Query.host.slug': [...hostSlugs, 'nobody', '', 'ADA'],
      'Query.post.slug': [...posts.map((p: any) => p.slug), 'no-such-post', ''],
      'Query.linkUp.slug': [...linkUpSlugs, 'no-such-link-up', ''],
      'Query.roundup.linkUpSlug': [...linkUpSlugs, ...linkUpSlugs, 'no-such-link-up'],
      'Query.roundup.number': [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 0, -1, 99, 2147483647],
      'Roundup.entries.includeHidden': [true, true, false],
      'LinkUp.roundups.status': ['SCHEDULED', 'OPEN', 'CLOSED', null],
      'PostFilter.authorSlug': [...hostSlugs, '', '', 'nobody', ' BEN '],
      'PostFilter.tag': [...tags, '', '', '  TEMPO ', 'Race  Report', 'nope'],
      'PostFilter.roundupId': [...roundupIds, '', '', '', gid('Roundup', 999)],
      'PostFilter.status': ['PUBLISHED', 'DRAFT', 'DRAFT', null],
    },
    fieldWeights: {
      // What the read rules decide: who sees which row, and each row's state.
      'Query.linkUps': 1.5,
      'Roundup.status': 4,
      'Roundup.entries': 2,
      'Roundup.entryCount': 2,
      'Roundup.pendingEntryCount': 2,
      'Roundup.featured': 2,
      'LinkUp.roundups': 2.5,
      'LinkUp.currentRoundup': 2,
      'Post.status': 2,
      'Post.commentCount': 2,
      'Comment.status': 2,
      'Entry.status': 2,
      'Entry.submitterEmail': 2,
      'Host.email': 2,
      'Query.posts': 2,
      // Weighted down while they fell back to the resolvers (all four compile now).
      'Comment.parent': 0.5,
      'Query.node': 0.7,
      'Query.moderationQueue': 0.5,
      'Query.viewer': 0.5,
    },
  };
}

interface Answer {
  status: number;
  /** The body as sent, compared byte for byte when neither answer has errors. */
  text: string;
  /** `data` as sent ('absent' when the answer had none), or the request's failure. */
  data: unknown;
  /** Each error as `CODE at path` (see errorKeys), sorted. */
  errors: string[];
  statements: number;
}

async function ask(url: string, document: GeneratedDocument, token?: string): Promise<Answer> {
  let result: GqlResult | undefined;
  for (let attempt = 1; !result; attempt++) {
    try {
      result = await gqlAt(url, document.query, document.variables, { token });
    } catch (error) {
      // A kept-alive socket the server has just closed: a transport failure, not an answer.
      if (attempt < 3) continue;
      const failed = `request failed: ${String(error)}`;
      return { status: -1, text: failed, data: failed, errors: [], statements: 0 };
    }
  }
  return {
    status: result.status,
    text: result.text,
    data: result.data === undefined ? 'absent' : result.data,
    errors: errorKeys(result),
    statements: result.sqlStatements,
  };
}

/**
 * The errors as a sorted set of `CODE at path`. An error whose own field is null in `data` keeps
 * its path. One that nulled a parent (a non-null field failed) is keyed by that parent, marked
 * `(nulled)`: when several errors race to null one parent, graphql-js keeps whichever settled
 * first and drops the rest, so which field's error is reported there depends on timing, while
 * the parent nulled and the code do not. Order is not compared for the same reason.
 */
function errorKeys(result: GqlResult): string[] {
  const keys = new Set<string>();
  for (const error of result.errors ?? []) {
    const path = error.path ?? [];
    let cut = path.length;
    let node: any = result.data;
    for (let i = 0; i < path.length; i++) {
      // The object holding path[i] is null: the error nulled it.
      if (node === null || node === undefined) {
        cut = i;
        break;
      }
      node = node[path[i]];
    }
    const at = path.slice(0, cut).join('.') || '-';
    keys.add(`${error.extensions?.code} at ${at}${cut < path.length ? ' (nulled)' : ''}`);
  }
  return [...keys].sort();
}

/** Where two answers first differ, as a path and both values. */
function firstDifference(a: unknown, b: unknown, at = 'data'): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    if (keysA.join() !== keysB.join() && !Array.isArray(a))
      return `${at}: keys ${JSON.stringify(keysA)} vs ${JSON.stringify(keysB)}`;
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)
      return `${at}: length ${a.length} vs ${b.length}`;
    for (const key of keysA) {
      const found = firstDifference((a as any)[key], (b as any)[key], `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

const clip = (text: string, max = 3000) =>
  text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;

function describeDivergence(d: Divergence): string {
  const show = (a: Answer) =>
    clip(JSON.stringify({ status: a.status, errors: a.errors, data: a.data }, null, 1));
  const where =
    d.compiled.status !== d.resolvers.status
      ? `HTTP ${d.compiled.status} vs ${d.resolvers.status}`
      : d.compiled.errors.join() !== d.resolvers.errors.join()
        ? `errors ${JSON.stringify(d.compiled.errors)} vs ${JSON.stringify(d.resolvers.errors)}`
        : (firstDifference(d.compiled.data, d.resolvers.data) ??
          `the same data written differently: ${clip(d.compiled.text, 500)} vs ${clip(d.resolvers.text, 500)}`);
  return [
    `--- document #${d.index} as ${d.viewer} (DIFF_SEED=${SEED}): ${where}`,
    pretty(d.document.query),
    `variables: ${JSON.stringify(d.document.variables)}`,
    `compiled reads on:  ${show(d.compiled)}`,
    `compiled reads off: ${show(d.resolvers)}`,
  ].join('\n');
}

/** Sends every document to both instances as `viewer`, a few at a time; returns the divergences. */
async function runAs(viewer: Viewer) {
  const divergences: Divergence[] = [];
  /**
   * Documents the resolvers answered without errors in more than one statement (plus the
   * signed-in viewer's own row, which they read first); how many of those the compiled instance
   * answered with one (its statement reads the viewer's row); and how many select bodyHtml.
   */
  const resolversLeast = tokens[viewer] ? 2 : 1;
  const several = { all: 0, compiled: 0, bodyHtml: 0 };
  let next = 0;
  const worker = async () => {
    while (next < documents.length) {
      const index = next++;
      const document = documents[index];
      const [compiled, resolvers] = await Promise.all([
        ask(t.url, document, tokens[viewer]),
        ask(resolved.url, document, tokens[viewer]),
      ]);
      if (resolvers.statements > resolversLeast && resolvers.errors.length === 0) {
        several.all++;
        if (compiled.statements === 1) {
          several.compiled++;
          if (document.query.includes('bodyHtml')) several.bodyHtml++;
        }
      }
      const same =
        compiled.status === resolvers.status &&
        JSON.stringify(compiled.data) === JSON.stringify(resolvers.data) &&
        compiled.errors.join('\n') === resolvers.errors.join('\n') &&
        (compiled.errors.length > 0 || compiled.text === resolvers.text);
      if (!same) divergences.push({ viewer, index, document, compiled, resolvers });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  divergences.sort((a, b) => a.index - b.index);
  return { divergences, several };
}

function report(divergences: Divergence[]): string {
  if (divergences.length === 0) return '';
  const numbers = divergences.slice(0, 40).map((d) => `#${d.index}`);
  if (divergences.length > 40) numbers.push('...');
  return [
    `${divergences.length} of ${documents.length} documents answered differently with compiled ` +
      `reads on and off (${numbers.join(', ')}); the first ${Math.min(3, divergences.length)}:`,
    ...divergences.slice(0, 3).map(describeDivergence),
  ].join('\n\n');
}

it(`generates documents with every feature (in its first ${FEATURE_SAMPLE} at least)`, () => {
  const seen = new Set(generated.flatMap((d) => [...d.features]));
  const wanted = [
    'alias',
    '__typename',
    'merged',
    'fragment',
    'fragment-reused',
    'inline-fragment',
    'inline-fragment-other-type',
    'inline-fragment-without-type',
    'variables',
    'variable',
    'variable-in-input',
    'variable-omitted',
    'variable-default',
    'first:0',
    'first:1',
    'first:100',
    'first:101',
    'first:-1',
    'first:null',
    'after:real',
    'after:other',
    'after:bad',
    'after:null',
    'node:real-id',
    'node:bad-id',
    'Roundup.entries.includeHidden=true',
    'Roundup.entries.includeHidden=false',
    'LinkUp.roundups.status=SCHEDULED',
    'LinkUp.roundups.status=OPEN',
    'LinkUp.roundups.status=CLOSED',
    'PostFilter.status=DRAFT',
    'PostFilter.authorSlug=',
    'PostFilter.tag=',
    'PostFilter.roundupId=',
    'null-variable-for-non-null-argument',
  ];
  expect(wanted.filter((f) => !seen.has(f))).toEqual([]);
  expect(generated.filter((d) => d.overLimits.length > 0).length).toBeGreaterThan(0);
  expect(generated.filter((d) => d.invalid.length > 0).length).toBeGreaterThan(0);
  expect(documents.length).toBe(DOCS);
});

describe.each<Viewer>(['anonymous', 'host', 'co-host', 'admin'])('as %s', (viewer) => {
  it(
    `answers ${DOCS} generated documents the same with compiled reads on and off`,
    async () => {
      const { divergences, several } = await runAs(viewer);
      const message = report(divergences);
      if (message) throw new Error(message);
      // Compiled reads serve every viewer: a good share of the documents must take that path,
      // or this would compare the resolvers with themselves.
      expect(several.compiled / several.all).toBeGreaterThan(0.4);
      expect(several.bodyHtml).toBeGreaterThan(0);
    },
    15 * 60_000,
  );
});
