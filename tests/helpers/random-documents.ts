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
  Kind,
  parse,
  print,
  validate,
  ValidationRule,
} from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { random } from '../../bench/operations';
import { COST_ESTIMATORS, limitRules } from '../../src/server/limits';

/** Seeded choices: numbers, coin flips, picks and weighted picks. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = random(seed);
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
  /** Values the API refuses (BAD_USER_INPUT and the like), by the same keys. */
  refused: Record<string, readonly unknown[]>;
  /** Fields that fail for some viewers (`Query.moderationQueue` when anonymous). */
  failing: readonly string[];
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
  /** graphql-js's validation messages, for the documents made invalid on purpose. */
  invalid: string[];
}

/**
 * `first` values at the root, and inside another list (where large pages multiply). Most pages
 * are large enough to hold every row of the test data, so each document reads many rows.
 */
const FIRST_AT_ROOT: [unknown, number][] = [
  [undefined, 30],
  [null, 5],
  [0, 6],
  [1, 6],
  [2, 5],
  [3, 5],
  [20, 8],
  [100, 10],
];
const FIRST_NESTED: [unknown, number][] = [
  [undefined, 20],
  [null, 3],
  [0, 6],
  [1, 10],
  [2, 8],
  [3, 8],
  [5, 10],
  [20, 5],
  [100, 3],
];

