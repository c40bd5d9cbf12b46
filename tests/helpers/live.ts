import { Client, createClient, FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { gqlAt } from './api';
import { Made } from './fixtures';

/** How a socket ended, as the client saw it. */
export interface Closed {
  code: number;
  reason: string;
}

export interface LiveClient {
  client: Client;
  /** Resolves when the socket closes (refused, or the server went away). */
  closed: Promise<Closed>;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client on the API at `httpUrl` (ws:// on the same /graphql), signed in with `token`
 * or with `authorization` as given. It never retries, so a refusal shows as it is.
 */
export function liveClient(
  httpUrl: string,
  options: { token?: string; authorization?: string } = {},
): LiveClient {
  const authorization =
    options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  let onClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = event as Closed;
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  return { client, closed, dispose: () => client.dispose() as Promise<void> };
}

/** One running subscription and everything it received. */
export interface Subscription<T = any> {
  /** The `data` of every `next`, in arrival order. */
  events: T[];
  /** Errors, from an `error` message or inside a `next`. */
  errors: { message: string; extensions?: { code?: string } }[];
  /** Resolves when the subscription completes or errors. */
  ended: Promise<void>;
  /** Whether it has ended. */
  done(): boolean;
  /** Waits until `count` events satisfy `match` (all events by default), or fails after `ms`. */
  waitFor(count: number, match?: (event: T) => boolean, ms?: number): Promise<T[]>;
  stop(): void;
}

export function subscribe<T = any>(
  live: LiveClient,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const events: T[] = [];
  const errors: Subscription['errors'] = [];
  const changed: (() => void)[] = [];
  const notify = () => changed.splice(0).forEach((f) => f());
  let finished = false;
  let onEnded!: () => void;
  const ended = new Promise<void>((resolve) => (onEnded = resolve)).then(() => {
    finished = true;
  });
  const stop = live.client.subscribe<T>(
    { query, variables },
    {
      next: (result: FormattedExecutionResult<T>) => {
        if (result.errors) errors.push(...(result.errors as Subscription['errors']));
        if (result.data) events.push(result.data);
        notify();
      },
      error: (error) => {
        errors.push(...(Array.isArray(error) ? error : [{ message: String(error) }]));
        onEnded();
        notify();
      },
      complete: () => {
        onEnded();
        notify();
      },
    },
  );
  return {
    events,
    errors,
    ended,
    done: () => finished,
    stop,
    async waitFor(count, match = () => true, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const matching = events.filter(match);
        if (matching.length >= count) return matching;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `waited ${ms} ms for ${count} events, got ${JSON.stringify(events)} ${JSON.stringify(errors)}`,
          );
        await new Promise<void>((resolve) => {
          changed.push(resolve);
          setTimeout(resolve, Math.min(left, 100));
        });
      }
    },
  };
}

/**
 * Waits until `sub` is live on the server: `poke` makes an event it should receive (`isPoke`),
 * again every 300 ms until one arrives. A subscription starts listening a moment after the
 * client sends it, and a test must not publish into that gap.
 */
export async function untilLive<T>(
  sub: Subscription<T>,
  poke: () => Promise<unknown>,
  isPoke: (event: T) => boolean,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !sub.done()) {
    await poke();
    try {
      await sub.waitFor(1, isPoke, 300);
      return;
    } catch {
      // not yet listening: poke again
    }
  }
  throw new Error(`subscription not live: ${JSON.stringify(sub.errors)}`);
}

/**
 * Subscribes with `start` until a subscription is live (as a client does after an interruption:
 * while live updates are unavailable, each attempt is refused with SERVICE_UNAVAILABLE).
 */
export async function resubscribe<T>(
  start: () => Subscription<T>,
  poke: () => Promise<unknown>,
  isPoke: (event: T) => boolean,
  ms = 10_000,
): Promise<Subscription<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const sub = start();
    try {
      await untilLive(sub, poke, isPoke, deadline - Date.now());
      return sub;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      sub.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

/** Entry `n` submitted anonymously to `roundup` through the API at `url` (a URL of its own). */
export function submitAt(url: string, roundup: Made, n: number | string) {
  return gqlAt(
    url,
    `mutation($input: SubmitEntryInput!) { submitEntry(input: $input) { id number status } }`,
    {
      input: {
        roundupId: roundup.gid,
        title: `Run ${n}`,
        url: `https://runner.example/${roundup.id}/run-${n}`,
        name: `Runner ${n}`,
        email: `r${n}@runner.example`,
      },
    },
  );
}
