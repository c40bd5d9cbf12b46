import type { Response } from 'express';
import { PubSub } from 'type-graphql';
import { sqlScope } from '../db/sql-counter';
import { ENTRY_TOPIC, ROUNDUP_TOPIC } from '../linkups';
import { BaseUrl, EmbedReads, snapshotOf } from './reads';

/** Changes arriving together are read once: at most one read per channel per this long. */
export const COALESCE_MS = 100;
/** A comment line this often keeps proxies (nginx cuts idle ones at 60 s) from closing a stream. */
export const HEARTBEAT_MS = 25_000;
/** What EventSource waits before it reconnects (the `retry:` field). */
export const RETRY_MS = 5_000;
/** A read that failed (the database away) is tried again this much later. */
const RETRY_READ_MS = 1_000;
/**
 * A subscriber that reads slower than snapshots come (its socket's buffer holding this much) is
 * cut rather than buffered without bound; EventSource reconnects and gets the latest snapshot.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const HEARTBEAT = Buffer.from(':\n\n');

/** What the hub needs to say about a refused stream; routes.ts writes the answer. */
export type Refusal = { status: 404 | 429 | 503; message: string };

interface Logger {
  warn(details: object, message: string): void;
}

/** One link-up's (or one edition's) subscribers on this instance, all sent the same bytes. */
interface Channel {
  key: string;
  base: BaseUrl;
  slug: string;
  /** A fixed edition (`/embed/{slug}/{number}/events`); null: whichever the embed shows. */
  number: number | null;
  clients: Set<Response>;
  /** The last `event: snapshot` sent (null while the link-up has no current edition). */
  event: Buffer | null;
  linkUpId?: string;
  roundupId?: string;
  /** Ends the bus subscriptions by topic ('roundups', 'entries'). */
  follows: Map<string, () => void>;
  timer?: NodeJS.Timeout;
  reading: boolean;
  dirty: boolean;
  lastRead: number;
  closed: boolean;
}

/**
 * Server-Sent Events for `/embed/{slug}/events` (and `/embed/{slug}/{number}/events`): the
 * current (or given) edition's EmbedSnapshot on connect and after every change to it. Subscribers are grouped per link-up (and base address) in one
 * channel per instance, which follows the live bus (the link-up's edition events and the current
 * edition's entry events, from any instance) and on a change reads the snapshot ONCE (one SQL
 * statement, bursts coalesced to one read per COALESCE_MS) and writes the same bytes to every
 * subscriber; an unchanged snapshot (a held entry arrived) is not sent. A channel holds the
 * serialised snapshot once; each subscriber costs its socket and response objects (a few KB,
 * docs/linkups.md). Streams are capped per client address; stop() ends them all, so the HTTP
 * server's drain does not wait on them.
 */
export class EmbedStreams {
  private readonly channels = new Map<string, Channel>();
  private readonly perIp = new Map<string, number>();
  private readonly heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  private stopped = false;

  constructor(
    private readonly reads: EmbedReads,
    private readonly bus: PubSub,
    private readonly maxPerIp: number,
    private readonly logger: Logger,
    /** Send `x-sql-statements` (not in production): 1 for a stream that opened its channel, else 0. */
    private readonly exposeSqlCount = false,
  ) {}

