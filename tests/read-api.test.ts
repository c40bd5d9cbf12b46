import { toGlobalId } from '../src/common/ids';
import { codes, gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, MadeHost } from './helpers/fixtures';

const FEED = `
  query Feed($first: Int, $after: String) {
    posts(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node {
          id title publishedAt bodyHtml
          author { name blogName }
          commentCount
          comments(first: 5) {
            totalCount
            edges { node { bodyHtml author { displayName host { name } } replies { body bodyHtml author { displayName } } } }
          }
          roundup { number cohosts { isNew host { name } } entryCount }
        }
      }
    }
  }`;

const FEED_IDS = `
  query($first: Int, $after: String) {
    posts(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id publishedAt } }
    }
  }`;
const POST = `query($slug: String!) { post(slug: $slug) { id title status author { email } } }`;
const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Host { email } ... on Entry { submitterEmail } } }`;
const HOSTS = `query($first: Int, $after: String) { hosts(first: $first, after: $after) { totalCount edges { cursor node { slug email } } pageInfo { hasNextPage endCursor } } }`;
const ROUNDUP = `
  query($slug: String!, $number: Int!) {
    roundup(linkUpSlug: $slug, number: $number) {
      number status entryCount
      linkUp { slug currentRoundup { number } }
      cohosts { position isNew host { slug } }
      featured { number featuredBy { slug } }
      entries(first: 50) { totalCount edges { node { number title submitterEmail } } }
    }
  }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
beforeAll(async () => {
  t = await startTestApi();
  f = fixtures(t);
});
afterAll(() => t?.stop());

/** Posts by two authors, each with approved comments (one answered), carrying a roundup. */
async function seedFeed(posts: number) {
  const hosts = [await f.host(), await f.host()];
  const linkUp = await f.linkUp(hosts.map((h) => h.id));
  const roundup = await f.roundup(
    linkUp.id,
    hosts.map((h) => h.id),
  );
  for (let i = 0; i < 3; i++) await f.entry(roundup.id);
  for (let i = 0; i < posts; i++) {
    const author = hosts[i % 2];
    const post = await f.post(author.id, { roundup_id: roundup.id });
    for (let c = 0; c < 3; c++) {
      const comment = await f.comment(post.id);
      await f.comment(post.id, {
        parent_id: comment.id,
        depth: 2,
        guest_name: null,
        author_host_id: author.id,
      });
    }
  }
}

/** Statements the feed costs through the resolvers' loaders (listed in the test). */
const RESOLVED_FEED = 12;

describe('feed', () => {
  it('costs the same number of SQL statements for 5 posts and for 50', async () => {
    await seedFeed(50);
    const reader = await f.host();
    // The same reads through the resolvers' loaders, on a second instance of the same database.
    const resolved = await startAnotherApi(t, { COMPILED_READS: 'off' });
    const counts: Record<string, number[]> = {};
    try {
      for (const [path, url] of [
        ['compiled', t.url],
        ['resolved', resolved.url],
      ]) {
        for (const token of [undefined, reader.token]) {
          for (const first of [5, 50]) {
            const r = await gqlAt(url, FEED, { first }, { token });
            expect(r.errors).toBeUndefined();
            expect(r.data.posts.edges).toHaveLength(first);
            expect(r.data.posts.edges[0].node.comments.edges[0].node.replies).toHaveLength(1);
            (counts[`${path} ${token ? 'signed in' : 'anonymous'}`] ??= []).push(r.sqlStatements);
          }
        }
      }
    } finally {
      await resolved.stop();
    }
    // Compiled, the feed is one statement for every viewer (it reads the signed-in viewer's row).
    expect(counts['compiled anonymous']).toEqual([1, 1]);
    expect(counts['compiled signed in']).toEqual([1, 1]);
    // Through the loaders: posts, total, hosts (authors, comment and co-host hosts share one
    // batch), comment counts, comment pages, comment totals, comment authors (top-level, then
    // replies'), replies, roundups, co-hosts, entry counts; the same for 5 posts and 50.
    expect(counts['resolved anonymous']).toEqual([RESOLVED_FEED, RESOLVED_FEED]);
    expect(counts['resolved signed in']).toEqual([RESOLVED_FEED + 1, RESOLVED_FEED + 1]);
  });

  it('pages with keyset cursors, newest first, with no gaps or repeats', async () => {
    const all = await t.gql(FEED_IDS, { first: 100 });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await t.gql(FEED_IDS, { first: 7, after });
      seen.push(...page.data.posts.edges.map((e: any) => e.node.id));
      expect(page.data.posts.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.data.posts.pageInfo.hasNextPage) break;
      after = page.data.posts.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.data.posts.edges.map((e: any) => e.node.id));
    const dates = all.data.posts.edges.map((e: any) => e.node.publishedAt);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(all.data.posts.totalCount).toBe(seen.length);
  });
});

