import { DEFAULT_COMMENT_RULES } from '../src/comments/comment.rules';
import { ConfigError, loadConfig } from '../src/config';

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
