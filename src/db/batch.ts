import DataLoader from 'dataloader';
import { ClassType } from 'type-graphql';
import { DataSource, EntityManager } from 'typeorm';

type Row = Record<string, unknown>;

/**
 * A DataLoader that also hands out values it already holds without a promise: a field resolver
 * returning `get(key)` lets graphql-js complete that field synchronously once a prefetch (see
 * read/prefetch.ts) has loaded it, and falls back to an ordinary batched load otherwise.
 */
export class Loader<K, V> extends DataLoader<K, V> {
  private readonly settled = new Map<K, V>();

  get(key: K): V | Promise<V> {
    if (this.settled.has(key)) return this.settled.get(key)!;
    return this.load(key).then((value) => {
      this.settled.set(key, value);
      return value;
    });
  }

  /** Loads `keys` (one batch) and keeps them at hand for get(). */
  prefetch(keys: readonly K[]): Promise<V[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  override prime(key: K, value: V | Promise<V> | Error): this {
    if (!(value instanceof Error) && !(value instanceof Promise) && !this.settled.has(key)) {
      this.settled.set(key, value);
    }
    return super.prime(key, value);
  }

  override clear(key: K): this {
    this.settled.delete(key);
    return super.clear(key);
  }
}

const columnMaps = new WeakMap<object, [string, string][]>();

/** Turns raw snake_case rows into entity instances (reads go through plain SQL for speed). */
export function hydrate<T extends object>(
  db: DataSource | EntityManager,
  type: ClassType<T>,
  rows: Row[],
): T[] {
  let columns = columnMaps.get(type);
  if (!columns) {
    const meta = (db instanceof DataSource ? db : db.connection).getMetadata(type);
    columns = meta.columns.map((c) => [c.propertyName, c.databaseName]);
    columnMaps.set(type, columns);
  }
  return rows.map((row) => {
    const entity = new type() as Record<string, unknown>;
    for (const [property, column] of columns) entity[property] = row[column];
    return entity as T;
  });
}
