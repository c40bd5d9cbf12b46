import { BadInputError } from './errors';

/** What every slug in the database looks like (the tables check the same pattern). */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 80;
/** Made slugs stay this short, so a numeric suffix always fits within MAX_SLUG_LENGTH. */
const MADE_SLUG_LENGTH = MAX_SLUG_LENGTH - 8;

/** Letters NFKD does not decompose into ASCII plus a mark. */
const FOLDS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/**
 * A URL slug from free text: accents folded ("Lucía" -> "lucia"), lowercase, runs of anything
 * else turned into one dash, at most 72 characters cut at a word boundary.
 * `fallback` when nothing usable is left (a title of emoji or non-Latin script).
 */
export function slugify(text: string, fallback: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{ASCII}]/gu, (c) => FOLDS[c] ?? ' ');
  let slug = folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (slug.length > MADE_SLUG_LENGTH) {
    slug = slug.slice(0, MADE_SLUG_LENGTH + 1);
    const cut = slug.lastIndexOf('-');
    slug = (cut > 0 ? slug.slice(0, cut) : slug.slice(0, MADE_SLUG_LENGTH)).replace(/-+$/, '');
  }
  return slug || fallback;
}

/** Selects the slugs a made slug `$1` could clash with in `table`: itself and its `-N` forms. */
export function takenSlugsSql(table: string): string {
  return `SELECT slug FROM ${table} WHERE slug = $1 OR slug LIKE $1 || '-%'`;
}

/**
 * `base`, or `base-2`, `base-3`...: the first one not in `taken`, as WordPress numbers clashing
 * post names.
 */
export function firstFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
  }
}

/** A slug given by a client: already in slug form (never silently rewritten), or BAD_USER_INPUT. */
export function givenSlug(value: string, field = 'slug'): string {
  if (value.length > MAX_SLUG_LENGTH || !SLUG_PATTERN.test(value)) {
    throw new BadInputError(
      field,
      `${field} must be lowercase letters and digits in dash-separated words, at most ${MAX_SLUG_LENGTH} characters`,
    );
  }
  return value;
}
