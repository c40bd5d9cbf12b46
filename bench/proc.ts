import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What the bench reads from /proc (Linux) about the servers and their PostgreSQL backends,
 * which run on this machine: CPU time and resident memory.
 */

/**
 * The NODE_OPTIONS the Dockerfile deploys the API with (its heap budget): the bench and the
 * memory test run the API as deployed.
 */
export function deployedNodeOptions(): string {
  const dockerfile = readFileSync(path.join(__dirname, '..', 'Dockerfile'), 'utf8');
  const line = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile);
  if (!line) throw new Error('The Dockerfile has no ENV NODE_OPTIONS="..." line');
  return line[1];
}

/** CPU time (user + system) in ms of each local process still there (USER_HZ 100). */
export function cpuMs(pids: number[]): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // exited, or not a local process
    }
  }
  return times;
}

/**
 * CPU ms used between two readings by the processes of the second; null when it has none. A
 * process absent from the first started in between and counts from zero (a pool reconnecting
 * after idling); one that exited in between is missed.
 */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number | null {
  if (after.size === 0) return null;
  return [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);
}

/**
 * Resident memory of a process in MB (10^6 bytes), from /proc/<pid>/status. `rss` (VmRSS) is
 * `anon + file + shmem`: `anon` is the process's private memory; `file` the pages of mapped
 * files (for PostgreSQL its binary and libraries, shared by every backend); `shmem` the shared
 * memory it touched (for PostgreSQL the shared buffers, counted again in every backend).
 */
export interface Memory {
  rss: number;
  anon: number;
  file: number;
  shmem: number;
}

const STATUS_FIELDS = { rss: 'VmRSS', anon: 'RssAnon', file: 'RssFile', shmem: 'RssShmem' };

export function memory(pid: number): Memory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kB = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  const reading = Object.fromEntries(
    Object.entries(STATUS_FIELDS).map(([key, field]) => [key, (kB(field) * 1024) / 1e6]),
  ) as unknown as Memory;
  return Object.values(reading).some(isNaN) ? null : reading;
}

/** Each figure's own maximum. */
function maxOf(a: Memory | undefined, b: Memory): Memory {
  if (!a) return b;
  return {
    rss: Math.max(a.rss, b.rss),
    anon: Math.max(a.anon, b.anon),
    file: Math.max(a.file, b.file),
    shmem: Math.max(a.shmem, b.shmem),
  };
}

/**
 * Reads the memory of a changing set of processes every `intervalMs` until stopped and keeps
 * each process's peak of each figure (PostgreSQL backends come and go with the pool).
 */
export class MemorySampler {
  readonly peaks = new Map<number, Memory>();
  samples = 0;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly pids: () => Promise<number[]>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.running = (async () => {
      while (!this.stopping) {
        const started = Date.now();
        for (const pid of await this.pids()) {
          const reading = memory(pid);
          if (reading) this.peaks.set(pid, maxOf(this.peaks.get(pid), reading));
        }
        this.samples++;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, this.intervalMs - (Date.now() - started))),
        );
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
