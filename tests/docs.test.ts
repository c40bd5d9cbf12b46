import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  DocumentNode,
  getNamedType,
  getVariableValues,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { DEMO_HOST_PASSWORD } from '../src/db/seed/demo';
import { COST_ESTIMATORS } from '../src/server/limits';
import { startTestApi, TestApi } from './helpers/api';

/**
 * The GraphQL examples of README.md and docs/*.md, checked against schema.graphql so they cannot
 * drift: every ```graphql block must parse and validate, hold one named operation (what the
 * sandbox and code generators take), select `id` on every object that has one (what a client
 * caches by) and write no placeholder where a variable belongs; a ```json block right after it
 * must be variables that operation accepts. Failures name the file and line. Then every query
 * runs on the demo data, and what the docs say an example costs is measured.
 */

const ROOT = path.resolve(__dirname, '..');
/** The demo data's co-host, author of posts: every query example runs as her. */
const MAYA = 'maya-trails@roundup.example';
const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));

export interface Example {
  file: string;
  /** Line of the block's first GraphQL line in the file (1-based). */
  line: number;
  text: string;
  variables?: { line: number; text: string };
}

const DOCS = [
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

/** The operation of an example (the checks below make sure there is exactly one). */
export const operationOf = (document: DocumentNode) =>
  document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;

/** Objects selected without their `id`, by field path. */
function withoutId(document: DocumentNode): string[] {
  const typeInfo = new TypeInfo(schema);
  const missing: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = getNamedType(typeInfo.getType());
        const cacheable = (isObjectType(type) || isInterfaceType(type)) && 'id' in type.getFields();
        const selectsId = node.selectionSet?.selections.some(
          (s) => s.kind === Kind.FIELD && s.name.value === 'id' && !s.alias,
        );
        if (cacheable && !selectsId) missing.push(`${node.name.value} (${type.name})`);
      },
    }),
  );
  return missing;
}

/** String values written like "<post id>": a variable belongs there. */
function placeholders(document: DocumentNode): string[] {
  const found: string[] = [];
  visit(document, {
    StringValue(node) {
      if (/^<.*>$/.test(node.value)) found.push(node.value);
    },
  });
  return found;
}

/** What is wrong with one example, each problem as "file:line: message". */
function problems(example: Example): string[] {
  const at = (offset: number) => `${example.file}:${example.line + offset}`;
  const located = (error: GraphQLError) =>
    `${at((error.locations?.[0]?.line ?? 1) - 1)}: ${error.message}`;
  let document: DocumentNode;
  try {
    document = parse(example.text);
  } catch (error) {
    return [located(error as GraphQLError)];
  }
  const errors = validate(schema, document).map(located);
  if (errors.length > 0) return errors;
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) {
    return [`${at(0)}: ${operations.length} operations in one block (one per block)`];
  }
  const operation = operationOf(document);
  const found: string[] = [];
  if (!operation.name) found.push(`${at(0)}: the operation has no name`);
  for (const field of withoutId(document)) found.push(`${at(0)}: ${field} is selected without id`);
  for (const value of placeholders(document)) {
    found.push(`${at(0)}: "${value}" is a placeholder: use a variable and a JSON block`);
  }
  if (example.variables) {
    const { line, text } = example.variables;
    try {
      const { errors = [] } = getVariableValues(
        schema,
        operation.variableDefinitions ?? [],
        JSON.parse(text),
      );
      found.push(...errors.map((e) => `${example.file}:${line}: ${e.message}`));
    } catch (error) {
      found.push(`${example.file}:${line}: ${String(error)}`);
    }
  }
  return found;
}

const all = examples();

it('finds the GraphQL examples of every doc', () => {
  expect(new Set(all.map((e) => e.file))).toEqual(
    new Set(['README.md', 'docs/accounts-and-comments.md', 'docs/linkups.md']),
  );
  expect(all.length).toBeGreaterThan(20);
});

it.each(DOCS)('%s: every GraphQL example is valid against schema.graphql', (file) => {
  expect(all.filter((e) => e.file === file).flatMap(problems)).toEqual([]);
});

