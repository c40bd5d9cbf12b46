import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { lock } from 'proper-lockfile';
import { StartupError } from '../config';

/** The parts of pglite-socket 0.2.17's private query queue that the patch below replaces. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  timestamp: number;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: {
    isInTransaction(): boolean;
    runExclusive<T>(fn: () => Promise<T>): Promise<T>;
    execProtocolRawStream(m: Uint8Array, o: object): Promise<unknown>;
  };
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Messages that end an exchange: Sync, simple Query, Terminate, and the startup (no type byte). */
const EXCHANGE_END = new Set([0x53, 0x51, 0x58, 0x00]);

/**
 * pglite-socket 0.2.17 runs every protocol message in arrival order across connections, keeping a
 * connection's messages together only inside a transaction. All connections share one backend,
 * so another connection's Parse/Bind between this one's Bind and Execute corrupts both (requests
 * hang or fail under concurrent load). This keeps the turn with a connection from its first
 * message until it ends the exchange (Sync, Query or Terminate), or disconnects.
 */
function keepExchangesTogether(server: { queryQueue: QueryQueue }): void {
  const queue = server.queryQueue;
  let holder: number | null = null;

  queue.processQueue = async function (this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = this.db.isInTransaction() && this.lastHandlerId ? this.lastHandlerId : holder;
        const index = owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === owner);
        if (index === -1) break; // the owner's next message has not arrived yet
        const [query] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(query.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                query.onData(data);
              },
            }),
          );
        } catch (error) {
          holder = null;
          query.reject(error as Error);
          continue;
        }
        holder = EXCHANGE_END.has(query.message[0]) ? null : query.handlerId;
        this.lastHandlerId = query.handlerId;
        query.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (holder === handlerId) {
      holder = null;
      void queue.processQueue();
    }
  };
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * The data folder's lock: a directory `pglite.lock` whose modification time its holder renews
 * every 2 s (proper-lockfile, atomic `mkdir`, works across containers sharing a volume, unlike a
 * PID file). A lock not renewed for 10 s is stale, left by a process that was killed: the next
 * start waits up to 12 s for it to go stale and takes it over, so a restart after `kill -9`
 * needs no clean-up, while a second process beside a live one is refused.
 */
const LOCK = {
  stale: 10_000,
  update: 2_000,
  retries: { retries: 6, factor: 1, minTimeout: 2_000 },
};

async function lockDataDir(dataDir: string, dir: string, onLost: (error: Error) => void) {
  try {
    return await lock(dir, {
      ...LOCK,
      realpath: false,
      lockfilePath: `${dir}.lock`,
      onCompromised: onLost,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    throw new StartupError(
      `Cannot start: DATA_DIR ${path.resolve(dataDir)} is in use by another process ` +
        '(the embedded database belongs to one process: stop the other one or set another DATA_DIR)',
    );
  }
}

/**
 * Starts PGlite (PostgreSQL in WASM) with its data under `dataDir` and serves it on a loopback
 * port, so the app talks to it through the same `pg` driver as to a real server. Two processes
 * on one folder would each write their own copy of the same pages (entries numbered twice, one
 * lost at the next start), so the folder is locked first. `onLockLost` hears that the lock is
 * no longer this process's: its folder went away, or another process took it over while this
 * one stalled past the stale time (a stall alone is survived: the renewal checks the lock is
 * still ours).
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  maxConnections: number,
  onLockLost: (error: Error) => void = (error) => {
    throw error;
  },
): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const unlock = await lockDataDir(dataDir, dir, onLockLost);
  try {
    // Loaded on demand: only the embedded default needs PGlite and its WebAssembly.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create(dir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    keepExchangesTogether(server as unknown as { queryQueue: QueryQueue });
    await server.start();
    const port = (server as unknown as { server: { address(): { port: number } } }).server.address()
      .port;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        await server.stop();
        await db.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}
