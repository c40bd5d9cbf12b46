import express, { NextFunction, Request, Response, Router } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { databaseUnavailable, RETRY_AFTER_SECONDS } from '../common/errors';
import { etagOf, publicCache, PRIVATE_NO_STORE } from '../common/http-cache';
import { sqlScope } from '../db/sql-counter';
import { atomFeed, jsonFeed } from './feeds';
import { BaseUrl, EmbedReads } from './reads';
import { editionTitle, renderError, renderPage, template } from './render';
import { EmbedStreams } from './sse';

/** The public routes: open to every origin, no credentials (DESIGN.md). */
export const PUBLIC_PATHS = ['/embed', '/embed.js', '/oembed', '/feeds'];

/**
 * `/embed.js` as the client engineer wrote it, read once at start: from src/embed/client when
 * running the sources, from dist/embed/client in a build (`npm run build` copies it there).
 */
const EMBED_JS = readFileSync(path.join(__dirname, 'client', 'embed.js'), 'utf8');

/**
 * The embed page's own policy: framed anywhere (oEmbed iframes), loading only its own script and
 * stream. The API's origin is named as well as 'self': in a sandboxed frame (oEmbed's) the page's
 * origin is opaque.
 */
const pageCsp = (base: BaseUrl) =>
  [
    "default-src 'none'",
    `script-src 'self' ${base}`,
    `connect-src 'self' ${base}`,
    'img-src http: https: data:',
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    'frame-ancestors *',
  ].join('; ');

/** An error page has nothing to load; it may be framed like the page it stands for. */
const ERROR_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *";

/** oEmbed's default frame (maxwidth and maxheight only shrink it). */
const FRAME = { width: 600, height: 640 };

const IFRAME = template<{ src: string; width: number; height: number; title: string }>(
  '<iframe src="<%= it.src %>" width="<%= it.width %>" height="<%= it.height %>" title="<%= it.title %>" loading="lazy" ' +
    'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation" ' +
    'style="border:0;max-width:100%"></iframe>',
);

const NUMBER = /^[1-9][0-9]{0,8}$/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export interface EmbedOptions {
  reads: EmbedReads;
  streams: EmbedStreams;
  publicCacheSeconds: number;
  publicUrl: string | undefined;
  /** Send `x-sql-statements` (not in production), as GraphQL answers do. */
  exposeSqlCount: boolean;
}

