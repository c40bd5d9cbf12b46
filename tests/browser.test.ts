import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Browser, chromium, Frame, Page } from 'playwright-core';
import { RunningApi } from '../src/index';
import { gqlAt, startAnotherApi, startTestApi, TestApi } from './helpers/api';
import { fixtures, Made, MadeHost } from './helpers/fixtures';
import { submitAt } from './helpers/live';

/**
 * The live roundup on a co-host's blog (issue 13), in a real headless Chromium (Debian's
 * `chromium` package; playwright-core drives it, no browser download): a blog page on another
 * origin with the README's snippet shows the list; an entry submitted through instance B shows
 * up there, streamed by instance A, without a reload; hiding it takes it away; with JavaScript
 * off the embed page carries the same links (and oEmbed's sandboxed frame of it goes live); with
 * the API unreachable the snippet is a plain link; a restarted instance is reconnected to
 * without a reload. Two instances share live updates through Redis when REDIS_URL is set, else
 * through LISTEN/NOTIFY, so this runs on PostgreSQL only. Screenshots go to artifacts/screenshots.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'src/embed/client/embed.js');
const SCREENSHOTS = path.join(ROOT, 'artifacts/screenshots');
/** How soon a change made through B must show on the blog page. */
const LIVE_MS = 2000;

