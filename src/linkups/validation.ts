import { BadInputError } from '../common/errors';
import { requiredText } from '../common/validation';
import { parseWebUrl } from './url';

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

/** An integer in [min, max], or BAD_USER_INPUT naming `field`. */
export function intInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `${field} must be between ${min} and ${max}`);
  }
  return value;
}
