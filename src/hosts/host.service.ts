import { DataSource } from 'typeorm';
import { DECOY_HASH, Tokens, verifyPassword } from '../common/auth';
import { UnauthenticatedError } from '../common/errors';
import { ConnectionArgs } from '../common/pagination';
import { RateLimits } from '../common/rate-limit';
import { fetchPage, hydrate, ListSpec } from '../db/batch';
import type { Context } from '../server/context';
import { Host } from './host.entity';

const hostList: ListSpec<Host> = {
  type: Host,
  table: 'hosts',
  where: 'true',
  key: [{ column: 'id', part: 'id' }],
  direction: 'ASC',
  cursorOf: (h) => [h.id],
};

/** Host accounts: lookups, the directory and sign-in. */
export class HostService {
  constructor(
    private readonly db: DataSource,
    private readonly tokens: Tokens,
    private readonly rateLimits: RateLimits,
  ) {}

  async bySlug(_ctx: Context, slug: string): Promise<Host | null> {
    const [host] = hydrate(this.db, Host, await this.db.query('SELECT * FROM hosts WHERE slug = $1', [slug]));
    return host ?? null;
  }

  list(_ctx: Context, args: ConnectionArgs) {
    return fetchPage(this.db, hostList, args, []);
  }

  /**
   * Same error and the same scrypt work for an unknown email and a wrong password; attempts are
   * limited per email and per IP against password guessing.
   */
  async signIn(ctx: Context, email: string, password: string): Promise<{ token: string; host: Host }> {
    email = email.trim();
    await this.rateLimits.consume('signInIp', ctx.ip);
    await this.rateLimits.consume('signInEmail', email);
    const [host] = hydrate(
      this.db,
      Host,
      await this.db.query('SELECT * FROM hosts WHERE lower(email) = lower($1)', [email]),
    );
    const ok = await verifyPassword(password, host?.passwordHash ?? DECOY_HASH);
    if (!host || !ok) throw new UnauthenticatedError('Wrong email or password');
    await this.rateLimits.reset('signInEmail', email);
    return { token: await this.tokens.sign(host.id), host };
  }

  /** The signed-in host behind a bearer token; UNAUTHENTICATED for a bad or stale token. */
  async viewer(ctx: Pick<Context, 'loaders'>, token: string): Promise<Host> {
    const id = await this.tokens.verify(token);
    const host = id ? await ctx.loaders.host.load(id) : null;
    if (!host) throw new UnauthenticatedError('Invalid or expired token');
    return host;
  }
}