describe('/embed.js as served', () => {
  it('is one small script: under 10 KB gzip, no eval, no HTML parsing', () => {
    const source = readFileSync(SCRIPT, 'utf8');
    expect(gzipSync(source, { level: 9 }).length).toBeLessThan(10 * 1024);
    expect(source).not.toMatch(
      /\beval\s*\(|new\s+Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
    );
    // Blogs serve pages in every encoding: ASCII reads the same in all of them.
    expect(source).not.toMatch(/[^\t\n\r -~]/);
  });
});

/** Why the browser suite cannot run here, or null. CI (CI=1) installs Chromium and must run it. */
function skipReason(): string | null {
  if (!process.env.DATABASE_URL)
    return 'needs PostgreSQL (DATABASE_URL): two instances share live updates';
  if (!existsSync(CHROMIUM) && !process.env.CI)
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  return null;
}
const reason = skipReason();

/** A tiny blog on an origin of its own: `/` is a post with the snippet, plus a thumbnail. */
async function blogServer(snippet: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/thumb.svg') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end(
        '<svg xmlns="http://www.w3.org/2000/svg" width="44" height="44"><rect width="44" height="44" fill="#e07a2e"/><circle cx="22" cy="18" r="8" fill="#fff"/></svg>',
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Miles and Muffins</title>
<style>body{font-family:Georgia,serif;color:#7a1f1f;max-width:46em;margin:2em auto}
a{color:red} li{list-style:square}</style></head>
<body><h1>Miles and Muffins</h1><p>This week's link-up: add your run below!</p>
${snippet()}
<p>Thanks for running with us.</p></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

/** The entry links a page shows (through the embed's shadow root, or on the embed page). */
const entryLinks = (page: Page | Frame, scope: string) =>
  page
    .locator(`${scope} a[rel~="ugc"]`)
    .evaluateAll((links) =>
      links.map((a) => ({ href: (a as any).href, text: a.textContent!.trim() })),
    );

(reason ? describe.skip : describe)(
  `the embed in a real Chromium${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let a: TestApi;
    let b: RunningApi;
    let browser: Browser;
    let blog: { server: Server; origin: string };
    let cohost: MadeHost;
    let linkUp: Made & { slug: string };
    let roundup: Made & { number: number };
    let apiOrigin: string;
    /** The snippet the blog's page carries: the README's, pointed at instance A. */
    let snippet = () => '';
    /** Settings of every instance. */
    const env: Record<string, string> = { RATE_LIMITS: 'off' };
    const shown: { href: string; text: string }[] = [];

    const shot = (page: Page, name: string) =>
      page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
      a = await startTestApi(env);
      b = await startAnotherApi(a, env);
      apiOrigin = new URL(a.url).origin;
      blog = await blogServer(() => snippet());
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

      const f = fixtures(a);
      cohost = await f.host({ name: 'Mara Hill', blog_name: 'Miles and Muffins' });
      const other = await f.host({ name: 'Jo Park', blog_url: 'https://jo.example/' });
      linkUp = await f.linkUp([cohost.id, other.id], { name: 'Sunday Long Run' });
      roundup = await f.roundup(linkUp.id, [cohost.id, other.id], { title: 'Week 12' });
      await a.sql(
        `UPDATE roundup_cohosts SET is_new = true WHERE roundup_id = $1 AND host_id = $2`,
        [roundup.id, other.id],
      );
      const first = await f.entry(roundup.id, {
        title: 'Twenty miles in the rain',
        blog_name: 'Wet Feet',
        image_url: `${blog.origin}/thumb.svg`,
      });
      await f.entry(roundup.id, { title: 'Hidden spam', status: 'HIDDEN' });
      await f.entry(roundup.id, { title: 'Hill repeats, <b>again</b>', blog_name: 'Up & Down' });
      await a.sql(`INSERT INTO entry_features (entry_id, host_id) VALUES ($1, $2)`, [
        first.id,
        cohost.id,
      ]);
      snippet = () =>
        `<div data-roundup="${linkUp.slug}"></div>\n<script src="${apiOrigin}/embed.js" async></script>`;
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await closeServer(blog?.server);
      await b?.stop();
      await a?.stop();
    });

    /** Requests a blog page made to anything but the blog and the API: there must be none. */
    const thirdParty: string[] = [];
    afterEach(() => expect(thirdParty.splice(0)).toEqual([]));

    /** The entry links of the embed page as read with JavaScript off. */
    async function linksWithoutScripts() {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${apiOrigin}/embed/${linkUp.slug}`);
      const links = await entryLinks(page, 'body');
      await context.close();
      return links;
    }

    async function blogPage(): Promise<Page> {
      const page = await browser.newPage();
      page.on('request', (request) => {
        const origin = new URL(request.url()).origin;
        if (origin !== blog.origin && origin !== apiOrigin) thirdParty.push(request.url());
      });
      await page.goto(blog.origin);
      return page;
    }

    it('shows the current entries on a blog of another origin', async () => {
      const page = await blogPage();
      const items = page.locator('div[data-roundup] li');
      await items.nth(1).waitFor({ timeout: 10_000 });
      await expect(page.locator('div[data-roundup] h2').textContent()).resolves.toBe(
        'Sunday Long Run #1: Week 12',
      );
      const links = await entryLinks(page, 'div[data-roundup]');
      expect(links).toEqual([
        { href: `https://runner.example/${roundup.id}/1`, text: 'Twenty miles in the rain' },
        { href: `https://runner.example/${roundup.id}/3`, text: 'Hill repeats, <b>again</b>' },
      ]);
      shown.push(...links);
      await expect(items.first().textContent()).resolves.toContain('Featured');
      await expect(items.first().textContent()).resolves.toContain('Wet Feet');
      await expect(page.locator('div[data-roundup] li img').getAttribute('src')).resolves.toBe(
        `${blog.origin}/thumb.svg`,
      );
      const text = await page.locator('div[data-roundup] section').textContent();
      expect(text).toContain('Hosted by Mara Hill and Jo Park');
      expect(text).toContain('Welcome, Jo Park, our new co-host!');
      await expect(page.locator('div[data-roundup] ol').getAttribute('aria-live')).resolves.toBe(
        'polite',
      );
      await expect(page.locator('div[data-roundup] time').count()).resolves.toBe(2);
      // The blog's own styles stop at the shadow root.
      const color = await page
        .locator('div[data-roundup] li a')
        .first()
        .evaluate((el) => (globalThis as any).getComputedStyle(el).color);
      expect(color).not.toBe('rgb(255, 0, 0)');
      await shot(page, 'embed-on-blog');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'embed-on-blog-dark');
      await page.close();
    });

    it('shows an entry submitted through instance B, streamed by A, within 2 s without a reload; hiding it takes it away', async () => {
      const page = await blogPage();
      const list = page.locator('div[data-roundup] li');
      await list.nth(1).waitFor({ timeout: 10_000 });
      await page.evaluate(() => ((globalThis as any).notReloaded = true));

      const submitted = await submitAt(b.url, roundup, 'live');
      const entry = submitted.data.submitEntry;
      const sent = Date.now();
      const added = page.locator('div[data-roundup] li', { hasText: 'Run live' });
      await added.waitFor({ timeout: LIVE_MS });
      expect(Date.now() - sent).toBeLessThan(LIVE_MS);
      await expect(added.locator('a').getAttribute('href')).resolves.toBe(
        `https://runner.example/${roundup.id}/run-live`,
      );
      await expect(added.locator('.n').textContent()).resolves.toBe(String(entry.number));
      await expect(list.count()).resolves.toBe(3);
      await shot(page, 'embed-live-entry');

      const hidden = await gqlAt(
        b.url,
        `mutation($id: ID!) { setEntryStatus(id: $id, status: HIDDEN) { id status } }`,
        { id: entry.id },
        { token: cohost.token },
      );
      expect(hidden.errors).toBeUndefined();
      const hiddenAt = Date.now();
      await added.waitFor({ state: 'detached', timeout: LIVE_MS });
      expect(Date.now() - hiddenAt).toBeLessThan(LIVE_MS);
      await expect(list.count()).resolves.toBe(2);
      await expect(page.evaluate(() => (globalThis as any).notReloaded)).resolves.toBe(true);
      await page.close();
    });

    it('shows the same links on the embed page with JavaScript off, and live with it on', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const response = await page.goto(`${apiOrigin}/embed/${linkUp.slug}`);
      expect(response!.status()).toBe(200);
      expect(await entryLinks(page, 'body')).toEqual(shown);
      await shot(page, 'embed-page-no-js');
      await context.close();

      // With JavaScript, the page's own box goes live the same way.
      const live = await browser.newPage();
      await live.goto(`${apiOrigin}/embed/${linkUp.slug}`);
      await live.locator('div[data-roundup] section li').nth(1).waitFor({ timeout: 10_000 });
      expect(await entryLinks(live, 'div[data-roundup] section')).toEqual(shown);
      await shot(live, 'embed-page-live');
      await live.close();
    });

    it("goes live in oEmbed's sandboxed frame too", async () => {
      const oembed = await fetch(
        `${apiOrigin}/oembed?url=${encodeURIComponent(`${apiOrigin}/embed/${linkUp.slug}`)}`,
      );
      expect(oembed.status).toBe(200);
      const { html } = (await oembed.json()) as { html: string };
      const before = snippet;
      snippet = () => html;
      try {
        const page = await blogPage();
        const frame = page.frameLocator('iframe');
        await frame.locator('div[data-roundup] section li').nth(1).waitFor({ timeout: 10_000 });
        expect(await entryLinks(page.frames()[1], 'div[data-roundup] section')).toEqual(
          await linksWithoutScripts(),
        );
        await shot(page, 'embed-oembed-frame');
        await page.close();
      } finally {
        snippet = before;
      }
    });

    it('is a plain link to the embed page when the API cannot be reached', async () => {
      // The script loaded (from a cache, say), but its origin answers nothing now.
      const gone = await blogServer(() => '');
      const deadOrigin = gone.origin;
      await closeServer(gone.server);
      const before = snippet;
      snippet = () =>
        `<div data-roundup="${linkUp.slug}"></div>\n<script src="${deadOrigin}/embed.js" async></script>`;
      const page = await browser.newPage();
      try {
        await page.route(`${deadOrigin}/embed.js`, (route) =>
          route.fulfill({ contentType: 'text/javascript', body: readFileSync(SCRIPT, 'utf8') }),
        );
        await page.goto(blog.origin);
        const fallback = page.locator('div[data-roundup] a');
        await fallback.waitFor();
        // Give the failed stream time to have been seen, then the link must still be all there is.
        await page.waitForTimeout(1000);
        await expect(fallback.getAttribute('href')).resolves.toBe(
          `${deadOrigin}/embed/${linkUp.slug}`,
        );
        await expect(page.locator('div[data-roundup] li').count()).resolves.toBe(0);
        await shot(page, 'embed-fallback');
      } finally {
        snippet = before;
        await page.close();
      }
    });

    it('reconnects by itself when its instance restarts, and shows what it missed', async () => {
      let c = await startAnotherApi(a, env);
      const port = c.port;
      const origin = new URL(c.url).origin;
      const before = snippet;
      snippet = () =>
        `<div data-roundup="${linkUp.slug}"></div>\n<script src="${origin}/embed.js" async></script>`;
      try {
        const page = await browser.newPage();
        await page.goto(blog.origin);
        const list = page.locator('div[data-roundup] section li');
        await list.nth(1).waitFor({ timeout: 10_000 });
        await page.evaluate(() => ((globalThis as any).notReloaded = true));
        await c.stop();
        const missed = await submitAt(b.url, roundup, 'while-away');
        expect(missed.errors).toBeUndefined();
        c = await startAnotherApi(a, { ...env, PORT: String(port) });
        // The server asks EventSource to wait `retry` (5 s) before it reconnects.
        await page
          .locator('div[data-roundup] li', { hasText: 'Run while-away' })
          .waitFor({ timeout: 15_000 });
        await expect(page.evaluate(() => (globalThis as any).notReloaded)).resolves.toBe(true);
        await page.close();
      } finally {
        snippet = before;
        await c.stop();
      }
    });
  },
);
