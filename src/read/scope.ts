import { Scope, Sql, Viewer } from './model';

type Args = Record<string, unknown>;

/** The argument at a dotted `path`. */
export const at = (args: Args, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Args | null)?.[key], args);

/** An argument counts as given when it has a value: null and the empty string do not. */
export const isGiven = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== '';

/**
 * A Scope whose values are bound as parameters appended to `params`: how the loaders, and
 * services checking a rule inside a write, run the model's rules.
 */
export function bindScope(params: unknown[], viewer: Viewer | null, now: Date, args: Args): Scope {
  const bind = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  const memo = new Map<string, Sql>();
  const once = (name: string, value: unknown, cast: string) => {
    if (!memo.has(name)) memo.set(name, bind(value, cast));
    return memo.get(name)!;
  };
  return {
    viewer: () => once('viewer', viewer?.id ?? '0', 'bigint'),
    admin: () => once('admin', viewer?.role === 'ADMIN', 'boolean'),
    now: () => once('now', now, 'timestamptz'),
    arg: (path, cast, value = (v) => v) => bind(value(at(args, path)), cast),
    given: (path) => isGiven(at(args, path)),
    literal: (path) => at(args, path),
  };
}
