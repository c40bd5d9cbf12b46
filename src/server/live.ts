import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, PubSubEventTarget, Repeater } from '@graphql-yoga/subscription';
import Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { PubSub } from 'type-graphql';
import { Clock } from '../common/clock';
import { ServiceUnavailableError } from '../common/errors';
import { Config } from '../config';
import { LiveEvents } from '../linkups';
import { Logger } from './logger';

/** Every topic carries an id (the roundup or link-up followed) and a message. */
type Topics = Record<string, [string, unknown]>;
type Target = PubSubEventTarget<Topics>;
type Listener = Parameters<Target['addEventListener']>[1];

/**
 * The live-update bus: type-graphql's PubSub over one transport (Redis pub/sub, PostgreSQL
 * LISTEN/NOTIFY, or process memory). While the transport is away, new subscriptions are refused
 * and open ones end, both with SERVICE_UNAVAILABLE: events sent meanwhile are lost, so a client
 * subscribes again and refetches what it shows.
 */
export class LiveBus implements PubSub {
  private connected = false;
  /** Stops the streams of open subscriptions, with an error. */
  private readonly open = new Set<(error: Error) => void>();
  private waiters: (() => void)[] = [];
  private readonly pubSub;

  constructor(
    private readonly logger: Logger,
    eventTarget?: Target,
    /** Channel prefix: deployments (and test databases) sharing one Redis never hear each other. */
    private readonly prefix = '',
  ) {
    this.pubSub = createPubSub<Topics>({ eventTarget });
  }

  publish(topic: string, id: string, message: unknown): void {
    this.pubSub.publish(this.prefix + topic, id, message);
  }

  subscribe(topic: string, id: string): AsyncIterable<unknown> {
    if (!this.connected)
      throw new ServiceUnavailableError(
        'Live updates are unavailable right now, try again shortly',
      );
    const interrupted = new Repeater<never>(async (_push, stop) => {
      this.open.add(stop);
      await stop;
      this.open.delete(stop);
    });
    return Repeater.merge([this.pubSub.subscribe(this.prefix + topic, id), interrupted]);
  }

  /** Resolves once the transport is up, or after `ms` (then subscriptions wait for it). */
  whenUp(ms: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, ms).unref();
    });
  }

  up(): void {
    this.connected = true;
    for (const resolve of this.waiters.splice(0)) resolve();
    this.logger.info('live updates connected');
  }

  down(reason: string): void {
    if (!this.connected) return;
    this.connected = false;
    this.logger.warn({ reason }, 'live updates interrupted');
    for (const stop of this.open)
      stop(new ServiceUnavailableError('Live updates were interrupted: subscribe again'));
  }
}

export interface Live {
  bus: LiveBus;
  close(): Promise<void>;
}

/**
 * Redis pub/sub through graphql-yoga's event target, one channel per topic. The subscriber
 * connection SUBSCRIBEs only once `ready` (ioredis 5.11 can race a SUBSCRIBE sent while it
 * connects against its own handshake, issue 2037), keeps no offline queue and resubscribes
 * nothing by itself: a lost connection ends every stream. Commands that fail while Redis is away
 * are caught here, as the target leaves their promises unhandled.
 */
function redisLive(url: string, publisher: Redis, prefix: string, logger: Logger): Live {
  const subscriber = new Redis(url, { enableOfflineQueue: false, autoResubscribe: false });
  const warn = (error: Error) => logger.warn({ err: error.message }, 'live updates: redis');
  const target = createRedisEventTarget<CustomEvent>({
    publishClient: {
      publish: (channel: string, message: string) =>
        publisher.publish(channel, message).catch(warn),
    } as unknown as Redis,
    subscribeClient: {
      on: (event: 'message', listener: (channel: string, message: string) => void) =>
        subscriber.on(event, listener),
      subscribe: (channel: string) => subscriber.subscribe(channel).catch(warn),
      unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch(() => undefined),
    } as unknown as Redis,
  });
  const bus = new LiveBus(logger, target as unknown as Target, prefix);
  const lost = () => bus.down('redis connection closed');
  subscriber.on('ready', () => bus.up());
  subscriber.on('close', lost);
  let lastError = '';
  subscriber.on('error', (error: Error) => {
    if (error.message !== lastError) warn(error);
    lastError = error.message;
  });
  return {
    bus,
    async close() {
      subscriber.off('close', lost);
      subscriber.disconnect();
    },
  };
}

const CHANNEL = 'roundup_live';
/** How often the LISTEN connection proves it is alive (a dead peer can look open for minutes). */
const HEARTBEAT_MS = 15_000;

