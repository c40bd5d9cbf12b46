import 'reflect-metadata';
import { loadConfig } from './src/config';
import { createDataSource } from './src/db/data-source';
import { startEmbeddedDatabase } from './src/db/embedded';

/**
 * The DataSource for TypeORM's migration CLI (`npm run migration:run`, `migration:generate`):
 * DATABASE_URL when set, else the embedded PGlite under DATA_DIR (stop the API first: one
 * process at a time may open the embedded data directory).
 */
export default (async () => {
  const config = loadConfig();
  const url = config.databaseUrl ?? (await startEmbeddedDatabase(config.dataDir, 4)).url;
  // The CLI prints what it does through TypeORM's own console logger.
  return createDataSource({ url, poolSize: 2 }).setOptions({
    logger: 'advanced-console',
    logging: ['schema', 'migration', 'info', 'warn', 'error'],
  });
})();
