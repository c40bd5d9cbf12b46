import 'reflect-metadata';
import { Client } from 'pg';
import { hashPassword, verifyPassword } from '../src/common/auth';
import { createDataSource } from '../src/db/data-source';
import { STORED_HTML } from '../src/db/stored-html';

/** Bump when the data below changes: a database seeded by another version is made anew. */
export const SEED_VERSION = 1;

export const SIZES = {
  hosts: 1_000,
  linkUps: 5,
  roundups: 500,
  posts: 100_000,
  topLevelComments: 800_000,
  replies: 150_000,
  nestedReplies: 50_000,
  entries: 100_000,
};

/**
 * Every value is a function of the row number (no random()), so two seeds are identical.
 * Posts come in pairs sharing a published_at, so the feed's id tie-break is exercised; every
 * 20th post is a draft; every 10th (5 mod 10) carries a roundup and is written by its first
 * co-host. Each post has 8 top-level comments (about 8 in 10 approved, a quarter by hosts);
 * 150,000 replies (half by the post's author) spread over the first 5 comments of the posts,
 * and 50,000 replies to replies. Each roundup has
 * 200 entries (1 in 25 hidden) and 3 to 6 co-hosts; entries 1, 21, 41... are featured.
 * The bodies come in a few shapes (a heading and a paragraph; plain text with nothing to escape,
 * link or break), so body_html is written here in SQL (rendering 100,000 posts in Node would
 * take 17 s), and checkStoredHtml compares a sample of every shape with the API's renderers.
 */
