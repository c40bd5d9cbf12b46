import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import Redis from 'ioredis';
import { Tokens } from './common/auth';
import { RateLimits } from './common/rate-limit';
import { Clock } from './common/clock';
import { Config, loadConfig, StartupError } from './config';
import { createDataSource } from './db/data-source';
import { preparedStatements } from './db/prepared';
import { readReplicas } from './db/replicas';
import { EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded';
import { bootstrapAdmin, loadDemoData } from './db/seed/demo';
import { connect, underStartupLock } from './db/startup';
import { createEmbed } from './embed';
import { createApollo } from './server/apollo';
import { AppState, createApp, graphqlHandler } from './server/http';
import { startAnnouncer, startLive } from './server/live';
import { createLogger, Logger } from './server/logger';
import { createSchema, readModel } from './server/schema';
import { createServices } from './server/services';
import { JOB_POOL_SIZE, startJobs } from './server/jobs';
import { Outbound } from './common/outbound';
import { TASKS } from './common/jobs';
import { webmentionHandler } from './linkbacks';
import { serveSubscriptions } from './server/subscriptions';

const POOL_SIZE = 10;

export interface RunningApi {
  url: string;
  port: number;
  db: DataSource;
  clock: Clock;
  stop(graceMs?: number): Promise<void>;
}

/** The configured secret, or (outside production) one made once and kept under the data dir. */
function jwtSecret(config: Config): string {
  if (config.jwtSecret) return config.jwtSecret;
  const file = path.resolve(config.dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** Listens on `port`; a port already taken ends the start with one line naming PORT. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) => {
      const problem = { EADDRINUSE: 'is already in use', EACCES: 'is not allowed' }[
        error.code as 'EADDRINUSE' | 'EACCES'
      ];
      reject(problem ? new StartupError(`Cannot start: PORT ${port} ${problem}`) : error);
    };
    server.once('error', refused);
    server.listen(port, () => {
      server.off('error', refused);
      resolve();
    });
  });
}

/**
 * The database, ready for requests: the embedded one started (its folder locked) when there is
 * no DATABASE_URL, the pool connected, and under the start-up lock, migrations, demo data and
 * the first admin. On failure, whatever was opened is closed again.
 */
