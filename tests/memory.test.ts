import { Client } from 'pg';
import { distinctFeed } from '../bench/operations';
import { deployedNodeOptions, memory } from '../bench/proc';
import { freshDatabase } from './helpers/api';
import { launch, Server } from './helpers/launch';

/**
 * Memory stays bounded however many distinct documents arrive (issue 11): the API as deployed
 * (the Dockerfile's heap budget) answers 5,000 distinct feed documents, each a new parsed
 * document and a new compiled SQL text, while its resident memory and that of its PostgreSQL
 * backends are read from /proc. The bench's memory phase prints the same figures on the
 * bench's larger data. A heavy suite: it runs on PostgreSQL only (CI runs it once).
 */
const DOCUMENTS = Number(process.env.MEMORY_DOCS ?? 5000);
const CONCURRENCY = 8;
const NODE_RSS_MB = 400;
const BACKEND_ANON_MB = 50;

(process.env.DATABASE_URL ? describe : describe.skip)('memory under distinct documents', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let server: Server;

  beforeAll(async () => {
    database = await freshDatabase();
    server = await launch(database.url, {
      NODE_OPTIONS: deployedNodeOptions(),
      DEMO_DATA: 'on',
      RATE_LIMITS: 'off',
    });
  }, 120_000);
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await database?.drop();
  });

  it(`answers ${DOCUMENTS} distinct documents with the API under ${NODE_RSS_MB} MB and each backend under ${BACKEND_ANON_MB} MB`, async () => {
    const admin = new Client(database.url);
    await admin.connect();
    const backendPids = async () =>
      (
        await admin.query(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      ).rows.map((r) => r.pid as number);
    const peak = { node: 0, backend: 0 };
    const sample = async () => {
      peak.node = Math.max(peak.node, memory(server.child.pid!)?.rss ?? 0);
      for (const pid of await backendPids())
        peak.backend = Math.max(peak.backend, memory(pid)?.anon ?? 0);
    };
    const sampler = setInterval(() => void sample(), 250);

    let next = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (next < DOCUMENTS) {
        const i = next++;
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: distinctFeed(i), variables: {} }),
        });
        const body = (await res.json()) as { errors?: unknown; data?: unknown };
        if (res.status !== 200 || body.errors || !body.data) failures.push(JSON.stringify(body));
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      await sample();
    } finally {
      clearInterval(sampler);
      await admin.end();
    }
    console.log(
      `${DOCUMENTS} distinct documents: API RSS peak ${peak.node.toFixed(1)} MB, ` +
        `largest backend RssAnon peak ${peak.backend.toFixed(1)} MB`,
    );
    expect(failures.slice(0, 3)).toEqual([]);
    expect(peak.node).toBeGreaterThan(0);
    expect(peak.node).toBeLessThan(NODE_RSS_MB);
    expect(peak.backend).toBeGreaterThan(0);
    expect(peak.backend).toBeLessThan(BACKEND_ANON_MB);
  }, 600_000);
});
