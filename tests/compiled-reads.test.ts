import { toGlobalId } from '../src/common/ids';
import { encodeCursor } from '../src/common/pagination';
import { renderMarkdown } from '../src/common/text';
import { RunningApi } from '../src/index';
import { SignJWT } from 'jose';
import { Tokens } from '../src/common/auth';
import { gqlAt, startAnotherApi, startTestApi, TEST_JWT_SECRET, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';

/**
 * Compiled reads (server/sql-json.ts) must answer exactly what the resolvers answer. The same
 * documents go to two instances on one database: `t` with compiled reads (the default) and
 * `resolved` with COMPILED_READS=off. Compiled answers must also be one SQL statement, which
 * proves the compiled path served them rather than a fallback to the resolvers.
 */

type Vars = Record<string, unknown>;

let t: TestApi;
let resolved: RunningApi;
const hosts: Record<string, MadeHost> = {};
let recap: Made;
/** Date.now() when the data was seeded: roundup windows are relative to it. */
let seededAt: number;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const RECAP_BODY = '# Recap\n\nSplits: 7:30/mi — then \\ *walked*.\t🏃 </script>';
const DRAFT_BODY = 'Plans: **hills**, then <em onclick="rest()">rest</em>.';
/** Three posts share this publishedAt, between other posts: the id breaks the tie. */
const TIE = new Date(Date.UTC(2026, 0, 10, 12));

beforeAll(async () => {
  t = await startTestApi();
  resolved = await startAnotherApi(t, { COMPILED_READS: 'off' });
  await seed();
});
afterAll(async () => {
  await resolved?.stop();
  await t?.stop();
});

async function both(query: string, variables?: Vars, token?: string) {
  const compiled = await t.gql(query, variables, { token });
  return { compiled, resolved: await gqlAt(resolved.url, query, variables, { token }) };
}

/** Both instances answer without errors and with the same data. */
async function expectSame(query: string, variables?: Vars, token?: string) {
  const answers = await both(query, variables, token);
  expect(answers.compiled.errors).toBeUndefined();
  expect(answers.resolved.errors).toBeUndefined();
  expect(answers.compiled.data).toEqual(answers.resolved.data);
  // Byte for byte: the same keys in the same order, the same escapes, no padding either way.
  expect(answers.compiled.text).toBe(answers.resolved.text);
  expect(answers.compiled.status).toBe(answers.resolved.status);
  expect(answers.compiled.headers.get('content-type')).toBe(
    answers.resolved.headers.get('content-type'),
  );
  return answers;
}

/** As expectSame, and the compiled instance answered with its one statement. */
async function expectCompiled(query: string, variables?: Vars) {
  const answers = await expectSame(query, variables);
  expect(answers.compiled.sqlStatements).toBe(1);
  return answers.compiled;
}

async function seed() {
  const f = fixtures(t);
  seededAt = Date.now();
  const at = (ms: number) => new Date(seededAt + ms);

  hosts.ada = await f.host({
    slug: 'ada',
    name: 'Ada Lovelace',
    blog_name: 'Analytical Miles',
    blog_url: 'https://ada.example',
    avatar_url: 'https://ada.example/me.png',
    bio: 'Runs "long", writes \\ longer. 🏃‍♀️\nSecond line.',
    role: 'ADMIN',
  });
  hosts.ben = await f.host({ slug: 'ben', name: 'Ben', blog_name: null });
  hosts.cleo = await f.host({ slug: 'cleo', name: 'Cleo', blog_name: '', bio: 'Trail only.' });
  hosts.dev = await f.host({ slug: 'dev', name: 'Dev', blog_url: 'https://dev.example' });
  // No posts and no link-ups.
  hosts.eve = await f.host({ slug: 'eve', name: 'Eve', blog_name: 'Empty Legs' });
  const { ada, ben, cleo, dev } = hosts;

  const monday = await f.linkUp([ada.id, ben.id, cleo.id], {
    slug: 'monday-miles',
    name: 'Monday Miles',
    description: 'Share your week of running.',
    rules: 'One link per post.\nBe kind.',
    max_entries_per_person: 3,
    time_zone: 'America/New_York',
  });
  await f.linkUp([cleo.id], { slug: 'trail-tuesday', name: 'Trail Tuesday', weekday: 'TUESDAY' });
  const sunday = await f.linkUp([ben.id, ada.id], {
    slug: 'sunday-long-run',
    name: 'Sunday Long Run',
    weekday: 'SUNDAY',
    opens_at_time: '18:30',
    hours_open: 24,
  });
  const cohosts = [ada.id, ben.id, cleo.id];
  const past = await f.roundup(monday.id, [ada.id, ben.id], {
    title: 'Week one',
    opens_at: at(-14 * DAY),
    closes_at: at(-12 * DAY),
  });
  const closedEarly = await f.roundup(monday.id, cohosts, {
    opens_at: at(-2 * DAY),
    closes_at: at(DAY),
    closed_at: at(-HOUR),
  });
  const open = await f.roundup(monday.id, cohosts, {
    title: 'Week three: "hills" & more',
    opens_at: at(-HOUR),
    closes_at: at(2 * DAY),
  });
  await f.roundup(monday.id, cohosts, { opens_at: at(5 * DAY), closes_at: at(7 * DAY) });
  await f.roundup(sunday.id, [ben.id], { opens_at: at(3 * DAY), closes_at: at(4 * DAY) });
  await t.sql(
    'UPDATE roundup_cohosts SET is_new = true WHERE host_id = $1 AND roundup_id = ANY($2)',
    [cleo.id, [closedEarly.id, open.id]],
  );

  const e1 = await f.entry(open.id, {
    blog_name: 'Hill Reps',
    image_url: 'https://runner.example/hills.jpg',
  });
  const e2 = await f.entry(open.id, { status: 'HIDDEN' });
  await f.entry(open.id);
  const e4 = await f.entry(open.id, { title: 'Ünïcödé & <tags>' });
  await f.entry(open.id);
  const old = await f.entry(past.id);
  await f.entry(past.id, { status: 'HIDDEN' });
  const feature = (entry: Made, host: MadeHost, ms: number) =>
    t.sql('INSERT INTO entry_features (entry_id, host_id, created_at) VALUES ($1, $2, $3)', [
      entry.id,
      host.id,
      at(ms),
    ]);
  // Featured by two hosts in time order, by two hosts at the same instant, hidden yet featured.
  await feature(e1, ben, 0);
  await feature(e1, ada, 1000);
  await feature(e4, cleo, 2000);
  await feature(e4, ben, 2000);
  await feature(e2, ada, 0);
  await feature(old, ada, 0);

  recap = await f.post(ada.id, {
    slug: 'long-run-recap',
    title: 'Long run recap',
    excerpt: 'Twenty miles, "mostly" fine.',
    body: RECAP_BODY,
    tags: ['long run', 'recap', 'say "când"'],
    published_at: new Date(Date.UTC(2026, 1, 1)),
    roundup_id: open.id,
  });
  await f.post(ben.id, {
    slug: 'race-report',
    title: 'Race report',
    comments_open: false,
    published_at: new Date(Date.UTC(2026, 0, 5, 12)),
    roundup_id: past.id,
  });
  // Drafts carrying the open roundup: Roundup.posts must leave them out.
  await f.post(ada.id, {
    slug: 'draft-plans',
    title: 'Draft plans',
    body: DRAFT_BODY,
    status: 'DRAFT',
    roundup_id: open.id,
  });
  // Unpublished: back to draft, publishedAt kept.
  await f.post(ben.id, {
    slug: 'unpublished',
    status: 'DRAFT',
    published_at: new Date(Date.UTC(2026, 0, 20)),
    roundup_id: open.id,
  });
  for (const [i, author] of [cleo, dev, ada].entries()) {
    await f.post(author.id, { slug: `tie-${i + 1}`, published_at: TIE });
  }
  const authors = [ada, ben, cleo, dev];
  let filler: Made = recap;
  for (let i = 0; i < 20; i++) {
    filler = await f.post(authors[i % 4].id, {
      published_at: new Date(Date.UTC(2026, 0, i + 1, 8)),
      tags: i % 3 ? [] : ['tempo'],
      excerpt: i % 2 ? null : `Excerpt ${i}`,
      roundup_id: i % 5 ? null : open.id,
    });
  }
  await f.comment(filler.id);

  const comment = (values: Record<string, unknown>) => f.comment(recap.id, values);
  // The schema requires a guest name unless a host wrote the comment: no nameless guests.
  const byHost = (host: MadeHost) => ({
    guest_name: null,
    guest_email: null,
    author_host_id: host.id,
  });
  const gina = await comment({
    guest_name: 'Gina',
    guest_blog_name: 'Gina Runs',
    guest_url: 'https://gina.example',
  });
  const plain = await comment({ guest_name: 'Plain Guest', body: 'Line one\nline "two"' });
  await comment({ guest_name: 'Empty Blog', guest_blog_name: '' });
  const hostComment = await comment(byHost(ben));
  await comment({ status: 'PENDING', body: 'held for moderation' });
  await comment({ status: 'SPAM', body: 'spam spam' });
  const sameInstant = new Date(Date.UTC(2026, 1, 2, 9));
  await comment({ created_at: sameInstant });
  await comment({ created_at: sameInstant });
  for (let i = 0; i < 3; i++) await comment({});

  const reply = (parent: Made, depth: number, values: Record<string, unknown> = {}) =>
    f.comment(recap.id, { parent_id: parent.id, depth, ...values });
  const answer = await reply(gina, 2, { ...byHost(ada), created_at: sameInstant });
  await reply(gina, 2, { guest_name: 'Tied Reply', created_at: sameInstant });
  await reply(gina, 2, { status: 'PENDING' });
  const deeper = await reply(answer, 3, { guest_blog_name: 'Deep Blog' });
  await reply(deeper, 4, byHost(cleo));
  await reply(plain, 2);
  await reply(plain, 2, byHost(ben));
  await reply(hostComment, 2, { status: 'SPAM' });
}

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const COMMENT = `id body depth status createdAt
  author { id name displayName blogName url host { id slug name blogName email } }`;
const ROUNDUP = `id number title status opensAt closesAt entryCount
  cohosts { position isNew host { slug name } }
  featured { id number title featuredBy { slug } }
  posts { slug publishedAt author { slug } }
  linkUp { slug currentRoundup { number status } }`;
const ENTRY = `id number title url submitterName submitterEmail blogName imageUrl status createdAt
  featuredBy { slug } roundup { number status }`;

/** Keyset positions need not be rows: these fall inside the data set. */
const cursors = {
  beforeTies: encodeCursor([TIE.toISOString(), '999999999']),
  afterTies: encodeCursor([TIE.toISOString(), '1']),
  host: encodeCursor(['2']),
  roundup: encodeCursor([3]),
  entry: encodeCursor([2]),
  comment: encodeCursor(['2026-02-02T09:00:00.000Z', '1']),
};

interface Case {
  name: string;
  query: string;
  variables?: Vars;
}

const COMPILED: Case[] = [
  {
    name: 'the feed with every Post field',
    query: `{ posts { totalCount ${PAGE_INFO} edges { cursor node {
      id slug title excerpt body bodyHtml tags status publishedAt commentsOpen createdAt updatedAt
      commentCount author { id slug name blogName bio avatarUrl role createdAt }
      roundup { id number title status } comments(first: 2) { totalCount edges { node { id } } }
    } } } }`,
  },
  {
    name: 'the feed with first and after as variables',
    query: `query($first: Int, $after: String) { posts(first: $first, after: $after) {
      totalCount ${PAGE_INFO} edges { cursor node { slug publishedAt } } } }`,
    variables: { first: 5, after: cursors.beforeTies },
  },
  {
    name: 'the feed with first and after as literals, past the tied posts',
    query: `{ posts(first: 5, after: "${cursors.afterTies}") { ${PAGE_INFO} edges { cursor node { slug } } } }`,
  },
  {
    name: 'the feed with first: 0',
    query: `{ posts(first: 0) { totalCount ${PAGE_INFO} edges { cursor } } }`,
  },
  {
    name: 'the feed with first: 0 after a cursor',
    query: `query($after: String) { posts(first: 0, after: $after) { ${PAGE_INFO} edges { cursor } } }`,
    variables: { after: cursors.beforeTies },
  },
  {
    name: 'the feed with a null first (the default page size) and a null after literal',
    query: `query($first: Int) { posts(first: $first, after: null) { ${PAGE_INFO} edges { node { slug } } } }`,
    variables: { first: null },
  },
  {
    name: 'the feed with a variable default',
    query: `query($first: Int = 3) { posts(first: $first) { ${PAGE_INFO} edges { node { slug } } } }`,
  },
  {
    name: 'the feed with first: 100, past its end',
    query: `{ posts(first: 100) { totalCount ${PAGE_INFO} edges { node { slug } } } }`,
  },
  {
    name: 'aliases: the feed twice, and fields under two keys at every level',
    query: `{ a: posts(first: 1) { ${PAGE_INFO} edges { node { slug headline: title title } } }
       b: posts(first: 3, after: "${cursors.beforeTies}") { total: totalCount
         info: pageInfo { hasNextPage } more: pageInfo { endCursor }
         edges { at: cursor node { slug } } nodes: edges { node { title } } } }`,
  },
  {
    name: 'the same fields selected twice, merged at every level',
    query: `{ posts(first: 2) { edges { node { slug author { name } } } pageInfo { hasNextPage } }
      posts(first: 2) { totalCount edges { cursor node { author { slug } } } pageInfo { endCursor } } }`,
  },
  {
    name: "a post's comments twice with different pages, and all of them",
    query: `{ post(slug: "long-run-recap") {
      a: comments(first: 1) { totalCount ${PAGE_INFO} edges { cursor node { id body } } }
      b: comments(first: 2) { ${PAGE_INFO} edges { cursor node { id body } } }
      c: comments(first: 2, after: "${cursors.comment}") { ${PAGE_INFO} edges { node { id } } }
      all: comments(first: 100) { edges { node { id createdAt } } } } }`,
  },
  {
    name: 'comment authors: guests with and without a blog, an empty blog name, hosts',
    query: `{ post(slug: "long-run-recap") { commentCount comments { totalCount edges { node { ${COMMENT} } } } } }`,
  },
  {
    name: 'replies and replies to replies',
    query: `{ post(slug: "long-run-recap") { comments(first: 4) { edges { node { id
      replies { id depth author { displayName } replies { id depth author { displayName host { slug } }
        replies { id depth } } } } } } } }`,
  },
  {
    name: 'Comment.post and Comment.author.host with its posts',
    query: `{ post(slug: "long-run-recap") { comments(first: 4) { edges { node {
      post { slug title commentsOpen author { slug } }
      author { host { slug posts(first: 2) { totalCount ${PAGE_INFO} edges { node { slug } } } } } } } } } }`,
  },
  {
    name: 'post(slug) of a published post, a draft, an unpublished post and a missing slug',
    query: `query($slug: String!) {
      published: post(slug: $slug) { id slug title roundup { number } author { slug email } }
      draft: post(slug: "draft-plans") { id }
      unpublished: post(slug: "unpublished") { id }
      missing: post(slug: "no-such-post") { id } }`,
    variables: { slug: 'long-run-recap' },
  },
  {
    name: 'named fragments, inline fragments and fragments on Node',
    query: `query Cards { posts(first: 4) { edges { node { ...PostCard ... on Node { id }
        ... on Post { author { ...HostCard } } } } } }
      fragment PostCard on Post { title slug roundup { ... on Roundup { number } ...RoundupTitle } }
      fragment RoundupTitle on Roundup { title }
      fragment HostCard on Host { ... on Node { __typename id } name }`,
  },
  {
    name: 'fragments on the root, connection, edge and page info types',
    query: `{ ... on Query { posts(first: 2) { ...Page } } ...Hosts }
      fragment Hosts on Query { hosts(first: 1) { ...HostPage } }
      fragment Page on PostConnection { totalCount pageInfo { ...Info } edges { ...Edge } }
      fragment HostPage on HostConnection { pageInfo { ...Info } edges { node { slug } } }
      fragment Info on PageInfo { hasNextPage endCursor }
      fragment Edge on PostEdge { cursor node { slug } }`,
  },
  {
    name: '__typename at every level',
    query: `{ __typename posts(first: 2) { __typename ${PAGE_INFO} pageInfo { __typename }
      edges { __typename cursor node { __typename author { __typename }
        roundup { __typename cohosts { __typename } linkUp { __typename } }
        comments(first: 2) { __typename edges { __typename node { __typename author { __typename } } } } } } } }`,
  },
  {
    name: 'host(slug) with every Host field',
    query: `{ host(slug: "ada") { id slug name blogName blogUrl avatarUrl bio role createdAt email
      linkUps { slug name } posts { totalCount ${PAGE_INFO} edges { cursor node { slug } } } } }`,
  },
  {
    name: 'hosts with a null blog name, an empty one, nothing at all, and a missing slug',
    query: `query($slug: String!) {
      ben: host(slug: "ben") { blogName bio linkUps { slug } }
      cleo: host(slug: "cleo") { blogName bio linkUps { slug } }
      eve: host(slug: $slug) { blogName linkUps { slug } posts { totalCount ${PAGE_INFO} edges { cursor } } }
      nobody: host(slug: "nobody") { id } }`,
    variables: { slug: 'eve' },
  },
  {
    name: 'hosts, paged',
    query: `query($after: String) {
      first: hosts(first: 2) { totalCount ${PAGE_INFO} edges { cursor node { slug email } } }
      next: hosts(first: 2, after: $after) { ${PAGE_INFO} edges { cursor node { slug } } }
      all: hosts { ${PAGE_INFO} edges { node { slug posts(first: 1) { totalCount edges { node { slug } } } } } } }`,
    variables: { after: cursors.host },
  },
  {
    name: "a host's posts after a cursor",
    query: `{ host(slug: "ada") { posts(first: 2, after: "${cursors.beforeTies}") {
      totalCount ${PAGE_INFO} edges { cursor node { slug publishedAt } } } } }`,
  },
  {
    name: 'viewer is null',
    query: `{ viewer { id email } }`,
  },
  {
    name: 'linkUp(slug) with every field',
    query: `{ linkUp(slug: "monday-miles") { id slug name description rules weekday opensAtTime hoursOpen
      timeZone maxEntriesPerPerson createdAt cohosts { slug name }
      currentRoundup { number status } roundups { totalCount ${PAGE_INFO} edges { cursor node { ${ROUNDUP} } } } } }`,
  },
  {
    name: 'link-ups without roundups, with only a scheduled one, and a missing slug',
    query: `{ trail: linkUp(slug: "trail-tuesday") { cohosts { slug } currentRoundup { number }
        roundups { totalCount ${PAGE_INFO} edges { cursor } } }
      sunday: linkUp(slug: "sunday-long-run") { cohosts { slug } currentRoundup { number status opensAt } }
      missing: linkUp(slug: "no-such-link-up") { id } }`,
  },
  {
    name: 'linkUps with paged roundups',
    query: `{ linkUps { id slug name cohosts { slug linkUps { slug } } currentRoundup { number status }
      recent: roundups(first: 2) { totalCount ${PAGE_INFO} edges { cursor node { number status } } }
      older: roundups(first: 2, after: "${cursors.roundup}") { ${PAGE_INFO} edges { node { number } } } } }`,
  },
  {
    name: 'roundup(linkUpSlug, number): closed, closed early, open, scheduled and missing',
    query: `{
      r1: roundup(linkUpSlug: "monday-miles", number: 1) { ...R }
      r2: roundup(linkUpSlug: "monday-miles", number: 2) { ...R }
      r3: roundup(linkUpSlug: "monday-miles", number: 3) { ...R }
      r4: roundup(linkUpSlug: "monday-miles", number: 4) { ...R }
      r9: roundup(linkUpSlug: "monday-miles", number: 9) { ...R }
      other: roundup(linkUpSlug: "sunday-long-run", number: 1) { ...R } }
      fragment R on Roundup { ${ROUNDUP} }`,
  },
  {
    name: "a roundup's entries with every Entry field, hidden ones asked for anonymously",
    query: `query($slug: String!, $number: Int!) { roundup(linkUpSlug: $slug, number: $number) {
      entryCount featured { ${ENTRY} }
      entries(first: 100) { totalCount ${PAGE_INFO} edges { cursor node { ${ENTRY} } } }
      hidden: entries(includeHidden: true) { totalCount edges { node { number status } } } } }`,
    variables: { slug: 'monday-miles', number: 3 },
  },
  {
    name: "a roundup's entries paged",
    query: `query($after: String) { roundup(linkUpSlug: "monday-miles", number: 3) {
      a: entries(first: 2) { ${PAGE_INFO} edges { cursor node { number } } }
      b: entries(first: 2, after: $after) { ${PAGE_INFO} edges { cursor node { number } } } } }`,
    variables: { after: cursors.entry },
  },
  {
    name: 'from an entry back up to its link-up',
    query: `{ roundup(linkUpSlug: "monday-miles", number: 3) { entries(first: 1) { edges { node {
      roundup { number linkUp { slug cohosts { slug } currentRoundup { number entries(first: 1) { totalCount edges { cursor } } } } } } } } } }`,
  },
  {
    name: "the feed's roundups, co-hosts and entry counts",
    query: `{ posts(first: 30) { edges { node { slug roundup { number status entryCount
      cohosts { id position isNew host { slug blogName } } featured { number featuredBy { name } }
      posts { slug } linkUp { slug } } } } } }`,
  },
  // A connection with no aggregate selected must still be one row.
  {
    name: 'totalCount alone over an empty list',
    query: `{ host(slug: "eve") { posts { totalCount } } }`,
  },
  { name: 'totalCount alone over several rows', query: `{ posts(first: 1) { totalCount } }` },
  {
    name: 'pageInfo without an aggregate field over several rows',
    query: `{ hosts(first: 2) { __typename pageInfo { hasPreviousPage } } }`,
  },
  {
    name: 'roundup(...) mixing a variable and a literal argument',
    query: `query($slug: String!) { roundup(linkUpSlug: $slug, number: 3) { number status entryCount } }`,
    variables: { slug: 'monday-miles' },
  },
];

it.each(COMPILED)('compiles $name, answering as the resolvers do', async ({ query, variables }) => {
  await expectCompiled(query, variables);
});

it('gives co-hosts and comment authors ids a client can cache by, in one statement', async () => {
  const AUTHOR = 'author { id name blogName url displayName host { id } }';
  const feed = await expectCompiled(`{ posts(first: 30) { edges { node {
    roundup { id cohosts { id position isNew host { id } } } } } } }`);
  const cohosts = feed.data.posts.edges.flatMap(({ node }: any) =>
    (node.roundup?.cohosts ?? []).map((c: any) => ({ ...c, roundup: node.roundup.id })),
  );
  const recap = await expectCompiled(`{ post(slug: "long-run-recap") { comments(first: 100) {
    edges { node { id ${AUTHOR} replies { id ${AUTHOR} } } } } } }`);
  const comments = recap.data.post.comments.edges.flatMap(({ node }: any) => [
    node,
    ...node.replies,
  ]);
  const dbId = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];
  const decoded = (id: string) => Buffer.from(id, 'base64url').toString();
  for (const c of cohosts) {
    expect(decoded(c.id)).toBe(`Cohost:${dbId(c.roundup)}:${dbId(c.host.id)}`);
  }
  for (const { id, author } of comments) {
    // A host's comments share one author; a guest's author is the comment's own, so no email
    // (not even hashed) is in it.
    expect(decoded(author.id)).toBe(
      author.host
        ? `CommentAuthor:Host:${dbId(author.host.id)}`
        : `CommentAuthor:Comment:${dbId(id)}`,
    );
  }
  // An id names one object across types, and objects sharing one have every field equal (a
  // cache merges them).
  const seen = new Map<string, string>();
  for (const { id, roundup: _, ...fields } of [...cohosts, ...comments.map((c: any) => c.author)]) {
    const json = JSON.stringify(fields);
    expect([id, seen.get(id) ?? json]).toEqual([id, json]);
    seen.set(id, json);
  }
  const authors = comments.map((c: any) => c.author.id);
  expect(new Set(authors).size).toBeLessThan(authors.length);
});

