import { Logger as WorkerLogger, run, Runner, Task } from 'graphile-worker';
import { Pool } from 'pg';
import { Logger } from './logger';

/** Jobs one instance runs at once: they wait on the network (link-back fetches), not the CPU. */
const CONCURRENCY = 4;

/** The workers' own connections: one LISTENs, the others take and finish jobs. */
export const JOB_POOL_SIZE = 4;

/** After a stop is asked, how long running jobs may finish before they are aborted and retried. */
const ABORT_AFTER_MS = 1000;

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
  pool.on('error', (err) => logger.warn({ err: err.message }, 'job pool connection lost'));
  const log = logger.child({ component: 'jobs' });
  const runner: Runner = await run({
    pgPool: pool,
    taskList: tasks,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 2000,
    parsedCronItems: [],
    logger: new WorkerLogger(() => (level, message, meta) => {
      if (level === 'error') log.error(meta ?? {}, message);
      else if (level === 'warning') log.warn(meta ?? {}, message);
      else log.debug(message);
    }),
    preset: {
      worker: { preparedStatements: false, gracefulShutdownAbortTimeout: ABORT_AFTER_MS },
    },
  });
  return {
    /** Takes no new job; running ones get ABORT_AFTER_MS, then are aborted and queued again. */
    async stop() {
      await runner.stop();
      await pool.end();
    },
  };
}
