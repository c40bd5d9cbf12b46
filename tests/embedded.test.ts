import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'graphql';
import { examples, operationOf, variablesOf } from './helpers/docs';

/**
 * What a new user gets from `npm start`: the real process on the embedded PGlite, migrated and
 * loaded with the demo data, answering the README's example query, and exiting 0 on SIGTERM.
 */
describe('npm start on the embedded database', () => {
  let child: ChildProcess;
  let url: string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roundup-embedded-'));

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
    };
    delete env.DATABASE_URL;
    delete env.JWT_SECRET;
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/index.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk;
        const ready = /"url":"([^"]+)","msg":"Roundup API ready"/.exec(out);
        if (ready) resolve(ready[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the demo data', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ linkUp(slug: "weekly-run-roundup") { name cohosts { name }
          currentRoundup { number status cohosts { isNew host { name } } entryCount } }
          posts(first: 3) { totalCount edges { node { title author { name } } } } }`,
      }),
    });
    const body: any = await res.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.linkUp.cohosts).toHaveLength(5);
    expect(body.data.linkUp.currentRoundup).toMatchObject({ number: 4, status: 'OPEN' });
    expect(
      body.data.linkUp.currentRoundup.cohosts.filter((c: { isNew: boolean }) => c.isNew),
    ).toHaveLength(1);
    expect(body.data.linkUp.currentRoundup.entryCount).toBeGreaterThan(5);
    expect(body.data.posts.totalCount).toBeGreaterThanOrEqual(8);
  });

  it("answers the README's example queries with data", async () => {
    const queries = examples().filter(
      (e) => e.file === 'README.md' && operationOf(parse(e.text)).operation === 'query',
    );
    expect(queries.length).toBeGreaterThanOrEqual(3);
    for (const query of queries) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: query.text, variables: variablesOf(query) }),
      });
      const body: any = await res.json();
      expect(body.errors).toBeUndefined();
      expect(Object.values(body.data).every((value) => value !== null)).toBe(true);
    }
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
