import { codes, snapshot, startTestApi, TestApi } from './helpers/api';
import { caller, refusal } from './helpers/authoring';
import { fixtures, Made, MadeHost, PASSWORD } from './helpers/fixtures';

const SIGN_IN = `mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { token host { id slug email role } }
}`;
const VIEWER = `query Viewer { viewer { id slug name email role } }`;
const CREATE_HOST = `mutation CreateHost($input: CreateHostInput!) {
  createHost(input: $input) { id slug name email role blogName blogUrl bio avatarUrl }
}`;
const UPDATE_PROFILE = `mutation UpdateProfile($input: UpdateProfileInput!) {
  updateProfile(input: $input) { id name blogName blogUrl bio avatarUrl email }
}`;
const CREATE_POST = `mutation CreatePost($input: CreatePostInput!) {
  createPost(input: $input) { id slug status author { id } }
}`;
const UPDATE_POST = `mutation UpdatePost($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id title } }`;
const PUBLISH_POST = `mutation PublishPost($id: ID!) { publishPost(id: $id) { id status publishedAt } }`;
const UNPUBLISH_POST = `mutation UnpublishPost($id: ID!) { unpublishPost(id: $id) { id status } }`;
const DELETE_POST = `mutation DeletePost($id: ID!) { deletePost(id: $id) }`;
const ADD_COMMENT = `mutation AddComment($input: AddCommentInput!) {
  addComment(input: $input) { id status author { displayName host { id } } }
}`;
const MODERATE_COMMENT = `mutation ModerateComment($id: ID!, $status: CommentStatus!) {
  moderateComment(id: $id, status: $status) { id status }
}`;