const SEED_SQL = [
  `INSERT INTO hosts (id, slug, name, blog_name, blog_url, avatar_url, bio, email, password_hash, role, created_at)
   SELECT i, 'host-' || i, 'Host ' || i,
     CASE WHEN i % 5 = 0 THEN NULL ELSE 'Blog of Host ' || i END,
     'https://host-' || i || '.blog.example', NULL, 'Runner number ' || i || '.',
     'host-' || i || '@bench.example', 'bench-no-sign-in', CASE WHEN i = 1 THEN 'ADMIN' ELSE 'HOST' END,
     timestamptz '2022-01-01 00:00Z' + i * interval '1 hour'
   FROM generate_series(1, ${SIZES.hosts}) i`,

  `INSERT INTO link_ups (id, slug, name, description, rules, weekday, opens_at_time, hours_open, time_zone)
   SELECT l, 'linkup-' || l, 'Link-up ' || l, 'Weekly link-up number ' || l, 'Link a running post.',
     (ARRAY['MONDAY','TUESDAY','WEDNESDAY','THURSDAY','FRIDAY'])[l], '08:00', 48, 'UTC'
   FROM generate_series(1, ${SIZES.linkUps}) l`,

  `INSERT INTO link_up_cohosts (link_up_id, host_id, position)
   SELECT l, (l * 7 + k * 13) % ${SIZES.hosts} + 1, k + 1
   FROM generate_series(1, ${SIZES.linkUps}) l, generate_series(0, 3) k`,

  // Roundup r is edition (r-1)/5+1 of link-up (r-1)%5+1; all closed (in the past).
  `INSERT INTO roundups (id, link_up_id, number, title, opens_at, closes_at, last_entry_number, created_at)
   SELECT r, (r - 1) % ${SIZES.linkUps} + 1, (r - 1) / ${SIZES.linkUps} + 1, 'Week ' || ((r - 1) / ${SIZES.linkUps} + 1),
     t, t + interval '48 hours', ${SIZES.entries / SIZES.roundups}, t - interval '1 day'
   FROM generate_series(1, ${SIZES.roundups}) r,
     LATERAL (SELECT timestamptz '2023-01-02 08:00Z' + ((r - 1) / ${SIZES.linkUps}) * interval '1 week'
                + ((r - 1) % ${SIZES.linkUps}) * interval '1 day' AS t) x`,

  `INSERT INTO roundup_cohosts (roundup_id, host_id, position, is_new)
   SELECT r, (r * 7 + k * 13) % ${SIZES.hosts} + 1, k + 1, k = 2 + r % 4 AND r % 3 = 0
   FROM generate_series(1, ${SIZES.roundups}) r, generate_series(0, 5) k WHERE k < 3 + r % 4`,

  `INSERT INTO posts (id, slug, title, excerpt, body, body_html, tags, status, published_at, author_id, roundup_id,
     comments_open, created_at, updated_at)
   SELECT i, 'post-' || i, 'Run report ' || i, 'How run ' || i || ' went.',
     '# Run ' || i || E'\n\n' || miles, '<h1>Run ' || i || E'</h1>\n<p>' || rtrim(miles) || E'</p>\n',
     ARRAY['tag-' || i % 50, 'tag-' || i % 7], CASE WHEN i % 20 = 0 THEN 'DRAFT' ELSE 'PUBLISHED' END,
     CASE WHEN i % 20 = 0 THEN NULL ELSE t END,
     CASE WHEN i % 10 = 5 THEN ((i / 10) % ${SIZES.roundups} + 1) * 7 % ${SIZES.hosts} + 1 ELSE i * 37 % ${SIZES.hosts} + 1 END,
     CASE WHEN i % 10 = 5 THEN (i / 10) % ${SIZES.roundups} + 1 END,
     true, t - interval '1 hour', t
   FROM generate_series(1, ${SIZES.posts}) i,
     LATERAL (SELECT timestamptz '2023-01-01 00:00Z' + ((i + 1) / 2) * interval '15 minutes'
                + ((i + 1) / 2 % 1000) * interval '1 millisecond' AS t,
              repeat('Easy miles along the river, then strides on the track. ', 12 + i % 20) AS miles) x`,

  // Top-level comment j is number (j-1)/posts+1 of post (j-1)%posts+1.
  `INSERT INTO comments (id, post_id, parent_id, depth, author_host_id, guest_name, guest_email, guest_blog_name,
     guest_url, body, body_html, status, ip, created_at)
   SELECT j, p, NULL, 1,
     CASE WHEN (p + n) % 4 = 0 THEN (p * 11 + n) % ${SIZES.hosts} + 1 END,
     CASE WHEN (p + n) % 4 <> 0 THEN 'Reader ' || (p * 13 + n * 7) % 5000 END,
     CASE WHEN (p + n) % 4 <> 0 THEN 'reader-' || (p * 13 + n * 7) % 5000 || '@bench.example' END,
     CASE WHEN (p + n) % 4 <> 0 AND (p + n) % 3 = 0 THEN 'Miles of ' || (p * 13 + n * 7) % 5000 END,
     NULL, text, text,
     CASE (p * 3 + n) % 10 WHEN 0 THEN 'PENDING' WHEN 5 THEN 'SPAM' ELSE 'APPROVED' END, '127.0.0.1',
     timestamptz '2023-01-01 00:00Z' + ((p + 1) / 2) * interval '15 minutes' + n * interval '7 minutes'
       + (j % 1000) * interval '1 millisecond'
   FROM generate_series(1, ${SIZES.topLevelComments}) j,
     LATERAL (SELECT (j - 1) % ${SIZES.posts} + 1 AS p, (j - 1) / ${SIZES.posts} + 1 AS n) x,
     LATERAL (SELECT 'Comment ' || n || ' on post ' || p || '. ' || repeat('Great pace, lovely route! ', 1 + j % 5) AS text) b`,

  `INSERT INTO comments (id, post_id, parent_id, depth, author_host_id, guest_name, guest_email, body, body_html, status, ip, created_at)
   SELECT ${SIZES.topLevelComments} + r, c.post_id, c.id, 2,
     CASE WHEN r % 2 = 0 THEN p.author_id END,
     CASE WHEN r % 2 = 1 THEN 'Reader ' || r % 5000 END,
     CASE WHEN r % 2 = 1 THEN 'reader-' || r % 5000 || '@bench.example' END,
     text, text, CASE WHEN r % 10 = 9 THEN 'PENDING' ELSE 'APPROVED' END, '127.0.0.1',
     c.created_at + interval '30 minutes'
   FROM generate_series(1, ${SIZES.replies}) r
   CROSS JOIN LATERAL (SELECT 'Reply ' || r || ': thanks for reading!' AS text) b
   JOIN comments c ON c.id = r * 7919 % ${(SIZES.topLevelComments * 5) / 8} + 1
   JOIN posts p ON p.id = c.post_id`,

  `INSERT INTO comments (id, post_id, parent_id, depth, guest_name, guest_email, body, body_html, status, ip, created_at)
   SELECT ${SIZES.topLevelComments + SIZES.replies} + r, c.post_id, c.id, 3, 'Reader ' || r % 5000,
     'reader-' || r % 5000 || '@bench.example', text, text, 'APPROVED', '127.0.0.1',
     c.created_at + interval '30 minutes'
   FROM generate_series(1, ${SIZES.nestedReplies}) r
   CROSS JOIN LATERAL (SELECT 'Nested reply ' || r || '.' AS text) b
   JOIN comments c ON c.id = ${SIZES.topLevelComments} + r * 3`,

  // Entry e is number (e-1)/roundups+1 of roundup (e-1)%roundups+1.
  `INSERT INTO entries (id, roundup_id, number, title, url, normalized_url, submitter_name, submitter_email, blog_name,
     image_url, status, ip, created_at)
   SELECT e, r.id, n, 'Long run ' || e, u, u, 'Runner ' || e * 7 % 3000, 'runner-' || e * 7 % 3000 || '@bench.example',
     CASE WHEN e % 4 <> 0 THEN 'Miles of ' || e * 7 % 3000 END,
     CASE WHEN e % 3 = 0 THEN u || '/cover.jpg' END,
     CASE WHEN e % 25 = 0 THEN 'HIDDEN' ELSE 'VISIBLE' END, '127.0.0.1', r.opens_at + n * interval '1 minute'
   FROM generate_series(1, ${SIZES.entries}) e,
     LATERAL (SELECT (e - 1) % ${SIZES.roundups} + 1 AS rid, (e - 1) / ${SIZES.roundups} + 1 AS n,
                'https://runner-' || e * 7 % 3000 || '.example/posts/' || e AS u) x
   JOIN roundups r ON r.id = x.rid`,

  `INSERT INTO entry_features (entry_id, host_id, created_at)
   SELECT e.id, c.host_id, e.created_at + interval '1 hour'
   FROM entries e JOIN roundup_cohosts c ON c.roundup_id = e.roundup_id
   WHERE e.number % 20 = 1 AND e.status = 'VISIBLE' AND (c.position = 1 OR (c.position = 2 AND e.number % 40 = 1))`,
];

