/**
 * Applies `fn` now when `value` is at hand, or once it arrives: resolvers pass values a loader
 * already holds straight through, so graphql-js completes those fields without a promise.
 */
export function whenReady<T, R>(value: T | Promise<T>, fn: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
