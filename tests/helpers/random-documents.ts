import {
  getNamedType,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  print,
  specifiedRules,
  validate,
  ValidationRule,
} from 'graphql';
import { ComplexityEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { limitRules } from '../../src/server/limits';

/** mulberry32: a tiny seeded PRNG, so one seed always makes the same documents. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [value, weight] of choices) {
      x -= weight;
      if (x < 0) return value;
    }
    return choices[choices.length - 1][0];
  }
}

/** Where argument values come from: real slugs, numbers, ids and cursors harvested from answers. */
export interface Vocabulary {
  /** Values to try for an argument or input field, by `Type.field.argument` or `Input.field`. */
  values: Record<string, readonly unknown[]>;
  /** Real cursors taken from answers, by connection type (`PostConnection`...). */
  cursors: Record<string, readonly string[]>;
  /** Cursors no list accepts: garbage, empty, well-formed but impossible keys. */
  badCursors: readonly string[];
  /** Real global ids of every type (invisible objects included). */
  ids: readonly string[];
  /** Ids of nothing, of no type, or not ids at all. */
  badIds: readonly string[];
  /** How often a field is picked relative to the others (1 unless given), by `Type.field`. */
  fieldWeights?: Record<string, number>;
}

/** The query limits the API enforces (README, "Limits"). */
export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
}

export interface GeneratedDocument {
  query: string;
  variables: Record<string, unknown>;
  /** What the document exercises (`alias`, `fragment`, `first:0`...), to check the mix. */
  features: Set<string>;
  /** Which limits it passes, by this module's estimate; empty when within all of them. */
  overLimits: string[];
  /** graphql-js's validation messages; empty for a valid document. */
  invalid: string[];
}

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

/** The API's cost estimate (src/server/limits.ts), repeated here to steer documents under it. */
const listEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.args.some((a) => a.name === 'first')) {
    const first =
      typeof args.first === 'number' && args.first >= 0
        ? Math.min(args.first, MAX_PAGE_SIZE)
        : DEFAULT_PAGE_SIZE;
    return 1 + first * childComplexity;
  }
  if (field.name === 'edges' && type.name.endsWith('Connection')) return 1 + childComplexity;
  if (isListType(isNonNullType(field.type) ? field.type.ofType : field.type))
    return 1 + 10 * childComplexity;
  return undefined;
};

/** `first` values at the root, and inside another list (where large pages multiply). */
const FIRST_AT_ROOT: [unknown, number][] = [
  [undefined, 22],
  [null, 6],
  [0, 8],
  [1, 14],
  [2, 10],
  [3, 10],
  [5, 8],
  [20, 4],
  [100, 6],
  [101, 5],
  [-1, 5],
];
const FIRST_NESTED: [unknown, number][] = [
  [undefined, 6],
  [null, 3],
  [0, 10],
  [1, 30],
  [2, 20],
  [3, 14],
  [100, 2],
  [101, 3],
  [-1, 3],
];

interface Variable {
  name: string;
  type: string;
  defaultValue?: string;
}

/** One document being built: its variables, fragments and what it uses. */
class Builder {
  readonly variables: Variable[] = [];
  readonly values: Record<string, unknown> = {};
  readonly fragments = new Map<string, { on: string; body: string; level: number }>();
  readonly building = new Set<string>();
  readonly features = new Set<string>();
  /** The arguments of each unaliased `Type.field` so far: repeats must agree to merge. */
  readonly argumentsOf = new Map<string, string>();
  aliases = 0;
}

/** One chosen field in a selection set, kept so that a duplicate can repeat it exactly. */
interface Picked {
  head: string;
  field: GraphQLField<unknown, unknown> | null;
}

/**
 * Random query documents built by walking a schema: aliases, named and inline fragments,
 * `__typename`, fields selected twice (merged), boundary arguments as literals or variables,
 * real and broken cursors and ids from `vocabulary`. The same seed makes the same documents.
 */