describe('visibility for anonymous clients and other hosts', () => {
  let author: MadeHost;
  let other: MadeHost;
  let draft: { id: string; gid: string; slug: string };
  let pending: { id: string; gid: string };
  let hidden: { id: string; gid: string };
  let published: { id: string; slug: string };
  let roundup: { id: string; number: number };
  let linkUpSlug: string;

  beforeAll(async () => {
    author = await f.host();
    other = await f.host();
    draft = await f.post(author.id, { status: 'DRAFT' });
    published = await f.post(author.id);
    await f.comment(published.id);
    pending = await f.comment(published.id, { status: 'PENDING', body: 'held for moderation' });
    await f.comment(published.id, { status: 'SPAM', body: 'spam spam' });
    const linkUp = await f.linkUp([author.id]);
    linkUpSlug = linkUp.slug;
    roundup = await f.roundup(linkUp.id, [author.id]);
    await f.entry(roundup.id);
    hidden = await f.entry(roundup.id, { status: 'HIDDEN' });
  });

  it('hides a draft from the feed, post(slug) and node(id), except from its author', async () => {
    for (const token of [undefined, other.token]) {
      expect((await t.gql(POST, { slug: draft.slug }, { token })).data.post).toBeNull();
      expect((await t.gql(NODE, { id: draft.gid }, { token })).data.node).toBeNull();
      const feed = await t.gql(FEED_IDS, { first: 100 }, { token });
      expect(feed.data.posts.edges.map((e: any) => e.node.id)).not.toContain(draft.gid);
    }
    const own = await t.gql(POST, { slug: draft.slug }, { token: author.token });
    expect(own.data.post).toMatchObject({ id: draft.gid, status: 'DRAFT' });
  });

  it('shows approved comments only, in lists, counts and node(id)', async () => {
    const r = await t.gql(
      `query($slug: String!) { post(slug: $slug) { commentCount comments { totalCount edges { node { body status } } } } }`,
      { slug: published.slug },
    );
    expect(r.data.post.commentCount).toBe(1);
    expect(r.data.post.comments.totalCount).toBe(1);
    expect(r.data.post.comments.edges.map((e: any) => e.node.status)).toEqual(['APPROVED']);
    expect((await t.gql(NODE, { id: pending.gid })).data.node).toBeNull();
    expect((await t.gql(NODE, { id: pending.gid }, { token: other.token })).data.node).toBeNull();
    expect((await t.gql(NODE, { id: pending.gid }, { token: author.token })).data.node.id).toBe(
      pending.gid,
    );
  });

  it('hides hidden entries and submitter emails from the public', async () => {
    const r = await t.gql(ROUNDUP, { slug: linkUpSlug, number: roundup.number });
    expect(r.errors).toBeUndefined();
    expect(r.data.roundup.entryCount).toBe(1);
    expect(r.data.roundup.entries.edges.map((e: any) => e.node.number)).toEqual([1]);
    expect(r.data.roundup.entries.edges[0].node.submitterEmail).toBeNull();
    expect((await t.gql(NODE, { id: hidden.gid })).data.node).toBeNull();
    const hiddenAsked = await t.gql(
      `query($slug: String!, $n: Int!) { roundup(linkUpSlug: $slug, number: $n) { entries(includeHidden: true) { totalCount } } }`,
      { slug: linkUpSlug, n: roundup.number },
      { token: other.token },
    );
    expect(hiddenAsked.data.roundup.entries.totalCount).toBe(1);
    const cohost = await t.gql(
      ROUNDUP,
      { slug: linkUpSlug, number: roundup.number },
      { token: author.token },
    );
    expect(cohost.data.roundup.entries.edges[0].node.submitterEmail).toBe('runner1@test.example');
  });

  it('shows an email to its owner and admins only, also nested and through node(id)', async () => {
    const admin = await f.host({ role: 'ADMIN' });
    const emailsSeenBy = async (token?: string) => {
      const all = await t.gql(HOSTS, { first: 100 }, { token });
      const nested = await t.gql(POST, { slug: published.slug }, { token });
      const node = await t.gql(NODE, { id: author.gid }, { token });
      return [
        ...all.data.hosts.edges.map((e: any) => e.node.email).filter(Boolean),
        nested.data.post.author.email,
        node.data.node.email,
      ].filter(Boolean);
    };
    expect(await emailsSeenBy()).toEqual([]);
    expect(await emailsSeenBy(other.token)).toEqual([other.email]);
    expect(await emailsSeenBy(author.token)).toEqual([author.email, author.email, author.email]);
    expect((await emailsSeenBy(admin.token)).length).toBeGreaterThan(3);
  });
});