it('compiles the feed filters, as literals or variables, as PostService.feed applies them', async () => {
  const tagged = await expectCompiled(
    `{ posts(first: 50, filter: { tag: "  TEMPO " }) { totalCount edges { node { slug tags } } } }`,
  );
  expect(tagged.data.posts.totalCount).toBeGreaterThan(0);
  for (const { node } of tagged.data.posts.edges) expect(node.tags).toContain('tempo');
  const filtered = await expectCompiled(
    `query($author: String, $roundup: ID) {
      a: posts(filter: { authorSlug: $author }) { totalCount edges { node { author { slug } } } }
      b: posts(first: 3, filter: { roundupId: $roundup, tag: "tempo" }) {
        totalCount edges { node { tags roundup { number } } } } }`,
    // The open roundup, the third made by seed().
    { author: 'ben', roundup: toGlobalId('Roundup', 3) },
  );
  expect(filtered.data.a.totalCount).toBeGreaterThan(0);
  for (const { node } of filtered.data.a.edges) expect(node.author.slug).toBe('ben');
  expect(filtered.data.b.totalCount).toBeGreaterThan(0);
  for (const { node } of filtered.data.b.edges) expect(node.roundup.number).toBe(3);
});

/** Where each paged list's connection is in its answer. */
const PAGED: [name: string, query: string, connection: (data: any) => any][] = [
  [
    'the feed',
    `query($after: String) { posts(first: 4, after: $after) { totalCount ${PAGE_INFO}
      edges { cursor node { slug publishedAt } } } }`,
    (data) => data.posts,
  ],
  [
    "a post's comments",
    `query($after: String) { post(slug: "long-run-recap") { comments(first: 3, after: $after) {
      ${PAGE_INFO} edges { cursor node { id createdAt } } } } }`,
    (data) => data.post.comments,
  ],
  [
    "a host's posts",
    `query($after: String) { host(slug: "ada") { posts(first: 2, after: $after) {
      ${PAGE_INFO} edges { cursor node { slug } } } } }`,
    (data) => data.host.posts,
  ],
  [
    'hosts',
    `query($after: String) { hosts(first: 2, after: $after) { ${PAGE_INFO} edges { node { slug } } } }`,
    (data) => data.hosts,
  ],
  [
    "a link-up's roundups",
    `query($after: String) { linkUp(slug: "monday-miles") { roundups(first: 1, after: $after) {
      ${PAGE_INFO} edges { node { number } } } } }`,
    (data) => data.linkUp.roundups,
  ],
  [
    "a roundup's entries",
    `query($after: String) { roundup(linkUpSlug: "monday-miles", number: 3) {
      entries(first: 1, after: $after) { ${PAGE_INFO} edges { node { number } } } } }`,
    (data) => data.roundup.entries,
  ],
];

