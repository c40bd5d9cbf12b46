import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DocumentNode, Kind, OperationDefinitionNode, parse } from 'graphql';
import { DEMO_HOST_PASSWORD } from '../../src/db/seed/demo';
import { TestApi } from './api';

/** The GraphQL examples of README.md and docs/*.md (checked by tests/docs.test.ts). */

export const ROOT = path.resolve(__dirname, '../..');

export interface Example {
  file: string;
  /** Line of the block's first GraphQL line in the file (1-based). */
  line: number;
  text: string;
  variables?: { line: number; text: string };
}

export const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The fenced blocks of a Markdown file, indented ones (in lists) included. */
function fences(file: string) {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const found: { lang: string; line: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const start = i + 1;
    while (++i < lines.length && !/^\s*```\s*$/.test(lines[i]));
    const body = lines.slice(start, i).map((l) => l.slice(Math.min(indent, l.search(/\S|$/))));
    found.push({ lang: open[2], line: start + 1, text: body.join('\n') });
  }
  return found;
}

/** Every ```graphql block of the docs, with the ```json block that follows it, if any. */
export function examples(): Example[] {
  return DOCS.flatMap((file) => {
    const blocks = fences(file);
    return blocks.flatMap((block, i) => {
      if (block.lang !== 'graphql') return [];
      const next = blocks[i + 1];
      const variables = next?.lang === 'json' ? { line: next.line, text: next.text } : undefined;
      return [{ file, line: block.line, text: block.text, variables }];
    });
  });
}

/** The operation of an example (tests/docs.test.ts checks that there is exactly one). */
export const operationOf = (document: DocumentNode) =>
  document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;

/** An example by its file and operation name. */
export function example(file: string, name: string): Example {
  const found = examples().find(
    (e) => e.file === file && operationOf(parse(e.text)).name?.value === name,
  );
  if (!found) throw new Error(`${file} has no operation ${name}`);
  return found;
}

export const variablesOf = (e: Example) => (e.variables ? JSON.parse(e.variables.text) : {});

/** A token of the demo data's Maya: co-host of the Weekly Run Roundup, author of posts. */
export async function signInAsMaya(t: TestApi): Promise<string> {
  const { data } = await t.gql(
    'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }',
    { email: 'maya-trails@roundup.example', password: DEMO_HOST_PASSWORD },
  );
  return data.signIn.token;
}
