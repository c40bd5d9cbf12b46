import { BadInputError } from './errors';
import { parseWebUrl } from './url';

/**
 * Input checks shared by the write services. Each takes the input field's name, so a refusal
 * is a BAD_USER_INPUT naming it; each returns the value as it will be stored.
 */

/** Trimmed text of `min`..`max` characters. */
export function requiredText(field: string, value: string, max: number, min = 1): string {
  const text = value.trim();
  if (text.length < min) throw new BadInputError(field, `${field} must not be empty`);
  if (text.length > max)
    throw new BadInputError(field, `${field} must be at most ${max} characters`);
  return text;
}

/** Trimmed text of at most `max` characters; null when absent or blank. */
export function optionalText(
  field: string,
  value: string | null | undefined,
  max: number,
): string | null {
  const text = value?.trim() ?? '';
  if (text.length > max)
    throw new BadInputError(field, `${field} must be at most ${max} characters`);
  return text || null;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/;

/** A plausible address (one @, a dot in the domain, no spaces), at most `max` characters. */
export function email(field: string, value: string, max: number): string {
  const text = value.trim();
  if (text.length > max)
    throw new BadInputError(field, `${field} must be at most ${max} characters`);
  if (!EMAIL.test(text)) throw new BadInputError(field, `${field} is not a valid email address`);
  return text;
}

/** An absolute http(s) URL of at most `max` characters; null when absent or blank. */
export function optionalHttpUrl(
  field: string,
  value: string | null | undefined,
  max: number,
): string | null {
  const text = value?.trim() ?? '';
  if (!text) return null;
  if (text.length > max)
    throw new BadInputError(field, `${field} must be at most ${max} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadInputError(field, `${field} is not a valid URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || /\s/.test(text)) {
    throw new BadInputError(field, `${field} must be an http or https URL`);
  }
  return text;
}

/** A web address as stored: the WHATWG-serialised http(s) URL, or BAD_USER_INPUT naming `field`. */
export function webUrl(field: string, value: string, max: number): string {
  const parsed = parseWebUrl(requiredText(field, value, max));
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