it.each(PAGED)(
  'pages through %s by endCursor to an empty page, as the resolvers do',
  async (_name, query, connection) => {
    const sizes: number[] = [];
    let after: string | null = null;
    do {
      const page = connection((await expectCompiled(query, { after })).data);
      sizes.push(page.edges.length);
      after = page.pageInfo.endCursor;
    } while (after);
    expect(sizes.length).toBeGreaterThan(2);
    expect(sizes.at(-1)).toBe(0);
  },
);

interface Fallback extends Case {
  /** Signed in as this host; `shows` then checks the private value anonymous readers lack. */
  as?: string;
  shows?: (data: any) => void;
}

const FALLBACKS: Fallback[] = [
  {
    name: '@include and @skip',
    query: `query($x: Boolean!) { posts(first: 3) { totalCount edges { node {
      slug author @include(if: $x) { name } roundup @skip(if: $x) { number } } } } }`,
    variables: { x: true },
  },
  {
    name: 'a directive on a fragment spread',
    query: `{ posts(first: 2) { totalCount edges { node { ...F @include(if: false) slug } } } }
      fragment F on Post { title author { name } }`,
  },
  {
    name: 'posts(filter: $filter), a whole filter in a variable',
    query: `query($filter: PostFilter) { posts(filter: $filter) { totalCount edges { node { slug } } } }`,
    variables: { filter: { tag: 'tempo' } },
  },
  {
    name: 'posts(filter:) with a filter variable left null',
    query: `query($tag: String) { posts(filter: { tag: $tag }) { totalCount edges { node { slug } } } }`,
    variables: { tag: null },
  },
  {
    name: 'introspection next to compiled fields',
    query: `{ __type(name: "Post") { name } posts(first: 2) { totalCount edges { cursor } } }`,
  },
];