async function openDatabase(config: Config, logger: Logger) {
  let embedded: EmbeddedDatabase | undefined;
  let db: DataSource | undefined;
  try {
    if (!config.databaseUrl) {
      embedded = await startEmbeddedDatabase(
        config.dataDir,
        POOL_SIZE + JOB_POOL_SIZE + 2,
        (error) => {
          // Another process may take the folder over now: stop before both write to it.
          logger.fatal({ err: error.message, dataDir: config.dataDir }, 'DATA_DIR lock lost');
          process.exit(1);
        },
      );
      logger.info({ dataDir: config.dataDir }, 'embedded PGlite started');
    }
    db = createDataSource({
      url: config.databaseUrl ?? embedded!.url,
      poolSize: POOL_SIZE,
      statementTimeoutMs: config.statementTimeoutMs,
      // Code and message only: a driver error's detail can quote row values (emails).
      onQueryError: (err, query) => {
        const { code, message } = err as { code?: string; message?: string };
        logger.warn({ code, message, query }, 'query failed');
      },
    });
    await connect(db, logger);
    const pool = db;
    // One instance at a time, so the next one finds the tables, the demo and the admin in place.
    await underStartupLock(
      config.databaseDirectUrl ?? embedded!.url,
      config.databaseUrl === config.databaseDirectUrl ? 'DATABASE_URL' : 'DATABASE_DIRECT_URL',
      logger,
      async () => {
        const applied = await pool.runMigrations({ transaction: 'each' });
        if (applied.length)
          logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
        if (config.demoData && (await loadDemoData(pool))) logger.info('demo data loaded');
        if (
          config.adminEmail &&
          config.adminPassword &&
          (await bootstrapAdmin(pool, config.adminEmail, config.adminPassword))
        ) {
          logger.info('admin account created');
        }
      },
    );
    return { db, embedded };
  } catch (error) {
    if (db?.isInitialized) await db.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Everything `npm start` runs: HTTP first (health answers, readiness says "starting"), then the
 * database (retried until it answers), migrations, demo data, and finally the GraphQL handler.
 */
export async function start(
  env: Record<string, string | undefined> = process.env,
  clock = new Clock(),
): Promise<RunningApi> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const state: AppState = { shuttingDown: false };
  const httpServer = createServer(createApp(config, logger, state));
  await listen(httpServer, config.port);
  const { port } = httpServer.address() as AddressInfo;

  const { db, embedded } = await openDatabase(config, logger).catch((error: unknown) => {
    httpServer.close();
    throw error;
  });

  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 })
    : undefined;
  const rateLimits = new RateLimits(config.rateLimits, redis ? { redis } : { db });
  const run = await preparedStatements(db, { named: config.databasePreparedStatements });
  const replicas = readReplicas(
    config.databaseReplicaUrls,
    run,
    { named: config.databasePreparedStatements, statementTimeoutMs: config.statementTimeoutMs },
    db.logger,
    logger,
  );
  const live = startLive(config, redis, logger);
  const outbound = new Outbound({
    allowPrivate: config.outboundAllowPrivate,
    userAgent: `RoundupAPI/0.1 (+link-back and thumbnail check${config.publicUrl ? `; ${config.publicUrl}` : ''})`,
  });
  const services = createServices(
    db,
    run,
    new Tokens(jwtSecret(config)),
    rateLimits,
    config.commentRules,
    live.bus,
    outbound,
    config.publicUrl,
  );
  // Before any request can queue a job: it installs the queue's schema.
  const jobs = await startJobs(
    config.databaseDirectUrl ?? embedded!.url,
    {
      [TASKS.linkBack]: async (payload, helpers) => {
        const { entryId } = payload as { entryId: string };
        await services.linkBacks.check(String(entryId), clock, helpers.abortSignal);
      },
    },
    logger,
  );
  const schema = await createSchema(services, live.bus);
  const apollo = createApollo(
    schema,
    readModel,
    { run, runAnonymous: replicas.run },
    services.hosts,
    httpServer,
    config,
    logger,
    db,
  );
  await apollo.start();
  const parts = { db, services, clock, model: readModel };
  // Live updates wait a little for their transport; until it answers, subscriptions are refused.
  await live.bus.whenUp(5000);
  const subscriptions = serveSubscriptions(httpServer, schema, parts, config, logger);
  const embed = createEmbed({
    schema,
    model: readModel,
    run,
    clock,
    bus: live.bus,
    publicCacheSeconds: config.publicCacheSeconds,
    publicUrl: config.publicUrl,
    maxStreamsPerIp: config.socketLimits.maxSocketsPerIp,
    exposeSqlCount: !config.production,
    logger,
  });
  const announcer = startAnnouncer(services.live, clock, logger);
  state.db = db;
  state.graphql = graphqlHandler(apollo, parts);
  state.embed = embed.router;
  state.webmention = webmentionHandler(services.linkBacks, clock, (err) =>
    logger.error({ err }, 'webmention failed'),
  );
  const url = `http://localhost:${port}/graphql`;
  logger.info({ url }, 'Roundup API ready');

  return {
    url,
    port,
    db,
    clock,
    /**
     * Readiness goes 503 (for `graceMs`, while a load balancer notices, requests are still
     * served), then the server stops accepting, in-flight requests finish, the pool closes.
     */
    async stop(graceMs = config.shutdownGraceMs) {
      state.shuttingDown = true;
      if (graceMs > 0) await sleep(graceMs);
      // Sockets first: the HTTP server's drain waits for every connection, upgraded ones too.
      await subscriptions.close();
      embed.streams.stop();
      await announcer.stop();
      // Before the pool closes: a running check gets a moment, then is aborted and queued again.
      await jobs.stop();
      await outbound.close();
      await live.close();
      await apollo.stop();
      await replicas.close();
      await db.destroy();
      redis?.disconnect();
      await embedded?.stop();
      logger.info('stopped');
    },
  };
}

if (require.main === module) {
  start().then(
    (api) => {
      const shutdown = () => {
        api.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error) => {
      console.error(error instanceof StartupError ? error.message : error);
      process.exit(1);
    },
  );
}
