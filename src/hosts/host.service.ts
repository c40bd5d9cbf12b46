import { DataSource } from 'typeorm';
import { Claims, DECOY_HASH, hashPassword, Tokens, verifyPassword } from '../common/auth';
import {
  BadInputError,
  ConflictError,
  UnauthenticatedError,
  uniqueViolation,
} from '../common/errors';
import { RateLimits } from '../common/rate-limit';
import { firstFreeSlug, givenSlug, slugify, takenSlugsSql } from '../common/slug';
import {
  email as validEmail,
  optionalHttpUrl,
  optionalText,
  requiredText,
} from '../common/validation';
import { hydrate } from '../db/batch';
import { RunStatement } from '../db/prepared';
import type { Context } from '../read/context';
import { Host, Role } from './host.entity';
import { CreateHostInput, UpdateProfileInput } from './host.inputs';

/** Field limits of a host profile. */
export const HOST_LIMITS = {
  name: 100,
  email: 254,
  blogName: 200,
  url: 500,
  bio: 2000,
  passwordMin: 8,
  passwordMax: 200,
};

function password(field: string, value: string): string {
  if (value.length < HOST_LIMITS.passwordMin) {
    throw new BadInputError(
      field,
      `${field} must be at least ${HOST_LIMITS.passwordMin} characters`,
    );
  }
  if (value.length > HOST_LIMITS.passwordMax) {
    throw new BadInputError(
      field,
      `${field} must be at most ${HOST_LIMITS.passwordMax} characters`,
    );
  }
  return value;
}

/** Profile fields of an input as columns: left out = unchanged, null = cleared. */
function profileColumns(
  input: Omit<UpdateProfileInput, 'email' | 'password' | 'currentPassword'>,
): Record<string, string | null> {
  const columns: Record<string, string | null> = {};
  if (input.name === null) throw new BadInputError('name', 'name cannot be cleared');
  if (input.name !== undefined) columns.name = requiredText('name', input.name, HOST_LIMITS.name);
  if (input.blogName !== undefined)
    columns.blog_name = optionalText('blogName', input.blogName, HOST_LIMITS.blogName);
  if (input.blogUrl !== undefined)
    columns.blog_url = optionalHttpUrl('blogUrl', input.blogUrl, HOST_LIMITS.url);
  if (input.avatarUrl !== undefined)
    columns.avatar_url = optionalHttpUrl('avatarUrl', input.avatarUrl, HOST_LIMITS.url);
  if (input.bio !== undefined) columns.bio = optionalText('bio', input.bio, HOST_LIMITS.bio);
  return columns;
}

/** Host accounts: lookups, the directory and sign-in. */
export class HostService {
  constructor(
    private readonly db: DataSource,
    /** Every authenticated request looks up its viewer: a prepared statement. */
    private readonly run: RunStatement,
    private readonly tokens: Tokens,
    private readonly rateLimits: RateLimits,
  ) {}

  /**
   * Same error and the same scrypt work for an unknown email and a wrong password; attempts are
   * limited per email and per IP against password guessing.
   */
  async signIn(
    ctx: Context,
    email: string,
    password: string,
  ): Promise<{ token: string; host: Host }> {
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
    // The rest of this response is for the host who just proved who they are (their email shows).
    ctx.viewer = host;
    return { token: await this.tokens.sign(host), host };
  }

