import { parseGlobalId } from '../src/common/ids';
import { createDataSource } from '../src/db/data-source';
import { StoredBodyHtml1764720000000 } from '../src/db/migrations/1764720000000-StoredBodyHtml';
import { renderMarkdown } from '../src/common/text';
import { firstFreeSlug, slugify } from '../src/common/slug';
import { codes, snapshot, startTestApi, TestApi } from './helpers/api';
import { caller, refusal } from './helpers/authoring';
import { fixtures, MadeHost, storedHtml } from './helpers/fixtures';

const POST_FIELDS = `id slug title excerpt body bodyHtml tags status publishedAt createdAt updatedAt commentsOpen
  author { id } roundup { id number }`;
const CREATE_POST = `mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { ${POST_FIELDS} } }`;
const UPDATE_POST = `mutation UpdatePost($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { ${POST_FIELDS} } }`;
const PUBLISH_POST = `mutation PublishPost($id: ID!) { publishPost(id: $id) { ${POST_FIELDS} } }`;
const UNPUBLISH_POST = `mutation UnpublishPost($id: ID!) { unpublishPost(id: $id) { ${POST_FIELDS} } }`;
const DELETE_POST = `mutation DeletePost($id: ID!) { deletePost(id: $id) }`;
const POST = `query Post($slug: String!) { post(slug: $slug) { ${POST_FIELDS} } }`;
const FEED_BY_TAG = `query Feed($tag: String!) { posts(filter: { tag: $tag }) { edges { node { id } } } }`;
const ROUNDUP_POSTS = `query RoundupPosts($slug: String!, $number: Int!) { roundup(linkUpSlug: $slug, number: $number) { posts { id } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let call: ReturnType<typeof caller>;
let author: MadeHost;
let admin: MadeHost;

beforeAll(async () => {
  t = await startTestApi({ TRUST_PROXY: 'on' });
  f = fixtures(t);
  call = caller(t);
  author = await f.host();
  admin = await f.host({ role: 'ADMIN' });
});
afterAll(() => t?.stop());

/** The clock keeps ticking after t.clock.set: a time written then is within a minute of it. */
const near = (iso: string) => ({
  asymmetricMatch: (value: string) => {
    const ms = Date.parse(value) - Date.parse(iso);
    return ms >= 0 && ms < 60_000;
  },
  toString: () => `a time just after ${iso}`,
});

const create = (input: Record<string, unknown>, token = author.token) =>
  call(CREATE_POST, { input }, { token });

describe('slugs (pure helpers)', () => {
  it.each([
    ['My First Trail Half!', 'my-first-trail-half'],
    ['Crème brûlée & café au lait', 'creme-brulee-cafe-au-lait'],
    ['Straße, Ærø and Łódź', 'strasse-aero-and-lodz'],
    ['  --Already--a--slug--  ', 'already-a-slug'],
    ['🏃‍♀️🏃', 'post'],
    ['Ω', 'post'],
  ])('slugify(%j) = %j', (title, slug) => {
    expect(slugify(title, 'post')).toBe(slug);
  });

  it('cuts long titles at a word boundary, leaving room for a suffix', () => {
    const slug = slugify('word '.repeat(40), 'post');
    expect(slug.length).toBeLessThanOrEqual(72);
    expect(slug).toMatch(/^word(-word)+$/);
  });

  it('numbers clashes from 2, filling the first gap', () => {
    expect(firstFreeSlug('run', [])).toBe('run');
    expect(firstFreeSlug('run', ['run', 'run-2', 'run-4', 'run-up'])).toBe('run-3');
  });
});

describe('createPost', () => {
  it('creates a draft by the viewer with a slug made from the title', async () => {
    t.clock.set(new Date('2026-03-01T10:00:00.000Z'));
    const r = await create({ title: '  Crème Brûlée Run ', body: 'Sweet *miles*.' });
    t.clock.reset();
    expect(r.errors).toBeUndefined();
    expect(r.data.createPost).toMatchObject({
      slug: 'creme-brulee-run',
      title: 'Crème Brûlée Run',
      status: 'DRAFT',
      publishedAt: null,
      commentsOpen: true,
      tags: [],
      excerpt: null,
      author: { id: author.gid },
      roundup: null,
      createdAt: near('2026-03-01T10:00:00.000Z'),
      bodyHtml: '<p>Sweet <em>miles</em>.</p>\n',
    });
  });

  it('numbers slugs that clash: -2, -3', async () => {
    const slugs = [];
    for (let i = 0; i < 3; i++)
      slugs.push((await create({ title: 'Rainy Miles', body: 'Wet.' })).data.createPost.slug);
    expect(slugs).toEqual(['rainy-miles', 'rainy-miles-2', 'rainy-miles-3']);
  });

  it('gives concurrent posts with the same title distinct slugs', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => create({ title: 'Race Day', body: 'Go!' })),
    );
    expect(results.flatMap((r) => codes(r))).toEqual([]);
    const slugs = results.map((r) => r.data.createPost.slug).sort();
    expect(slugs).toEqual(['race-day', 'race-day-2', 'race-day-3', 'race-day-4', 'race-day-5']);
  });

  it('takes a given slug, and refuses one in use', async () => {
    const r = await create({ title: 'Anything', body: 'x', slug: 'my-own-slug-2026' });
    expect(r.data.createPost.slug).toBe('my-own-slug-2026');
    const before = await snapshot(t);
    const again = await create({ title: 'Other', body: 'y', slug: 'my-own-slug-2026' });
    expect(refusal(again)).toEqual({ code: 'CONFLICT', field: 'slug' });
    expect(await snapshot(t)).toEqual(before);
  });

  it('cleans tags: trimmed, lowercase, spaces collapsed, duplicates and blanks dropped', async () => {
    const r = await create({
      title: 'Tagged',
      body: 'x',
      tags: [' Race  Report ', 'race report', 'TRAIL', '', '  '],
    });
    expect(r.data.createPost.tags).toEqual(['race report', 'trail']);
    await call(PUBLISH_POST, { id: r.data.createPost.id }, { token: author.token });
    const feed = await call(FEED_BY_TAG, { tag: ' Race Report' });
    expect(feed.data.posts.edges.map((e: any) => e.node.id)).toEqual([r.data.createPost.id]);
  });

  it('keeps excerpt and commentsOpen', async () => {
    const r = await create({
      title: 'Quiet',
      body: 'x',
      excerpt: '  Short  ',
      commentsOpen: false,
    });
    expect(r.data.createPost).toMatchObject({ excerpt: 'Short', commentsOpen: false });
  });

  it.each([
    ['an empty title', { title: '' }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['a title over 200 characters', { title: 'x'.repeat(201) }, 'title'],
    ['a body over 100,000 characters', { body: 'x'.repeat(100_001) }, 'body'],
    ['an excerpt over 500 characters', { excerpt: 'x'.repeat(501) }, 'excerpt'],
    ['11 tags', { tags: Array.from({ length: 11 }, (_, i) => `tag${i}`) }, 'tags'],
    ['a tag over 40 characters', { tags: ['x'.repeat(41)] }, 'tags'],
    ['a slug with capitals', { slug: 'Bad-Slug' }, 'slug'],
    ['a slug with spaces', { slug: 'bad slug' }, 'slug'],
    ['a slug with a double dash', { slug: 'bad--slug' }, 'slug'],
    ['a slug with a trailing dash', { slug: 'bad-' }, 'slug'],
    ['a slug over 80 characters', { slug: 'a'.repeat(81) }, 'slug'],
    ['a malformed roundupId', { roundupId: 'not-an-id' }, 'roundupId'],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, writing nothing',
    async (_name, values, field) => {
      const before = await snapshot(t);
      const r = await create({ title: 'Valid title', body: 'Valid body', ...values });
      expect(refusal(r)).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(await snapshot(t)).toEqual(before);
    },
  );

  it('accepts exactly 10 tags of 40 characters and a body of 100,000 characters', async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(40, 'x'));
    const r = await create({ title: 'Limits', body: 'x'.repeat(100_000), tags });
    expect(r.errors).toBeUndefined();
    expect(r.data.createPost.tags).toEqual(tags);
  });
});

describe('publishPost and unpublishPost', () => {
  it('sets publishedAt when first published and keeps it after that', async () => {
    const { id } = (await create({ title: 'To publish', body: 'x' })).data.createPost;
    t.clock.set(new Date('2026-04-01T08:00:00.000Z'));
    const first = await call(PUBLISH_POST, { id }, { token: author.token });
    t.clock.set(new Date('2026-04-02T08:00:00.000Z'));
    const again = await call(PUBLISH_POST, { id }, { token: author.token });
    const unpublished = await call(UNPUBLISH_POST, { id }, { token: author.token });
    t.clock.set(new Date('2026-04-03T08:00:00.000Z'));
    const republished = await call(PUBLISH_POST, { id }, { token: author.token });
    t.clock.reset();
    const { publishedAt } = first.data.publishPost;
    expect(first.data.publishPost).toMatchObject({
      status: 'PUBLISHED',
      publishedAt: near('2026-04-01T08:00:00.000Z'),
    });
    expect(again.data.publishPost).toEqual(first.data.publishPost);
    expect(unpublished.data.unpublishPost).toMatchObject({ status: 'DRAFT', publishedAt });
    expect(republished.data.publishPost).toMatchObject({ status: 'PUBLISHED', publishedAt });
  });

  it('gives NOT_FOUND for a well-formed id of no post and BAD_USER_INPUT for a malformed one', async () => {
    const missing = await call(
      PUBLISH_POST,
      { id: Buffer.from('Post:999999').toString('base64url') },
      { token: author.token },
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    const wrongType = await call(PUBLISH_POST, { id: author.gid }, { token: author.token });
    expect(refusal(wrongType)).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });
});

describe('updatePost', () => {
  it('changes given fields only, keeps the slug when the title changes, and bumps updatedAt', async () => {
    t.clock.set(new Date('2026-05-01T00:00:00.000Z'));
    const post = (
      await create({
        title: 'Original title',
        body: 'Original body',
        excerpt: 'Ex',
        tags: ['a', 'b'],
      })
    ).data.createPost;
    t.clock.set(new Date('2026-05-02T00:00:00.000Z'));
    const r = await call(
      UPDATE_POST,
      { id: post.id, input: { title: 'New title', excerpt: null, tags: null } },
      { token: author.token },
    );
    t.clock.reset();
    expect(r.errors).toBeUndefined();
    expect(r.data.updatePost).toMatchObject({
      slug: 'original-title',
      title: 'New title',
      body: 'Original body',
      excerpt: null,
      tags: [],
      createdAt: post.createdAt,
      updatedAt: near('2026-05-02T00:00:00.000Z'),
    });
  });

  it('changes the slug when given, and refuses one in use', async () => {
    const a = (await create({ title: 'Slug A', body: 'x' })).data.createPost;
    const b = (await create({ title: 'Slug B', body: 'x' })).data.createPost;
    const renamed = await call(
      UPDATE_POST,
      { id: a.id, input: { slug: 'slug-a-renamed' } },
      { token: author.token },
    );
    expect(renamed.data.updatePost.slug).toBe('slug-a-renamed');
    const same = await call(
      UPDATE_POST,
      { id: a.id, input: { slug: 'slug-a-renamed' } },
      { token: author.token },
    );
    expect(same.errors).toBeUndefined();
    const before = await snapshot(t);
    const clash = await call(
      UPDATE_POST,
      { id: b.id, input: { slug: 'slug-a-renamed', title: 'Changed' } },
      { token: author.token },
    );
    expect(refusal(clash)).toEqual({ code: 'CONFLICT', field: 'slug' });
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([
    ['a null title', { title: null }, 'title'],
    ['an empty title', { title: ' ' }, 'title'],
    ['a null body', { body: null }, 'body'],
    ['a body over its limit', { body: 'x'.repeat(100_001) }, 'body'],
    ['too many tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
    ['a bad slug', { slug: 'Nope!' }, 'slug'],
    ['a null slug', { slug: null }, 'slug'],
    ['a null commentsOpen', { commentsOpen: null }, 'commentsOpen'],
  ])('refuses %s, writing nothing', async (_name, input, field) => {
    const post = (await create({ title: 'Stable', body: 'x' })).data.createPost;
    const before = await snapshot(t);
    const r = await call(UPDATE_POST, { id: post.id, input }, { token: author.token });
    expect(refusal(r)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await snapshot(t)).toEqual(before);
  });

  it("lets an admin edit anyone's post", async () => {
    const post = (await create({ title: 'Admin edits me', body: 'x' })).data.createPost;
    const r = await call(
      UPDATE_POST,
      { id: post.id, input: { body: 'Fixed by admin' } },
      { token: admin.token },
    );
    expect(r.data.updatePost).toMatchObject({ body: 'Fixed by admin', author: { id: author.gid } });
  });
});

describe('roundupId: only a co-host of that roundup may attach it', () => {
  let cohost: MadeHost;
  let outsider: MadeHost;
  let roundup: { id: string; gid: string; number: number };
  let linkUpSlug: string;

  beforeAll(async () => {
    cohost = await f.host();
    outsider = await f.host();
    const linkUp = await f.linkUp([cohost.id]);
    linkUpSlug = linkUp.slug;
    roundup = await f.roundup(linkUp.id, [cohost.id]);
  });

  it("attaches the roundup to a co-host's post, which then shows in the roundup once published", async () => {
    const r = await create(
      { title: 'Roundup post', body: 'Link up!', roundupId: roundup.gid },
      cohost.token,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.createPost.roundup).toEqual({ id: roundup.gid, number: roundup.number });
    await call(PUBLISH_POST, { id: r.data.createPost.id }, { token: cohost.token });
    const page = await call(ROUNDUP_POSTS, { slug: linkUpSlug, number: roundup.number });
    expect(page.data.roundup.posts).toEqual([{ id: r.data.createPost.id }]);
    const detached = await call(
      UPDATE_POST,
      { id: r.data.createPost.id, input: { roundupId: null } },
      { token: cohost.token },
    );
    expect(detached.data.updatePost.roundup).toBeNull();
  });

  it("refuses it on anyone else's post with FORBIDDEN, even when an admin asks, writing nothing", async () => {
    const before = await snapshot(t);
    expect(
      codes(await create({ title: 'Not mine', body: 'x', roundupId: roundup.gid }, outsider.token)),
    ).toEqual(['FORBIDDEN']);
    expect(
      codes(await create({ title: 'Not mine', body: 'x', roundupId: roundup.gid }, admin.token)),
    ).toEqual(['FORBIDDEN']);
    expect(await snapshot(t)).toEqual(before);
    const post = await f.post(outsider.id);
    const before2 = await snapshot(t);
    const edit = await call(
      UPDATE_POST,
      { id: post.gid, input: { title: 'Sneaky', roundupId: roundup.gid } },
      { token: admin.token },
    );
    expect(codes(edit)).toEqual(['FORBIDDEN']);
    expect(await snapshot(t)).toEqual(before2);
  });

  it('gives NOT_FOUND for a roundup that does not exist', async () => {
    const r = await create(
      {
        title: 'Ghost roundup',
        body: 'x',
        roundupId: Buffer.from('Roundup:999999').toString('base64url'),
      },
      cohost.token,
    );
    expect(codes(r)).toEqual(['NOT_FOUND']);
  });
});

describe('deletePost', () => {
  it('deletes the post with all its comments and replies, and returns its id', async () => {
    const post = await f.post(author.id);
    const top = await f.comment(post.id);
    await f.comment(post.id, { parent_id: top.id, depth: 2, status: 'PENDING' });
    const keep = await f.post(author.id);
    await f.comment(keep.id);
    const r = await call(DELETE_POST, { id: post.gid }, { token: author.token });
    expect(r.data.deletePost).toBe(post.gid);
    expect(await t.sql('SELECT id FROM posts WHERE id = $1', [post.id])).toEqual([]);
    expect(await t.sql('SELECT id FROM comments WHERE post_id = $1', [post.id])).toEqual([]);
    expect(await t.sql('SELECT id FROM comments WHERE post_id = $1', [keep.id])).toHaveLength(1);
    expect((await call(POST, { slug: post.slug })).data.post).toBeNull();
    expect(codes(await call(DELETE_POST, { id: post.gid }, { token: author.token }))).toEqual([
      'NOT_FOUND',
    ]);
  });
});

describe('Post.bodyHtml: Markdown rendered, then sanitised, stored with the body', () => {
  /** A new post's bodyHtml, checked to be what the renderer makes and what is stored. */
  const html = async (body: string) => {
    const r = await create({ title: 'Sanitise me', body });
    expect(r.errors).toBeUndefined();
    const { id, bodyHtml } = r.data.createPost;
    expect(bodyHtml).toBe(renderMarkdown(body));
    expect(await storedHtml(t, id)).toBe(bodyHtml);
    return bodyHtml as string;
  };

  it('stores the HTML of an edited body, and reads serve the stored HTML', async () => {
    const created = await create({ title: 'Edit me', body: 'First *draft*' });
    const { id, slug } = created.data.createPost;
    const body = 'Second <img src="https://img.example/b.png" onerror="alert(1)"> **take**';
    const updated = await call(UPDATE_POST, { id, input: { body } }, { token: author.token });
    expect(updated.data.updatePost.bodyHtml).toBe(renderMarkdown(body));
    expect(await storedHtml(t, id)).toBe(renderMarkdown(body));
    expect(await storedHtml(t, id)).not.toMatch(/onerror|alert/);
    // Read back, it is the stored HTML, not rendered again: compiled, one statement (it reads
    // the signed-in author's own row too).
    const dbId = parseGlobalId(id)!.id;
    await t.sql(`UPDATE posts SET body_html = '<p>stored</p>' WHERE id = $1`, [dbId]);
    const read = await call(POST, { slug }, { token: author.token });
    expect(read.data.post.bodyHtml).toBe('<p>stored</p>');
    expect(read.sqlStatements).toBe(1);
  });

  it('renders Markdown', async () => {
    expect(await html('## Hills\n\n**Hard** [race](https://race.example/x)')).toBe(
      '<h2>Hills</h2>\n<p><strong>Hard</strong> <a href="https://race.example/x">race</a></p>\n',
    );
  });

  it('removes script tags and their content', async () => {
    const out = await html(
      'Before <script>alert("x")</script> after\n\n<script src="https://evil.example/x.js"></script>',
    );
    expect(out).not.toMatch(/<script|alert/i);
    expect(out).toContain('Before');
  });

  it('removes inline event handlers', async () => {
    const out = await html(
      '<img src="https://img.example/a.png" onerror="alert(1)"> <a href="https://ok.example" onclick="alert(2)">ok</a> <div onmouseover="alert(3)">hi</div>',
    );
    expect(out).not.toMatch(/on(error|click|mouseover)|alert/i);
    expect(out).toContain('<img src="https://img.example/a.png" />');
    expect(out).toContain('<a href="https://ok.example">ok</a>');
  });

  it('drops javascript:, data: and vbscript: links, in Markdown or raw HTML, however spelled', async () => {
    const out = await html(
      [
        '[md](javascript:alert(1))',
        '[md2](JaVaScRiPt:alert(2))',
        '<a href="javascript:alert(3)">raw</a>',
        '<a href="  javascript:alert(4)">spaced</a>',
        '<a href="jav&#x09;ascript:alert(5)">entity</a>',
        '<a href="vbscript:msgbox(6)">vb</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>',
        '![img](javascript:alert(7))',
      ].join('\n\n'),
    );
    expect(out).not.toMatch(/href="\s*(javascript|vbscript|data):/i);
    expect(out).not.toMatch(/src="\s*javascript:/i);
    expect(out).not.toMatch(/<a[^>]+href="[^"]*(alert|msgbox)/i);
  });

  it('drops iframes, styles and style attributes beyond table alignment', async () => {
    const out = await html(
      '<iframe src="https://evil.example"></iframe><style>p{}</style><p style="color:red">x</p>\n\n| a |\n|:-:|\n| 1 |',
    );
    expect(out).not.toMatch(/iframe|<style|color:red/);
    expect(out).toContain('<th style="text-align:center">a</th>');
    expect(renderMarkdown('<td style="background:url(javascript:alert(1))">x</td>')).not.toContain(
      'javascript',
    );
  });
});

describe('migration StoredBodyHtml', () => {
  it('renders the bodies of rows written before it, then requires the HTML', async () => {
    const body = '# Old\n\n<script>alert(1)</script> <img src="x.png" onerror="alert(2)"> *kept*';
    const post = await f.post(author.id, { body });
    const comment = await f.comment(post.id, {
      body: '<b onclick="x()">Old</b>\nhttps://old.example',
    });
    const db = createDataSource({ url: t.databaseUrl, poolSize: 1 });
    await db.initialize();
    const q = db.createQueryRunner();
    try {
      const migration = new StoredBodyHtml1764720000000();
      await migration.down(q);
      await migration.up(q);
    } finally {
      await q.release();
      await db.destroy();
    }
    expect(await storedHtml(t, post.gid)).toBe(renderMarkdown(body));
    expect(await storedHtml(t, post.gid)).not.toMatch(/<script|onerror|alert/);
    expect(await storedHtml(t, comment.gid)).toBe(
      '&#60;b onclick=&#34;x()&#34;&#62;Old&#60;/b&#62;<br>\n' +
        '<a href="https://old.example" rel="ugc nofollow noopener">https://old.example</a>',
    );
    await expect(
      t.sql(
        `INSERT INTO posts (slug, title, body, author_id) VALUES ('no-html', 'No HTML', 'x', $1)`,
        [author.id],
      ),
    ).rejects.toMatchObject({ code: '23502' });
  });
});