const POST_BY_SLUG = `query Post($slug: String!) { post(slug: $slug) { id } }`;
const NODE = `query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Host { email }
    ... on Post { postStatus: status }
    ... on Comment { commentStatus: status }
  }
}`;
const DRAFTS = `query Drafts { posts(filter: { status: DRAFT }) { edges { node { id } } totalCount } }`;
const HOST_PAGE = `query HostPage($slug: String!) {
  host(slug: $slug) { email posts { edges { node { id } } totalCount } }
}`;
const POST_PAGE = `query PostPage($slug: String!) {
  post(slug: $slug) {
    commentCount
    author { email }
    comments { totalCount edges { node { id author { displayName host { email } } replies { id } } } }
  }
}`;
const HOSTS = `query Hosts { hosts(first: 100) { edges { node { slug email } } } }`;
const QUEUE = `query Queue { moderationQueue { edges { node { id } } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let call: ReturnType<typeof caller>;
let admin: MadeHost;
let plain: MadeHost;
let seq = 0;
const unique = () => ++seq;

beforeAll(async () => {
  t = await startTestApi({ TRUST_PROXY: 'on' });
  f = fixtures(t);
  call = caller(t);
  admin = await f.host({ role: 'ADMIN', name: 'Admin' });
  plain = await f.host({ name: 'Plain Host' });
});
afterAll(() => t?.stop());

describe('signIn and viewer', () => {
  it('returns a token that signs the host in', async () => {
    const host = await f.host();
    const r = await call(SIGN_IN, { email: host.email.toUpperCase(), password: PASSWORD });
    expect(r.errors).toBeUndefined();
    expect(r.data.signIn.host).toEqual({
      id: host.gid,
      slug: host.slug,
      email: host.email,
      role: 'HOST',
    });
    const viewer = await call(VIEWER, {}, { token: r.data.signIn.token });
    expect(viewer.data.viewer).toMatchObject({ id: host.gid, email: host.email });
  });

  it('gives the same UNAUTHENTICATED error for a wrong password and an unknown email', async () => {
    const host = await f.host();
    const wrong = await call(SIGN_IN, { email: host.email, password: 'not the password' });
    const unknown = await call(SIGN_IN, { email: 'nobody@test.example', password: PASSWORD });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
    expect(wrong.data).toBeNull();
  });

  it('answers viewer with null when anonymous', async () => {
    expect((await call(VIEWER)).data.viewer).toBeNull();
  });

  it('refuses a forged token and a token of a host that no longer exists: 401 UNAUTHENTICATED', async () => {
    const forged = await call(VIEWER, {}, { token: `${plain.token.slice(0, -4)}AAAA` });
    expect(codes(forged)).toEqual(['UNAUTHENTICATED']);
    expect(forged.status).toBe(401);
    const gone = await f.host();
    await t.sql('DELETE FROM hosts WHERE id = $1', [gone.id]);
    const stale = await call(VIEWER, {}, { token: gone.token });
    expect(codes(stale)).toEqual(['UNAUTHENTICATED']);
    expect(stale.status).toBe(401);
  });
});

describe('createHost', () => {
  const input = (values: Record<string, unknown> = {}) => {
    const n = unique();
    return {
      email: `new${n}@test.example`,
      password: 'a long password',
      name: `New Host ${n}`,
      ...values,
    };
  };

  it('creates a host who can sign in, with a slug made from the name', async () => {
    const r = await call(
      CREATE_HOST,
      {
        input: input({
          name: '  Lucía Ferrer-Núñez ',
          blogName: 'Ultra Curious',
          blogUrl: 'https://ultra.example',
          bio: 'Hi',
        }),
      },
      { token: admin.token },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.createHost).toMatchObject({
      slug: 'lucia-ferrer-nunez',
      name: 'Lucía Ferrer-Núñez',
      role: 'HOST',
      blogUrl: 'https://ultra.example',
    });
    const signIn = await call(SIGN_IN, {
      email: r.data.createHost.email,
      password: 'a long password',
    });
    expect(signIn.errors).toBeUndefined();
    const [row] = await t.sql('SELECT password_hash FROM hosts WHERE slug = $1', [
      'lucia-ferrer-nunez',
    ]);
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('a long password');
  });

  it('numbers clashing slugs and takes a given one', async () => {
    const a = await call(
      CREATE_HOST,
      { input: input({ name: 'Same Name' }) },
      { token: admin.token },
    );
    const b = await call(
      CREATE_HOST,
      { input: input({ name: 'Same Name' }) },
      { token: admin.token },
    );
    const c = await call(
      CREATE_HOST,
      { input: input({ name: 'Same Name', slug: 'chosen-slug' }) },
      { token: admin.token },
    );
    expect([a.data.createHost.slug, b.data.createHost.slug, c.data.createHost.slug]).toEqual([
      'same-name',
      'same-name-2',
      'chosen-slug',
    ]);
  });

  it('creates admins when asked', async () => {
    const r = await call(CREATE_HOST, { input: input({ role: 'ADMIN' }) }, { token: admin.token });
    expect(r.data.createHost.role).toBe('ADMIN');
  });

  it.each([
    [
      'an email in use (any case)',
      () => ({ email: plain.email.toUpperCase() }),
      { code: 'CONFLICT', field: 'email' },
    ],
    ['a slug in use', () => ({ slug: plain.slug }), { code: 'CONFLICT', field: 'slug' }],
    ['a malformed slug', () => ({ slug: 'Not A Slug' }), { code: 'BAD_USER_INPUT', field: 'slug' }],
    [
      'a malformed email',
      () => ({ email: 'no-at-sign' }),
      { code: 'BAD_USER_INPUT', field: 'email' },
    ],
    [
      'a short password',
      () => ({ password: 'short' }),
      { code: 'BAD_USER_INPUT', field: 'password' },
    ],
    ['an empty name', () => ({ name: '   ' }), { code: 'BAD_USER_INPUT', field: 'name' }],
    [
      'a javascript: blog URL',
      () => ({ blogUrl: 'javascript:alert(1)' }),
      { code: 'BAD_USER_INPUT', field: 'blogUrl' },
    ],
  ])('refuses %s and writes nothing', async (_name, values, expected) => {
    const before = await snapshot(t);
    const r = await call(CREATE_HOST, { input: input(values()) }, { token: admin.token });
    expect(refusal(r)).toEqual(expected);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('updateProfile', () => {
  it('changes the given fields of the viewer only, and null clears optional ones', async () => {
    const host = await f.host({ bio: 'Old bio', blog_url: 'https://old.example' });
    const other = await t.sql('SELECT * FROM hosts WHERE id = $1', [plain.id]);
    const r = await call(
      UPDATE_PROFILE,
      { input: { name: 'Renamed', bio: 'New bio', blogUrl: null } },
      { token: host.token },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.updateProfile).toMatchObject({
      id: host.gid,
      name: 'Renamed',
      bio: 'New bio',
      blogUrl: null,
      blogName: expect.any(String),
    });
    expect(await t.sql('SELECT * FROM hosts WHERE id = $1', [plain.id])).toEqual(other);
  });

  it('refuses to clear the name', async () => {
    const r = await call(UPDATE_PROFILE, { input: { name: null } }, { token: plain.token });
    expect(refusal(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('changes the password only with the current one', async () => {
    const host = await f.host();
    const before = await snapshot(t);
    const missing = await call(
      UPDATE_PROFILE,
      { input: { password: 'brand new password' } },
      { token: host.token },
    );
    expect(refusal(missing)).toEqual({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    const wrong = await call(
      UPDATE_PROFILE,
      { input: { password: 'brand new password', currentPassword: 'a wrong guess' } },
      { token: host.token },
    );
    expect(refusal(wrong)).toEqual({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    expect(await snapshot(t)).toEqual(before);

    const ok = await call(
      UPDATE_PROFILE,
      { input: { password: 'brand new password', currentPassword: PASSWORD } },
      { token: host.token },
    );
    expect(ok.errors).toBeUndefined();
    expect(codes(await call(SIGN_IN, { email: host.email, password: PASSWORD }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      (await call(SIGN_IN, { email: host.email, password: 'brand new password' })).errors,
    ).toBeUndefined();
  });

  it('changes the sign-in email only with the current password, and never to a taken one', async () => {
    const host = await f.host();
    const other = await f.host();
    const change = (input: Record<string, unknown>) =>
      call(UPDATE_PROFILE, { input }, { token: host.token });
    const before = await snapshot(t);
    expect(refusal(await change({ email: 'new@test.example' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'currentPassword',
    });
    expect(
      refusal(await change({ email: 'new@test.example', currentPassword: 'a wrong guess' })),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    expect(refusal(await change({ email: 'not an email', currentPassword: PASSWORD }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
    expect(refusal(await change({ email: null }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
    expect(
      refusal(await change({ email: other.email.toUpperCase(), currentPassword: PASSWORD })),
    ).toEqual({ code: 'CONFLICT', field: 'email' });
    expect(await snapshot(t)).toEqual(before);

    const ok = await change({ email: 'new@test.example', currentPassword: PASSWORD });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.updateProfile.email).toBe('new@test.example');
    expect(codes(await call(SIGN_IN, { email: host.email, password: PASSWORD }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect((await call(SIGN_IN, { email: 'NEW@test.example', password: PASSWORD })).errors).toBe(
      undefined,
    );
    // The session it was changed from goes on.
    expect((await call('{ viewer { email } }', {}, { token: host.token })).data.viewer.email).toBe(
      'new@test.example',
    );
  });

  it('signs out every earlier token when the password changes, and no other edit does', async () => {
    const host = await f.host();
    const signedIn = await call(SIGN_IN, { email: host.email, password: PASSWORD });
    const tokens = [host.token, signedIn.data.signIn.token];
    const viewerWith = (token: string) => call('{ viewer { id } }', {}, { token });

    const renamed = await call(
      UPDATE_PROFILE,
      { input: { bio: 'Still me' } },
      { token: tokens[0] },
    );
    expect(renamed.errors).toBeUndefined();
    for (const token of tokens) expect((await viewerWith(token)).data.viewer.id).toBe(host.gid);

    const changed = await call(
      UPDATE_PROFILE,
      { input: { password: 'brand new password', currentPassword: PASSWORD } },
      { token: tokens[1] },
    );
    expect(changed.errors).toBeUndefined();
    for (const token of tokens) {
      const r = await viewerWith(token);
      expect(r.status).toBe(401);
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    }
    const again = await call(SIGN_IN, { email: host.email, password: 'brand new password' });
    expect((await viewerWith(again.data.signIn.token)).data.viewer.id).toBe(host.gid);
  });
});

type Role = 'anonymous' | 'host' | 'owner' | 'admin';
const ROLES: Role[] = ['anonymous', 'host', 'owner', 'admin'];
const OK = 'ok';

interface MatrixCase {
  name: string;
  document: string;
  /** Fresh rows belonging to `owner`; returns the call's variables. */
  prepare: (owner: MadeHost, role: Role) => Promise<Record<string, unknown>>;
  expected: Record<Role, string>;
  /** False for calls that succeed without writing (signIn). */
  writes?: boolean;
}

const pendingComment = async (owner: MadeHost, postStatus = 'PUBLISHED') => {
  const post = await f.post(owner.id, { status: postStatus });
  return f.comment(post.id, { status: 'PENDING' });
};

/** DESIGN.md's "Who may do what", for every mutation of accounts and authoring. */
const MATRIX: MatrixCase[] = [
  {
    name: 'signIn',
    document: SIGN_IN,
    prepare: async (owner) => ({ email: owner.email, password: PASSWORD }),
    expected: { anonymous: OK, host: OK, owner: OK, admin: OK },
    writes: false,
  },
  {
    name: 'createHost',
    document: CREATE_HOST,
    prepare: async () => ({
      input: {
        email: `matrix${unique()}@test.example`,
        password: 'matrix password',
        name: 'Matrix',
      },
    }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', owner: 'FORBIDDEN', admin: OK },
  },
  {
    name: "updateProfile (always the viewer's own)",
    document: UPDATE_PROFILE,
    prepare: async () => ({ input: { bio: `Bio ${unique()}` } }),
    expected: { anonymous: 'UNAUTHENTICATED', host: OK, owner: OK, admin: OK },
  },
  {
    name: 'createPost',
    document: CREATE_POST,
    prepare: async () => ({ input: { title: `Matrix post ${unique()}`, body: 'Body' } }),
    expected: { anonymous: 'UNAUTHENTICATED', host: OK, owner: OK, admin: OK },
  },
  {
    name: 'updatePost on a published post',
    document: UPDATE_POST,
    prepare: async (owner) => ({ id: (await f.post(owner.id)).gid, input: { title: 'Edited' } }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', owner: OK, admin: OK },
  },
  {
    name: 'updatePost on a draft',
    document: UPDATE_POST,
    prepare: async (owner) => ({
      id: (await f.post(owner.id, { status: 'DRAFT' })).gid,
      input: { title: 'Edited' },
    }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'NOT_FOUND', owner: OK, admin: OK },
  },
  {
    name: 'publishPost',
    document: PUBLISH_POST,
    prepare: async (owner) => ({ id: (await f.post(owner.id, { status: 'DRAFT' })).gid }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'NOT_FOUND', owner: OK, admin: OK },
  },
  {
    name: 'unpublishPost',
    document: UNPUBLISH_POST,
    prepare: async (owner) => ({ id: (await f.post(owner.id)).gid }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', owner: OK, admin: OK },
  },
  {
    name: 'deletePost on a published post with comments',
    document: DELETE_POST,
    prepare: async (owner) => {
      const post = await f.post(owner.id);
      await f.comment(post.id);
      return { id: post.gid };
    },
    expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', owner: OK, admin: OK },
  },
  {
    name: 'deletePost on a draft',
    document: DELETE_POST,
    prepare: async (owner) => ({ id: (await f.post(owner.id, { status: 'DRAFT' })).gid }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'NOT_FOUND', owner: OK, admin: OK },
  },
  {
    name: 'addComment (as a guest when anonymous, as oneself when signed in)',
    document: ADD_COMMENT,
    prepare: async (owner, role) => {
      const n = unique();
      const post = await f.post(owner.id);
      return {
        input: {
          postId: post.gid,
          body: `Matrix comment ${n}`,
          ...(role === 'anonymous'
            ? { guest: { name: `Guest ${n}`, email: `matrix-guest${n}@test.example` } }
            : {}),
        },
      };
    },
    expected: { anonymous: OK, host: OK, owner: OK, admin: OK },
  },
  {
    name: 'moderateComment on a published post',
    document: MODERATE_COMMENT,
    prepare: async (owner) => ({ id: (await pendingComment(owner)).gid, status: 'APPROVED' }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'FORBIDDEN', owner: OK, admin: OK },
  },
  {
    name: 'moderateComment on a draft',
    document: MODERATE_COMMENT,
    prepare: async (owner) => ({ id: (await pendingComment(owner, 'DRAFT')).gid, status: 'SPAM' }),
    expected: { anonymous: 'UNAUTHENTICATED', host: 'NOT_FOUND', owner: OK, admin: OK },
  },
];

describe('authorization matrix', () => {
  describe.each(MATRIX)('$name', ({ document, prepare, expected, writes = true }) => {
    it.each(ROLES)('as %s', async (role) => {
      const owner = await f.host();
      const variables = await prepare(owner, role);
      const token = {
        anonymous: undefined,
        host: plain.token,
        owner: owner.token,
        admin: admin.token,
      }[role];
      const before = await snapshot(t);
      const r = await call(document, variables, { token });
      const after = await snapshot(t);
      if (expected[role] === OK) {
        expect(r.errors).toBeUndefined();
        if (writes) expect(after).not.toEqual(before);
      } else {
        expect(codes(r)).toEqual([expected[role]]);
        expect(after).toEqual(before);
      }
    });
  });
});

describe('privacy: drafts, pending comments and emails', () => {
  let author: MadeHost;
  let other: MadeHost;
  let published: Made & { slug: string };
  let draft: Made & { slug: string };
  let pending: Made;
  let pendingReply: Made;
  let draftComment: Made;

  beforeAll(async () => {
    author = await f.host();
    other = await f.host();
    published = await f.post(author.id);
    draft = await f.post(author.id, { status: 'DRAFT' });
    const approved = await f.comment(published.id, { guest_email: 'approved-guest@test.example' });
    await f.comment(published.id, {
      author_host_id: other.id,
      guest_name: null,
      guest_email: null,
    });
    pending = await f.comment(published.id, {
      status: 'PENDING',
      guest_email: 'pending-guest@test.example',
    });
    pendingReply = await f.comment(published.id, {
      status: 'PENDING',
      parent_id: approved.id,
      depth: 2,
    });
    draftComment = await f.comment(draft.id);
  });

  const OUTSIDERS = ['anonymous', 'another host'];
  const tokenOf = (who: string) => (who === 'anonymous' ? undefined : other.token);

  it.each(OUTSIDERS)(
    'hides drafts from %s: by slug, node, lists and nested fields',
    async (who) => {
      const token = tokenOf(who);
      expect((await call(POST_BY_SLUG, { slug: draft.slug }, { token })).data.post).toBeNull();
      expect((await call(NODE, { id: draft.gid }, { token })).data.node).toBeNull();
      expect((await call(NODE, { id: draftComment.gid }, { token })).data.node).toBeNull();
      const drafts = await call(DRAFTS, {}, { token });
      expect(drafts.data.posts.edges.map((e: any) => e.node.id)).not.toContain(draft.gid);
      const page = await call(HOST_PAGE, { slug: author.slug }, { token });
      expect(page.data.host.posts.edges.map((e: any) => e.node.id)).toEqual([published.gid]);
      expect(page.data.host.posts.totalCount).toBe(1);
    },
  );

  it.each(OUTSIDERS)('hides pending comments from %s: by node and nested fields', async (who) => {
    const token = tokenOf(who);
    expect((await call(NODE, { id: pending.gid }, { token })).data.node).toBeNull();
    expect((await call(NODE, { id: pendingReply.gid }, { token })).data.node).toBeNull();
    const page = await call(POST_PAGE, { slug: published.slug }, { token });
    expect(page.errors).toBeUndefined();
    const ids = page.data.post.comments.edges.map((e: any) => e.node.id);
    expect(ids).not.toContain(pending.gid);
    expect(
      page.data.post.comments.edges.flatMap((e: any) => e.node.replies.map((r: any) => r.id)),
    ).toEqual([]);
    expect(page.data.post.commentCount).toBe(2);
    expect(page.data.post.comments.totalCount).toBe(2);
  });

  it('refuses the moderation queue to anonymous and shows another host none of it', async () => {
    expect(codes(await call(QUEUE))).toEqual(['UNAUTHENTICATED']);
    const queue = await call(QUEUE, {}, { token: other.token });
    expect(queue.data.moderationQueue.edges).toEqual([]);
  });

  it.each(OUTSIDERS)('shows %s no email: hosts, post authors, comment authors', async (who) => {
    const token = tokenOf(who);
    const hostPage = await call(HOST_PAGE, { slug: author.slug }, { token });
    expect(hostPage.data.host.email).toBeNull();
    expect((await call(NODE, { id: author.gid }, { token })).data.node.email).toBeNull();
    const page = await call(POST_PAGE, { slug: published.slug }, { token });
    expect(page.data.post.author.email).toBeNull();
    const hosts = await call(HOSTS, {}, { token });
    const visible = hosts.data.hosts.edges
      .filter((e: any) => e.node.email !== null)
      .map((e: any) => e.node.slug);
    expect(visible).toEqual(token ? [other.slug] : []);
    // A host's own comment shows the host, and still no email unless it is the viewer's own.
    const hostAuthors = page.data.post.comments.edges
      .map((e: any) => e.node.author.host)
      .filter(Boolean);
    expect(hostAuthors).toEqual([{ email: token ? other.email : null }]);
    expect(JSON.stringify(page.data)).not.toContain('approved-guest@test.example');
  });

  it('keeps guest emails, IPs and user agents out of the schema', async () => {
    const r = await call(
      `{ c: __type(name: "Comment") { fields { name } } a: __type(name: "CommentAuthor") { fields { name } } }`,
    );
    const names = [...r.data.c.fields, ...r.data.a.fields].map((field: any) => field.name);
    for (const hidden of ['email', 'guestEmail', 'ip', 'userAgent'])
      expect(names).not.toContain(hidden);
  });

  it('shows the author and admins what outsiders cannot see', async () => {
    for (const token of [author.token, admin.token]) {
      expect((await call(POST_BY_SLUG, { slug: draft.slug }, { token })).data.post).toEqual({
        id: draft.gid,
      });
      expect((await call(NODE, { id: pending.gid }, { token })).data.node).toEqual({
        id: pending.gid,
        commentStatus: 'PENDING',
      });
      expect((await call(HOST_PAGE, { slug: author.slug }, { token })).data.host.email).toBe(
        author.email,
      );
      const queue = await call(QUEUE, {}, { token });
      expect(queue.data.moderationQueue.edges.map((e: any) => e.node.id)).toEqual(
        expect.arrayContaining([pending.gid, pendingReply.gid]),
      );
    }
  });
});