const BODY_HTML = `posts(first: 3) { totalCount edges { node { slug bodyHtml author { name } } } }
  post(slug: "long-run-recap") { bodyHtml comments(first: 2) { edges { node { bodyHtml replies { bodyHtml } } } } }`;

/** Reads that depend on who asks, or on arguments that shape the SQL: compiled too. */
const FOR_EVERY_VIEWER: Fallback[] = [
  {
    name: 'bodyHtml of posts and comments, as stored',
    query: `{ ${BODY_HTML} }`,
    shows: (data) => {
      expect(data.post.bodyHtml).toBe(renderMarkdown(RECAP_BODY));
      expect(data.post.bodyHtml).not.toContain('</script>');
      expect(data.post.comments.edges[1].node.bodyHtml).toBe('Line one<br>\nline &#34;two&#34;');
    },
  },
  {
    name: 'bodyHtml of posts and comments, signed in as an author with a draft',
    query: `{ ${BODY_HTML} draft: post(slug: "draft-plans") { bodyHtml } }`,
    as: 'ada',
    shows: (data) => expect(data.draft.bodyHtml).toBe(renderMarkdown(DRAFT_BODY)),
  },
  {
    name: 'posts(filter: { status })',
    query: `{ posts(filter: { status: PUBLISHED }) { totalCount edges { node { slug } } } }`,
  },
  {
    name: 'Comment.parent',
    query: `{ post(slug: "long-run-recap") { comments(first: 2) { edges { node { id parent { id }
      replies { parent { id } replies { parent { id } } } } } } } }`,
  },
  {
    name: 'LinkUp.roundups(status: ...)',
    query: `{ linkUp(slug: "monday-miles") { closed: roundups(status: CLOSED) { totalCount edges { node { number } } }
      open: roundups(status: OPEN) { edges { node { number } } } } }`,
  },
  {
    name: 'Host.email, signed in as that host',
    query: `{ host(slug: "ada") { email name posts(first: 1) { totalCount } } }`,
    as: 'ada',
    shows: (data) => expect(data.host.email).toBe(hosts.ada.email),
  },
  {
    name: 'a draft in post(slug), signed in as its author',
    query: `{ post(slug: "draft-plans") { title status author { email } } }`,
    as: 'ada',
    shows: (data) =>
      expect(data.post).toEqual({
        title: 'Draft plans',
        status: 'DRAFT',
        author: { email: hosts.ada.email },
      }),
  },
  {
    name: 'hidden entries and submitter emails, signed in as a co-host',
    query: `{ roundup(linkUpSlug: "monday-miles", number: 3) { entryCount
      entries(includeHidden: true) { totalCount edges { node { number status submitterEmail } } } } }`,
    as: 'ben',
    shows: (data) => {
      expect(data.roundup.entries.totalCount).toBe(data.roundup.entryCount + 1);
      expect(data.roundup.entries.edges[1].node).toEqual({
        number: 2,
        status: 'HIDDEN',
        submitterEmail: 'runner2@test.example',
      });
    },
  },
  {
    name: 'viewer, signed in',
    query: `{ viewer { slug email posts(first: 2) { totalCount edges { node { slug } } } } }`,
    as: 'cleo',
    shows: (data) => expect(data.viewer).toMatchObject({ slug: 'cleo', email: hosts.cleo.email }),
  },
];

