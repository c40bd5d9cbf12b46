import http from 'node:http';

/**
 * Server-Sent Events subscribers for the bench's fan-out phase: plain HTTP requests to
 * `/embed/{slug}/events`, each reading `event: snapshot` blocks and noting when each entry number
 * first appeared in one.
 */

interface Subscriber {
  request: http.ClientRequest;
  /** Entry number -> when this subscriber first saw it (performance.now()). */
  arrivals: Map<number, number>;
  snapshots: number;
  /** The current edition's number in its last snapshot. */
  edition: number | null;
}

export class SseSubscribers {
  private readonly subscribers: Subscriber[] = [];
  /** Every subscriber gets the same bytes: each snapshot text is parsed once. */
  private readonly parsed = new Map<string, { edition: number; numbers: number[] }>();
  /** Streams that failed or ended early, with why. */
  readonly failures: string[] = [];

  constructor(private readonly url: string) {}

  get size(): number {
    return this.subscribers.length;
  }

  /**
   * Opens `count` streams, `concurrency` at a time, and resolves once every one has had its
   * first snapshot (or fails after `timeoutMs`).
   */
  async open(count: number, concurrency = 50, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        await this.openOne(deadline);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (this.failures.length)
      throw new Error(`${this.failures.length} streams failed: ${this.failures[0]}`);
  }

  private openOne(deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sub: Subscriber = {
        request: null as unknown as http.ClientRequest,
        arrivals: new Map(),
        snapshots: 0,
        edition: null,
      };
      const timer = setTimeout(
        () => reject(new Error('no first snapshot before the deadline')),
        Math.max(0, deadline - Date.now()),
      );
      const fail = (why: string) => {
        this.failures.push(why);
        clearTimeout(timer);
        resolve();
      };
      sub.request = http.get(
        this.url,
        { agent: false, headers: { accept: 'text/event-stream' } },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            return fail(`HTTP ${response.statusCode}`);
          }
          response.setEncoding('utf8');
          let buffer = '';
          response.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (this.onBlock(sub, block) && sub.snapshots === 1) {
                clearTimeout(timer);
                resolve();
              }
            }
          });
          response.on('end', () => this.failures.push('a stream ended'));
        },
      );
      sub.request.on('error', (error) => fail(error.message));
      this.subscribers.push(sub);
    });
  }

  /** Handles one SSE block; true when it was a snapshot. */
  private onBlock(sub: Subscriber, block: string): boolean {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event !== 'snapshot') return false;
    const now = performance.now();
    const text = data.join('\n');
    let snapshot = this.parsed.get(text);
    if (!snapshot) {
      const json = JSON.parse(text) as {
        roundup: { number: number };
        entries: { number: number }[];
      };
      snapshot = { edition: json.roundup.number, numbers: json.entries.map((e) => e.number) };
      if (this.parsed.size > 100) this.parsed.clear();
      this.parsed.set(text, snapshot);
    }
    sub.snapshots++;
    sub.edition = snapshot.edition;
    for (const n of snapshot.numbers) if (!sub.arrivals.has(n)) sub.arrivals.set(n, now);
    return true;
  }

  /** The editions the subscribers' last snapshots show (one, if all follow the same). */
  editions(): Set<number | null> {
    return new Set(this.subscribers.map((s) => s.edition));
  }

  /** How many subscribers have seen entry `number` so far. */
  seen(number: number): number {
    return this.subscribers.filter((s) => s.arrivals.has(number)).length;
  }

  /**
   * Delivery delays of entry `number` to every subscriber, in ms from `respondedAt` (the submit's
   * response; a snapshot that came first counts 0), and how many never saw it.
   */
  delays(number: number, respondedAt: number): { delays: number[]; early: number; missed: number } {
    const result = { delays: [] as number[], early: 0, missed: 0 };
    for (const sub of this.subscribers) {
      const at = sub.arrivals.get(number);
      if (at === undefined) result.missed++;
      else {
        if (at < respondedAt) result.early++;
        result.delays.push(Math.max(0, at - respondedAt));
      }
    }
    return result;
  }

  close(): void {
    for (const sub of this.subscribers) sub.request.destroy();
  }
}
