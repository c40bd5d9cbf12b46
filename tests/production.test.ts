import { spawn } from 'node:child_process';
import path from 'node:path';
import { freshDatabase } from './helpers/api';
import { ADMIN, launch, Server } from './helpers/launch';

/**
 * The real process in production mode: internals hidden, introspection and suggestions off,
 * one JSON log line per request carrying the request id and no secrets or emails.
 */

async function post(url: string, query: string, variables: object = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    sql: res.headers.get('x-sql-statements'),
    body: (await res.json()) as any,
  };
}

let database: Awaited<ReturnType<typeof freshDatabase>>;
const servers: Server[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  servers.push(await launch(database.url));
});
afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await database?.drop();
});

it('turns introspection off and hides field suggestions', async () => {
  const [{ url }] = servers;
  const introspection = await post(url, '{ __schema { types { name } } }');
  expect(introspection.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const typo = await post(url, '{ post(slug: "x") { titel } }');
  expect(typo.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(typo.body.errors[0].message).not.toMatch(/Did you mean/);
  expect(typo.sql).toBeNull();
  const landing = await fetch(url, { headers: { accept: 'text/html' } });
  expect(await landing.text()).not.toMatch(/sandbox/i);
});

it('creates the first admin from ADMIN_EMAIL and ADMIN_PASSWORD', async () => {
  const r = await post(
    servers[0].url,
    'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { host { role email } } }',
    {
      e: ADMIN.email,
      p: ADMIN.password,
    },
  );
  expect(r.body.data.signIn.host).toEqual({ role: 'ADMIN', email: ADMIN.email });
});

it('logs one line per request with its id, and no password, token or email', async () => {
  const [server] = servers;
  const r = await post(
    server.url,
    'mutation SignIn($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }',
    {
      e: ADMIN.email,
      p: ADMIN.password,
    },
  );
  const token = r.body.data.signIn.token;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const line = server.logs.find((l) => l.includes(r.requestId!));
  expect(line).toBeDefined();
  expect(JSON.parse(line!)).toMatchObject({
    requestId: r.requestId,
    operation: 'SignIn',
    status: 200,
    sqlStatements: expect.any(Number),
  });
  const all = server.logs.join('\n');
  expect(all).not.toContain(ADMIN.password);
  expect(all).not.toContain(token);
  expect(all).not.toContain(ADMIN.email);
});

it('logs variables nested 8,000 deep as a warning without a stack, and answers 400', async () => {
  const [server] = servers;
  const deep = '['.repeat(8000) + ']'.repeat(8000);
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"query":"query($a: String) { hosts(after: $a) { totalCount } }","variables":{"a":${deep}}}`,
  });
  expect(res.status).toBe(400);
  const requestId = res.headers.get('x-request-id')!;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lines = server.logs.filter((l) => l.includes(requestId)).map((l) => JSON.parse(l));
  expect(lines.map((l) => [l.level, l.msg])).toEqual([
    [40, expect.stringContaining('nested deeper than')],
    [30, 'graphql request'],
  ]);
  expect(JSON.stringify(lines)).not.toMatch(/stack|RangeError/);
});

it('allows introspection when INTROSPECTION=on', async () => {
  const server = await launch(database.url, { INTROSPECTION: 'on' });
  servers.push(server);
  const r = await post(server.url, '{ __schema { queryType { name } } }');
  expect(r.body.data.__schema.queryType.name).toBe('Query');
});

it('refuses to start without JWT_SECRET in production, naming the variable', async () => {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/index.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: database.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(err.trim()).toBe('Invalid configuration: JWT_SECRET is required when NODE_ENV=production');
});
