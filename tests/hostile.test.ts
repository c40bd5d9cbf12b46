import { SignJWT } from 'jose';
import { toGlobalId } from '../src/common/ids';
import { encodeCursor } from '../src/common/pagination';
import { codes, GqlResult, snapshot, startTestApi, TEST_JWT_SECRET, TestApi } from './helpers/api';
import { fixtures, MadeHost } from './helpers/fixtures';
import { MAX_VARIABLE_DEPTH } from '../src/server/input-guard';

/**
 * Hostile input through HTTP: every case gets a coded error (or its text is stored as text),
 * the server keeps serving, and a refused request leaves every table as it was.
 */

const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { id title body bodyHtml excerpt tags } }`;
const ADD_COMMENT = `mutation($input: AddCommentInput!) { addComment(input: $input) { id body bodyHtml status author { displayName } } }`;
const SUBMIT_ENTRY = `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { id number title url blogName } }`;
const UPDATE_PROFILE = `mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { name bio blogName } }`;
const CREATE_LINK_UP = `mutation($input: CreateLinkUpInput!) { createLinkUp(input: $input) { id name description } }`;
const HOSTS = `query($first: Int, $after: String) { hosts(first: $first, after: $after) { totalCount } }`;
const NODE = `query($id: ID!) { node(id: $id) { id } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let host: MadeHost;
let admin: MadeHost;
let postGid: string;
let roundupGid: string;

beforeAll(async () => {
  t = await startTestApi({ RATE_LIMITS: 'off' });
  f = fixtures(t);
  host = await f.host();
  admin = await f.host({ role: 'ADMIN' });
  const post = await f.post(host.id, { comments_open: true });
  postGid = post.gid;
  const linkUp = await f.linkUp([host.id]);
  roundupGid = (await f.roundup(linkUp.id, [host.id])).gid;
});
afterAll(() => t?.stop());

async function raw(
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(t.url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the assertion on the code fails below
  }
  return { status: res.status, json, text };
}

function codeOf(r: { json: any }): string | undefined {
  return r.json?.errors?.[0]?.extensions?.code;
}

async function expectServing() {
  const r = await t.gql('{ hosts(first: 1) { totalCount } }');
  expect(r.errors).toBeUndefined();
}

/** Runs `send`, expects the code (and field), a clean message, and no change to any table. */
async function refused(
  send: () => Promise<GqlResult | { status: number; json: any; text: string }>,
  code: string,
  field?: string,
) {
  const before = await snapshot(t);
  const r: any = await send();
  const errors = 'json' in r ? r.json?.errors : r.errors;
  expect(errors?.[0]?.extensions?.code).toBe(code);
  if (field) expect(errors[0].extensions.field).toBe(field);
  expect(JSON.stringify(errors)).not.toMatch(/stacktrace|node_modules|\.ts:\d+|SELECT |INSERT /);
  expect(await snapshot(t)).toEqual(before);
  await expectServing();
}

const entry = (over: Record<string, unknown> = {}) => ({
  roundupId: roundupGid,
  title: 'My long run',
  url: `https://runner.example/${Math.random().toString(36).slice(2)}`,
  name: 'Runner',
  email: 'runner@test.example',
  ...over,
});
const comment = (over: Record<string, unknown> = {}) => ({
  postId: postGid,
  body: `A fine post ${Math.random()}`,
  guest: { name: 'Guest', email: 'guest@test.example' },
  ...over,
});
const linkUp = (over: Record<string, unknown> = {}) => ({
  name: 'Hostile link-up',
  weekday: 'MONDAY',
  opensAtTime: '09:00',
  hoursOpen: 48,
  timeZone: 'UTC',
  cohostIds: [host.gid],
  ...over,
});

describe('transport', () => {
  it('refuses a body over 100 KB with 413', async () => {
    const r = await raw(
      JSON.stringify({ query: `{ hosts { totalCount } } #${'x'.repeat(110_000)}` }),
    );
    expect(r.status).toBe(413);
    expect(codeOf(r)).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['malformed JSON', '{"query": "{ hosts { totalCount } }"'],
    ['a JSON string', '"{ hosts { totalCount } }"'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['an empty body', ''],
  ])('refuses %s with 400', async (_name, body) => {
    const r = await raw(body as string);
    expect(r.status).toBe(400);
    expect(r.json?.errors?.[0]?.extensions?.code ?? 'BAD_REQUEST').toBe('BAD_REQUEST');
    await expectServing();
  });

  it.each([
    [
      'a batch (array of operations)',
      JSON.stringify([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]),
    ],
    ['a non-string query', JSON.stringify({ query: 42 })],
    [
      'variables that are not an object',
      JSON.stringify({ query: '{ viewer { id } }', variables: [1] }),
    ],
    ['no query at all', JSON.stringify({ variables: {} })],
  ])('refuses %s with 400', async (_name, body) => {
    const r = await raw(body);
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/node_modules|\.ts:\d+/);
    await expectServing();
  });

  // What a cross-site page can send without a CORS preflight: never a JSON body, so never an
  // operation (Apollo's CSRF prevention is off: sessions are bearer tokens, never cookies).
  it.each([
    ['text/plain', JSON.stringify({ query: 'mutation { deletePost(id: "UG9zdDox") }' })],
    [
      'application/x-www-form-urlencoded',
      'query=mutation%20%7B%20deletePost(id%3A%20%22UG9zdDox%22)%20%7D',
    ],
  ])('refuses a cross-site simple request (%s) with 400', async (type, body) => {
    const r = await raw(body, { 'content-type': type });
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('BAD_REQUEST');
  });

  it('refuses a mutation over GET', async () => {
    const query = encodeURIComponent(
      'mutation { signIn(email: "a@b.example", password: "x") { token } }',
    );
    const res = await fetch(`${t.url}?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(405);
  });

  it.each([
    ['an unknown operation name', { query: 'query A { viewer { id } }', operationName: 'B' }],
    [
      'two operations and no name',
      { query: 'query A { viewer { id } } query B { viewer { id } }' },
    ],
  ])('refuses %s', async (_name, body) => {
    const r = await raw(JSON.stringify(body));
    expect(r.status).toBe(400);
    expect(['OPERATION_RESOLUTION_FAILURE', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']).toContain(
      codeOf(r),
    );
  });
});

describe('query shape', () => {
  const nest = (depth: number) => {
    let q = '{ id }';
    for (let i = 0; i < depth; i++) q = `{ parent ${q} }`;
    return `query($id: ID!) { node(id: $id) { ... on Comment ${q} } }`;
  };

  it.each([
    ['a deep query', nest(20), 'QUERY_TOO_COMPLEX'],
    [
      'an alias bomb',
      `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
      'QUERY_TOO_COMPLEX',
    ],
    [
      'a cost bomb',
      '{ posts(first: 100) { edges { node { comments(first: 100) { edges { node { replies { replies { body } } } } } } } } }',
      'QUERY_TOO_COMPLEX',
    ],
    ['a token bomb', `{ viewer { ${'id '.repeat(3000)} } }`, 'GRAPHQL_PARSE_FAILED'],
    ['a syntax error', '{ viewer { id ', 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', '{ viewer { password } }', 'GRAPHQL_VALIDATION_FAILED'],
    [
      'circular fragments',
      '{ viewer { ...A } } fragment A on Host { ...B } fragment B on Host { ...A }',
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'an unused fragment',
      '{ viewer { id } } fragment A on Host { id }',
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a repeated directive',
      '{ viewer @include(if: true) @include(if: true) { id } }',
      'GRAPHQL_VALIDATION_FAILED',
    ],
    ['an unknown directive', '{ viewer @explode { id } }', 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a subscription (they run over WebSocket)',
      'subscription { entryEvents(roundupId: "Um91bmR1cDox") { kind } }',
      'BAD_REQUEST',
    ],
    [
      'an unknown type in a fragment',
      '{ viewer { ... on Planet { id } } }',
      'GRAPHQL_VALIDATION_FAILED',
    ],
  ])('refuses %s', async (_name, query, code) => {
    await refused(() => t.gql(query, { id: toGlobalId('Comment', 1) }), code);
  });

  it('refuses a fragment bomb by cost or depth', async () => {
    const fragments = Array.from({ length: 8 }, (_, i) =>
      i === 7
        ? `fragment F${i} on Host { id name }`
        : `fragment F${i} on Host { ...F${i + 1} posts(first: 100) { edges { node { author { ...F${i + 1} } } } } }`,
    ).join(' ');
    const r = await t.gql(`{ hosts(first: 100) { edges { node { ...F0 } } } } ${fragments}`);
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    await expectServing();
  });

  it("prices `first: $n` at each request's value, although a fixed cost is kept per document", async () => {
    const query = `query($n: Int) { posts(first: $n) { edges { node {
      comments(first: $n) { edges { node { replies { replies { body } } } } } } } } }`;
    expect(codes(await t.gql(query, { n: 2 }))).toEqual([]);
    expect(codes(await t.gql(query, { n: 100 }))).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('arguments', () => {
  it.each([
    [-1, 'BAD_USER_INPUT'],
    [101, 'BAD_USER_INPUT'],
    [1_000_000, 'BAD_USER_INPUT'],
    [2 ** 31, 'BAD_USER_INPUT'],
    [1.5, 'BAD_USER_INPUT'],
    ['10', 'BAD_USER_INPUT'],
    [true, 'BAD_USER_INPUT'],
    [{ n: 1 }, 'BAD_USER_INPUT'],
  ])('refuses first = %p', async (first, code) => {
    await refused(() => t.gql(HOSTS, { first }), code);
  });

  it.each([
    'garbage',
    '',
    encodeCursor(['1; DROP TABLE hosts']),
    encodeCursor(["1' OR '1'='1"]),
    encodeCursor(['99999999999999999999999']),
    encodeCursor(['0']),
    encodeCursor(['-5']),
    encodeCursor(['1', '2']),
    encodeCursor([]),
    Buffer.from('{"id":1}').toString('base64url'),
    Buffer.from('[null]').toString('base64url'),
    'W10=',
  ])('refuses the cursor %p', async (after) => {
    await refused(() => t.gql(HOSTS, { first: 5, after }), 'BAD_USER_INPUT', 'after');
  });

  it.each([
    'garbage',
    Buffer.from('Post:1 OR 1=1').toString('base64url'),
    Buffer.from('Post:-1').toString('base64url'),
    Buffer.from('Post:0').toString('base64url'),
    Buffer.from('Post:123456789012345678901').toString('base64url'),
    Buffer.from('Planet:1').toString('base64url'),
    Buffer.from("Host:1'--").toString('base64url'),
    Buffer.from('Host:1 ').toString('base64url'),
  ])('refuses the id %p', async (id) => {
    await refused(() => t.gql(NODE, { id }), 'BAD_USER_INPUT', 'id');
  });

  it.each([
    ['a wrong variable type', HOSTS, { first: 'many' }],
    ['a missing required variable', NODE, {}],
    ['a null for a non-null variable', NODE, { id: null }],
    ['an unknown input field', CREATE_POST, { input: { title: 'x', body: 'y', evil: true } }],
    [
      'an invalid enum',
      `mutation($id: ID!) { moderateComment(id: $id, status: DELETED) { id } }`,
      { id: toGlobalId('Comment', 1) },
    ],
  ])('refuses %s', async (_name, query, variables) => {
    const r = await t.gql(query, variables, { token: admin.token });
    expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(codes(r)[0]);
    await expectServing();
  });
});

describe('tokens', () => {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const sign = (claims: Record<string, unknown>, secret = key) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('roundup-api').sign(secret);
  const unsigned = (payload: object) =>
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

  it.each([
    ['an expired token', async () => sign({ sub: '1', exp: Math.floor(Date.now() / 1000) - 60 })],
    [
      'a token signed with another secret',
      async () => sign({ sub: '1' }, new TextEncoder().encode('x'.repeat(48))),
    ],
    ['an alg:none token', async () => unsigned({ sub: '1', iss: 'roundup-api' })],
    ['a token for a host that does not exist', async () => sign({ sub: '987654321' })],
    // Well signed for a real admin, but not under the admin's current password.
    ['a token with no password stamp', async () => sign({ sub: admin.id })],
    ['a token with a stale password stamp', async () => sign({ sub: admin.id, pwd: 'stale' })],
    ['a token with a non-numeric subject', async () => sign({ sub: "1' OR '1'='1" })],
    [
      'a token from another issuer',
      async () =>
        new SignJWT({ sub: '1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('evil').sign(key),
    ],
    ['garbage', async () => 'not.a.token'],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await sign({ sub: '1' })).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ sub: '2', iss: 'roundup-api' })).toString('base64url')}.${s}`;
      },
    ],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_name, make) => {
    const r = await t.gql('{ viewer { id } }', {}, { token: await make() });
    expect(r.status).toBe(401);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'bearer', 'Token abc'])(
    'refuses the header %p',
    async (authorization) => {
      const r = await t.gql('{ viewer { id } }', {}, { headers: { authorization } });
      expect(r.status).toBe(401);
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    },
  );
});

describe('text fields', () => {
  const PAYLOADS = [
    "'; DROP TABLE posts; --",
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '" OR "1"="1',
    '${7*7} {{7*7}} <%= 7*7 %>',
    '../../../../etc/passwd',
    'Runner 🏃‍♀️ ünïcödé ✓',
    '\u202Eevil right-to-left',
    '%00%27%22',
    '<a href="javascript:alert(1)">x</a>',
  ];

  it.each(PAYLOADS)(
    'stores %p as text in posts, comments, entries, profiles and link-ups',
    async (payload) => {
      const post = await t.gql(
        CREATE_POST,
        {
          input: { title: payload, body: payload, excerpt: payload, tags: [payload.slice(0, 30)] },
        },
        { token: host.token },
      );
      expect(post.errors).toBeUndefined();
      expect(post.data.createPost).toMatchObject({ title: payload.trim(), body: payload.trim() });
      expect(post.data.createPost.bodyHtml).not.toMatch(/<script|onerror=|javascript:/i);

      const c = await t.gql(ADD_COMMENT, {
        input: comment({
          body: `${payload} ${Math.random()}`,
          guest: { name: payload, email: 'payload@test.example' },
        }),
      });
      expect(c.errors).toBeUndefined();
      expect(c.data.addComment.body.startsWith(payload.trim())).toBe(true);
      expect(c.data.addComment.bodyHtml).not.toMatch(/<script|<img|href="javascript:/i);

      const e = await t.gql(SUBMIT_ENTRY, {
        input: entry({ title: payload, name: payload, blogName: payload }),
      });
      expect(e.errors).toBeUndefined();
      expect(e.data.submitEntry.title).toBe(payload.trim());

      const p = await t.gql(
        UPDATE_PROFILE,
        { input: { bio: payload, blogName: payload } },
        { token: host.token },
      );
      expect(p.errors).toBeUndefined();
      expect(p.data.updateProfile.bio).toBe(payload.trim());

      const l = await t.gql(
        CREATE_LINK_UP,
        { input: linkUp({ name: `${payload} ${Math.random()}`, description: payload }) },
        { token: admin.token },
      );
      expect(l.errors).toBeUndefined();
      expect(l.data.createLinkUp.description).toBe(payload.trim());
      const [{ count }] = await t.sql('SELECT count(*)::int AS count FROM hosts');
      expect(count).toBeGreaterThan(1);
    },
  );

  it.each([
    [
      'a NUL byte in a post title',
      CREATE_POST,
      () => ({ input: { title: 'a\u0000b', body: 'x' } }),
      'host',
      'input.title',
    ],
    [
      'a NUL byte in a comment body',
      ADD_COMMENT,
      () => ({ input: comment({ body: 'hi\u0000' }) }),
      'anon',
      'input.body',
    ],
    [
      'a control character in a guest name',
      ADD_COMMENT,
      () => ({ input: comment({ guest: { name: 'G\u0007', email: 'g@test.example' } }) }),
      'anon',
      'input.guest.name',
    ],
    [
      'a NUL byte in an entry URL',
      SUBMIT_ENTRY,
      () => ({ input: entry({ url: 'https://a.example/\u0000' }) }),
      'anon',
      'input.url',
    ],
    [
      'an escape character in a bio',
      UPDATE_PROFILE,
      () => ({ input: { bio: '\u001b[31mred' } }),
      'host',
      'input.bio',
    ],
  ])('refuses %s', async (_name, query, variables, who, field) => {
    await refused(
      () => t.gql(query, variables(), { token: who === 'host' ? host.token : undefined }),
      'BAD_USER_INPUT',
      field,
    );
  });

  it.each([
    ['lists', HOSTS, 'after', '['.repeat(8000) + ']'.repeat(8000), '[0]'],
    ['objects', CREATE_POST, 'input', '{"a":'.repeat(8000) + '1' + '}'.repeat(8000), '.a'],
  ])(
    'refuses variables of %s nested 8,000 deep with 400 BAD_USER_INPUT',
    async (_what, query, name, deep, step) => {
      const body = `{"query":${JSON.stringify(query)},"variables":{"${name}":${deep}}}`;
      expect(body.length).toBeLessThan(50_000);
      const r = await raw(body);
      expect(r.status).toBe(400);
      expect(r.json.errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: name + step.repeat(MAX_VARIABLE_DEPTH - 1),
      });
      await refused(() => raw(body), 'BAD_USER_INPUT');
    },
  );

  it('refuses a NUL byte written inline in the document', async () => {
    await refused(() => t.gql(`{ post(slug: "a\\u0000b") { id } }`), 'BAD_USER_INPUT', 'slug');
  });

  it.each([
    [
      'an oversized post title',
      CREATE_POST,
      () => ({ input: { title: 'x'.repeat(5000), body: 'x' } }),
      'title',
    ],
    ['an empty post title', CREATE_POST, () => ({ input: { title: '   ', body: 'x' } }), 'title'],
    [
      'an oversized tag list',
      CREATE_POST,
      () => ({
        input: { title: 'x', body: 'x', tags: Array.from({ length: 500 }, (_, i) => `t${i}`) },
      }),
      'tags',
    ],
    [
      'an oversized entry title',
      SUBMIT_ENTRY,
      () => ({ input: entry({ title: 'x'.repeat(5000) }) }),
      'title',
    ],
    [
      'an oversized guest name',
      ADD_COMMENT,
      () => ({ input: comment({ guest: { name: 'x'.repeat(246), email: 'g@test.example' } }) }),
      'name',
    ],
    [
      'an oversized guest email',
      ADD_COMMENT,
      () => ({ input: comment({ guest: { name: 'G', email: `${'x'.repeat(95)}@test.example` } }) }),
      'email',
    ],
    [
      'an invalid guest email',
      ADD_COMMENT,
      () => ({ input: comment({ guest: { name: 'G', email: 'not an email' } }) }),
      'email',
    ],
    [
      'an invalid entry email',
      SUBMIT_ENTRY,
      () => ({ input: entry({ email: 'nobody' }) }),
      'email',
    ],
    [
      'an oversized link-up name',
      CREATE_LINK_UP,
      () => ({ input: linkUp({ name: 'x'.repeat(5000) }) }),
      'name',
    ],
    [
      'an unknown time zone',
      CREATE_LINK_UP,
      () => ({ input: linkUp({ timeZone: "Europe/Nowhere'; --" }) }),
      'timeZone',
    ],
    [
      'a bad opening time',
      CREATE_LINK_UP,
      () => ({ input: linkUp({ opensAtTime: '25:99' }) }),
      'opensAtTime',
    ],
    [
      'negative hours open',
      CREATE_LINK_UP,
      () => ({ input: linkUp({ hoursOpen: -5 }) }),
      'hoursOpen',
    ],
  ])('refuses %s naming the field', async (_name, query, variables, field) => {
    const before = await snapshot(t);
    const r = await t.gql(query, variables(), {
      token: query === CREATE_LINK_UP ? admin.token : host.token,
    });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(String(r.errors![0].extensions.field)).toMatch(new RegExp(`(^|\\.)${field}$`));
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('URLs', () => {
  const BAD = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'ftp://files.example/x',
    'file:///etc/passwd',
    '//evil.example/x',
    'http://',
    'not a url',
  ];

  it.each(BAD)('refuses %p as an entry URL', async (url) => {
    await refused(() => t.gql(SUBMIT_ENTRY, { input: entry({ url }) }), 'BAD_USER_INPUT', 'url');
  });

  it.each(BAD.slice(0, 7))(
    'refuses %p as an entry image, a guest URL and a blog URL',
    async (url) => {
      await refused(
        () => t.gql(SUBMIT_ENTRY, { input: entry({ imageUrl: url }) }),
        'BAD_USER_INPUT',
        'imageUrl',
      );
      const r = await t.gql(ADD_COMMENT, {
        input: comment({ guest: { name: 'G', email: 'g@test.example', url } }),
      });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      const p = await t.gql(UPDATE_PROFILE, { input: { blogUrl: url } }, { token: host.token });
      expect(codes(p)).toEqual(['BAD_USER_INPUT']);
    },
  );
});