  /** Serves the stream to the client at `ip`, or says why not (before any byte is written). */
  async open(
    ip: string,
    res: Response,
    base: BaseUrl,
    slug: string,
    number: number | null = null,
  ): Promise<Refusal | null> {
    if (this.stopped) return { status: 503, message: 'Shutting down' };
    const held = this.perIp.get(ip) ?? 0;
    if (held >= this.maxPerIp)
      return { status: 429, message: `At most ${this.maxPerIp} live streams per address` };
    this.perIp.set(ip, held + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const left = this.perIp.get(ip)! - 1;
      if (left) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    };
    res.once('close', release);

    const key = `${base}\n${slug}\n${number ?? ''}`;
    let channel: Channel | null | undefined = this.channels.get(key);
    if (!channel) {
      try {
        channel = await this.start(key, base, slug, number);
      } catch (error) {
        release();
        this.logger.warn({ err: (error as Error).message }, 'embed stream: could not start');
        return { status: 503, message: 'Live updates are unavailable right now' };
      }
      if (!channel) {
        release();
        return { status: 404, message: number ? 'No such link-up or edition' : 'No such link-up' };
      }
    }
    if (this.stopped || channel.closed) {
      release();
      return { status: 503, message: 'Live updates are unavailable right now' };
    }
    if (res.destroyed) {
      // The client left while the snapshot was read.
      release();
      this.drop(channel);
      return null;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: the compression middleware (and proxies) leave the stream unbuffered.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      ...(this.exposeSqlCount
        ? { 'x-sql-statements': String(sqlScope.getStore()?.statements ?? 0) }
        : {}),
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    if (channel.event) res.write(channel.event);
    channel.clients.add(res);
    res.once('close', () => {
      channel.clients.delete(res);
      this.drop(channel);
    });
    return null;
  }

  /** Ends every stream (clients reconnect elsewhere after `retry`) and refuses new ones. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const channel of [...this.channels.values()]) this.end(channel);
  }

  /** What a channel shows: the embed's edition, or the fixed one. */
  private read(base: BaseUrl, slug: string, number: number | null) {
    return number === null
      ? this.reads.current(base, slug)
      : this.reads.edition(base, slug, number);
  }

  /** A new channel, its snapshot read and the bus followed; null for an unknown link-up or edition. */
  private async start(
    key: string,
    base: BaseUrl,
    slug: string,
    number: number | null,
  ): Promise<Channel | null> {
    const found = await this.read(base, slug, number);
    if (!found) return null;
    // Another request may have made it meanwhile.
    const existing = this.channels.get(key);
    if (existing) return existing;
    const channel: Channel = {
      key,
      base,
      slug,
      number,
      clients: new Set(),
      event: null,
      follows: new Map(),
      reading: false,
      dirty: false,
      lastRead: Date.now(),
      closed: false,
    };
    channel.linkUpId = found.linkUpId;
    if (found.roundup) {
      channel.event = eventOf(snapshotOf(found));
      channel.roundupId = found.roundupId;
    }
    // The channel's reads from now on serve every subscriber, not the request that opened it: they
    // run outside its statement count.
    sqlScope.exit(() => {
      try {
        this.follow(channel, ROUNDUP_TOPIC, found.linkUpId);
        if (found.roundup) this.follow(channel, ENTRY_TOPIC, found.roundupId);
      } catch (error) {
        this.close(channel);
        throw error;
      }
      this.channels.set(key, channel);
      // A change committed between the read and the subscriptions would be missed: read again.
      this.changed(channel);
    });
    return channel;
  }

  /** Follows `topic` for `id` on the bus: every message schedules a read of the channel. */
  private follow(channel: Channel, topic: string, id: string): void {
    channel.follows.get(topic)?.();
    const iterator = this.bus.subscribe(topic, id)[Symbol.asyncIterator]();
    let following = true;
    channel.follows.set(topic, () => {
      following = false;
      void iterator.return?.();
    });
    void (async () => {
      try {
        while (following && !(await iterator.next()).done) this.changed(channel);
      } catch {
        // The bus lost its transport: events may be missed, so the streams end and EventSource
        // reconnects (a new channel, a fresh snapshot) once it is back.
        if (following) this.end(channel);
      }
    })();
  }

  /** Something changed: read soon, at most once per COALESCE_MS. */
  private changed(channel: Channel): void {
    if (channel.closed || channel.timer) return;
    if (channel.reading) {
      channel.dirty = true;
      return;
    }
    const wait = Math.max(0, channel.lastRead + COALESCE_MS - Date.now());
    channel.timer = setTimeout(() => {
      channel.timer = undefined;
      void this.refresh(channel);
    }, wait);
  }

  private async refresh(channel: Channel): Promise<void> {
    channel.reading = true;
    channel.dirty = false;
    channel.lastRead = Date.now();
    try {
      const found = await this.read(channel.base, channel.slug, channel.number);
      if (channel.closed) return;
      if (!found) return this.end(channel);
      if (found.roundup && found.roundupId !== channel.roundupId) {
        channel.roundupId = found.roundupId;
        this.follow(channel, ENTRY_TOPIC, found.roundupId);
      }
      const event = found.roundup ? eventOf(snapshotOf(found)) : null;
      if (event && !(channel.event && event.equals(channel.event))) {
        for (const res of channel.clients) send(res, event);
      }
      channel.event = event;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'embed stream: read failed');
      channel.dirty = true;
      channel.lastRead = Date.now() + RETRY_READ_MS - COALESCE_MS;
    } finally {
      channel.reading = false;
      if (channel.dirty) {
        channel.dirty = false;
        this.changed(channel);
      }
    }
  }

  /** Forgets a channel nobody listens to any more. */
  private drop(channel: Channel): void {
    if (channel.clients.size === 0) this.close(channel);
  }

  /** Ends every stream of the channel and forgets it. */
  private end(channel: Channel): void {
    for (const res of channel.clients) res.end();
    channel.clients.clear();
    this.close(channel);
  }

  private close(channel: Channel): void {
    if (channel.closed) return;
    channel.closed = true;
    clearTimeout(channel.timer);
    for (const stop of channel.follows.values()) stop();
    if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
  }

  private beat(): void {
    for (const channel of this.channels.values())
      for (const res of channel.clients) send(res, HEARTBEAT);
  }
}

/** Writes to one subscriber, or cuts it when it has fallen too far behind. */
function send(res: Response, bytes: Buffer): void {
  if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
  else res.write(bytes);
}

/** The bytes of one `event: snapshot` (JSON text holds no raw line break). */
function eventOf(snapshot: unknown): Buffer {
  return Buffer.from(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
}