export class DocumentGenerator {
  private readonly random: Random;
  private readonly query: GraphQLObjectType;
  private doc = new Builder();
  private maxLevel = 6;
  /** Documents built so far, and how many of them passed a limit or were invalid. */
  readonly built = { all: 0, overLimits: 0, invalid: 0 };
  private count = 0;
  /** The API's own depth and alias rules. */
  private readonly rules: ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly vocabulary: Vocabulary,
    seed: number,
    private readonly limits: Limits,
  ) {
    this.random = new Random(seed);
    this.rules = limitRules({ ...limits, batchedRequests: false });
    const query = schema.getQueryType();
    if (!query) throw new Error('The schema has no Query type');
    this.query = query;
  }

  /**
   * The next document: valid and within the limits, except every 40th, which passes a limit,
   * and every 60th, made invalid (both executors must refuse those the same way).
   */
  next(): GeneratedDocument {
    const n = ++this.count;
    const want = n % 40 === 0 ? 'over' : 'fine';
    for (;;) {
      const document = this.build();
      this.built.all++;
      if (document.overLimits.length > 0) this.built.overLimits++;
      if (document.invalid.length > 0) this.built.invalid++;
      if (document.invalid.length > 0) continue;
      if ((document.overLimits.length > 0) !== (want === 'over')) continue;
      return n % 60 === 0 ? this.spoil(document) : document;
    }
  }

  /** The document with one mistake graphql-js refuses before anything runs. */
  private spoil(document: GeneratedDocument): GeneratedDocument {
    const open = document.query.indexOf('{') + 1;
    const query = this.random.pick([
      `${document.query.slice(0, open)} noSuchField ${document.query.slice(open)}`,
      `${document.query.slice(0, open)} __typename(first: 1) ${document.query.slice(open)}`,
      `${document.query}\nfragment Unused on Query { __typename }`,
      document.query.replace(/\{/, '{ ...Missing '),
    ]);
    document.features.add('invalid');
    return { ...document, query, ...this.check(query, document.variables) };
  }

  private build(): GeneratedDocument {
    this.doc = new Builder();
    const r = this.random;
    this.maxLevel = r.weighted([
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 4],
      [6, 3],
      [7, 2],
      [9, 1],
    ]);
    const roots = r.weighted([
      [1, 6],
      [2, 3],
      [3, 1],
    ]);
    const body = this.selections(this.query, 0, roots);
    const fragments = [...this.doc.fragments.entries()].map(
      ([name, f]) => `fragment ${name} on ${f.on} ${f.body}`,
    );
    const { variables } = this.doc;
    let operation: string;
    if (variables.length > 0 || r.chance(0.3)) {
      const name = r.chance(0.5) ? ` Q${r.int(1, 999)}` : '';
      const defs = variables.map(
        (v) => `$${v.name}: ${v.type}${v.defaultValue === undefined ? '' : ` = ${v.defaultValue}`}`,
      );
      operation = `query${name}${defs.length ? `(${defs.join(', ')})` : ''} ${body}`;
    } else {
      operation = body;
    }
    if (variables.length) this.doc.features.add('variables');
    // Fragment definitions may come before or after the operation.
    const parts = r.chance(0.3) ? [...fragments, operation] : [operation, ...fragments];
    const query = parts.join('\n');
    return {
      query,
      variables: this.doc.values,
      features: this.doc.features,
      ...this.check(query, this.doc.values),
    };
  }

  /** A selection set `{ ... }` on `type` with about `count` selections. */
  private selections(type: GraphQLCompositeType, level: number, count?: number): string {
    const r = this.random;
    const n =
      count ??
      r.weighted([
        [1, 3],
        [2, 4],
        [3, 3],
        [4, 2],
        [5, 1],
      ]);
    const out: string[] = [];
    const picked: Picked[] = [];
    for (let i = 0; i < n; i++) {
      const kind = r.weighted([
        ['field', 20],
        ['typename', level === 0 ? 0.5 : 2],
        // On an interface, fragments reach the concrete types' fields.
        ['inline', isAbstractType(type) ? 14 : 2],
        ['spread', isAbstractType(type) ? 6 : 2],
        ['duplicate', picked.length ? 2 : 0],
      ]);
      if (kind === 'typename') {
        out.push(this.alias('__typename') + '__typename');
        this.doc.features.add('__typename');
      } else if (kind === 'inline') {
        out.push(this.inlineFragment(type, level));
      } else if (kind === 'spread') {
        out.push(this.fragmentSpread(type, level));
      } else if (kind === 'duplicate') {
        const again = r.pick(picked);
        this.doc.features.add('merged');
        out.push(this.fieldBody(again, level));
      } else {
        const one = this.field(type, level);
        picked.push(one);
        out.push(this.fieldBody(one, level));
      }
    }
    return `{ ${out.join(' ')} }`;
  }

  /** `alias: ` now and then (unique within the document), or nothing. */
  private alias(name: string): string {
    if (!this.random.chance(0.12)) return '';
    this.doc.aliases++;
    this.doc.features.add('alias');
    return `${name.replace(/^__/, '')}_${this.doc.aliases}: `;
  }

  /** The types a fragment inside a selection on `type` may name. */
  private fragmentTypes(type: GraphQLCompositeType): GraphQLCompositeType[] {
    if (isObjectType(type)) return [type, ...type.getInterfaces()];
    if (isAbstractType(type)) return [type, ...this.schema.getPossibleTypes(type)];
    return [type];
  }

  private inlineFragment(type: GraphQLCompositeType, level: number): string {
    const r = this.random;
    if (r.chance(0.2)) {
      this.doc.features.add('inline-fragment-without-type');
      return `... ${this.selections(type, level + 1)}`;
    }
    const on = r.pick(this.fragmentTypes(type));
    this.doc.features.add(on === type ? 'inline-fragment' : 'inline-fragment-other-type');
    return `... on ${on.name} ${this.selections(on, level + 1)}`;
  }

  private fragmentSpread(type: GraphQLCompositeType, level: number): string {
    const r = this.random;
    const types = this.fragmentTypes(type).map((t) => t.name);
    const reusable = [...this.doc.fragments.entries()].filter(
      ([name, f]) => types.includes(f.on) && !this.doc.building.has(name),
    );
    this.doc.features.add('fragment');
    if (reusable.length && r.chance(0.5)) {
      this.doc.features.add('fragment-reused');
      return `...${r.pick(reusable)[0]}`;
    }
    const on = r.pick(this.fragmentTypes(type));
    const name = `F${this.doc.fragments.size + this.doc.building.size + 1}`;
    this.doc.building.add(name);
    const body = this.selections(on, level + 1);
    this.doc.building.delete(name);
    this.doc.fragments.set(name, { on: on.name, body, level });
    return `...${name}`;
  }

  /** One field of `type`: leaves anywhere, relations while the level allows. */
  private field(type: GraphQLCompositeType, level: number): Picked {
    const r = this.random;
    const weights = this.vocabulary.fieldWeights ?? {};
    const deep = level >= this.maxLevel;
    const fields = Object.values(
      isObjectType(type) || isInterfaceType(type) ? type.getFields() : {},
    ).filter((f) => !deep || isLeafType(getNamedType(f.type)));
    if (fields.length === 0) return { head: '__typename', field: null };
    const field = r.weighted(
      fields.map((f) => {
        const leaf = isLeafType(getNamedType(f.type));
        const weight = weights[`${type.name}.${f.name}`] ?? 1;
        return [f, leaf ? weight : weight * (1.6 - level / this.maxLevel)] as const;
      }),
    );
    const alias = this.alias(field.name);
    const key = `${type.name}.${field.name}`;
    let args = alias ? undefined : this.doc.argumentsOf.get(key);
    if (args === undefined) {
      const list: string[] = [];
      for (const arg of field.args) {
        const rendered = this.argument(type, field, arg.name, arg.type, arg.defaultValue, level);
        if (rendered !== undefined) list.push(`${arg.name}: ${rendered}`);
      }
      if (r.chance(0.1)) list.reverse();
      args = list.length ? `(${list.join(', ')})` : '';
      if (!alias) this.doc.argumentsOf.set(key, args);
    }
    return { head: `${alias}${field.name}${args}`, field };
  }

  private fieldBody({ head, field }: Picked, level: number): string {
    const named = field && getNamedType(field.type);
    if (!named || !isCompositeType(named)) return head;
    return `${head} ${this.selections(named, level + 1)}`;
  }

  /** An argument as a literal or a variable, or undefined to leave it out. */
  private argument(
    parent: GraphQLNamedType,
    field: GraphQLField<unknown, unknown>,
    name: string,
    type: GraphQLInputType,
    defaultValue: unknown,
    level: number,
  ): string | undefined {
    const r = this.random;
    const key = `${parent.name}.${field.name}.${name}`;
    const features = this.doc.features;
    let value: unknown;
    if (name === 'first') {
      value = r.weighted(level === 0 ? FIRST_AT_ROOT : FIRST_NESTED);
      if (value !== undefined) features.add(`first:${value}`);
    } else if (name === 'after') {
      value = this.cursor(getNamedType(field.type).name);
    } else if (key === 'Query.node.id') {
      value = r.chance(0.8) ? r.pick(this.vocabulary.ids) : r.pick(this.vocabulary.badIds);
      features.add(this.vocabulary.ids.includes(value as string) ? 'node:real-id' : 'node:bad-id');
    } else if (isInputObjectType(getNamedType(type))) {
      value = this.inputObject(getNamedType(type).name);
      if (value === undefined) return undefined;
      return this.render(value, type, defaultValue !== undefined, key);
    } else {
      value = this.pickValue(key, type, !isNonNullType(type) || defaultValue !== undefined);
    }
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null) features.add(`${key}=${String(value)}`);
    return this.render(value, type, defaultValue !== undefined, key);
  }

  /** A value from the vocabulary for `key`, or one that fits the type. */
  private pickValue(key: string, type: GraphQLInputType, mayOmit: boolean): unknown {
    const r = this.random;
    if (mayOmit && r.chance(0.35)) return undefined;
    const known = this.vocabulary.values[key];
    if (known?.length) {
      const value = r.pick(known);
      // null where null is refused makes an invalid document: now and then only.
      return value === null && isNonNullType(type) && !r.chance(0.2) ? r.pick(known) : value;
    }
    const named = getNamedType(type);
    if (isEnumType(named)) return r.pick([...named.getValues().map((v) => v.name), null]);
    switch (named.name) {
      case 'Boolean':
        return r.pick([true, false, null]);
      case 'Int':
        return r.pick([0, 1, 2, 3, -1, 99]);
      case 'ID':
        return r.chance(0.8) ? r.pick(this.vocabulary.ids) : r.pick(this.vocabulary.badIds);
      default:
        return r.pick(['', 'x', 'nothing-here']);
    }
  }

  private cursor(connection: string): unknown {
    const r = this.random;
    const features = this.doc.features;
    const real = this.vocabulary.cursors[connection] ?? [];
    const others = Object.entries(this.vocabulary.cursors)
      .filter(([type]) => type !== connection)
      .flatMap(([, cursors]) => cursors);
    const kind = r.weighted([
      ['none', 50],
      ['real', real.length ? 30 : 0],
      ['other', others.length ? 7 : 0],
      ['bad', 8],
      ['null', 5],
    ]);
    features.add(`after:${kind}`);
    if (kind === 'real') return r.pick(real);
    if (kind === 'other') return r.pick(others);
    if (kind === 'bad') return r.pick(this.vocabulary.badCursors);
    return kind === 'null' ? null : undefined;
  }

  /** An input object: some of its fields, or {} or null now and then. */
  private inputObject(typeName: string): unknown {
    const r = this.random;
    const type = this.schema.getType(typeName);
    if (!isInputObjectType(type)) return undefined;
    const kind = r.weighted([
      ['fields', 12],
      ['empty', 1],
      ['null', 1],
      ['none', 3],
    ]);
    this.doc.features.add(`${typeName}:${kind}`);
    if (kind === 'none') return undefined;
    if (kind === 'null') return null;
    const value: Record<string, unknown> = {};
    if (kind === 'fields') {
      for (const field of Object.values(type.getFields())) {
        if (!r.chance(0.55)) continue;
        const key = `${typeName}.${field.name}`;
        const known = this.vocabulary.values[key];
        const v = known?.length ? r.pick(known) : this.pickValue(key, field.type, false);
        value[field.name] = v;
        if (typeof v !== 'object' || v === null) this.doc.features.add(`${key}=${String(v)}`);
      }
    }
    return value;
  }

  /**
   * `value` as a GraphQL literal, or as a variable (declared with the location's type, given,
   * left out, or given a default in its declaration). Input objects may mix both per field.
   */
  private render(value: unknown, type: GraphQLInputType, hasDefault: boolean, key: string): string {
    const r = this.random;
    if (r.chance(0.3)) return this.variable(value, type, hasDefault, key);
    if (value === null) return 'null';
    const nullable = isNonNullType(type) ? type.ofType : type;
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      return `[${items.map((v) => this.render(v, nullable.ofType, false, key)).join(', ')}]`;
    }
    if (isInputObjectType(nullable) && typeof value === 'object') {
      const fields = nullable.getFields();
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([name, v]) => `${name}: ${this.render(v, fields[name].type, false, `${key}.${name}`)}`,
      );
      return `{ ${entries.join(', ')} }`;
    }
    return this.literal(value, type);
  }

  /** A constant literal (no variables), as a variable's default value needs. */
  private literal(value: unknown, type: GraphQLInputType): string {
    if (value === null) return 'null';
    const nullable = isNonNullType(type) ? type.ofType : type;
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      return `[${items.map((v) => this.literal(v, nullable.ofType)).join(', ')}]`;
    }
    if (isInputObjectType(nullable) && typeof value === 'object') {
      const fields = nullable.getFields();
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([name, v]) => `${name}: ${this.literal(v, fields[name].type)}`,
      );
      return `{ ${entries.join(', ')} }`;
    }
    if (isEnumType(nullable) && typeof value === 'string' && nullable.getValue(value)) return value;
    return JSON.stringify(value);
  }

  private variable(value: unknown, type: GraphQLInputType, hasDefault: boolean, key: string) {
    const r = this.random;
    const doc = this.doc;
    const name = `v${doc.variables.length + 1}`;
    // A nullable variable may feed a non-null argument that has a default.
    const declared = hasDefault && isNonNullType(type) && r.chance(0.5) ? type.ofType : type;
    const variable: Variable = { name, type: String(declared) };
    const how = r.weighted([
      ['given', 8],
      ['omitted', isNonNullType(declared) ? 0 : 1],
      ['default', 1],
    ]);
    if (how === 'default') {
      variable.defaultValue = this.literal(value, type);
      doc.features.add('variable-default');
    } else if (how === 'given') {
      doc.values[name] = value;
    } else {
      doc.features.add('variable-omitted');
    }
    doc.variables.push(variable);
    doc.features.add(key.split('.').length > 3 ? 'variable-in-input' : 'variable');
    return `$${name}`;
  }

  /** Validation messages and limits passed, by the same rules as the API (estimated). */
  private check(query: string, variables: Record<string, unknown>) {
    const overLimits: string[] = [];
    let document;
    try {
      document = parse(query, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      if (/tokens/i.test(String(error))) {
        overLimits.push('tokens');
        document = parse(query);
      } else {
        throw new Error(`Generated an unparsable document (${String(error)}):\n${query}`);
      }
    }
    const invalid: string[] = [];
    for (const error of validate(this.schema, document, [...specifiedRules, ...this.rules])) {
      if (error.extensions.code === 'QUERY_TOO_COMPLEX') overLimits.push(error.message);
      else invalid.push(error.message);
    }
    if (invalid.length === 0) {
      try {
        const cost = getComplexity({
          schema: this.schema,
          query: document,
          variables,
          estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
        });
        if (cost > this.limits.maxCost) overLimits.push(`cost ${cost}`);
      } catch {
        // Variables that do not fit their types: the API refuses them before any cost.
      }
    }
    return { overLimits, invalid };
  }
}

/** A document laid out for a human, for failure messages (as sent when it does not parse). */
export function pretty(query: string): string {
  try {
    return print(parse(query));
  } catch {
    return query;
  }
}
