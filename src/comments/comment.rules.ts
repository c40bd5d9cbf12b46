/**
 * What holds a comment for moderation and what marks it spam; WordPress's default discussion
 * settings unless configured (COMMENT_MODERATION_WORDS, COMMENT_BLOCKED_WORDS, COMMENT_HOLD_LINKS). Words and phrases match whole words, ignoring case and
 * accents, in the body, the guest's name, email, blog name and URL, the IP and the user agent.
 */
export interface CommentRules {
  /** Held PENDING when one of these appears. */
  moderationWords: readonly string[];
  /** Marked SPAM when one of these appears. */
  blockedWords: readonly string[];
  /** Held PENDING with this many links or more. */
  holdAtLinks: number;
}

export const DEFAULT_COMMENT_RULES: CommentRules = {
  moderationWords: [
    'casino',
    'crypto',
    'bitcoin',
    'forex',
    'backlinks',
    'seo services',
    'essay writing',
    'buy followers',
  ],
  blockedWords: ['viagra', 'cialis', 'replica watches', 'cheap pills', 'payday loan', 'xxx'],
  holdAtLinks: 2,
};

/** Length caps of DESIGN.md (WordPress's column sizes). */
export const COMMENT_LIMITS = { name: 245, email: 100, blogName: 245, url: 200, body: 65_525 };

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regular expression for a word list: any entry, not inside a longer word. */
export function wordMatcher(
  words: readonly string[],
): (texts: (string | null | undefined)[]) => boolean {
  const entries = words.map((w) => fold(w.trim())).filter(Boolean);
  if (entries.length === 0) return () => false;
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${entries.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`,
    'u',
  );
  return (texts) => texts.some((t) => !!t && pattern.test(fold(t)));
}

/** What the content alone says about a comment, before who wrote it is considered. */
export type ContentVerdict = 'SPAM' | 'HOLD' | 'OK';

export interface CommentContent {
  body: string;
  /** The honeypot: people never see it, so anything in it is a bot's. */
  website: string | null | undefined;
  links: number;
  /** Name, email, blog name, URL, IP, user agent. */
  metadata: (string | null | undefined)[];
}

/**
 * Screens texts with the word lists alone: SPAM for a blocked word, HOLD for a moderation word.
 * Entries use it as it is (their URL is the point of them, so links hold nothing there).
 */
export function wordScreen(rules: Pick<CommentRules, 'moderationWords' | 'blockedWords'>) {
  const blocked = wordMatcher(rules.blockedWords);
  const moderated = wordMatcher(rules.moderationWords);
  return (texts: (string | null | undefined)[]): ContentVerdict =>
    blocked(texts) ? 'SPAM' : moderated(texts) ? 'HOLD' : 'OK';
}

/** Screens content with a rule set: blocked word or honeypot SPAM, too many links or a moderation word HOLD. */
export function contentScreen(rules: CommentRules) {
  const words = wordScreen(rules);
  return (content: CommentContent): ContentVerdict => {
    if (content.website?.trim()) return 'SPAM';
    const verdict = words([content.body, ...content.metadata]);
    if (verdict !== 'OK') return verdict;
    return content.links >= rules.holdAtLinks ? 'HOLD' : 'OK';
  };
}