it.each(FOR_EVERY_VIEWER)(
  'compiles $name into one statement, with the same answer',
  async ({ query, variables, as, shows }) => {
    const answers = await expectSame(query, variables, as && hosts[as].token);
    // One statement, whoever asks: a signed-in viewer's row is read in it.
    expect(answers.compiled.sqlStatements).toBe(1);
    expect(answers.resolved.sqlStatements).toBeGreaterThan(answers.compiled.sqlStatements);
    shows?.(answers.compiled.data);
  },
);

it.each(FALLBACKS)(
  'leaves $name to the resolvers, with the same answer',
  async ({ query, variables, as, shows }) => {
    const answers = await expectSame(query, variables, as && hosts[as].token);
    // A fallback runs the very same resolvers: several statements, as many as without compiling.
    expect(answers.compiled.sqlStatements).toBeGreaterThan(1);
    expect(answers.compiled.sqlStatements).toBe(answers.resolved.sqlStatements);
    shows?.(answers.compiled.data);
  },
);

describe("a signed-in read checks the token against the host's row in its own statement", () => {
  const EMAIL = '{ host(slug: "ben") { email } }';

  it('answers with the role the token names while the row agrees, in one statement', async () => {
    const admin = await fixtures(t).host({ role: 'ADMIN' });
    const r = await t.gql(EMAIL, {}, { token: admin.token });
    expect(r.data.host.email).toBe(hosts.ben.email);
    expect(r.sqlStatements).toBe(1);
  });

  it('leaves a demoted admin to the resolvers, which read the row: no admin data', async () => {
    const admin = await fixtures(t).host({ role: 'ADMIN' });
    await t.sql(`UPDATE hosts SET role = 'HOST' WHERE id = $1`, [admin.id]);
    const r = await t.gql(EMAIL, {}, { token: admin.token });
    expect(r.errors).toBeUndefined();
    expect(r.data.host.email).toBeNull();
    expect(r.sqlStatements).toBeGreaterThan(1);
  });

  it('refuses a token whose password changed or whose host is gone: 401, nothing more read', async () => {
    const changed = await fixtures(t).host();
    const gone = await fixtures(t).host();
    await t.sql(`UPDATE hosts SET password_hash = 'scrypt$other$hash' WHERE id = $1`, [changed.id]);
    await t.sql('DELETE FROM hosts WHERE id = $1', [gone.id]);
    for (const { token } of [changed, gone]) {
      const r = await t.gql(EMAIL, {}, { token });
      expect(r.status).toBe(401);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(r.data).toBeUndefined();
      expect(r.sqlStatements).toBe(1);
    }
  });

  // Such tokens expire within TOKEN_LIFETIME of the change; until then the resolvers answer them.
  it("serves a token issued before tokens named the role, after reading the host's row", async () => {
    const admin = await fixtures(t).host({ role: 'ADMIN' });
    const [{ password_hash }] = await t.sql('SELECT password_hash FROM hosts WHERE id = $1', [
      admin.id,
    ]);
    const token = await new SignJWT({ pwd: new Tokens(TEST_JWT_SECRET).stamp(password_hash) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(admin.id)
      .setIssuer('roundup-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const r = await t.gql(EMAIL, {}, { token });
    expect(r.data.host.email).toBe(hosts.ben.email);
    expect(r.sqlStatements).toBeGreaterThan(1);
  });
});

it('reads a root field asked twice with the same arguments once through the resolvers', async () => {
  const feed = 'posts(first: 2) { totalCount edges { node { slug author { name } } } }';
  const once = await gqlAt(resolved.url, `{ a: ${feed} }`);
  const twice = await gqlAt(
    resolved.url,
    `{ a: ${feed} b: ${feed} c: posts(first: 2) { totalCount t: totalCount } }`,
  );
  expect(twice.errors).toBeUndefined();
  expect(twice.data.b).toEqual(once.data.a);
  expect(twice.data.c).toEqual({ totalCount: once.data.a.totalCount, t: once.data.a.totalCount });
  // Aliases share the page, its count and the authors' batch: page, count, hosts.
  expect(once.sqlStatements).toBe(3);
  expect(twice.sqlStatements).toBe(3);
});

it('compiles node(id) for each type, with the same answer', async () => {
  const answers = await expectSame(
    `query($post: ID!, $host: ID!) {
      post: node(id: $post) { __typename id ... on Post { title author { name email } } }
      host: node(id: $host) { __typename id ... on Host { email } } }`,
    { post: recap.gid, host: hosts.ada.gid },
  );
  expect(answers.compiled.data.post.title).toBe('Long run recap');
  expect(answers.compiled.sqlStatements).toBe(1);
});

it('compiles node(id) whose fragments all name other types: an empty object', async () => {
  const answers = await expectSame(
    `query($host: ID!) { node(id: $host) { ... on Post { title } ... on Entry { number } } }`,
    { host: hosts.ada.gid },
  );
  expect(answers.compiled.data).toEqual({ node: {} });
  expect(answers.compiled.sqlStatements).toBe(1);
});

const BAD_ARGUMENTS: (Case & { field?: string })[] = [
  {
    name: 'posts(first: 101) as a literal',
    query: `{ posts(first: 101) { totalCount } }`,
    field: 'first',
  },
  {
    name: 'posts(first: $n) with n = 101',
    query: `query($n: Int) { posts(first: $n) { totalCount } }`,
    variables: { n: 101 },
    field: 'first',
  },
  {
    name: 'posts(first: -1) as a literal',
    query: `{ posts(first: -1) { totalCount } }`,
    field: 'first',
  },
  {
    name: 'a garbage after as a literal',
    query: `{ posts(after: "garbage") { edges { cursor } } }`,
    field: 'after',
  },
  {
    name: 'a garbage after as a variable',
    query: `query($after: String) { posts(after: $after) { edges { cursor } } }`,
    variables: { after: 'garbage' },
    field: 'after',
  },
  {
    name: "a host cursor for a roundup's entries",
    query: `query($after: String) { roundup(linkUpSlug: "monday-miles", number: 3) {
      entries(after: $after) { totalCount } } }`,
    variables: { after: cursors.host },
    field: 'after',
  },
  {
    name: 'Host.posts(first: 101), nested under a nullable field',
    query: `{ host(slug: "ada") { name posts(first: 101) { totalCount } } }`,
    field: 'first',
  },
  {
    name: 'a malformed roundup id in the feed filter',
    query: `{ posts(filter: { roundupId: "garbage" }) { totalCount } }`,
    field: 'filter.roundupId',
  },
  {
    name: 'an empty after',
    query: `{ posts(after: "") { edges { cursor } } }`,
    field: 'after',
  },
  {
    name: 'a variable of the wrong type',
    query: `query($n: Int) { posts(first: $n) { totalCount } }`,
    variables: { n: 'ten' },
  },
];

it.each(BAD_ARGUMENTS)(
  'refuses $name exactly as the resolvers do',
  async ({ query, variables, field }) => {
    const { compiled, resolved: answer } = await both(query, variables);
    expect(compiled.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    if (field) expect(compiled.errors?.[0].extensions.field).toBe(field);
    expect(compiled.errors).toEqual(answer.errors);
    expect(compiled.data).toEqual(answer.data);
    expect(compiled.status).toBe(answer.status);
  },
);

describe('roundup status and currentRoundup with both clocks at one instant', () => {
  afterEach(() => {
    t.clock.reset();
    resolved.clock.reset();
  });

  const STATUSES = `{ linkUps { slug currentRoundup { number status }
    roundups { edges { node { number status } } } } }`;
  /** Per link-up: its current roundup and the status of each edition, newest first. */
  const summary = (data: any) =>
    Object.fromEntries(
      data.linkUps.map((l: any) => [
        l.slug,
        [l.currentRoundup?.number ?? null, ...l.roundups.edges.map((e: any) => e.node.status)],
      ]),
    );

  it.each([
    [
      'when seeded',
      0,
      {
        'monday-miles': [3, 'SCHEDULED', 'OPEN', 'CLOSED', 'CLOSED'],
        'sunday-long-run': [1, 'SCHEDULED'],
      },
    ],
    [
      "inside the scheduled edition's window",
      5 * DAY + HOUR,
      {
        'monday-miles': [4, 'OPEN', 'CLOSED', 'CLOSED', 'CLOSED'],
        'sunday-long-run': [null, 'CLOSED'],
      },
    ],
    [
      'before the early close',
      -90 * 60_000,
      {
        // Edition 2 closes early later on: at this instant it is OPEN, so it is the current one.
        'monday-miles': [2, 'SCHEDULED', 'SCHEDULED', 'OPEN', 'CLOSED'],
        'sunday-long-run': [1, 'SCHEDULED'],
      },
    ],
  ])('%s', async (_name, offset, expected) => {
    const instant = new Date(seededAt + offset);
    t.clock.set(instant);
    resolved.clock.set(instant);
    const { data } = await expectCompiled(STATUSES);
    expect(summary(data)).toEqual({ ...expected, 'trail-tuesday': [null] });
  });
});
