import { renderPlainText } from '../src/common/text';
import { RunningApi } from '../src/index';
import { codes, gqlAt, snapshot, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { caller, nextIp, refusal } from './helpers/authoring';
import { fixtures, Made, MadeHost, storedHtml } from './helpers/fixtures';

const COMMENT_FIELDS = `id body bodyHtml status depth createdAt
  author { name blogName url displayName host { id } }
  post { id } parent { id }`;
const ADD_COMMENT = `mutation AddComment($input: AddCommentInput!) { addComment(input: $input) { ${COMMENT_FIELDS} } }`;
const MODERATE_COMMENT = `mutation ModerateComment($id: ID!, $status: CommentStatus!) {
  moderateComment(id: $id, status: $status) { id status }
}`;
const POST_COMMENTS = `query PostComments($slug: String!) {
  post(slug: $slug) {
    commentCount
    comments { totalCount edges { node { id replies { id depth replies { id } } } } }
  }
}`;
const QUEUE = `query Queue { moderationQueue { edges { node { id post { id } } } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let call: ReturnType<typeof caller>;
let author: MadeHost;
let admin: MadeHost;
let reader: MadeHost;
let post: Made & { slug: string };
let seq = 0;

/** A guest nobody has seen before. */
const newGuest = (values: Record<string, unknown> = {}) => {
  const n = ++seq;
  return { name: `Guest ${n}`, email: `guest-${n}@readers.example`, ...values };
};

/** A guest with an earlier approved comment on the post. */
const knownGuest = async () => {
  const guest = newGuest();
  await f.comment(post.id, {
    guest_name: guest.name,
    guest_email: guest.email,
    status: 'APPROVED',
  });
  return guest;
};

/** addComment as a guest (anonymous), from a new IP unless given. */
const asGuest = (
  input: Record<string, unknown>,
  options: { ip?: string; userAgent?: string } = {},
) =>
  call(
    ADD_COMMENT,
    { input: { postId: post.gid, body: `Nice post! #${++seq}`, guest: newGuest(), ...input } },
    options,
  );

/** addComment as a signed-in host. */
const asHost = (token: string, input: Record<string, unknown>, options: { ip?: string } = {}) =>
  call(
    ADD_COMMENT,
    { input: { postId: post.gid, body: `Host comment #${++seq}`, ...input } },
    { token, ...options },
  );

const status = (r: any) => (r.errors ? codes(r) : r.data.addComment.status);

beforeAll(async () => {
  t = await startTestApi({ TRUST_PROXY: 'on' });
  f = fixtures(t);
  call = caller(t);
  author = await f.host({ name: 'Maya', blog_name: 'Muddy Shoes' });
  admin = await f.host({ role: 'ADMIN' });
  reader = await f.host({ name: 'Ben', blog_name: null });
  post = await f.post(author.id);
});
afterAll(() => t?.stop());

