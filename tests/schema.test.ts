import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../src/server/schema';

describe('schema.graphql', () => {
  it('matches the schema the code generates (run `npm run schema` after changing it)', async () => {
    const committed = readFileSync(path.resolve(__dirname, '../schema.graphql'), 'utf8');
    expect(committed).toBe(await printSchemaSdl());
  });
});