describe('link-ups and roundups', () => {
  it('derives status from the clock and picks the current roundup', async () => {
    const host = await f.host();
    const linkUp = await f.linkUp([host.id]);
    const day = 24 * 3600_000;
    const base = Date.now();
    await f.roundup(linkUp.id, [host.id], {
      opens_at: new Date(base - 9 * day),
      closes_at: new Date(base - 7 * day),
    });
    await f.roundup(linkUp.id, [host.id], {
      opens_at: new Date(base - day),
      closes_at: new Date(base + day),
    });
    await f.roundup(linkUp.id, [host.id], {
      opens_at: new Date(base + 6 * day),
      closes_at: new Date(base + 8 * day),
    });
    const query = `query($slug: String!) { linkUp(slug: $slug) {
      currentRoundup { number status } roundups { totalCount edges { node { number status } } }
      open: roundups(status: OPEN) { edges { node { number } } } } }`;
    const now = await t.gql(query, { slug: linkUp.slug });
    expect(now.data.linkUp.currentRoundup).toEqual({ number: 2, status: 'OPEN' });
    expect(now.data.linkUp.roundups.edges.map((e: any) => e.node)).toEqual([
      { number: 3, status: 'SCHEDULED' },
      { number: 2, status: 'OPEN' },
      { number: 1, status: 'CLOSED' },
    ]);
    expect(now.data.linkUp.open.edges).toEqual([{ node: { number: 2 } }]);
    t.clock.set(new Date(base + 3 * day));
    try {
      const later = await t.gql(query, { slug: linkUp.slug });
      expect(later.data.linkUp.currentRoundup).toEqual({ number: 3, status: 'SCHEDULED' });
    } finally {
      t.clock.reset();
    }
  });

  it('lists co-hosts in order with isNew, featured entries and who featured them', async () => {
    const [a, b] = [await f.host(), await f.host()];
    const linkUp = await f.linkUp([a.id, b.id]);
    const roundup = await f.roundup(linkUp.id, []);
    await t.sql(
      'INSERT INTO roundup_cohosts (roundup_id, host_id, position, is_new) VALUES ($1, $2, 1, false), ($1, $3, 2, true)',
      [roundup.id, a.id, b.id],
    );
    const e1 = await f.entry(roundup.id);
    await f.entry(roundup.id);
    await t.sql('INSERT INTO entry_features (entry_id, host_id) VALUES ($1, $2)', [e1.id, b.id]);
    const r = await t.gql(ROUNDUP, { slug: linkUp.slug, number: roundup.number });
    expect(r.data.roundup.cohosts).toEqual([
      { position: 1, isNew: false, host: { slug: a.slug } },
      { position: 2, isNew: true, host: { slug: b.slug } },
    ]);
    expect(r.data.roundup.featured).toEqual([{ number: 1, featuredBy: [{ slug: b.slug }] }]);
  });

  it('costs the same statements for a roundup page of 5 and of 60 entries', async () => {
    const host = await f.host();
    const linkUp = await f.linkUp([host.id]);
    const small = await f.roundup(linkUp.id, [host.id]);
    const large = await f.roundup(linkUp.id, [host.id]);
    for (let i = 0; i < 5; i++) await f.entry(small.id);
    for (let i = 0; i < 60; i++) await f.entry(large.id);
    const a = await t.gql(ROUNDUP, { slug: linkUp.slug, number: small.number });
    const b = await t.gql(ROUNDUP, { slug: linkUp.slug, number: large.number });
    expect(b.data.roundup.entries.edges).toHaveLength(50);
    expect([a.sqlStatements, b.sqlStatements]).toEqual([1, 1]);
  });
});

