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

describe('statement timeout from configuration', () => {
  it('is 5 s unless set', () => {
    expect(loadConfig({}).statementTimeoutMs).toBe(5000);
    expect(loadConfig({ STATEMENT_TIMEOUT_MS: '300' }).statementTimeoutMs).toBe(300);
  });

  it.each(['0', '-1', '2.5', 'soon', '3600001'])(
    'stops the start on STATEMENT_TIMEOUT_MS=%s with one line naming it',
    (value) => {
      expect(() => loadConfig({ STATEMENT_TIMEOUT_MS: value })).toThrow(
        new RegExp(`^Invalid configuration: STATEMENT_TIMEOUT_MS must be .*"${value}"$`),
      );
    },
  );
});

describe('public cache lifetime from configuration', () => {
  it('is 15 s unless set', () => {
    expect(loadConfig({}).publicCacheSeconds).toBe(15);
    expect(loadConfig({ PUBLIC_CACHE_SECONDS: '60' }).publicCacheSeconds).toBe(60);
  });

  it.each(['0', '-5', '1.5', 'long', '86401'])(
    'stops the start on PUBLIC_CACHE_SECONDS=%s with one line naming it',
    (value) => {
      expect(() => loadConfig({ PUBLIC_CACHE_SECONDS: value })).toThrow(
        new RegExp(`^Invalid configuration: PUBLIC_CACHE_SECONDS must be .*"${value}"$`),
      );
    },
  );
});
