import {
  ApolloServerPlugin,
  GraphQLRequestContextResponseForOperation,
  GraphQLResponse,
  HeaderMap,
} from '@apollo/server';
import { FormattedExecutionResult } from 'graphql';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { databaseUnavailable, RETRY_AFTER_SECONDS } from '../common/errors';
import type { Context } from '../read/context';
import { answer, refusal, unavailable } from './answers';
import { Logger } from './logger';

/** How long a key's first answer is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * How long an attempt holds its key before another may run instead: far beyond any mutation
 * (statements time out after seconds), so only an attempt whose instance died loses it.
 */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;
/** Printable ASCII, long enough to be unguessable (a UUID is 36): the key protects the answer. */
const KEY = /^[\x21-\x7e]{16,255}$/;
/** Answers a retry could change: not kept, so the retry runs again. */
const PASSING = new Set(['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED']);
/** Expired rows are deleted by whichever instance claims a key, at most this often. */
const CLEAN_UP_EVERY_MS = 60 * 1000;

/** What is kept of an answer: its HTTP status and the body as the client got it. */
interface Answer {
  status: number;
  result: FormattedExecutionResult;
}

/**
 * Where the key's answer is kept and how it is sealed. The key is never stored: rows are found
 * by its hash, and the answer is encrypted (AES-256-GCM) with another key derived from it (HKDF,
 * salted with the scope), so a reader of the table, a backup or a replica cannot replay an
 * answer's secrets (a `submitEntry` answer's `editToken`, a `signIn` token) without the key.
 */
class Sealed {
  readonly id: Buffer;
  private readonly secret: Buffer;

  constructor(key: string, scope: string) {
    this.id = createHash('sha256').update(`roundup idempotency key\0${key}`).digest();
    this.secret = Buffer.from(hkdfSync('sha256', key, scope, 'roundup idempotent answer', 32));
  }

