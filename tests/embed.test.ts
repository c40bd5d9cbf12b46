import Ajv from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EmbedSnapshot } from '../src/embed/snapshot';
import { gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { submitAt } from './helpers/live';

/**
 * The public routes of DESIGN.md's "The live roundup on every co-host's blog": the embed page,
 * its event stream, oEmbed and the feeds, over HTTP on a real database.
 */

const DAY = 24 * 3600_000;
const HOSTILE_TITLE = '<script>alert(1)</script>" onmouseover="alert(2)';
const HOSTILE_BLOG = '<img src=x onerror=alert(3)>\'"';
const SET_STATUS = `mutation($id: ID!, $status: EntryStatus!) { setEntryStatus(id: $id, status: $status) { id status } }`;
const CLOSE = `mutation($id: ID!) { closeRoundup(id: $id) { id status } }`;
const SCHEDULE = `mutation($input: ScheduleRoundupInput!) { scheduleRoundup(input: $input) { id number } }`;
const ROUNDUPS = `query($slug: String!) { linkUp(slug: $slug) {
  opened: roundups(opened: true) { totalCount edges { node { number status } } }
  notYet: roundups(opened: false) { edges { node { number status } } }
  closed: roundups(opened: true, status: CLOSED) { edges { node { number } } } } }`;

const LATEST = `query($slug: String!) { linkUp(slug: $slug) { id latestRoundup { number status } } }`;

let t: TestApi;
let f: ReturnType<typeof fixtures>;
let maya: MadeHost;
let lucia: MadeHost;
let linkUp: Made & { slug: string };
let closed: Made & { number: number };
let open: Made & { number: number };
let entries: Record<'featured' | 'pending' | 'hidden' | 'hostile' | 'plain', Made>;
let jo: MadeHost;

beforeAll(async () => {
  t = await startTestApi({ RATE_LIMITS: 'off', MAX_SOCKETS_PER_IP: '3' });
  f = fixtures(t);
  maya = await f.host({ name: 'Maya Okafor', blog_url: 'https://maya.example/' });
  lucia = await f.host({ name: 'Lucía Ferrer', blog_url: 'https://lucia.example/' });
  linkUp = await f.linkUp([maya.id, lucia.id], {
    name: 'Weekly Run',
    description: 'Running posts <b>welcome</b>',
  });
  closed = await f.roundup(linkUp.id, [maya.id], {
    title: 'Cold week',
    opens_at: new Date(Date.now() - 10 * DAY),
    closes_at: new Date(Date.now() - 8 * DAY),
  });
  await f.entry(closed.id, { title: 'Frosty 10K', status: 'VISIBLE' });
  open = await f.roundup(linkUp.id, [maya.id, lucia.id], { title: 'Hills' });
  await t.sql('UPDATE roundup_cohosts SET is_new = true WHERE roundup_id = $1 AND host_id = $2', [
    open.id,
    lucia.id,
  ]);
  entries = {
    featured: await f.entry(open.id, {
      title: 'Hill repeats',
      blog_name: 'Rosa Runs',
      image_url: 'https://rosa.example/hill.jpg',
      status: 'VISIBLE',
    }),
    pending: await f.entry(open.id, { title: 'Pending post', status: 'PENDING' }),
    hidden: await f.entry(open.id, { title: 'Hidden post', status: 'HIDDEN' }),
    hostile: await f.entry(open.id, {
      title: HOSTILE_TITLE,
      blog_name: HOSTILE_BLOG,
      status: 'VISIBLE',
    }),
    plain: await f.entry(open.id, { title: 'Plain', status: 'VISIBLE' }),
  };
  // A co-host of this edition only, whose blog address is not a web address.
  jo = await f.host({ name: 'Jo', blog_url: 'javascript:alert(4)' });
  await t.sql('INSERT INTO roundup_cohosts (roundup_id, host_id, position) VALUES ($1, $2, 3)', [
    open.id,
    jo.id,
  ]);
  await t.sql('INSERT INTO entry_features (entry_id, host_id) VALUES ($1, $2)', [
    entries.featured.id,
    maya.id,
  ]);
  // A scheduled edition: the current one stays the open one; the feeds leave it out.
  await f.roundup(linkUp.id, [maya.id, lucia.id], {
    opens_at: new Date(Date.now() + 6 * DAY),
    closes_at: new Date(Date.now() + 8 * DAY),
  });
});
afterAll(() => t?.stop());

/** The same query answered by the resolvers and their loaders, on an instance without compiled reads. */
async function throughResolvers(query: string, variables: Record<string, unknown>) {
  const other = await startAnotherApi(t, { COMPILED_READS: 'off' });
  try {
    const r = await gqlAt(other.url, query, variables);
    expect(r.errors).toBeUndefined();
    return r.data;
  } finally {
    await other.stop(0);
  }
}

const origin = () => new URL(t.url).origin;
const get = (route: string, headers: Record<string, string> = {}) =>
  fetch(`${origin()}${route}`, { headers });

async function page(route: string) {
  const res = await get(route);
  return { res, html: await res.text() };
}

function expectPublic(res: Response) {
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  expect(res.headers.get('cache-control')).toBe('public, max-age=15');
  expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
  expect(res.headers.get('set-cookie')).toBeNull();
  expect(res.headers.get('x-sql-statements')).toBe('1');
}

describe('LinkUp.roundups(opened:) and LinkUp.latestRoundup', () => {
  it('lists the editions that have opened, or those that have not', async () => {
    const r = await t.gql(ROUNDUPS, { slug: linkUp.slug });
    expect(r.errors).toBeUndefined();
    const { opened, notYet, closed: shut } = r.data.linkUp;
    expect(opened.edges.map((e: any) => e.node)).toEqual([
      { number: 2, status: 'OPEN' },
      { number: 1, status: 'CLOSED' },
    ]);
    expect(opened.totalCount).toBe(2);
    expect(notYet.edges.map((e: any) => e.node)).toEqual([{ number: 3, status: 'SCHEDULED' }]);
    expect(shut.edges.map((e: any) => e.node.number)).toEqual([1]);
    // Signed in, through the resolvers' loaders when not compiled: the same answer.
    const signedIn = await t.gql(ROUNDUPS, { slug: linkUp.slug }, { token: maya.token });
    expect(signedIn.data).toEqual(r.data);
    expect(await throughResolvers(ROUNDUPS, { slug: linkUp.slug })).toEqual(r.data);
  });

  it('gives the current edition, else the last that opened, else null', async () => {
    const ended = await f.linkUp([maya.id]);
    for (const days of [30, 20]) {
      await f.roundup(ended.id, [maya.id], {
        opens_at: new Date(Date.now() - days * DAY),
        closes_at: new Date(Date.now() - (days - 1) * DAY),
      });
    }
    await f.roundup(ended.id, [maya.id], {
      opens_at: new Date(Date.now() + DAY),
      closes_at: new Date(Date.now() + 2 * DAY),
      cancelled_at: new Date(),
    });
    const none = await f.linkUp([maya.id]);
    const expected = {
      [linkUp.slug]: { number: 2, status: 'OPEN' },
      [ended.slug]: { number: 2, status: 'CLOSED' },
      [none.slug]: null,
    };
    for (const [slug, latest] of Object.entries(expected)) {
      const r = await t.gql(LATEST, { slug });
      expect(r.errors).toBeUndefined();
      expect(r.data.linkUp.latestRoundup).toEqual(latest);
      expect(await throughResolvers(LATEST, { slug })).toEqual(r.data);
    }
  });
});

describe('GET /embed/{slug}', () => {
  it('shows the current edition as plain, accessible HTML from one statement', async () => {
    const { res, html } = await page(`/embed/${linkUp.slug}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectPublic(res);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Weekly Run #2: Hills</h1>');
    expect(html).toContain('Running posts &lt;b&gt;welcome&lt;/b&gt;');
    // Numbered plain links to visible entries only, featured marked, thumbnails lazy with alt.
    const items = [...html.matchAll(/<li value="(\d+)"([^>]*)>(.*?)<\/li>/g)];
    expect(items.map((m) => Number(m[1]))).toEqual([1, 4, 5]);
    expect(items[0][2]).toBe(' class="featured"');
    expect(items[0][3]).toContain(
      `<a href="https://runner.example/${open.id}/1" rel="ugc">Hill repeats</a>`,
    );
    expect(items[0][3]).toContain(
      '<img src="https://rosa.example/hill.jpg" alt="" loading="lazy">',
    );
    expect(items[0][3]).toContain('<strong>Featured</strong>');
    expect(items[0][3]).toContain('(Rosa Runs)');
    expect(items[1][2]).toBe('');
    expect(html).not.toContain('Pending post');
    expect(html).not.toContain('Hidden post');
    // Co-hosts, the new one welcomed; times; status; where to submit.
    expect(html).toContain('<a href="https://maya.example/">Maya Okafor</a>');
    expect(html).toContain('(new co-host: welcome, Lucía Ferrer!)');
    expect(html).not.toMatch(/Maya Okafor<\/a> <span class="new">/);
    const opensAt = (await t.sql('SELECT opens_at FROM roundups WHERE id = $1', [open.id]))[0]
      .opens_at as Date;
    expect(html).toContain(`<time datetime="${opensAt.toISOString()}">`);
    expect(html).toContain('<p class="status" data-status="OPEN">Open for entries</p>');
    expect(html).toContain('<a class="submit" href="https://maya.example/">Link up your post</a>');
    // The live upgrade, oEmbed and feed discovery.
    expect(html).toContain(`<div data-roundup="${linkUp.slug}">`);
    expect(html).toContain('<script src="/embed.js" defer></script>');
    expect(html).toContain(
      `<link rel="alternate" type="application/atom+xml" href="${origin()}/feeds/${linkUp.slug}.atom"`,
    );
    expect(html).toContain(
      `<link rel="alternate" type="application/feed+json" href="${origin()}/feeds/${linkUp.slug}.json"`,
    );
  });

  it('escapes hostile titles and names, and drops links that are not http(s)', async () => {
    const { html } = await page(`/embed/${linkUp.slug}`);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('" onmouseover="');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('javascript:');
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)',
    );
    expect(html).toContain('&lt;img src=x onerror=alert(3)&gt;&#39;&quot;');
    expect(html).toContain('<li>Jo</li>');
  });

  it('may be framed anywhere, with a CSP of its own', async () => {
    const { res } = await page(`/embed/${linkUp.slug}`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain('frame-ancestors *');
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('answers 304 to a matching If-None-Match, and compresses when asked', async () => {
    const first = await get(`/embed/${linkUp.slug}`);
    await first.text();
    // fetch sends "Cache-Control: no-cache" with a conditional request unless told otherwise.
    const again = await get(`/embed/${linkUp.slug}`, {
      'if-none-match': first.headers.get('etag')!,
      'cache-control': 'max-age=0',
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const gzip = await get(`/embed/${linkUp.slug}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gzip.headers.get('vary')).toContain('Accept-Encoding');
    expect(await gzip.text()).toContain('Hill repeats');
  });

  it('renders a page again when its data changed, and sends the kept one (same ETag) until then', async () => {
    const first = await get(`/embed/${linkUp.slug}`);
    const html = await first.text();
    const same = await get(`/embed/${linkUp.slug}`);
    expect(await same.text()).toBe(html);
    expect(same.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(same.headers.get('x-sql-statements')).toBe('1');
    const made = (await submitAt(t.url, open, 'rendered')).data.submitEntry;
    const changed = await get(`/embed/${linkUp.slug}`);
    expect(await changed.text()).toContain('Run rendered');
    expect(changed.headers.get('etag')).not.toBe(first.headers.get('etag'));
    await t.gql(SET_STATUS, { id: made.id, status: 'HIDDEN' }, { token: maya.token });
    const hidden = await get(`/embed/${linkUp.slug}`);
    expect(await hidden.text()).toBe(html);
    expect(hidden.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('starts its addresses with PUBLIC_URL when set, whatever Host the request gave', async () => {
    const other = await startAnotherApi(t, { PUBLIC_URL: 'https://roundup.example' });
    try {
      const html = await (await fetch(`${new URL(other.url).origin}/embed/${linkUp.slug}`)).text();
      expect(html).toContain(
        `<link rel="canonical" href="https://roundup.example/embed/${linkUp.slug}">`,
      );
      expect(html).not.toContain('127.0.0.1');
    } finally {
      await other.stop(0);
    }
  });

  it("sends readers to link up under a co-host's published post carrying the edition", async () => {
    const weekly = await f.linkUp([maya.id]);
    const edition = await f.roundup(weekly.id, [maya.id]);
    const draft = {
      status: 'DRAFT',
      roundup_id: edition.id,
      canonical_url: 'https://maya.example/draft',
    };
    await f.post(maya.id, draft);
    await f.post(maya.id, { roundup_id: edition.id, canonical_url: 'https://maya.example/week-1' });
    const { html } = await page(`/embed/${weekly.slug}`);
    expect(html).toContain(
      '<a class="submit" href="https://maya.example/week-1">Link up your post</a>',
    );
    expect(html).not.toContain('https://maya.example/draft');
  });

  it('says so when no edition is open or coming, and 404s an unknown link-up', async () => {
    const quiet = await f.linkUp([maya.id], { name: 'Quiet Trails' });
    const { res, html } = await page(`/embed/${quiet.slug}`);
    expect(res.status).toBe(200);
    expect(html).toContain('No edition yet: the first one is not scheduled.');
    const missing = await page('/embed/no-such-link-up');
    expect(missing.res.status).toBe(404);
    expect(missing.res.headers.get('content-type')).toContain('text/html');
    expect(missing.html).toContain('<h1>Not found</h1>');
    expect(missing.res.headers.get('access-control-allow-origin')).toBe('*');
    expect(missing.res.headers.get('cache-control')).toBe('private, no-store');
    expect(missing.res.headers.get('x-frame-options')).toBeNull();
    const bad = await page(`/embed/${quiet.slug}/x`);
    expect(bad.res.status).toBe(400);
    expect(bad.html).toContain('<h1>Bad request</h1>');
  });
});

describe('GET /embed/{slug} after the last edition closed', () => {
  it('shows the last edition that opened, closed, until the next one', async () => {
    const ended = await f.linkUp([maya.id], { name: 'Ended' });
    await f.roundup(ended.id, [maya.id], {
      title: 'Last week',
      opens_at: new Date(Date.now() - 3 * DAY),
      closes_at: new Date(Date.now() - DAY),
    });
    const { res, html } = await page(`/embed/${ended.slug}`);
    expect(res.status).toBe(200);
    expect(html).toContain('<h1>Ended #1: Last week</h1>');
    expect(html).toContain('<p class="status" data-status="CLOSED">Closed</p>');
    expect(html).toContain(`<div data-roundup="${ended.slug}">`);
  });
});

describe('GET /embed/{slug}/{number}', () => {
  it('shows that edition, without the live hook', async () => {
    const { res, html } = await page(`/embed/${linkUp.slug}/1`);
    expect(res.status).toBe(200);
    expectPublic(res);
    expect(html).toContain('<h1>Weekly Run #1: Cold week</h1>');
    expect(html).toContain('<p class="status" data-status="CLOSED">Closed</p>');
    expect(html).toMatch(/closed <time datetime="[^"]+Z">/);
    expect(html).toContain('Frosty 10K');
    expect(html).not.toContain('data-roundup');
    expect(html).not.toContain('/embed.js');
  });

  it('404s an unknown number or link-up, 400s a malformed number', async () => {
    expect((await get(`/embed/${linkUp.slug}/99`)).status).toBe(404);
    expect((await get('/embed/no-such-link-up/1')).status).toBe(404);
    for (const bad of ['0', '-1', 'two', '1.5', '99999999999'])
      expect((await get(`/embed/${linkUp.slug}/${bad}`)).status).toBe(400);
  });
});

describe('GET /oembed', () => {
  const oembed = (url: string, extra = '') => get(`/oembed?url=${encodeURIComponent(url)}${extra}`);

  it('describes the embed as a rich iframe, discovered from the page', async () => {
    const { html } = await page(`/embed/${linkUp.slug}`);
    const discovery = /<link rel="alternate" type="application\/json\+oembed" href="([^"]+)"/.exec(
      html,
    )![1];
    const href = discovery.replace(/&amp;/g, '&');
    const res = await fetch(href);
    expect(res.status).toBe(200);
    expectPublic(res);
    const body: any = await res.json();
    expect(body).toMatchObject({
      version: '1.0',
      type: 'rich',
      title: 'Weekly Run #2: Hills',
      provider_name: 'Roundup',
      width: 600,
      height: 640,
    });
    expect(body.html).toMatch(
      new RegExp(`^<iframe src="${origin()}/embed/${linkUp.slug}" width="600" height="640"`),
    );
  });

  it('honours maxwidth and maxheight, and serves an edition by number', async () => {
    const res = await oembed(`${origin()}/embed/${linkUp.slug}/1`, '&maxwidth=320&maxheight=2000');
    const body: any = await res.json();
    expect(body).toMatchObject({ width: 320, height: 640, title: 'Weekly Run #1: Cold week' });
    expect(body.html).toContain(`src="${origin()}/embed/${linkUp.slug}/1" width="320"`);
  });

  it('404s foreign and unknown addresses, 501s XML, 400s a missing url', async () => {
    expect((await oembed(`https://elsewhere.example/embed/${linkUp.slug}`)).status).toBe(404);
    expect((await oembed(`${origin()}/graphql`)).status).toBe(404);
    expect((await oembed(`${origin()}/embed/no-such-link-up`)).status).toBe(404);
    expect((await oembed(`${origin()}/embed/%E0%A4%A`)).status).toBe(404);
    expect((await oembed(`${origin()}/embed/${linkUp.slug}`, '&format=xml')).status).toBe(501);
    const missing = await get('/oembed');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('feeds', () => {
  it('serves Atom 1.0 that a real XML parser reads, one entry per opened edition', async () => {
    const res = await get(`/feeds/${linkUp.slug}.atom`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expectPublic(res);
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const { feed } = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      isArray: (name) => ['entry', 'author', 'link'].includes(name),
      htmlEntities: true,
    }).parse(xml);
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toBe(`${origin()}/embed/${linkUp.slug}`);
    expect(feed.title).toBe('Weekly Run');
    expect(feed.author.map((a: any) => a.name)).toEqual(['Maya Okafor', 'Lucía Ferrer']);
    expect(feed.link.map((l: any) => l['@rel'])).toEqual(['self', 'alternate']);
    expect(feed.entry.map((e: any) => e.id)).toEqual([
      `${origin()}/embed/${linkUp.slug}/2`,
      `${origin()}/embed/${linkUp.slug}/1`,
    ]);
    const [latest, first] = feed.entry;
    expect(latest.title).toBe('Weekly Run #2: Hills');
    expect(latest.link[0]['@href']).toBe(`${origin()}/embed/${linkUp.slug}/2`);
    expect(latest.author.map((a: any) => a.name)).toEqual(['Maya Okafor', 'Lucía Ferrer', 'Jo']);
    expect(latest.author[2].uri).toBeUndefined();
    expect(Date.parse(first.updated)).toBeLessThan(Date.now());
    const content = latest.content['#text'];
    expect(latest.content['@type']).toBe('html');
    expect(content).toContain(
      `<a href="https://runner.example/${open.id}/1" rel="ugc">Hill repeats</a>`,
    );
    expect(content).toContain('&lt;script&gt;alert(1)');
    expect(content).not.toContain('Pending post');
    expect(xml).not.toContain('<script>');
  });

  it('serves JSON Feed 1.1 that validates against its schema', async () => {
    const res = await get(`/feeds/${linkUp.slug}.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expectPublic(res);
    const body: any = await res.json();
    const schema = JSON.parse(
      readFileSync(path.join(__dirname, 'fixtures/jsonfeed-1.1.schema.json'), 'utf8'),
    );
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat('uri', (value: string) => URL.canParse(value));
    ajv.addFormat('date-time', (value: string) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value),
    );
    const validate = ajv.compile(schema);
    expect(validate.errors ?? validate(body)).toBe(true);
    expect(body.version).toBe('https://jsonfeed.org/version/1.1');
    expect(body.items.map((i: any) => i.id)).toEqual([
      `${origin()}/embed/${linkUp.slug}/2`,
      `${origin()}/embed/${linkUp.slug}/1`,
    ]);
    expect(body.items[0]._roundup.entries.map((e: any) => [e.number, e.featured])).toEqual([
      [1, true],
      [4, false],
      [5, false],
    ]);
    expect(body.items[0]._roundup.entries[1].title).toBe(HOSTILE_TITLE);
    // The schema refuses what it should.
    expect(validate({ ...body, version: 'https://jsonfeed.org/version/1' })).toBe(false);
    expect(validate({ ...body, items: [{ title: 'no id' }] })).toBe(false);
  });

  it('404s an unknown link-up or format', async () => {
    expect((await get('/feeds/no-such-link-up.atom')).status).toBe(404);
    expect((await get('/feeds/no-such-link-up.json')).status).toBe(404);
    expect((await get(`/feeds/${linkUp.slug}.rss`)).status).toBe(404);
  });
});

describe('GET /embed.js', () => {
  it('serves the client script, public and cacheable', async () => {
    const res = await get('/embed.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('public, max-age=15');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.text()).toBe(
      readFileSync(path.join(__dirname, '../src/embed/client/embed.js'), 'utf8'),
    );
  });
});

/** An open `/embed/{slug}/events` stream, its snapshots parsed as they arrive. */
interface Stream {
  res: Response;
  snapshots: EmbedSnapshot[];
  raw: string;
  waitFor(test: (s: EmbedSnapshot) => boolean, ms?: number): Promise<EmbedSnapshot>;
  close(): void;
}

async function stream(slug: string, base = origin(), headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(`${base}/embed/${slug}/events`, { signal: abort.signal, headers });
  const s: Stream = {
    res,
    snapshots: [],
    raw: '',
    async waitFor(test, ms = 3000) {
      const until = Date.now() + ms;
      for (;;) {
        const found = s.snapshots.find(test);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no such snapshot in ${JSON.stringify(s.raw)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => abort.abort(),
  };
  if (res.ok) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const text = decoder.decode(chunk, { stream: true });
          s.raw += text;
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (block.startsWith('event: snapshot\ndata: '))
              s.snapshots.push(JSON.parse(block.slice('event: snapshot\ndata: '.length)));
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return s;
}

describe('GET /embed/{slug}/events', () => {
  const open_: Stream[] = [];
  const follow = async (slug = linkUp.slug, headers?: Record<string, string>) => {
    const s = await stream(slug, origin(), headers);
    open_.push(s);
    return s;
  };
  afterEach(() => open_.splice(0).forEach((s) => s.close()));

  it('sends the snapshot on connect, uncompressed and unbuffered', async () => {
    const s = await follow(linkUp.slug, { 'accept-encoding': 'gzip' });
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.res.headers.get('content-encoding')).toBeNull();
    expect(s.res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(s.res.headers.get('access-control-allow-origin')).toBe('*');
    // The stream that opened its link-up's channel read the snapshot; one joining it reads nothing.
    expect(s.res.headers.get('x-sql-statements')).toBe('1');
    const joined = await follow();
    expect(joined.res.headers.get('x-sql-statements')).toBe('0');
    expect(await joined.waitFor(() => true)).toEqual(await s.waitFor(() => true));
    const snapshot = await s.waitFor(() => true);
    expect(s.raw.startsWith('retry: 5000\n\n')).toBe(true);
    expect(snapshot.linkUp).toEqual({
      slug: linkUp.slug,
      name: 'Weekly Run',
      description: 'Running posts <b>welcome</b>',
    });
    expect(snapshot.roundup).toMatchObject({
      number: 2,
      title: 'Hills',
      status: 'OPEN',
      closedAt: null,
      url: `${origin()}/embed/${linkUp.slug}/2`,
      submitUrl: 'https://maya.example/',
    });
    expect(snapshot.cohosts).toEqual([
      { name: 'Maya Okafor', blogUrl: 'https://maya.example/', isNew: false },
      { name: 'Lucía Ferrer', blogUrl: 'https://lucia.example/', isNew: true },
      { name: 'Jo', blogUrl: null, isNew: false },
    ]);
    expect(snapshot.entries.map((e) => [e.number, e.featured])).toEqual([
      [1, true],
      [4, false],
      [5, false],
    ]);
    expect(snapshot.entries[0]).toEqual({
      number: 1,
      title: 'Hill repeats',
      url: `https://runner.example/${open.id}/1`,
      blogName: 'Rosa Runs',
      imageUrl: 'https://rosa.example/hill.jpg',
      featured: true,
    });
  });

  it('sends a new snapshot when an entry arrives, and again when it is hidden', async () => {
    const a = await follow();
    const b = await follow();
    await a.waitFor(() => true);
    await b.waitFor(() => true);
    const started = Date.now();
    const made = (await submitAt(t.url, open, 'sse')).data.submitEntry;
    const withIt = (s: EmbedSnapshot) => s.entries.some((e) => e.number === made.number);
    const seen = await a.waitFor(withIt, 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen.entries.find((e) => e.number === made.number)!.title).toBe('Run sse');
    await b.waitFor(withIt, 2000);

    const hidden = await t.gql(
      SET_STATUS,
      { id: made.id, status: 'HIDDEN' },
      { token: maya.token },
    );
    expect(hidden.errors).toBeUndefined();
    const after = a.snapshots.length;
    const gone = await a.waitFor((s) => a.snapshots.indexOf(s) >= after && !withIt(s), 2000);
    expect(gone.entries.map((e) => e.number)).toEqual([1, 4, 5]);
    // Both subscribers got the same bytes.
    await b.waitFor((s) => b.snapshots.indexOf(s) >= after && !withIt(s), 2000);
  });

  it('tells that the edition closed, and follows a new current edition', async () => {
    const weekly = await f.linkUp([maya.id]);
    const first = await f.roundup(weekly.id, [maya.id]);
    const s = await follow(weekly.slug);
    await s.waitFor((x) => x.roundup.number === 1 && x.roundup.status === 'OPEN');
    const closedNow = await t.gql(CLOSE, { id: first.gid }, { token: maya.token });
    expect(closedNow.errors).toBeUndefined();
    const shut = await s.waitFor((x) => x.roundup.status === 'CLOSED', 2000);
    expect(shut.roundup.closedAt).not.toBeNull();
    const next = await t.gql(
      SCHEDULE,
      { input: { linkUpId: weekly.gid, title: 'Next' } },
      { token: maya.token },
    );
    expect(next.errors).toBeUndefined();
    const scheduled = await s.waitFor((x) => x.roundup.number === 2, 2000);
    expect(scheduled.roundup).toMatchObject({ title: 'Next', status: 'SCHEDULED' });
  });

  it("delivers another instance's submits (the live bus across instances)", async () => {
    const other = await startAnotherApi(t);
    try {
      const s = await follow();
      await s.waitFor(() => true);
      const made = (await submitAt(other.url, open, 'elsewhere')).data.submitEntry;
      const seen = await s.waitFor((x) => x.entries.some((e) => e.number === made.number), 3000);
      expect(seen.entries.find((e) => e.number === made.number)!.title).toBe('Run elsewhere');
      await t.gql(SET_STATUS, { id: made.id, status: 'HIDDEN' }, { token: maya.token });
    } finally {
      await other.stop(0);
    }
  });

  it('follows a fixed edition at /embed/{slug}/{number}/events', async () => {
    const s = await follow(`${linkUp.slug}/2`);
    expect(s.res.status).toBe(200);
    expect((await s.waitFor(() => true)).roundup.number).toBe(2);
    const made = (await submitAt(t.url, open, 'fixed')).data.submitEntry;
    const seen = await s.waitFor((x) => x.entries.some((e) => e.number === made.number), 2000);
    expect(seen.roundup.number).toBe(2);
    await t.gql(SET_STATUS, { id: made.id, status: 'HIDDEN' }, { token: maya.token });
    expect((await follow(`${linkUp.slug}/99`)).res.status).toBe(404);
    expect((await follow(`${linkUp.slug}/0`)).res.status).toBe(400);
  });

  it('404s an unknown link-up', async () => {
    const s = await follow('no-such-link-up');
    expect(s.res.status).toBe(404);
    expect(((await s.res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  /** A stream once the address has a place free (streams closed just before may still count). */
  const followOk = async () => {
    const until = Date.now() + 2000;
    let s = await follow();
    while (s.res.status === 429 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      s = await follow();
    }
    return s;
  };

  it('caps streams per address (429) and frees a place when one disconnects', async () => {
    const held = [await followOk(), await followOk(), await followOk()];
    await Promise.all(held.map((s) => s.waitFor(() => true)));
    const refused = await follow();
    expect(refused.res.status).toBe(429);
    expect(refused.res.headers.get('retry-after')).toBeTruthy();
    expect(((await refused.res.json()) as any).errors[0].extensions.code).toBe('LIMIT_EXCEEDED');
    held[0].close();
    const again = await followOk();
    expect(again.res.status).toBe(200);
    await again.waitFor(() => true);
  });
});

describe('shutdown', () => {
  it('ends open streams, so stop() does not wait on them', async () => {
    const other = await startAnotherApi(t, { LOG_LEVEL: 'silent' });
    try {
      const s = await stream(linkUp.slug, new URL(other.url).origin);
      await s.waitFor(() => true);
      const started = Date.now();
      await other.stop(0);
      expect(Date.now() - started).toBeLessThan(3000);
      s.close();
    } catch (error) {
      await other.stop(0).catch(() => undefined);
      throw error;
    }
  });
});