const TABLES_WITH_IDS = ['hosts', 'link_ups', 'roundups', 'posts', 'comments', 'entries'];

/** The seed's body_html must be what the API stores for the same body (src/db/stored-html.ts). */
async function checkStoredHtml(client: Client): Promise<void> {
  for (const { table, render } of STORED_HTML) {
    // The first 100 rows and every 997th (a prime: every shape, every kind of comment).
    const { rows } = await client.query<{ id: string; body: string; body_html: string }>(
      `SELECT id, body, body_html FROM ${table} WHERE id <= 100 OR id % 997 = 0`,
    );
    const wrong = rows.find((row) => row.body_html !== render(row.body));
    if (wrong) throw new Error(`${table} ${wrong.id}: the seed's body_html is not the renderer's`);
  }
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

export function databaseUrl(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function seededVersion(url: string): Promise<number | null> {
  const client = await connect(url);
  try {
    const rows = await client.query(`SELECT to_regclass('bench_meta') IS NOT NULL AS present`);
    if (!rows.rows[0].present) return null;
    const meta = await client.query('SELECT seed_version FROM bench_meta');
    return meta.rows[0]?.seed_version ?? null;
  } finally {
    await client.end();
  }
}

async function migrate(url: string): Promise<void> {
  const db = createDataSource({ url, poolSize: 2 });
  await db.initialize();
  try {
    await db.runMigrations({ transaction: 'each' });
  } finally {
    await db.destroy();
  }
}

/**
 * Loads the data set with set-based SQL: foreign-key triggers off (the rows are consistent by
 * construction; CHECK constraints still apply), secondary indexes dropped around the inserts
 * and rebuilt after, then VACUUM ANALYZE so plans and index-only scans see the real tables.
 */
async function seed(url: string, log: (line: string) => void): Promise<void> {
  const client = await connect(url);
  try {
    // Skips foreign-key triggers; only a superuser may, so elsewhere the load just runs slower.
    await client.query(`SET session_replication_role = replica`).catch(() => undefined);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       WHERE t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)`,
      [['posts', 'comments', 'entries']],
    );
    for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
    for (const sql of SEED_SQL) {
      const started = Date.now();
      await client.query(sql);
      log(
        `  ${/INSERT INTO (\w+)/.exec(sql)![1]}: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    await checkStoredHtml(client);
    let started = Date.now();
    for (const index of indexes) await client.query(index.def);
    log(
      `  ${indexes.length} secondary indexes rebuilt: ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const table of TABLES_WITH_IDS) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`,
      );
    }
    started = Date.now();
    await client.query('VACUUM (ANALYZE)');
    log(`  VACUUM ANALYZE: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await client.query(
      'CREATE TABLE bench_meta (seed_version int NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())',
    );
    await client.query('INSERT INTO bench_meta (seed_version) VALUES ($1)', [SEED_VERSION]);
  } finally {
    await client.end();
  }
}

/**
 * The bench database on the server of `baseUrl`, migrated and seeded. A database already seeded
 * by this SEED_VERSION is reused (only pending migrations run); anything else is made anew.
 */
export async function prepareBenchDatabase(
  baseUrl: string,
  name: string,
  log: (line: string) => void,
): Promise<{ url: string; seededSeconds: number | null }> {
  const url = databaseUrl(baseUrl, name);
  const admin = await connect(baseUrl);
  let exists: boolean;
  try {
    exists =
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (exists && (await seededVersion(url)) !== SEED_VERSION) {
      log(`database ${name} is not a complete seed of version ${SEED_VERSION}: dropping it`);
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      exists = false;
    }
    if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  if (exists) {
    log(`reusing the seeded database ${name}`);
    return { url, seededSeconds: null };
  }
  log(`seeding ${name}...`);
  const started = Date.now();
  await seed(url, log);
  const seededSeconds = (Date.now() - started) / 1000;
  log(`seeded in ${seededSeconds.toFixed(1)} s`);
  return { url, seededSeconds };
}

/** The password of the accounts the bench signs in with (see benchAccounts). */
export const BENCH_PASSWORD = 'bench-only-password';

export interface BenchAccounts {
  /** A plain host: no link-up, no roundup, an author like every other host. */
  host: { id: string; email: string };
  /**
   * The first current co-host of the link-up with the most hidden entries, seated on every
   * edition of it too.
   */
  cohost: {
    id: string;
    email: string;
    linkUpSlug: string;
    /** An edition of that link-up with hidden entries on its first page of 50. */
    editionWithHidden: number;
  };
}

/**
 * Picks the two accounts of the signed-in phases and gives them BENCH_PASSWORD, so the API's
 * own signIn works for them. The co-host also gets a seat on every edition of their link-up
 * (the seed draws each edition's co-hosts apart from the link-up's), so they may manage every
 * edition whether the rule follows the link-up's current co-hosts or the edition's own. Done on
 * every run, idempotently, rather than in SEED_SQL: a new SEED_VERSION would make a bench from
 * another branch drop and re-seed the shared database. A hash that already verifies is kept, so
 * tokens issued by another run stay valid.
 */
export async function benchAccounts(url: string): Promise<BenchAccounts> {
  const client = await connect(url);
  try {
    const {
      rows: [host],
    } = await client.query<{ id: string; email: string; password_hash: string }>(
      `SELECT id, email, password_hash FROM hosts h
       WHERE role = 'HOST' AND NOT EXISTS (SELECT 1 FROM link_up_cohosts c WHERE c.host_id = h.id)
         AND NOT EXISTS (SELECT 1 FROM roundup_cohosts c WHERE c.host_id = h.id)
       ORDER BY id LIMIT 1`,
    );
    const {
      rows: [cohost],
    } = await client.query<{
      id: string;
      email: string;
      password_hash: string;
      slug: string;
      number: number;
      link_up_id: string;
    }>(
      `WITH hidden AS (
         SELECT r.link_up_id, min(r.number) AS number, count(*) AS n
         FROM entries e JOIN roundups r ON r.id = e.roundup_id
         WHERE e.status = 'HIDDEN' AND e.number <= 50 GROUP BY r.link_up_id)
       SELECT h.id, h.email, h.password_hash, l.slug, l.id AS link_up_id, hidden.number
       FROM hidden JOIN link_ups l ON l.id = hidden.link_up_id
         JOIN link_up_cohosts c ON c.link_up_id = l.id JOIN hosts h ON h.id = c.host_id
       WHERE h.role = 'HOST'
       ORDER BY hidden.n DESC, l.id, c.position LIMIT 1`,
    );
    if (!host || !cohost) throw new Error('the bench database has no plain host or no co-host');
    for (const account of [host, cohost]) {
      if (!(await verifyPassword(BENCH_PASSWORD, account.password_hash))) {
        await client.query('UPDATE hosts SET password_hash = $2 WHERE id = $1', [
          account.id,
          await hashPassword(BENCH_PASSWORD),
        ]);
      }
    }
    await client.query(
      `INSERT INTO roundup_cohosts (roundup_id, host_id, position, is_new)
       SELECT r.id, $2, (SELECT max(c.position) + 1 FROM roundup_cohosts c WHERE c.roundup_id = r.id), false
       FROM roundups r WHERE r.link_up_id = $1
       ON CONFLICT (roundup_id, host_id) DO NOTHING`,
      [cohost.link_up_id, cohost.id],
    );
    return {
      host: { id: host.id, email: host.email },
      cohost: {
        id: cohost.id,
        email: cohost.email,
        linkUpSlug: cohost.slug,
        editionWithHidden: cohost.number,
      },
    };
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  const base = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
  prepareBenchDatabase(base, process.env.BENCH_DATABASE || 'roundup_bench', console.log).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
