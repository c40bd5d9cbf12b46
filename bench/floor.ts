import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';

/**
 * The floor: the feed query of bench/operations.ts answered by one hand-written SQL statement
 * that builds the whole response in PostgreSQL (keyset page on posts_feed_idx, LATERAL ...
 * LIMIT 5 for the first comments, index-only counts), prepared once per connection. Node only
 * reads the cursor and writes PostgreSQL's text out. The same JSON as the API's, field order
 * included, so the bench can compare them byte for byte.
 */

const PAGE_SIZE = 20;
const COMMENTS_PER_POST = 5;

/** base64url of text, as src/common/ids.ts and encodeCursor make them. */
const base64url = (sql: string) =>
  `translate(encode(convert_to(${sql}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
const iso = (sql: string) => `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const globalId = (type: string, id: string) => base64url(`'${type}:' || ${id}`);
/** CommentResolver.author: "Name @ Blog" for a host or a guest, the bare name without a blog. */
const displayName = (c: string) => `COALESCE(
    (SELECT h.name || COALESCE(' @ ' || NULLIF(h.blog_name, ''), '') FROM hosts h WHERE h.id = ${c}.author_host_id),
    COALESCE(${c}.guest_name, 'Anonymous') || COALESCE(' @ ' || NULLIF(${c}.guest_blog_name, ''), ''))`;

export const FEED_SQL = `
WITH page AS (
  SELECT p.id, p.title, p.published_at, p.author_id, p.roundup_id,
    row_number() OVER (ORDER BY p.published_at DESC, p.id DESC) AS n,
    ${base64url(`'["' || ${iso('p.published_at')} || '","' || p.id || '"]'`)} AS cursor
  FROM (SELECT * FROM posts p WHERE p.status = 'PUBLISHED' AND (p.published_at, p.id) < ($1::timestamptz, $2::bigint)
        ORDER BY p.published_at DESC, p.id DESC LIMIT ${PAGE_SIZE + 1}) p
),
nodes AS (
  SELECT page.n, page.cursor, json_build_object(
    'id', ${globalId('Post', 'page.id')},
    'title', page.title,
    'publishedAt', ${iso('page.published_at')},
    'author', json_build_object('name', (SELECT a.name FROM hosts a WHERE a.id = page.author_id)),
    'commentCount', (SELECT count(*) FROM comments c WHERE c.post_id = page.id AND c.status = 'APPROVED'),
    'comments', json_build_object('edges', (
      SELECT COALESCE(json_agg(json_build_object('node', json_build_object(
        'id', ${globalId('Comment', 'c.id')},
        'body', c.body,
        'author', json_build_object('displayName', ${displayName('c')}),
        'replies', (
          SELECT COALESCE(json_agg(json_build_object(
            'id', ${globalId('Comment', 'r.id')},
            'body', r.body,
            'author', json_build_object('displayName', ${displayName('r')})
          ) ORDER BY r.created_at, r.id), '[]')
          FROM comments r WHERE r.parent_id = c.id AND r.status = 'APPROVED')
      )) ORDER BY c.created_at, c.id), '[]')
      FROM (SELECT * FROM comments c WHERE c.post_id = page.id AND c.status = 'APPROVED' AND c.parent_id IS NULL
            ORDER BY c.created_at, c.id LIMIT ${COMMENTS_PER_POST}) c)),
    'roundup', (SELECT json_build_object(
      'number', ro.number,
      'cohosts', (
        SELECT COALESCE(json_agg(json_build_object('isNew', rc.is_new, 'host', json_build_object('name', rch.name))
          ORDER BY rc.position), '[]')
        FROM roundup_cohosts rc JOIN hosts rch ON rch.id = rc.host_id WHERE rc.roundup_id = ro.id),
      'entryCount', (SELECT count(*) FROM entries e WHERE e.roundup_id = ro.id AND e.status = 'VISIBLE')
    ) FROM roundups ro WHERE ro.id = page.roundup_id)
  ) AS node
  FROM page
  WHERE page.n <= ${PAGE_SIZE}
)
SELECT json_build_object('data', json_build_object('posts', json_build_object(
  'edges', COALESCE((SELECT json_agg(json_build_object('cursor', cursor, 'node', node) ORDER BY n) FROM nodes), '[]'),
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > ${PAGE_SIZE},
    'endCursor', (SELECT cursor FROM nodes ORDER BY n DESC LIMIT 1))
)))::text AS body`;

/** Far past every post: the first page uses the same statement (and plan) as any other. */
const FROM_START: [string, string] = ['infinity', '9223372036854775807'];

/** The keyset position in an `after` cursor (base64url of ["<ISO date>","<id>"]), or null. */
function decodeCursor(after: unknown): [string, string] | null {
  if (typeof after !== 'string') return null;
  try {
    const value = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^[1-9][0-9]{0,17}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // falls through to null
  }
  return null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createFloorServer(pool: Pool): Server {
  return createServer(async (req, res) => {
    try {
      const request = JSON.parse(await readBody(req));
      const after = request.variables?.after ?? null;
      const position = after === null ? FROM_START : decodeCursor(after);
      if (!position) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"errors":[{"message":"bad cursor"}]}');
        return;
      }
      const { rows } = await pool.query({ name: 'feed', text: FEED_SQL, values: position });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(rows[0].body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
    }
  });
}

/** Same pool size as the API (src/index.ts), so both get the same database concurrency. */
export const FLOOR_POOL_SIZE = 10;
/**
 * Tells the floor's PostgreSQL backends from the API's (the bench measures their CPU apart);
 * PGAPPNAME, when set, names one run's floor apart from another's.
 */
export const FLOOR_APPLICATION_NAME = 'roundup-bench-floor';

if (require.main === module) {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    application_name: process.env.PGAPPNAME || FLOOR_APPLICATION_NAME,
    max: FLOOR_POOL_SIZE,
    connectionTimeoutMillis: 5000,
  });
  const server = createFloorServer(pool);
  server.listen(Number(process.env.PORT ?? 4600), '127.0.0.1', () => {
    console.log(
      JSON.stringify({ msg: 'floor ready', port: (server.address() as AddressInfo).port }),
    );
  });
  process.once('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
}
