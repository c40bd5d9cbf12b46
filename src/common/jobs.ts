import { EntityManager } from 'typeorm';

/** Tasks the background workers run (server/jobs.ts maps each to its service). */
export const TASKS = {
  /** Reads an entry's page: its link-back and its og:image. Payload `{ entryId }`. */
  linkBack: 'link-back',
} as const;

export interface JobOptions {
  /** At most one waiting job per key: queueing again replaces it (graphile-worker's job_key). */
  key?: string;
  /** Attempts before the job is given up (each retry after exp(attempt) seconds). */
  maxAttempts?: number;
}

/**
 * Queues a background job in the transaction of `m` (graphile-worker's `add_job`): it exists, and
 * runs, only if that transaction commits, so a write never announces work it rolled back, and a
 * job's failure cannot fail the write that queued it.
 */
export async function queueJob(
  m: EntityManager,
  task: string,
  payload: Record<string, unknown>,
  { key, maxAttempts = 5 }: JobOptions = {},
): Promise<void> {
  await m.query(
    'SELECT 1 FROM graphile_worker.add_job($1, $2::json, max_attempts := $3, job_key := $4)',
    [task, JSON.stringify(payload), maxAttempts, key ?? null],
  );
}