/** `first` values the API refuses. */
const FIRST_REFUSED = [101, -1];

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
  /** The type each unaliased field name has in this document. */
  readonly typeOf = new Map<string, string>();
  /**
   * Whether a refused value or a failing field is in already. One at most: two errors racing to
   * null the same parent would make graphql-js report whichever came first.
   */
  failure = false;
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
  private large = false;
  private count = 0;
  private readonly fields = new Map<
    string,
    { field: GraphQLField<unknown, unknown>; leaf: boolean; failing: boolean }[]
  >();
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
      const document = this.build(want);
      if (document.overLimits.length > 0 !== (want === 'over')) continue;
      return n % 60 === 0 ? this.spoil(document) : document;
    }
  }

  /** The document with one mistake graphql-js refuses before anything runs. */
  private spoil(document: GeneratedDocument): GeneratedDocument {
    const operation = parse(document.query).definitions.find(
      (d) => d.kind === Kind.OPERATION_DEFINITION,
    );
    // Just inside the operation's selection set (a variable's default may hold a `{` too).
    const open = (operation?.selectionSet.loc?.start ?? 0) + 1;
    const before = document.query.slice(0, open);
    const after = document.query.slice(open);
    const query = this.random.pick([
      `${before} noSuchField ${after}`,
      `${before} __typename(first: 1) ${after}`,
      `${before} ...Missing ${after}`,
      `${document.query}\nfragment Unused on Query { __typename }`,
      `${document.query}\n{ __typename }`,
    ]);
    document.features.add('invalid');
    return { ...document, query, ...this.check(query, document.variables, { validating: true }) };
  }

  /** One document; `over`: a large one, likely to pass a limit. */
  private build(want: 'fine' | 'over'): GeneratedDocument {
    this.doc = new Builder();
    const r = this.random;
    this.maxLevel =
      want === 'over'
        ? r.pick([9, 11])
        : r.weighted([
            [2, 2],
            [3, 3],
            [4, 4],
            [5, 4],
            [6, 3],
            [7, 1],
          ]);
    this.large = want === 'over';
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
      ...this.check(query, this.doc.values, { early: want === 'fine' }),
    };
  }

  /** A selection set `{ ... }` on `type` with about `count` selections. */
  private selections(type: GraphQLCompositeType, level: number, count?: number): string {
    const r = this.random;
    const n =
      count ??
      (this.large ? 1 : 0) +
        r.weighted([
          [1, 3],
          [2, 4],
          [3, 4],
          [4, 3],
          [5, 2],
          [7, 1],
        ]);
    const out: string[] = [];
    const picked: Picked[] = [];
    for (let i = 0; i < n; i++) {
      // On an interface, fragments reach the concrete types' fields; each one nests a level.
      const fragments = level >= this.maxLevel ? 0 : isAbstractType(type) ? 5 : 1;
      const kind = r.weighted([
        ['field', 20],
        ['typename', level === 0 ? 0.5 : 2],
        ['inline', fragments * 2.5],
        ['spread', fragments * 1.5],
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
  private alias(name: string, needed = false): string {
    if (!needed && !this.random.chance(0.06)) return '';
    this.doc.aliases++;
    this.doc.features.add('alias');
    return `${name.replace(/^__/, '')}_${this.doc.aliases}: `;
  }

  /** A type's fields, with what the generator asks of them (graphql's type checks are slow). */
  private fieldsOf(type: GraphQLCompositeType) {
    let fields = this.fields.get(type.name);
    if (!fields) {
      fields = Object.values(
        isObjectType(type) || isInterfaceType(type) ? type.getFields() : {},
      ).map((field) => ({
        field,
        leaf: isLeafType(getNamedType(field.type)),
        failing: this.vocabulary.failing.includes(`${type.name}.${field.name}`),
      }));
      this.fields.set(type.name, fields);
    }
    return fields;
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
    // A fragment made deeper down is shallow enough to spread here; one made higher up may not be.
    const reusable = [...this.doc.fragments.entries()].filter(
      ([name, f]) => types.includes(f.on) && !this.doc.building.has(name) && f.level >= level,
    );
    this.doc.features.add('fragment');
    if (reusable.length && r.chance(0.5)) {
      this.doc.features.add('fragment-reused');
      return `...${r.pick(reusable)[0]}`;
    }
    const on = r.pick(this.fragmentTypes(type));
    const name = `F${this.doc.fragments.size + this.doc.building.size + 1}`;
    this.doc.building.add(name);
    const body = this.selections(on, level + 2);
    this.doc.building.delete(name);
    this.doc.fragments.set(name, { on: on.name, body, level });
    return `...${name}`;
  }

  /** One field of `type`: leaves anywhere, relations while the level allows. */
  private field(type: GraphQLCompositeType, level: number): Picked {
    const r = this.random;
    const weights = this.vocabulary.fieldWeights ?? {};
    const deep = level >= this.maxLevel;
    const fields = this.fieldsOf(type).filter(
      (f) => (!deep || f.leaf) && !(this.doc.failure && f.failing),
    );
    if (fields.length === 0) return { head: '__typename', field: null };
    const { field, failing } = r.weighted(
      fields.map((f) => {
        const weight = weights[`${type.name}.${f.field.name}`] ?? 1;
        // Leaves are cheap; relations multiply the cost, less so near the root.
        return [f, f.leaf ? weight : weight * (1.2 - level / this.maxLevel)] as const;
      }),
    );
    if (failing) this.doc.failure = true;
    // Under an interface, one name may mean different types (Post.status, Entry.status): a
    // name keeps the first type it was given in the document, other uses take an alias.
    const shape = String(field.type);
    const named = this.doc.typeOf.get(field.name) ?? shape;
    const alias = this.alias(field.name, named !== shape);
    if (!alias) this.doc.typeOf.set(field.name, shape);
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
      value = this.refuse(0.08)
        ? r.pick(FIRST_REFUSED)
        : r.weighted(level === 0 ? FIRST_AT_ROOT : FIRST_NESTED);
      if (value !== undefined) features.add(`first:${value}`);
    } else if (name === 'after') {
      value = this.cursor(getNamedType(field.type).name);
    } else if (key === 'Query.node.id') {
      const bad = this.refuse(0.2);
      value = r.pick(bad ? this.vocabulary.badIds : this.vocabulary.ids);
      features.add(bad ? 'node:bad-id' : 'node:real-id');
    } else if (isInputObjectType(getNamedType(type))) {
      value = this.inputObject(getNamedType(type).name);
      if (value === undefined) return undefined;
      return this.render(value, type, defaultValue !== undefined, key);
    } else {
      value = this.pickValue(key, type, !isNonNullType(type) || defaultValue !== undefined);
    }
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null) features.add(`${key}=${String(value)}`);
    if (value === null && isNonNullType(type) && defaultValue !== undefined && r.chance(0.7)) {
      // A literal null there is a validation error; through a nullable variable it reaches
      // execution, which must refuse it (the default stands in only for a missing value).
      features.add('null-variable-for-non-null-argument');
      return this.variable(null, type, true, key, true);
    }
    return this.render(value, type, defaultValue !== undefined, key);
  }

  /**
   * Whether the next value may be one the API refuses: with chance `p`, and only while the
   * document has no refused value or failing field yet.
   */
  private refuse(p: number): boolean {
    if (this.doc.failure || !this.random.chance(p)) return false;
    this.doc.failure = true;
    return true;
  }

  /** A value from the vocabulary for `key` (now and then a refused one), or one of its type. */
  private pickValue(key: string, type: GraphQLInputType, mayOmit: boolean): unknown {
    const r = this.random;
    if (mayOmit && r.chance(0.35)) return undefined;
    const refused = this.vocabulary.refused[key];
    if (refused?.length && this.refuse(0.3)) return r.pick(refused);
    const known = this.vocabulary.values[key];
    if (known?.length) return r.pick(known);
    const named = getNamedType(type);
    if (isEnumType(named)) return r.pick([...named.getValues().map((v) => v.name), null]);
    switch (named.name) {
      case 'Boolean':
        return r.pick([true, false, null]);
      case 'Int':
        return r.pick([0, 1, 2, 3, -1, 99]);
      case 'ID':
        return r.pick(this.refuse(0.2) ? this.vocabulary.badIds : this.vocabulary.ids);
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
    const refused = this.refuse(0.15);
    const kind = r.weighted([
      ['none', refused ? 0 : 50],
      ['real', refused || !real.length ? 0 : 30],
      ['null', refused ? 0 : 5],
      ['other', refused && others.length ? 1 : 0],
      ['bad', refused ? 1 : 0],
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
        const v = this.pickValue(key, field.type, false);
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

  /** `$vN` for `value`; `nullable`: declared without `!` and given. */
  private variable(
    value: unknown,
    type: GraphQLInputType,
    hasDefault: boolean,
    key: string,
    nullable = false,
  ) {
    const r = this.random;
    const doc = this.doc;
    const name = `v${doc.variables.length + 1}`;
    // A nullable variable may feed a non-null argument that has a default.
    const declared =
      hasDefault && isNonNullType(type) && (nullable || r.chance(0.5)) ? type.ofType : type;
    const variable: Variable = { name, type: String(declared) };
    const how = nullable
      ? 'given'
      : r.weighted([
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

  /**
   * Limits passed (by the API's own depth and alias rules, its token limit, and this module's
   * copy of its cost estimate), and validation messages when `validating` (the generator's
   * documents are valid but for a rare field conflict; checking each one would double the time
   * it takes to make them). `early`: stop at a passed limit.
   */
  private check(
    query: string,
    variables: Record<string, unknown>,
    { early = false, validating = false } = {},
  ) {
    const overLimits: string[] = [];
    let document;
    try {
      document = parse(query, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      if (!/tokens/i.test(String(error)))
        throw new Error(`Generated an unparsable document (${String(error)}):\n${query}`);
      overLimits.push('tokens');
      document = parse(query);
    }
    overLimits.push(...validate(this.schema, document, this.rules).map((e) => e.message));
    if (early && overLimits.length > 0) return { overLimits, invalid: [] };
    const invalid = validating ? validate(this.schema, document).map((e) => e.message) : [];
    if (invalid.length === 0) {
      try {
        const cost = getComplexity({
          schema: this.schema,
          query: document,
          variables,
          estimators: COST_ESTIMATORS,
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
