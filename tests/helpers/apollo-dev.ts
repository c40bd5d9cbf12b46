/**
 * Apollo Client decides once, when first loaded, whether it runs in development: only then does
 * it check what it writes to its cache and warn. Jest loads its CommonJS build, which reads this
 * global, so import this module before @apollo/client.
 */
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