  seal(answer: Answer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secret, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): Answer {
    const decipher = createDecipheriv('aes-256-gcm', this.secret, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    const body = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    return JSON.parse(body.toString('utf8')) as Answer;
  }
}

/**
 * `Idempotency-Key` on mutations (HTTP header): the first request with a key runs; a retry with
 * the same key and the same request (document, operation name, variables) within 24 hours gets
 * the first answer again, from any instance, and writes nothing. Keys are per viewer: a signed-in
 * host's key never replays another viewer's answer; anonymous requests share one scope, where
 * the unguessable key and the identical request are what match.
 *
 * - The same key with a different request: CONFLICT (HTTP 409).
 * - A retry while the first attempt still runs: CONFLICT (HTTP 409, Retry-After): it never runs
 *   twice at once, and waiting here would hold a request for as long as the first one takes.
 * - Answers with SERVICE_UNAVAILABLE, INTERNAL_SERVER_ERROR or RATE_LIMITED are not kept (a
 *   retry may well succeed): the key is freed and the retry runs. Every other answer, refusals
 *   included, is kept and replayed: running again would give the same refusal.
 * - Queries ignore the header: they write nothing.
 */
export function idempotencyPlugin(db: DataSource, logger: Logger): ApolloServerPlugin<Context> {
  let lastCleanUp = 0;

  async function cleanUp(now: Date) {
    if (now.getTime() - lastCleanUp < CLEAN_UP_EVERY_MS) return;
    lastCleanUp = now.getTime();
    await db
      .query('DELETE FROM idempotency_keys WHERE expires_at <= $1', [now])
      .catch((error: Error) => logger.warn({ err: error.message }, 'idempotency clean-up failed'));
  }

  return {
    async requestDidStart({ request }) {
      const key = request.http?.headers.get('idempotency-key');
      if (key === undefined) return;
      /** Set once this request holds its key: its answer is kept (or the key freed) at the end. */
      let held: { sealed: Sealed; scope: string; requestHash: Buffer } | undefined;

      const claimOrReplay = async ({
        operation,
        contextValue,
        source,
        request: req,
      }: GraphQLRequestContextResponseForOperation<Context>): Promise<GraphQLResponse | null> => {
        if (operation?.operation !== 'mutation') return null;
        if (!KEY.test(key))
          return refusal(
            400,
            'BAD_REQUEST',
            'Idempotency-Key must be 16 to 255 printable ASCII characters: send a random UUID',
          );
        const scope = contextValue.viewer ? `host:${contextValue.viewer.id}` : 'anonymous';
        const sealed = new Sealed(key, scope);
        const requestHash = createHash('sha256')
          .update(JSON.stringify([source, req.operationName ?? null, req.variables ?? {}]))
          .digest();
        const now = contextValue.clock.now();
        // Claims the key: new, expired, or left RUNNING by an attempt whose lease lapsed.
        const claimed: unknown[] = await db.query(
          `INSERT INTO idempotency_keys AS k
               (scope, key_hash, request_hash, state, locked_until, created_at, expires_at)
             VALUES ($1, $2, $3, 'RUNNING', $4, $5, $6)
             ON CONFLICT (scope, key_hash) DO UPDATE
               SET request_hash = excluded.request_hash, state = 'RUNNING', answer = NULL,
                   locked_until = excluded.locked_until, created_at = excluded.created_at,
                   expires_at = excluded.expires_at
               WHERE k.expires_at <= $5
                  OR (k.state = 'RUNNING' AND k.locked_until <= $5
                      AND k.request_hash = excluded.request_hash)
             RETURNING 1`,
          [
            scope,
            sealed.id,
            requestHash,
            new Date(now.getTime() + IDEMPOTENCY_LEASE_MS),
            now,
            new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
          ],
        );
        if (claimed.length) {
          held = { sealed, scope, requestHash };
          await cleanUp(now);
          return null;
        }

        const [row]: { request_hash: Buffer; answer: Buffer | null }[] = await db.query(
          `SELECT request_hash, answer FROM idempotency_keys
               WHERE scope = $1 AND key_hash = $2`,
          [scope, sealed.id],
        );
        if (row && !row.request_hash.equals(requestHash))
          return refusal(
            409,
            'CONFLICT',
            'This Idempotency-Key was used for a different request: use a new key for a new request',
          );
        if (!row?.answer)
          return refusal(
            409,
            'CONFLICT',
            'A request with this Idempotency-Key is still running: retry shortly',
            RETRY_AFTER_SECONDS,
          );
        const first = sealed.open(row.answer);
        const headers = new HeaderMap([['idempotent-replayed', 'true']]);
        return answer(first.result, first.status, headers);
      };

      return {
        async responseForOperation(requestContext) {
          try {
            return await claimOrReplay(requestContext);
          } catch (error) {
            // Thrown here, it would reach Apollo outside its error handling (HTTP 500).
            if (!databaseUnavailable(error)) throw error;
            logger.warn({ err: (error as Error).message }, 'idempotency key not checked');
            return unavailable();
          }
        },

        async willSendResponse({ response, errors }) {
          if (!held) return;
          const { sealed, scope, requestHash } = held;
          held = undefined;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const status = response.http.status ?? 200;
          const codes = (result?.errors ?? errors ?? []).map((e) => e.extensions?.code);
          const keep = result && status < 500 && !codes.some((c) => PASSING.has(String(c)));
          try {
            if (keep) {
              await db.query(
                `UPDATE idempotency_keys SET state = 'DONE', answer = $4, locked_until = NULL
                 WHERE scope = $1 AND key_hash = $2 AND request_hash = $3 AND state = 'RUNNING'`,
                [scope, sealed.id, requestHash, sealed.seal({ status, result })],
              );
            } else {
              await db.query(
                `DELETE FROM idempotency_keys
                 WHERE scope = $1 AND key_hash = $2 AND request_hash = $3 AND state = 'RUNNING'`,
                [scope, sealed.id, requestHash],
              );
            }
          } catch (error) {
            // The answer still goes out; a retry then meets a RUNNING key until its lease lapses.
            logger.warn({ err: (error as Error).message }, 'idempotency key not settled');
          }
        },
      };
    },
  };
}