  /**
   * A new account (admins only, checked by the resolver). The email is unique whatever its case
   * (CONFLICT naming `email`); a given slug must be free (CONFLICT naming `slug`), a made one
   * gets a numeric suffix.
   */
  async create(_ctx: Context, input: CreateHostInput): Promise<Host> {
    const slug = input.slug == null ? null : givenSlug(input.slug);
    const columns: Record<string, string | null> = {
      ...profileColumns(input),
      email: validEmail('email', input.email, HOST_LIMITS.email),
      role: input.role ?? Role.HOST,
      password_hash: await hashPassword(password('password', input.password)),
    };
    const [taken] = await this.db.query(
      'SELECT bool_or(lower(email) = lower($1)) AS email, bool_or(slug = $2) AS slug FROM hosts WHERE lower(email) = lower($1) OR slug = $2',
      [columns.email, slug],
    );
    if (taken?.email) throw new ConflictError('A host with this email exists', 'email');
    if (taken?.slug) throw new ConflictError('This slug is taken', 'slug');
    for (let attempt = 1; ; attempt++) {
      try {
        columns.slug = slug ?? (await this.freeSlug(columns.name!));
        const names = Object.keys(columns);
        const rows = await this.db.query(
          `INSERT INTO hosts (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
          Object.values(columns),
        );
        return hydrate(this.db, Host, rows)[0];
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === 'hosts_email_key')
          throw new ConflictError('A host with this email exists', 'email');
        if (constraint === 'hosts_slug_key' && slug)
          throw new ConflictError('This slug is taken', 'slug');
        // A made slug lost a race with another insert: pick the next free one.
        if (constraint === 'hosts_slug_key' && attempt < 5) continue;
        throw error;
      }
    }
  }

  private async freeSlug(name: string): Promise<string> {
    const base = slugify(name, 'host');
    const taken: { slug: string }[] = await this.db.query(takenSlugsSql('hosts'), [base]);
    return firstFreeSlug(
      base,
      taken.map((r) => r.slug),
    );
  }

  /**
   * The viewer's own profile: only the row of the signed-in host is ever updated. The sign-in
   * credentials (email, password) change only with the current password (a stolen token alone
   * cannot take the account over); wrong guesses count against the account's sign-in limit. A
   * new password signs out every session (see Tokens.stamp).
   */
  async updateProfile(ctx: Context, input: UpdateProfileInput): Promise<Host> {
    const viewer = ctx.viewer;
    if (!viewer) throw new UnauthenticatedError();
    const columns: Record<string, string | null> = profileColumns(input);
    if (input.email === null) throw new BadInputError('email', 'email cannot be cleared');
    if (input.email !== undefined)
      columns.email = validEmail('email', input.email, HOST_LIMITS.email);
    if (input.password != null) password('password', input.password);
    if (input.email != null || input.password != null) {
      if (!input.currentPassword)
        throw new BadInputError(
          'currentPassword',
          'currentPassword is required to change the email or the password',
        );
      await this.rateLimits.consume('signInEmail', viewer.email);
      if (!(await verifyPassword(input.currentPassword, viewer.passwordHash))) {
        throw new BadInputError('currentPassword', 'currentPassword is wrong');
      }
    }
    if (input.password != null) columns.password_hash = await hashPassword(input.password);
    const names = Object.keys(columns);
    if (names.length === 0) return viewer as Host;
    let rows: Record<string, unknown>[];
    try {
      [rows] = await this.db.query(
        `UPDATE hosts SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`,
        [viewer.id, ...Object.values(columns)],
      );
    } catch (error) {
      if (uniqueViolation(error) === 'hosts_email_key')
        throw new ConflictError('A host with this email exists', 'email');
      throw error;
    }
    const [host] = hydrate(this.db, Host, rows);
    if (!host) throw new UnauthenticatedError('Invalid or expired token');
    ctx.viewer = host;
    return host;
  }

  /** What a bearer token says, when it is valid (no database work); null when forged or expired. */
  claims(token: string): Promise<Claims | null> {
    return this.tokens.verify(token);
  }

  /** The signed-in host the claims name; null for a gone host or a stale password stamp. */
  async viewer(claims: Claims): Promise<Host | null> {
    const [host] = hydrate(
      this.db,
      Host,
      await this.run('SELECT * FROM hosts WHERE id = $1', [claims.hostId]),
    );
    return host && this.holds(claims, host.passwordHash) ? host : null;
  }

  /** True while the claims' host has the password the token was issued under (`passwordHash`). */
  holds(claims: Claims, passwordHash: string | null): boolean {
    return passwordHash !== null && this.tokens.stamp(passwordHash) === claims.stamp;
  }
}
