import express, { RequestHandler } from 'express';
import helmet from 'helmet';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * GraphiQL at /graphiql, served from the app's own dependencies (graphiql and React's UMD
 * builds): no CDN, so it works offline and behind a strict proxy. Its CSS embeds its fonts and
 * icons as data: URLs; nothing on the page loads from another origin.
 */

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
const version = (name: string): string =>
  JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')).version;

/** The files the page loads, by the name they are served under (source maps for devtools). */
const FILES = new Map(
  [
    ['react', 'umd/react.production.min.js'],
    ['react-dom', 'umd/react-dom.production.min.js'],
    ['graphiql', 'graphiql.min.js'],
    ['graphiql', 'graphiql.min.js.map'],
    ['graphiql', 'graphiql.min.css'],
    ['graphiql', 'graphiql.min.css.map'],
  ].map(([name, file]) => [path.basename(file), path.join(packageDir(name), file)]),
);

/** Ours: a script file rather than an inline one, so the page's CSP allows no inline script. */
const START = `ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
    defaultEditorToolsVisibility: true,
  }),
);
`;

/** In every asset's path: a new GraphiQL, React or start script is a new URL (kept a year). */
const VERSION = createHash('sha256')
  .update([version('graphiql'), version('react'), version('react-dom'), START].join('\n'))
  .digest('base64url')
  .slice(0, 12);
const ASSETS = `/graphiql/assets/${VERSION}`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Roundup API: GraphiQL</title>
    <link rel="stylesheet" href="${ASSETS}/graphiql.min.css" />
    <style>
      body { margin: 0; }
      #graphiql { height: 100vh; }
    </style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL...</div>
    <noscript>GraphiQL needs JavaScript; the API itself is at /graphql.</noscript>
    <script src="${ASSETS}/react.production.min.js"></script>
    <script src="${ASSETS}/react-dom.production.min.js"></script>
    <script src="${ASSETS}/graphiql.min.js"></script>
    <script src="${ASSETS}/start.js"></script>
  </body>
</html>
`;

const YEAR = 365 * 24 * 3600;

/**
 * The page and its assets, under a CSP of their own: scripts only from this origin, requests only
 * to it. Styles may be inline: GraphiQL's dialogs add a <style> element when they open.
 */
export function graphiql(): RequestHandler {
  const router = express.Router();
  router.use(
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'self'"],
      },
    }),
  );
  router.get('/', (_req, res) => {
    res.set('cache-control', 'no-cache').type('html').send(PAGE);
  });
  router.get(`/assets/${VERSION}/:file`, (req, res, next) => {
    const cache = `public, max-age=${YEAR}, immutable`;
    if (req.params.file === 'start.js')
      return void res.set('cache-control', cache).type('js').send(START);
    const file = FILES.get(req.params.file);
    if (!file) return next();
    // A file the installation lacks (a pruned source map) is a 404, not an error.
    res.sendFile(file, { maxAge: YEAR * 1000, immutable: true }, (error) => {
      if (error && !res.headersSent) next();
    });
  });
  return router;
}
