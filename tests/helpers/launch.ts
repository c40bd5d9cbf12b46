import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_JWT_SECRET } from './api';

/** The first admin a launched server creates (ADMIN_EMAIL, ADMIN_PASSWORD). */
export const ADMIN = { email: 'ops-admin@test.example', password: 'a-long-admin-password' };

/** A server not ready by then is killed, so a test that gave up on it leaves no process behind. */
const START_TIMEOUT_MS = 90_000;

export interface Server {
  child: ChildProcess;
  url: string;
  logs: string[];
}

/**
 * The real process (`src/index.ts`) in production mode on `databaseUrl`, resolved once it logs
 * that it is ready; `env` adds or overrides variables. With `until`, resolved at the first log
 * line matching it instead (the URL then comes from `env.PORT`).
 */
export async function launch(
  databaseUrl: string,
  env: Record<string, string> = {},
  until?: RegExp,
): Promise<Server> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/index.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        const ready = /"url":"([^"]+)","msg":"Roundup API ready"/.exec(line);
        if (until?.test(line)) resolve(`http://localhost:${env.PORT}/graphql`);
        else if (ready && !until) resolve(ready[1]);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => logs.push(String(chunk)));
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${logs.join('\n')}`)));
  }).finally(() => clearTimeout(timer));
  return { child, url, logs };
}
