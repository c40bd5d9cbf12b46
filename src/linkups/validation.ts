import { BadInputError } from '../common/errors';

/** An integer in [min, max], or BAD_USER_INPUT naming `field`. */
export function intInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `${field} must be between ${min} and ${max}`);
  }
  return value;
}
