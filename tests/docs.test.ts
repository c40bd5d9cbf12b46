import { readFileSync } from 'node:fs';
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
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { COST_ESTIMATORS } from '../src/server/limits';
import { startTestApi, TestApi } from './helpers/api';
import {
  DOCS,
  Example,
  example,
  examples,
  operationOf,
  ROOT,
  signInAsMaya,
  variablesOf,
} from './helpers/docs';

/**
 * The GraphQL examples of README.md and docs/*.md, checked against schema.graphql so they cannot
 * drift: every ```graphql block must parse and validate, hold one named operation (what the
 * sandbox and code generators take), select what a client's cache needs and write no placeholder where a variable belongs; a ```json block right after it
 * must be variables that operation accepts. Failures name the file and line. Then every query
 * runs on the demo data, and what the docs say an example costs is measured.
 */

const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));

/**
 * What a client's cache needs of a selection: `id` on every object that has one (the cache key),
 * and `first` on every connection (graphcache's relayPagination skips a connection read without
 * arguments; the page size is then explicit too).
 */
function uncacheable(document: DocumentNode): string[] {
  const typeInfo = new TypeInfo(schema);
  const found: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = getNamedType(typeInfo.getType());
        const cacheable = (isObjectType(type) || isInterfaceType(type)) && 'id' in type.getFields();
        const selectsId = node.selectionSet?.selections.some(
          (s) => s.kind === Kind.FIELD && s.name.value === 'id' && !s.alias,
        );
        if (cacheable && !selectsId)
          found.push(`${node.name.value} (${type.name}) is selected without id`);
        const paged = type?.name.endsWith('Connection');
        if (paged && !node.arguments?.some((a) => a.name.value === 'first')) {
          found.push(`${node.name.value} is a connection read without first`);
        }
      },
    }),
  );
  return found;
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
  for (const problem of uncacheable(document)) found.push(`${at(0)}: ${problem}`);
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
    new Set(['README.md', 'docs/accounts-and-comments.md', 'docs/linkbacks.md', 'docs/linkups.md']),
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

const cost = (query: string) =>
  getComplexity({ schema, query: parse(query), variables: {}, estimators: COST_ESTIMATORS });

describe('on the demo data', () => {
  let t: TestApi;
  let token: string;

  beforeAll(async () => {
    t = await startTestApi({ DEMO_DATA: 'on' });
    token = await signInAsMaya(t);
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
        cost(frontPage().replace('posts(first: 5', 'posts(first: 20')),
      ],
    },
    {
      file: 'README.md',
      says: /It costs (\d+) SQL statement \((\d+) signed in: the statement reads the viewer's own row too\), `bodyHtml` included/,
      measure: async () => [await statements(frontPage()), await statements(frontPage(), true)],
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