/**
 * PostgreSQL LISTEN/NOTIFY on one dedicated direct connection (PgBouncer's transaction mode cannot
 * LISTEN), which also sends every NOTIFY, so events leave in the order they were published.
 * The topic travels inside the payload (ids only, far under the 8,000-byte limit). A lost
 * connection ends every stream and is replaced, with backoff.
 */
class PostgresTarget {
  private client: Client | null = null;
  /** Statements on the connection, one after another (pg warns of overlapping ones). */
  private sending: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private readonly heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS).unref();
  readonly bus: LiveBus;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {
    this.bus = new LiveBus(logger, this as unknown as Target);
  }

  addEventListener(topic: string, listener: Listener): void {
    const set = this.listeners.get(topic) ?? new Set();
    this.listeners.set(topic, set.add(listener));
  }

  removeEventListener(topic: string, listener: Listener): void {
    const set = this.listeners.get(topic);
    set?.delete(listener);
    if (set?.size === 0) this.listeners.delete(topic);
  }

  dispatchEvent(event: { type: string; detail: unknown }): boolean {
    const payload = JSON.stringify({ topic: event.type, detail: event.detail });
    this.send('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
    return true;
  }

  /** Connects and LISTENs, retrying with backoff until it works or the bus closes. */
  async connect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const client = new Client({
        connectionString: this.url,
        application_name: 'roundup-live',
        keepAlive: true,
        connectionTimeoutMillis: 5000,
        query_timeout: 5000,
      });
      client.on('notification', ({ payload }) => this.deliver(payload));
      client.on('error', (error) => this.lost(client, error));
      client.on('end', () => this.lost(client));
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
        if (this.closed) return void client.end();
        this.client = client;
        this.bus.up();
        return;
      } catch (error) {
        client.end().catch(() => undefined);
        this.logger.warn({ err: (error as Error).message, attempt }, 'live updates: LISTEN failed');
        await sleep(Math.min(500 * 2 ** attempt, 10_000));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private deliver(payload: string | undefined): void {
    let topic: string, detail: unknown;
    try {
      ({ topic, detail } = JSON.parse(payload ?? ''));
    } catch {
      return; // not ours: anyone with access to the database may NOTIFY on the channel
    }
    for (const listener of this.listeners.get(topic) ?? []) {
      const event = { type: topic, detail } as never;
      if (typeof listener === 'function') listener(event);
      else listener?.handleEvent(event);
    }
  }

  /** Runs a statement on the connection after those before it; a failure counts as losing it. */
  private send(sql: string, params: unknown[] = []): void {
    const client = this.client;
    if (!client) return;
    this.sending = this.sending
      .then(() => client.query(sql, params))
      .catch((error: Error) => this.lost(client, error));
  }

  private ping(): void {
    this.send('SELECT 1');
  }

  /** The connection `client` failed: unless it was already replaced, end the streams and reconnect. */
  private lost(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.bus.down(error?.message ?? 'LISTEN connection ended');
    client.end().catch(() => undefined);
    if (!this.closed) void this.connect();
  }
}

/**
 * The bus for this deployment: Redis with REDIS_URL (`publisher` is the API's Redis client),
 * else PostgreSQL LISTEN/NOTIFY, else (the embedded database serves one process) memory.
 */
export function startLive(config: Config, publisher: Redis | undefined, logger: Logger): Live {
  if (config.redisUrl && publisher) {
    const database = config.databaseUrl ? new URL(config.databaseUrl).pathname.slice(1) : '';
    return redisLive(config.redisUrl, publisher, `roundup:${database || 'embedded'}:`, logger);
  }
  if (config.databaseDirectUrl) {
    const target = new PostgresTarget(config.databaseDirectUrl, logger);
    void target.connect();
    return { bus: target.bus, close: () => target.close() };
  }
  const bus = new LiveBus(logger);
  bus.up();
  return { bus, close: async () => {} };
}

/**
 * Every instance announces the due OPENED and CLOSED every second (LiveEvents.announceDue claims
 * each once per cluster), so they go out within about a second of the time.
 */
export function startAnnouncer(events: LiveEvents, clock: Clock, logger: Logger) {
  let running: Promise<void> | undefined;
  let failing = false;
  const tick = async () => {
    try {
      await events.announceDue(clock.now());
      failing = false;
    } catch (error) {
      if (!failing)
        logger.warn({ err: (error as Error).message }, 'announcing due editions failed');
      failing = true;
    }
  };
  const timer = setInterval(() => {
    running ??= tick().finally(() => (running = undefined));
  }, 1000).unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
