import { BadInputError } from '../common/errors';
import { parseWebUrl } from './url';

/**
 * A trimmed text field: BAD_USER_INPUT naming `field` when required and blank, or longer than
 * `max`. Blank optional text is stored as null.
 */
export function text(field: string, value: string, max: number): string;
export function text(field: string, value: string | null | undefined, max: number, optional: true): string | null;
export function text(field: string, value: string | null | undefined, max: number, optional = false): string | null {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) {
    if (optional) return null;
    throw new BadInputError(field, `${field} must not be empty`);
  }
  if ([...trimmed].length > max) throw new BadInputError(field, `${field} must be at most ${max} characters`);
  return trimmed;
}

/** A web address as stored: WHATWG-serialised http(s) URL, or BAD_USER_INPUT naming `field`. */
export function webUrl(field: string, value: string, max: number): string {
  const trimmed = text(field, value, max);
  const parsed = parseWebUrl(trimmed);
  if ('problem' in parsed) {
    const why = {
      invalid: 'is not a valid URL',
      scheme: 'must start with http:// or https://',
      credentials: 'must not contain a user name or password',
    }[parsed.problem];
    throw new BadInputError(field, `${field} ${why}`);
  }
  return parsed.url.href;
}

/** An integer in [min, max], or BAD_USER_INPUT naming `field`. */
export function intInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `${field} must be between ${min} and ${max}`);
  }
  return value;
}

/** PostgreSQL's unique_violation, as TypeORM passes it on. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === '23505' || e?.driverError?.code === '23505';
}
