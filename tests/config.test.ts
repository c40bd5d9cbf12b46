import { DEFAULT_COMMENT_RULES } from '../src/comments/comment.rules';
import { IncomingMessage } from 'node:http';
import { ConfigError, loadConfig } from '../src/config';
import { clientIp } from '../src/server/client-ip';

/** loadConfig reads only the environment it is given: no server, no database needed. */
describe('comment rules from configuration', () => {
  it('keeps the default lists when unset', () => {
    expect(loadConfig({}).commentRules).toEqual(DEFAULT_COMMENT_RULES);
  });

  it('reads comma-separated entries, trimmed, blanks dropped; empty means none', () => {
    const rules = loadConfig({
      COMMENT_MODERATION_WORDS: ' tempo run ,, Parkrun ',
      COMMENT_BLOCKED_WORDS: '',
      COMMENT_HOLD_LINKS: '3',
    }).commentRules;
    expect(rules).toEqual({
      moderationWords: ['tempo run', 'Parkrun'],
      blockedWords: [],
      holdAtLinks: 3,
    });
  });

  it.each([
    ['COMMENT_HOLD_LINKS', '0'],
    ['COMMENT_HOLD_LINKS', 'two'],
    ['COMPILED_READS', 'maybe'],
  ])('stops the start on %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

describe.each([
  ['STATEMENT_TIMEOUT_MS', 'statementTimeoutMs', 5000, ['0', '-1', '2.5', 'soon', '3600001']],
  ['PUBLIC_CACHE_SECONDS', 'publicCacheSeconds', 15, ['0', '-5', '1.5', 'long', '86401']],
] as const)('%s', (name, key, fallback, invalid) => {
  it(`is ${fallback} unless set`, () => {
    expect(loadConfig({})[key]).toBe(fallback);
    expect(loadConfig({ [name]: '300' })[key]).toBe(300);
  });

  it.each(invalid)(`stops the start on ${name}=%s with one line naming it`, (value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${name} must be .*"${value}"$`),
    );
  });
});

describe('scaled-out database settings', () => {
  const primary = 'postgres://app@db.example:5432/roundup';

  it('named prepared statements are on unless DATABASE_PREPARED_STATEMENTS=off', () => {
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'off' }).databasePreparedStatements).toBe(
      false,
    );
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'pgbouncer' })).toThrow(
      /^Invalid configuration: DATABASE_PREPARED_STATEMENTS must be "on" or "off", got "pgbouncer"$/,
    );
  });

  it('reads DATABASE_REPLICA_URLS as a comma-separated list of PostgreSQL URLs', () => {
    expect(loadConfig({ DATABASE_URL: primary }).databaseReplicaUrls).toEqual([]);
    expect(
      loadConfig({
        DATABASE_URL: primary,
        DATABASE_REPLICA_URLS:
          ' postgres://app@r1.example/roundup, postgres://app@r2.example/roundup ',
      }).databaseReplicaUrls,
    ).toEqual(['postgres://app@r1.example/roundup', 'postgres://app@r2.example/roundup']);
  });

  it.each([
    [{ DATABASE_URL: primary, DATABASE_REPLICA_URLS: 'r1.example' }, 'is not a valid URL'],
    [
      { DATABASE_URL: primary, DATABASE_REPLICA_URLS: 'mysql://r1.example/db' },
      'must start with postgres: or postgresql:',
    ],
    [{ DATABASE_REPLICA_URLS: 'postgres://r1.example/db' }, 'needs DATABASE_URL'],
  ])('stops the start on %j with one line naming it', (env, problem) => {
    expect(() => loadConfig(env)).toThrow(
      `Invalid configuration: DATABASE_REPLICA_URLS ${problem}`,
    );
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, 0],
    ['off', 0],
    ['0', 0],
    ['on', 1],
    ['1', 1],
    ['2', 2],
  ])('%s is %i proxies in front', (value, hops) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(hops);
  });

  it.each(['yes', '-1', '1.5', '11'])('stops the start on %s, naming the variable', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow('TRUST_PROXY');
  });
});

describe('clientIp', () => {
  const request = (forwardedFor?: string) =>
    ({
      socket: { remoteAddress: '10.0.0.9' },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }) as unknown as IncomingMessage;

  it('counts hops from the right of X-Forwarded-For, the socket peer being hop 0', () => {
    const chain = '203.0.113.1, 198.51.100.2, 10.0.0.5';
    expect(clientIp(request(chain), 0)).toBe('10.0.0.9');
    expect(clientIp(request(chain), 1)).toBe('10.0.0.5');
    expect(clientIp(request(chain), 2)).toBe('198.51.100.2');
    // A header shorter than the hops stops at its left-most entry; none at all: the peer.
    expect(clientIp(request('198.51.100.2'), 3)).toBe('198.51.100.2');
    expect(clientIp(request(), 1)).toBe('10.0.0.9');
  });
});

describe('outbound fetches', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };

  it('OUTBOUND_ALLOW_PRIVATE is off unless set, and refused in production with one clear line', () => {
    expect(loadConfig({}).outboundAllowPrivate).toBe(false);
    expect(loadConfig({ OUTBOUND_ALLOW_PRIVATE: 'on' }).outboundAllowPrivate).toBe(true);
    expect(() => loadConfig({ ...production, OUTBOUND_ALLOW_PRIVATE: 'on' })).toThrow(
      'Invalid configuration: OUTBOUND_ALLOW_PRIVATE must not be on when NODE_ENV=production',
    );
    expect(loadConfig({ ...production, OUTBOUND_ALLOW_PRIVATE: 'off' }).outboundAllowPrivate).toBe(
      false,
    );
    expect(() => loadConfig({ OUTBOUND_ALLOW_PRIVATE: 'yes please' })).toThrow(
      'OUTBOUND_ALLOW_PRIVATE',
    );
  });

  it('PUBLIC_URL is an http(s) origin', () => {
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(loadConfig({ PUBLIC_URL: 'https://Roundup.example/' }).publicUrl).toBe(
      'https://roundup.example',
    );
    for (const bad of ['roundup.example', 'ftp://roundup.example', 'https://roundup.example/api']) {
      expect(() => loadConfig({ PUBLIC_URL: bad })).toThrow(/^Invalid configuration: PUBLIC_URL /);
    }
  });
});
