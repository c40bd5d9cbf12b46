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