it.each(DOCS)('%s: names each operation once', (file) => {
  const names = all
    .filter((e) => e.file === file)
    .map((e) => ({ name: operationOf(parse(e.text)).name?.value, at: `${file}:${e.line}` }));
  const repeated = names.filter(({ name }, i) => names.findIndex((n) => n.name === name) < i);
  expect(repeated.map(({ name, at }) => `${at}: ${name} is named twice`)).toEqual([]);
});

/** An example by its file and operation name. */
function example(file: string, name: string): Example {
  const found = all.find((e) => e.file === file && operationOf(parse(e.text)).name?.value === name);
  if (!found) throw new Error(`${file} has no operation ${name}`);
  return found;
}

const variablesOf = (e: Example) => (e.variables ? JSON.parse(e.variables.text) : {});

const cost = (query: string) =>
  getComplexity({ schema, query: parse(query), variables: {}, estimators: COST_ESTIMATORS });

describe('on the demo data', () => {
  let t: TestApi;
  let token: string;

  beforeAll(async () => {
    t = await startTestApi({ DEMO_DATA: 'on' });
    const { data } = await t.gql(
      'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }',
      { email: MAYA, password: DEMO_HOST_PASSWORD },
    );
    token = data.signIn.token;
  }, 120_000);
  afterAll(() => t?.stop());

  /** SQL statements of one request, anonymous or as Maya. */
  const statements = async (query: string, signedIn = false) => {
    const r = await t.gql(query, {}, { token: signedIn ? token : undefined });
    expect(r.errors).toBeUndefined();
    return r.sqlStatements;
  };

  const queries = all.filter((e) => {
    try {
      return operationOf(parse(e.text)).operation === 'query';
    } catch {
      return false; // reported above
    }
  });

  it.each(queries.map((e) => [`${e.file}:${e.line}`, e]))(
    'answers the query at %s without errors',
    async (_, e) => {
      const r = await t.gql((e as Example).text, variablesOf(e as Example), { token });
      expect(r.errors).toBeUndefined();
    },
  );

  const frontPage = () => example('README.md', 'FrontPage').text;
  /** The front page with `body` for `bodyHtml`: every field of it compiles. */
  const compiledFrontPage = () => frontPage().replace(/\bbodyHtml\b/g, 'body');

  /**
   * What the docs say an example costs: the numbers `says` captures in the file's text (line
   * breaks as spaces) must be the ones measured.
   */
  const CLAIMS: { file: string; says: RegExp; measure: () => Promise<number[]> }[] = [
    {
      file: 'README.md',
      says: /The front-page example costs ([\d,]+) as written \(`first: 5`\) and ([\d,]+) at `first: 20`/,
      measure: async () => [
        cost(frontPage()),
        cost(frontPage().replace('posts(first: 5)', 'posts(first: 20)')),
      ],
    },
    {
      file: 'README.md',
      says: /It costs (\d+) SQL statements as written: .*? With `body` in its place it compiles into (\d+) statement \((\d+) signed in\)/,
      measure: async () => [
        await statements(frontPage()),
        await statements(compiledFrontPage()),
        await statements(compiledFrontPage(), true),
      ],
    },
    {
      file: 'README.md',
      says: /The front-page example costs (\d+) SQL statements as written: .*? With `body` in its place it is \*\*(\d+) SQL statement\*\* \((\d+) signed in/,
      measure: async () => [
        await statements(frontPage()),
        await statements(compiledFrontPage()),
        await statements(compiledFrontPage(), true),
      ],
    },
    {
      file: 'docs/linkups.md',
      says: /It costs (\d+) SQL statement \((\d+) signed in/,
      measure: async () => {
        const page = example('docs/linkups.md', 'RoundupPage').text;
        return [await statements(page), await statements(page, true)];
      },
    },
  ];

  it.each(CLAIMS)('$file: $says', async ({ file, says, measure }) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/\s+/g, ' ');
    const claimed = says.exec(text);
    expect(claimed).not.toBeNull();
    expect(claimed!.slice(1).map((n) => Number(n.replace(/,/g, '')))).toEqual(await measure());
  });
});
