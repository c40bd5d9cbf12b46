import {
  Logger as WorkerLogger,
  runMigrations,
  RunnerOptions,
  runTaskList,
  Task,
  WorkerEvents,
  WorkerPool,
} from 'graphile-worker';
import { EventEmitter } from 'node:events';
import { Pool } from 'pg';
import { Logger } from './logger';

/** Jobs one instance runs at once: they wait on the network (link-back fetches), not the CPU. */
const CONCURRENCY = 4;

/** The workers' own connections: one LISTENs, the others take and finish jobs. */
export const JOB_POOL_SIZE = 4;

/** After a stop is asked, how long running jobs may finish before they are aborted and retried. */
const ABORT_AFTER_MS = 1000;

/** Workers that stopped by themselves (their database went away) are replaced this much later. */
const RESTART_AFTER_MS = 2000;

/** Polls failing in a row (4 workers, one poll each 2 s: about 10 s) before workers are replaced. */
const FAILED_POLLS = 20;

export interface JobRunner {
  stop(): Promise<void>;
}

/**
 * Starts the background workers (graphile-worker, docs/linkbacks.md) on `databaseUrl`: it installs
 * or migrates its own schema, `graphile_worker`, under its own lock, then takes jobs as they are
 * queued (LISTEN/NOTIFY, with polling as a fallback). A job is locked by one worker in the
 * cluster (SKIP LOCKED); a failure is retried after exp(attempt) seconds; jobs live in the
 * database, so a restart loses none. Named prepared statements are off: PGlite serves every
 * connection from one session, where two connections' statements of one name collide (42P05);
 * unnamed ones cost a few parses per job, nothing next to a page fetch.
 */
export async function startJobs(
  databaseUrl: string,
  tasks: Record<string, Task>,
  logger: Logger,
): Promise<JobRunner> {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: JOB_POOL_SIZE,
    connectionTimeoutMillis: 5000,
  });
  // A connection that dies, idle or checked out, is only logged: pg drops it, and the worker
  // sees the error on its next query (unhandled, either would end the process).
  const lost = (err: Error) => logger.warn({ err: err.message }, 'job pool connection lost');
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const log = logger.child({ component: 'jobs' });
  const options: RunnerOptions = {
    pgPool: pool,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: new WorkerLogger(() => (level, message, meta) => {
      if (level === 'error') log.error(meta ?? {}, message);
      else if (level === 'warning') log.warn(meta ?? {}, message);
      else log.debug(message);
    }),
    preset: {
      worker: { preparedStatements: false, gracefulShutdownAbortTimeout: ABORT_AFTER_MS },
    },
  };
  await runMigrations(options);

  // The worker pool alone: `run()` would add graphile-worker's cron, which we do not use and
  // whose failure on a lost connection escapes as an unhandled rejection. Workers that end by
  // themselves, or that fail every poll for FAILED_POLLS in a row (graphile-worker 0.16 keeps a
  // failed first read of the task names for good), are replaced by new ones, made from a fresh
  // copy of the options (the library keeps what it derived from an options object).
  let workers: WorkerPool | undefined;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;
  let failedPolls = 0;
  const events: WorkerEvents = new EventEmitter();
  const replace = (why: string, err?: Error) => {
    if (stopping || restart) return;
    log.warn({ err: err?.message }, `${why}; starting new job workers`);
    const old = workers;
    workers = undefined;
    void old?.gracefulShutdown().catch(() => undefined);
    restart = setTimeout(() => {
      restart = undefined;
      if (!stopping) start();
    }, RESTART_AFTER_MS);
  };
  events.on('worker:getJob:error', ({ error }) => {
    if (++failedPolls >= FAILED_POLLS) replace('job workers fail every poll', error as Error);
  });
  events.on('worker:getJob:empty', () => (failedPolls = 0));
  events.on('job:start', () => (failedPolls = 0));
  const start = () => {
    failedPolls = 0;
    const started = runTaskList({ ...options, events }, tasks, pool);
    workers = started;
    started.promise.catch((err: Error) => {
      if (workers === started) replace('job workers stopped', err);
    });
  };
  start();
  return {
    /** Takes no new job; running ones get ABORT_AFTER_MS, then are aborted and queued again. */
    async stop() {
      stopping = true;
      clearTimeout(restart);
      await workers?.gracefulShutdown().catch(() => undefined);
      await pool.end();
    },
  };
}