/** The API's error codes (DESIGN.md, "Errors") for the statuses these routes answer with. */
const CODES: Record<number, string> = {
  404: 'NOT_FOUND',
  429: 'LIMIT_EXCEEDED',
  501: 'NOT_IMPLEMENTED',
  503: 'SERVICE_UNAVAILABLE',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `/embed/{slug}`, `/embed/{slug}/{number}`, `/embed/{slug}/events`, `/embed.js`, `/oembed` and
 * `/feeds/{slug}.atom|.json`. Each answer costs one SQL statement (reads.ts), is public
 * (`Access-Control-Allow-Origin: *`, `Cache-Control: public`, an ETag from http.ts) and is
 * compressed by the app's middleware; the event stream is neither cached nor compressed.
 */
export function embedRoutes(options: EmbedOptions): Router {
  const { reads, streams } = options;
  const router = express.Router();

  /** The API's address as the client reached it (Host, and X-Forwarded-Proto with TRUST_PROXY). */
  const baseOf = (req: Request): BaseUrl => {
    if (options.publicUrl) return options.publicUrl;
    const host = req.get('host') ?? '';
    if (!HOST.test(host)) throw new HttpError(400, 'Bad Host header');
    return `${req.protocol}://${host}`;
  };

  const send = (res: Response, type: string, body: string) => {
    if (options.exposeSqlCount)
      res.setHeader('x-sql-statements', String(sqlScope.getStore()?.statements ?? 0));
    res.setHeader('cache-control', publicCache(options.publicCacheSeconds));
    res.type(type).send(body);
  };

  const number = (given: string) => {
    if (!NUMBER.test(given)) throw new HttpError(400, 'An edition number is 1, 2, 3...');
    return Number(given);
  };

  /** An async route whose refusals (HttpError, the database away) answer as `kind` says. */
  const route =
    (kind: 'html' | 'json', handler: (req: Request, res: Response) => Promise<void> | void) =>
    (req: Request, res: Response, next: NextFunction) => {
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((error: unknown) => {
          let status: number;
          let message: string;
          if (error instanceof HttpError) ({ status, message } = error);
          else if (databaseUnavailable(error)) {
            status = 503;
            message = 'The database is unavailable, try again shortly';
            res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
          } else return next(error);
          res.status(status).setHeader('cache-control', PRIVATE_NO_STORE);
          if (kind === 'html') {
            // A frame showing an unknown edition says so rather than being blocked.
            res.removeHeader('x-frame-options');
            res.setHeader('content-security-policy', ERROR_CSP);
            res.type('html').send(renderError(status, message));
          } else {
            const code = CODES[status] ?? 'BAD_REQUEST';
            res.json({ errors: [{ message, extensions: { code } }] });
          }
        });
    };

  router.use((_req, res, next) => {
    res.setHeader('access-control-allow-origin', '*');
    // Helmet's same-origin default would stop blogs from loading the script and the frame.
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
    res.vary('Accept-Encoding');
    next();
  });

  router.get('/embed.js', (_req, res) => {
    send(res, 'application/javascript; charset=utf-8', EMBED_JS);
  });

  router.get(
    ['/embed/:slug/events', '/embed/:slug/:number/events'],
    route('json', async (req, res) => {
      const given = req.params.number as string | undefined;
      const slug = req.params.slug as string;
      const ip = res.locals.clientIp as string;
      const refused = await streams.open(ip, res, baseOf(req), slug, given ? number(given) : null);
      if (!refused) return;
      if (refused.status === 503) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      if (refused.status === 429) res.setHeader('retry-after', '60');
      throw new HttpError(refused.status, refused.message);
    }),
  );

  /**
   * What was rendered of each edition the reads made (they make it again only when its data
   * changed): the page and its ETag, kept as long as the edition is.
   */
  const rendered = new WeakMap<object, { html: string; etag: string }>();
  const page = (res: Response, base: BaseUrl, edition: object, render: () => string) => {
    let kept = rendered.get(edition);
    if (!kept) {
      const html = render();
      rendered.set(edition, (kept = { html, etag: etagOf(html) }));
    }
    res.removeHeader('x-frame-options');
    res.setHeader('content-security-policy', pageCsp(base));
    res.setHeader('etag', kept.etag);
    send(res, 'html', kept.html);
  };

  router.get(
    '/embed/:slug',
    route('html', async (req, res) => {
      const base = baseOf(req);
      const slug = req.params.slug as string;
      const edition = await reads.current(base, slug);
      if (!edition) throw new HttpError(404, 'No such link-up');
      const pageUrl = `${base}/embed/${encodeURIComponent(slug)}`;
      page(res, base, edition, () => renderPage(base, edition, pageUrl, true));
    }),
  );

  router.get(
    '/embed/:slug/:number',
    route('html', async (req, res) => {
      const base = baseOf(req);
      const edition = await reads.edition(
        base,
        req.params.slug as string,
        number(req.params.number as string),
      );
      if (!edition) throw new HttpError(404, 'No such link-up or edition');
      page(res, base, edition, () => renderPage(base, edition, edition.roundup.url, false));
    }),
  );

  router.get(
    '/oembed',
    route('json', async (req, res) => {
      const format = req.query.format ?? 'json';
      if (format !== 'json') throw new HttpError(501, 'Only format=json is served');
      const base = baseOf(req);
      const given = typeof req.query.url === 'string' ? req.query.url : '';
      let url: URL;
      try {
        url = new URL(given);
      } catch {
        throw new HttpError(
          given ? 404 : 400,
          given ? 'Not an embed address of this API' : 'url is required',
        );
      }
      const match = /^\/embed\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
      if (url.host !== new URL(base).host || !match || match[2] === 'events')
        throw new HttpError(404, 'Not an embed address of this API');
      const size = (name: 'maxwidth' | 'maxheight', fallback: number) => {
        const value = req.query[name];
        if (value === undefined) return fallback;
        if (typeof value !== 'string' || !NUMBER.test(value))
          throw new HttpError(400, `${name} must be a positive integer`);
        return Math.min(fallback, Number(value));
      };
      const width = size('maxwidth', FRAME.width);
      const height = size('maxheight', FRAME.height);
      let slug: string;
      try {
        slug = decodeURIComponent(match[1]);
      } catch {
        throw new HttpError(404, 'Not an embed address of this API');
      }
      const found = match[2]
        ? await reads.edition(base, slug, number(match[2]))
        : await reads.current(base, slug);
      if (!found) throw new HttpError(404, 'No such link-up or edition');
      const title = found.roundup ? editionTitle(found) : found.linkUp.name;
      const src = match[2] ? found.roundup!.url : `${base}/embed/${encodeURIComponent(slug)}`;
      const cohosts = 'cohosts' in found ? found.cohosts : [];
      send(
        res,
        'application/json; charset=utf-8',
        JSON.stringify({
          version: '1.0',
          type: 'rich',
          title,
          provider_name: 'Roundup',
          provider_url: base,
          ...(cohosts.length ? { author_name: cohosts.map((c) => c.name).join(', ') } : {}),
          cache_age: options.publicCacheSeconds,
          html: IFRAME({ src, width, height, title }),
          width,
          height,
        }),
      );
    }),
  );

  router.get(
    '/feeds/:file',
    route('json', async (req, res) => {
      const match = /^(.+)\.(atom|json)$/.exec(req.params.file as string);
      if (!match) throw new HttpError(404, 'Feeds are /feeds/{slug}.atom and /feeds/{slug}.json');
      const base = baseOf(req);
      const data = await reads.feed(base, match[1]);
      if (!data) throw new HttpError(404, 'No such link-up');
      if (match[2] === 'atom')
        send(res, 'application/atom+xml; charset=utf-8', atomFeed(base, data));
      else send(res, 'application/feed+json; charset=utf-8', jsonFeed(base, data));
    }),
  );

  return router;
}