describe('guest comment rules (WordPress defaults)', () => {
  it('holds the first comment from a new guest PENDING, and returns it with its status and author', async () => {
    const guest = newGuest({
      name: 'Jo Park',
      blogName: 'Jo Runs Far',
      url: 'https://jo.example/',
    });
    const r = await asGuest({ guest, body: 'First time here, lovely post.' });
    expect(r.errors).toBeUndefined();
    expect(r.data.addComment).toMatchObject({
      status: 'PENDING',
      depth: 1,
      body: 'First time here, lovely post.',
      author: {
        name: 'Jo Park',
        blogName: 'Jo Runs Far',
        url: 'https://jo.example/',
        displayName: 'Jo Park @ Jo Runs Far',
        host: null,
      },
      post: { id: post.gid },
      parent: null,
    });
    const page = await call(POST_COMMENTS, { slug: post.slug });
    expect(page.data.post.comments.edges.map((e: any) => e.node.id)).not.toContain(
      r.data.addComment.id,
    );
  });

  it('approves at once a name and email with an earlier approved comment (email in any case)', async () => {
    const guest = newGuest();
    const elsewhere = await f.post(author.id);
    await f.comment(elsewhere.id, {
      guest_name: guest.name,
      guest_email: guest.email,
      status: 'APPROVED',
    });
    expect(status(await asGuest({ guest: { ...guest, email: guest.email.toUpperCase() } }))).toBe(
      'APPROVED',
    );
  });

  it('does not approve the same email under another name, nor a name whose comment is still pending', async () => {
    const guest = newGuest();
    await f.comment(post.id, {
      guest_name: guest.name,
      guest_email: guest.email,
      status: 'APPROVED',
    });
    expect(status(await asGuest({ guest: { ...guest, name: 'Someone Else' } }))).toBe('PENDING');
    const waiting = newGuest();
    await f.comment(post.id, {
      guest_name: waiting.name,
      guest_email: waiting.email,
      status: 'PENDING',
    });
    expect(status(await asGuest({ guest: waiting }))).toBe('PENDING');
  });

  it("approves the post's author at once, links and moderation words included", async () => {
    const r = await asHost(author.token, {
      body: 'Thanks! https://a.example and https://b.example, no crypto here.',
    });
    expect(r.data.addComment).toMatchObject({
      status: 'APPROVED',
      author: {
        name: 'Maya',
        blogName: 'Muddy Shoes',
        displayName: 'Maya @ Muddy Shoes',
        host: { id: author.gid },
      },
    });
  });

  it('approves an admin at once', async () => {
    expect(
      status(
        await asHost(admin.token, { body: 'Admin here: https://a.example https://b.example' }),
      ),
    ).toBe('APPROVED');
  });

  it('holds a comment with 2 or more links PENDING, even from a known guest; 1 link is fine', async () => {
    const guest = newGuest();
    await f.comment(post.id, {
      guest_name: guest.name,
      guest_email: guest.email,
      status: 'APPROVED',
    });
    expect(status(await asGuest({ guest, body: 'My report: https://jo.example/race' }))).toBe(
      'APPROVED',
    );
    const known = await knownGuest();
    expect(
      status(await asGuest({ guest: known, body: 'See https://one.example and www.two.com' })),
    ).toBe('PENDING');
  });

  it.each([
    ['the body', { body: 'Great tips. Also, invest in CRYPTO today.' }],
    ['the blog name', { blogName: 'Crypto Runner' }],
    ['the body, accents aside', { body: 'Le casinò du marathon' }],
  ])(
    'holds a comment matching the moderation list in %s PENDING, even from a known guest',
    async (_where, values) => {
      const known = await knownGuest();
      const { body, ...guestValues } = values as { body?: string };
      expect(
        status(await asGuest({ guest: { ...known, ...guestValues }, ...(body ? { body } : {}) })),
      ).toBe('PENDING');
    },
  );

  it('matches whole words only: "cryptography" is not "crypto"', async () => {
    const known = await knownGuest();
    expect(
      status(await asGuest({ guest: known, body: 'I read about cryptography on my long run.' })),
    ).toBe('APPROVED');
  });

  it.each([
    ['the body', { body: 'Buy cheap pills online' }],
    ['the URL', { guest: { ...newGuest(), url: 'https://viagra.example/' } }],
  ])('marks a comment matching the blocked list in %s as SPAM', async (_where, values) => {
    expect(status(await asGuest(values))).toBe('SPAM');
  });

  it('marks a comment with a filled honeypot (website) as SPAM, and ignores an empty one', async () => {
    expect(status(await asGuest({ website: 'https://bot.example' }))).toBe('SPAM');
    const known = await knownGuest();
    expect(status(await asGuest({ guest: known, website: '' }))).toBe('APPROVED');
  });

  it('refuses the same body from the same email on the same post: CONFLICT, writing nothing', async () => {
    const guest = newGuest();
    const body = 'Same words twice.';
    expect(status(await asGuest({ guest, body }))).toBe('PENDING');
    const before = await snapshot(t);
    const again = await asGuest({ guest: { ...guest, email: guest.email.toUpperCase() }, body });
    expect(refusal(again)).toEqual({ code: 'CONFLICT', field: 'body' });
    expect(await snapshot(t)).toEqual(before);
    // Another guest may say the same thing.
    expect(status(await asGuest({ body }))).toBe('PENDING');
  });

  it('refuses the same body twice from a signed-in host too', async () => {
    expect(status(await asHost(author.token, { body: 'Thanks all!' }))).toBe('APPROVED');
    expect(codes(await asHost(author.token, { body: 'Thanks all!' }))).toEqual(['CONFLICT']);
  });

  it('refuses a second comment from the same email within 15 s: RATE_LIMITED, writing nothing', async () => {
    const guest = newGuest();
    expect(status(await asGuest({ guest }))).toBe('PENDING');
    const before = await snapshot(t);
    const second = await asGuest({ guest, body: 'A different thought.' });
    expect(codes(second)).toEqual(['RATE_LIMITED']);
    expect(second.errors![0].extensions.retryAfter).toEqual(expect.any(Number));
    expect(await snapshot(t)).toEqual(before);
  });

  it('refuses a second comment from the same IP within 15 s: RATE_LIMITED', async () => {
    const ip = nextIp();
    expect(status(await asGuest({}, { ip }))).toBe('PENDING');
    const before = await snapshot(t);
    expect(codes(await asGuest({}, { ip }))).toEqual(['RATE_LIMITED']);
    expect(await snapshot(t)).toEqual(before);
  });

  it("leaves the post's author out of the flood limit, answering one comment after another", async () => {
    const ip = nextIp();
    expect(status(await asHost(author.token, { body: 'Reply one' }, { ip }))).toBe('APPROVED');
    expect(status(await asHost(author.token, { body: 'Reply two' }, { ip }))).toBe('APPROVED');
  });

  it('refuses comments on a post with commentsOpen: false, and on a draft: COMMENTS_CLOSED', async () => {
    const closed = await f.post(author.id, { comments_open: false });
    const before = await snapshot(t);
    expect(codes(await asGuest({ postId: closed.gid }))).toEqual(['COMMENTS_CLOSED']);
    expect(codes(await asHost(author.token, { postId: closed.gid }))).toEqual(['COMMENTS_CLOSED']);
    const draft = await f.post(author.id, { status: 'DRAFT' });
    expect(codes(await asHost(author.token, { postId: draft.gid }))).toEqual(['COMMENTS_CLOSED']);
    // To anyone who cannot see the draft, it does not exist.
    expect(codes(await asGuest({ postId: draft.gid }))).toEqual(['NOT_FOUND']);
    expect(codes(await asHost(reader.token, { postId: draft.gid }))).toEqual(['NOT_FOUND']);
    expect((await snapshot(t)).comments).toEqual(before.comments);
  });

  it.each([
    ['name', { guest: { name: 'n'.repeat(246), email: 'cap@readers.example' } }, 'guest.name'],
    [
      'email',
      { guest: { name: 'Cap', email: `${'e'.repeat(88)}@readers.example` } },
      'guest.email',
    ],
    [
      'URL',
      {
        guest: {
          name: 'Cap',
          email: 'cap@readers.example',
          url: `https://readers.example/${'u'.repeat(177)}`,
        },
      },
      'guest.url',
    ],
    ['body', { body: 'b'.repeat(65_526) }, 'body'],
  ])(
    'caps the %s: one character over is BAD_USER_INPUT naming the field',
    async (_what, input, field) => {
      const before = await snapshot(t);
      expect(refusal(await asGuest(input))).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(await snapshot(t)).toEqual(before);
    },
  );

  it('accepts every field at exactly its cap', async () => {
    const r = await asGuest({
      guest: {
        name: 'n'.repeat(245),
        email: `${'e'.repeat(84)}@readers.example`,
        url: `https://readers.example/${'u'.repeat(176)}`,
        blogName: 'b'.repeat(245),
      },
      body: 'x'.repeat(65_525),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.addComment.body).toHaveLength(65_525);
  });

  it.each([
    ['an email without @', { guest: { name: 'X', email: 'not-an-email' } }, 'guest.email'],
    ['an email with spaces', { guest: { name: 'X', email: 'a b@readers.example' } }, 'guest.email'],
    [
      'a javascript: URL',
      { guest: { name: 'X', email: 'x@readers.example', url: 'javascript:alert(1)' } },
      'guest.url',
    ],
    [
      'an ftp: URL',
      { guest: { name: 'X', email: 'x@readers.example', url: 'ftp://files.example' } },
      'guest.url',
    ],
    ['an empty name', { guest: { name: '  ', email: 'x@readers.example' } }, 'guest.name'],
    ['an empty body', { body: ' \n ' }, 'body'],
    ['no guest when anonymous', { guest: null }, 'guest'],
    ['a malformed postId', { postId: 'nope' }, 'postId'],
  ])('refuses %s with BAD_USER_INPUT', async (_what, input, field) => {
    expect(refusal(await asGuest(input))).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('stores the IP and user agent for spam review, and shows them to no one', async () => {
    const ip = nextIp();
    const r = await asGuest({}, { ip, userAgent: 'RunnerBrowser/1.0' });
    const [row] = await t.sql('SELECT ip, user_agent FROM comments WHERE id = $1', [
      Buffer.from(r.data.addComment.id, 'base64url').toString().split(':')[1],
    ]);
    expect(row).toEqual({ ip, user_agent: 'RunnerBrowser/1.0' });
  });
});

describe('signed-in hosts comment as themselves', () => {
  it('approves another host, shown by their account, without a blog name', async () => {
    const r = await asHost(reader.token, { body: 'Great read, Maya.' });
    expect(r.data.addComment).toMatchObject({
      status: 'APPROVED',
      author: { name: 'Ben', blogName: null, displayName: 'Ben', host: { id: reader.gid } },
    });
    const [row] = await t.sql(
      'SELECT guest_name, guest_email, author_host_id FROM comments WHERE body = $1',
      ['Great read, Maya.'],
    );
    expect(row).toEqual({ guest_name: null, guest_email: null, author_host_id: reader.id });
  });

  it('still screens them and holds them to the flood limit', async () => {
    const [linker, spammer, quick] = [await f.host(), await f.host(), await f.host()];
    expect(
      status(await asHost(linker.token, { body: 'https://a.example https://b.example' })),
    ).toBe('PENDING');
    expect(status(await asHost(spammer.token, { body: 'replica watches' }))).toBe('SPAM');
    expect(status(await asHost(quick.token, { body: 'One' }))).toBe('APPROVED');
    expect(codes(await asHost(quick.token, { body: 'Two' }))).toEqual(['RATE_LIMITED']);
  });

  it('refuses guest details from a signed-in host: BAD_USER_INPUT on guest', async () => {
    expect(refusal(await asHost(reader.token, { guest: newGuest() }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'guest',
    });
  });
});

describe('threads', () => {
  let thread: Made & { slug: string };
  let top: Made;

  beforeAll(async () => {
    thread = await f.post(author.id);
    top = await f.comment(thread.id);
  });

  it('nests replies to depth 5 and refuses depth 6 with BAD_USER_INPUT on parentId', async () => {
    let parent = top.gid;
    for (let depth = 2; depth <= 5; depth++) {
      const r = await asHost(author.token, { postId: thread.gid, parentId: parent });
      expect(r.data.addComment).toMatchObject({
        depth,
        status: 'APPROVED',
        parent: { id: parent },
      });
      parent = r.data.addComment.id;
    }
    const before = await snapshot(t);
    expect(refusal(await asHost(author.token, { postId: thread.gid, parentId: parent }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'parentId',
    });
    expect(refusal(await asGuest({ postId: thread.gid, parentId: parent }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'parentId',
    });
    expect(await snapshot(t)).toEqual(before);
    const page = await call(POST_COMMENTS, { slug: thread.slug });
    const [edge] = page.data.post.comments.edges;
    expect(edge.node.replies[0]).toMatchObject({ depth: 2, replies: [{ id: expect.any(String) }] });
    expect(page.data.post.commentCount).toBe(5);
  });

  it('refuses a parent on another post with BAD_USER_INPUT, and a missing one with NOT_FOUND', async () => {
    const elsewhere = await f.comment(post.id);
    expect(refusal(await asGuest({ postId: thread.gid, parentId: elsewhere.gid }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'parentId',
    });
    const missing = Buffer.from('Comment:999999').toString('base64url');
    expect(codes(await asGuest({ postId: thread.gid, parentId: missing }))).toEqual(['NOT_FOUND']);
    expect(refusal(await asGuest({ postId: thread.gid, parentId: post.gid }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'parentId',
    });
  });

  it('hides a pending parent from guests (NOT_FOUND); the author answering it approves it', async () => {
    const held = await f.comment(thread.id, { status: 'PENDING' });
    expect(codes(await asGuest({ postId: thread.gid, parentId: held.gid }))).toEqual(['NOT_FOUND']);
    expect(codes(await asHost(reader.token, { postId: thread.gid, parentId: held.gid }))).toEqual([
      'NOT_FOUND',
    ]);
    const reply = await asHost(author.token, {
      postId: thread.gid,
      parentId: held.gid,
      body: 'Welcome!',
    });
    expect(reply.data.addComment).toMatchObject({ status: 'APPROVED', parent: { id: held.gid } });
    const [row] = await t.sql('SELECT status FROM comments WHERE id = $1', [held.id]);
    expect(row.status).toBe('APPROVED');
  });

  it('takes no replies to spam, even from the author', async () => {
    const spam = await f.comment(thread.id, { status: 'SPAM' });
    expect(refusal(await asHost(author.token, { postId: thread.gid, parentId: spam.gid }))).toEqual(
      { code: 'BAD_USER_INPUT', field: 'parentId' },
    );
  });
});

describe('moderateComment and the moderation queue', () => {
  it('lets the author approve a pending comment, which then counts and shows', async () => {
    const own = await f.post(author.id);
    const held = await f.comment(own.id, { status: 'PENDING' });
    const queue = await call(QUEUE, {}, { token: author.token });
    expect(queue.data.moderationQueue.edges.map((e: any) => e.node.id)).toContain(held.gid);
    expect((await call(POST_COMMENTS, { slug: own.slug })).data.post.commentCount).toBe(0);

    const r = await call(
      MODERATE_COMMENT,
      { id: held.gid, status: 'APPROVED' },
      { token: author.token },
    );
    expect(r.data.moderateComment).toEqual({ id: held.gid, status: 'APPROVED' });
    const page = await call(POST_COMMENTS, { slug: own.slug });
    expect(page.data.post.commentCount).toBe(1);
    expect(page.data.post.comments.edges.map((e: any) => e.node.id)).toEqual([held.gid]);
    const after = await call(QUEUE, {}, { token: author.token });
    expect(after.data.moderationQueue.edges.map((e: any) => e.node.id)).not.toContain(held.gid);
  });

  it('lets an admin mark any comment spam, which hides it', async () => {
    const own = await f.post(author.id);
    const shown = await f.comment(own.id);
    const r = await call(
      MODERATE_COMMENT,
      { id: shown.gid, status: 'SPAM' },
      { token: admin.token },
    );
    expect(r.data.moderateComment.status).toBe('SPAM');
    expect((await call(POST_COMMENTS, { slug: own.slug })).data.post.commentCount).toBe(0);
  });

  it("shows a host only their own posts' pending comments", async () => {
    const others = await f.post(reader.id);
    const held = await f.comment(others.id, { status: 'PENDING' });
    const queue = await call(QUEUE, {}, { token: author.token });
    expect(queue.data.moderationQueue.edges.map((e: any) => e.node.id)).not.toContain(held.gid);
    const before = await snapshot(t);
    expect(
      codes(
        await call(MODERATE_COMMENT, { id: held.gid, status: 'APPROVED' }, { token: author.token }),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(codes(await call(MODERATE_COMMENT, { id: held.gid, status: 'APPROVED' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(await snapshot(t)).toEqual(before);
  });

  it('gives NOT_FOUND for a comment id of no comment', async () => {
    const missing = Buffer.from('Comment:999999').toString('base64url');
    expect(
      codes(await call(MODERATE_COMMENT, { id: missing, status: 'SPAM' }, { token: admin.token })),
    ).toEqual(['NOT_FOUND']);
  });
});

describe('Comment.bodyHtml: plain text, escaped, line breaks kept, URLs linked as user content', () => {
  /** A new comment's bodyHtml, checked to be what the renderer makes and what is stored. */
  const html = async (body: string) => {
    const r = await asHost(author.token, { body });
    expect(r.errors).toBeUndefined();
    const { id, bodyHtml } = r.data.addComment;
    expect(bodyHtml).toBe(renderPlainText(body));
    expect(await storedHtml(t, id)).toBe(bodyHtml);
    return bodyHtml as string;
  };

  it('escapes script tags instead of running them', async () => {
    expect(await html('<script>alert("x")</script>')).toBe(
      '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;',
    );
  });

  it('escapes event handlers and any other markup', async () => {
    const out = await html('<img src=x onerror="alert(1)"> <b onclick=\'alert(2)\'>bold</b>');
    expect(out).not.toMatch(/<img|<b/);
    expect(out).toBe(
      '&#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#60;b onclick=&#39;alert(2)&#39;&#62;bold&#60;/b&#62;',
    );
  });

  it('never links javascript: or data: URLs', async () => {
    const out = await html('javascript:alert(1) and data:text/html,<script>x</script>');
    expect(out).not.toContain('<a');
    expect(out).not.toContain('<script');
  });

  it('links http(s) URLs with rel="ugc nofollow noopener", escaping them', async () => {
    expect(await html('My race: https://jo.example/race?a=1&b=2 — see you!')).toBe(
      'My race: <a href="https://jo.example/race?a=1&#38;b=2" rel="ugc nofollow noopener">https://jo.example/race?a=1&#38;b=2</a> — see you!',
    );
  });

  it('keeps a quote in a URL from breaking out of the attribute', async () => {
    const out = await html('https://jo.example/"onmouseover="alert(1)');
    expect(out).not.toMatch(/"\s*onmouseover=/);
  });

  it('keeps line breaks', async () => {
    expect(await html('Line one\nLine two\r\n\r\nAfter a blank line')).toBe(
      'Line one<br>\nLine two<br>\n<br>\nAfter a blank line',
    );
  });
});

describe('word lists and the link limit from configuration', () => {
  let configured: RunningApi;
  let callConfigured: ReturnType<typeof caller>;

  beforeAll(async () => {
    // A second instance with its own rules (the defaults are above).
    configured = await startAnotherApi(t, {
      TRUST_PROXY: 'on',
      COMMENT_MODERATION_WORDS: ' tempo run , Parkrun',
      COMMENT_BLOCKED_WORDS: 'energy gel',
      COMMENT_HOLD_LINKS: '1',
    });
    callConfigured = caller({ gql: (...args) => gqlAt(configured.url, ...args) });
  });
  afterAll(() => configured?.stop());

  const comment = async (body: string) =>
    status(
      await callConfigured(ADD_COMMENT, {
        input: { postId: post.gid, body, guest: await knownGuest() },
      }),
    );

  it('replaces the default lists, matching whole words whatever the case', async () => {
    expect(await comment('My TEMPO RUN went well.')).toBe('PENDING');
    expect(await comment('See you at parkrun!')).toBe('PENDING');
    expect(await comment('Try this energy gel.')).toBe('SPAM');
    // Default words are no longer on the lists; the same comment is screened on the default instance.
    expect(await comment('I lost my crypto wallet on the trail.')).toBe('APPROVED');
    expect(await comment('Buy cheap pills online')).toBe('APPROVED');
    expect(
      status(await asGuest({ guest: await knownGuest(), body: 'Buy cheap pills online' })),
    ).toBe('SPAM');
  });

  it('holds a comment at the configured number of links', async () => {
    expect(await comment('My race report: https://jo.example/race')).toBe('PENDING');
    expect(await comment('No links at all.')).toBe('APPROVED');
  });
});
