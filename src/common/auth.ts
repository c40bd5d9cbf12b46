import {
  createHash,
  createHmac,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { jwtVerify, SignJWT } from 'jose';
import { AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from './errors';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

/** `scrypt$<salt>$<key>`, both base64: the salt is random per password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, SCRYPT);
  return timingSafeEqual(actual, expected);
}

/**
 * A random secret handed out once (256 bits, base64url) and its sha256, which is what is stored:
 * the secret is too random to guess, so an unsalted fast hash is enough to keep a database leak
 * from revealing it.
 */
export function newSecret(): { secret: string; digest: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, digest: secretDigest(secret) };
}

/** The stored form of a secret from newSecret(), for looking it up. */
export const secretDigest = (secret: string): Buffer =>
  createHash('sha256').update(secret).digest();

/** Checked against when the email is unknown, so both failures cost the same time. */
export const DECOY_HASH =
  'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const ISSUER = 'roundup-api';

/**
 * What a valid token says: whose it is, the stamp of the password it was issued under, and the
 * role the host had then (a hint: a read checks it against the host's row in the same statement).
 */
export interface Claims {
  hostId: string;
  stamp: string;
  role: string | null;
}
export const TOKEN_LIFETIME = '7d';

/**
 * Signs and checks the bearer tokens: HS256, the host id as subject, a 7-day expiry, and a stamp
 * of the password they were issued under (see `stamp`).
 */
export class Tokens {
  private readonly key: Uint8Array;
  /**
   * Tokens that verified, until they expire: a signed-in client sends the same token with every
   * request, and checking its signature again costs more than the rest of the token work. Only
   * a token that passed is kept (the exact string), so a forged one never matches. Bounded.
   */
  private readonly verified = new InMemoryLRUCache<Claims>({ max: 10_000 });

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(host: { id: string; passwordHash: string; role: string }): Promise<string> {
    return new SignJWT({ pwd: this.stamp(host.passwordHash), rol: host.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(host.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(TOKEN_LIFETIME)
      .sign(this.key);
  }

  /** The host id and password stamp of a valid token, or null for an expired, forged or malformed one. */
  async verify(token: string): Promise<Claims | null> {
    const known = await this.verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
      });
      const { sub, pwd, rol, exp } = payload;
      if (!(typeof sub === 'string' && /^[1-9][0-9]{0,17}$/.test(sub) && typeof pwd === 'string'))
        return null;
      const claims = { hostId: sub, stamp: pwd, role: typeof rol === 'string' ? rol : null };
      const ttl = (exp ?? 0) - Math.floor(Date.now() / 1000);
      if (ttl > 0) await this.verified.set(token, claims, { ttl });
      return claims;
    } catch {
      return null;
    }
  }

  /**
   * A keyed digest of a password hash. A new password (a new salt, so a new hash) leaves every
   * token issued before it with a stale stamp: changing the password signs out everywhere.
   */
  stamp(passwordHash: string): string {
    return createHmac('sha256', this.key).update(passwordHash).digest('base64url').slice(0, 22);
  }
}

/** `@Authorized()` needs a signed-in host; `@Authorized('ADMIN')` an admin. */
export const authChecker: AuthChecker<{ viewer: { role: string } | null }> = (
  { context },
  roles,
) => {
  if (!context.viewer) throw new UnauthenticatedError();
  if (roles.length > 0 && !roles.includes(context.viewer.role)) throw new ForbiddenError();
  return true;
};
