import { Client } from 'pg';
import { Clock } from '../../src/common/clock';
import { RunningApi, start } from '../../src/index';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export interface GqlResult<T = any> {
  status: number;
  data: T;
  errors?: {
    message: string;
    path?: string[];
    extensions: { code: string; field?: string; [k: string]: unknown };
  }[];
  headers: Headers;
  sqlStatements: number;
  /** The body exactly as sent, to compare the two executors byte for byte. */
  text: string;
}

/**
 * A fresh, empty database for one test file: its own database on a real PostgreSQL
 * (DATABASE_URL), or the worker's PGlite instance with its schema dropped and recreated.
 */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (base) {
    const name = `roundup_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client(base);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = new Client(base);
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const urls: string[] = JSON.parse(process.env.PGLITE_URLS ?? '[]');
  const url = urls[(Number(process.env.JEST_WORKER_ID ?? 1) - 1) % urls.length];
  if (!url)
    throw new Error(
      'No database: set DATABASE_URL or run through jest (globalSetup starts PGlite)',
    );
  const c = new Client(url);
  await c.connect();
  // The job queue's schema too: jobs of an earlier file would run against this one's rows.
  await c.query(
    'DROP SCHEMA IF EXISTS graphile_worker CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;',
  );
  await c.end();
  return { url, drop: async () => {} };
}

export interface TestApi {
  api: RunningApi;
  url: string;
  databaseUrl: string;
  clock: Clock;
  /** POSTs a GraphQL document over HTTP, as a client would. */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GqlResult<T>>;
  /** Direct SQL on the test database, for fixtures and for checking what a request changed. */
  sql<T = any>(query: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** POSTs a GraphQL document to the API at `url` over HTTP, as a client would. */
export async function gqlAt<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  const body: any = JSON.parse(text);
  return {
    status: res.status,
    data: body.data,
    errors: body.errors,
    headers: res.headers,
    sqlStatements: Number(res.headers.get('x-sql-statements')),
    text,
  };
}

/** What every test instance runs with: any free port, no logs, no demo data, the test secret. */
const TEST_ENV = { PORT: '0', LOG_LEVEL: 'silent', DEMO_DATA: 'off', JWT_SECRET: TEST_JWT_SECRET };

/**
 * Another instance of the API, with settings of its own, on `t`'s database (a fresh database
 * would reset this worker's PGlite under `t`); stop it before `t`.
 */
export function startAnotherApi(t: TestApi, env: Record<string, string> = {}): Promise<RunningApi> {
  return start({ ...TEST_ENV, DATABASE_URL: t.databaseUrl, ...env });
}

/**
 * Starts the real API (HTTP, Apollo, TypeORM) on a fresh database; call stop() in afterAll.
 * `env` may be made from the fresh database's URL (to reach it through a pooler, say).
 */
export async function startTestApi(
  env: Record<string, string> | ((databaseUrl: string) => Record<string, string>) = {},
): Promise<TestApi> {
  const database = await freshDatabase();
  const settings = typeof env === 'function' ? env(database.url) : env;
  const api = await start({ ...TEST_ENV, DATABASE_URL: database.url, ...settings });
  const sqlClient = new Client(database.url);
  await sqlClient.connect();
  return {
    api,
    url: api.url,
    databaseUrl: database.url,
    clock: api.clock,
    gql: (query, variables, options) => gqlAt(api.url, query, variables, options),
    async sql(query, params) {
      return (await sqlClient.query(query, params)).rows;
    },
    async stop() {
      await sqlClient.end();
      await api.stop();
      await database.drop();
    },
  };
}

/** The error codes of a result, for exact assertions. */
export function codes(result: GqlResult): string[] {
  return (result.errors ?? []).map((e) => e.extensions.code);
}

/** The tables of DESIGN.md's data model: what a refused write must leave exactly as it was. */
const DOMAIN_TABLES = [
  'hosts',
  'posts',
  'comments',
  'link_ups',
  'link_up_cohosts',
  'roundups',
  'roundup_cohosts',
  'entries',
  'entry_features',
];

/** What background link-back checks write while a test runs: no request's doing. */
const CHECK_RESULTS = `- 'link_back' - 'link_back_checked_at' - 'link_back_problem'`;

/**
 * Every row of every domain table, in a stable order, for before/after comparisons (entries
 * without the results of link-back checks, which land whenever a background job finishes).
 */
export async function snapshot(t: TestApi): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of DOMAIN_TABLES) {
    tables[table] = await t.sql(
      table === 'entries'
        ? `SELECT to_jsonb(t) ${CHECK_RESULTS} AS row FROM entries t ORDER BY t.id`
        : `SELECT * FROM ${table} ORDER BY 1, 2`,
    );
  }
  return tables;
}
