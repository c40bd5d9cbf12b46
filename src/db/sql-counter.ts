import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from 'typeorm';

/** Per-request tally of SQL statements, carried through async calls without threading it by hand. */
export const sqlScope = new AsyncLocalStorage<{ statements: number }>();

/**
 * TypeORM logger that counts every statement of the current request (tests and the request log
 * read the count) and hands query errors to the application log.
 */
export class CountingLogger implements Logger {
  constructor(private readonly onError: (error: unknown, query: string) => void) {}

  logQuery(): void {
    const scope = sqlScope.getStore();
    if (scope) scope.statements++;
  }

  logQueryError(error: string | Error, query: string): void {
    this.onError(error, query);
  }

  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
