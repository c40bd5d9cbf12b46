import { startEmbeddedDatabase, EmbeddedDatabase } from '../../src/db/embedded';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

declare global {
  var embeddedDatabases: EmbeddedDatabase[] | undefined;
}

/**
 * Without DATABASE_URL the tests run on PGlite. PGlite cannot start inside a jest worker's
 * sandbox, and all its connections share one session, so each worker gets its own instance,
 * started here; a test file resets its worker's instance before it starts the API.
 */
export default async function globalSetup(config: { maxWorkers: number }) {
  if (process.env.DATABASE_URL) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'roundup-pglite-'));
  const workers = Math.max(1, config.maxWorkers);
  globalThis.embeddedDatabases = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      startEmbeddedDatabase(path.join(dir, String(i + 1)), 30),
    ),
  );
  process.env.PGLITE_URLS = JSON.stringify(globalThis.embeddedDatabases.map((d) => d.url));
}
