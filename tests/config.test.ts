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