describe('bad arguments get coded errors', () => {
  it('refuses page sizes over 100 or below 0', async () => {
    for (const first of [1000, 101, -1]) {
      const r = await t.gql(HOSTS, { first });
      expect(r.status).toBe(200);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions.field).toBe('first');
    }
  });

  it('refuses a nested page size over 100 where the nested field resolves', async () => {
    const r = await t.gql(
      '{ posts(first: 2) { edges { node { comments(first: 1000) { totalCount } } } } }',
    );
    expect(codes(r)[0]).toBe('BAD_USER_INPUT');
    expect(r.errors![0].extensions.field).toBe('first');
    expect(r.errors![0].path).toEqual(['posts', 'edges', 0, 'node', 'comments']);
  });

  it('refuses garbage cursors and cursors of another list', async () => {
    const feed = await t.gql(FEED, { first: 1 });
    for (const after of [
      'garbage',
      'WyJ4Il0',
      feed.data.posts.pageInfo.endCursor,
      Buffer.from('[1e400]').toString('base64url'),
    ]) {
      const r = await t.gql(HOSTS, { first: 5, after });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions.field).toBe('after');
    }
  });

  it('refuses malformed ids and returns null for missing ones', async () => {
    for (const id of [
      'nope',
      toGlobalId('Post', 1).slice(1),
      Buffer.from('Planet:1').toString('base64url'),
      '',
    ]) {
      const r = await t.gql(NODE, { id });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions.field).toBe('id');
    }
    const missing = await t.gql(NODE, { id: toGlobalId('Post', '999999999') });
    expect(missing.errors).toBeUndefined();
    expect(missing.data.node).toBeNull();
    const roundup = await t.gql(ROUNDUP, { slug: 'no-such-link-up', number: 1 });
    expect(roundup.data.roundup).toBeNull();
  });

  it('answers a wrong argument type with a validation error and no stack', async () => {
    const r = await t.gql(`{ hosts(first: "ten") { totalCount } }`);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(r.errors)).not.toMatch(/stacktrace|at .*\.ts/);
  });
});

describe('HTTP', () => {
  const base = () => t.url.replace(/\/graphql$/, '');

  it('answers health and readiness as JSON', async () => {
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('opens the Apollo sandbox for a browser GET on /graphql', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/apollo/i);
  });

  it('sends security headers and no CORS grant to an origin that is not allowed', async () => {
    const res = await fetch(t.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const r = await t.gql('{ viewer { id } }');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('grants CORS to the origins in CORS_ORIGINS', async () => {
    const other = await startAnotherApi(t, { CORS_ORIGINS: 'https://blog.example' });
    try {
      const res = await fetch(other.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://blog.example', 'access-control-request-method': 'POST' },
      });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://blog.example');
    } finally {
      await other.stop();
    }
  });

  it('tags every response with a request id', async () => {
    const r = await t.gql('{ viewer { id } }');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
