import { GraphQLSchema, OperationDefinitionNode, parse } from 'graphql';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { Clock } from '../common/clock';
import { parseGlobalId } from '../common/ids';
import { encodeCursor, MAX_PAGE_SIZE } from '../common/pagination';
import { RunStatement } from '../db/prepared';
import { compileOperation, CompiledOperation } from '../read/compile';
import { ReadSpec } from '../read/model';
import { EmbedSnapshot } from './snapshot';

/**
 * The embed, SSE and feed routes read through the read model like any GraphQL client: fixed
 * documents, compiled once at start into one SQL statement each (read/compile.ts), run for the
 * anonymous viewer. Visibility, order and status rules are the model's: none is written here.
 */

/**
 * An edition's entries come as pages of 100 (the connection's cap), the k-th starting after
 * number 100·(k-1): each page holds every visible entry numbered up to 100·k (numbers are unique),
 * so 5 pages show numbers 1-500 whole. A larger edition shows its first 500 numbers (and says
 * how many more there are): `entryCount` is the whole count.
 */
const ENTRY_PAGES = 5;

const entryPages = Array.from({ length: ENTRY_PAGES }, (_, k) => {
  const after = k ? `, after: "${encodeCursor([k * MAX_PAGE_SIZE])}"` : '';
  return `p${k}: entries(first: ${MAX_PAGE_SIZE}${after}) { edges { node { ...EntryPart } } }`;
}).join('\n');

/** What every document shows of a link-up, of an edition (but its entries) and of an entry. */
const PARTS = `
fragment LinkUpPart on LinkUp { id slug name description }
fragment EditionPart on Roundup {
  id number title status opensAt closesAt closedAt entryCount
  cohosts { isNew host { name blogName blogUrl } }
  featured { number }
  posts { canonicalUrl }
}
fragment EntryPart on Entry { number title url blogName imageUrl }`;

const FRAGMENTS = `${PARTS}
fragment Edition on Roundup { ...EditionPart ${entryPages} }`;

/**
 * The edition a link-up's embed shows: the current one (open, else the next scheduled), else the
 * last one that opened, so a blog keeps its closed list (and learns it closed) until the next.
 */
const CURRENT = `query EmbedCurrent($slug: String!) {
  linkUp(slug: $slug) { ...LinkUpPart latestRoundup { ...Edition } } }`;

/** One edition by number. The bench asks these documents over GraphQL, to compare like with like. */
const BY_NUMBER = `query EmbedEdition($slug: String!, $number: Int!) {
  roundup(linkUpSlug: $slug, number: $number) { ...Edition linkUp { ...LinkUpPart } } }`;

export const EMBED_EDITION_QUERY = BY_NUMBER + FRAGMENTS;
export const EMBED_CURRENT_QUERY = CURRENT + FRAGMENTS;

/** Text of the statements' answers whose made values reads keep (about 3x that in memory). */
const MADE_BYTES = 4 * 1024 * 1024;

/** How many editions the feeds carry, newest first. */
export const FEED_EDITIONS = 20;

/**
 * The feeds: the editions that have opened, newest first, with their first 100 visible entries
 * (an edition with more says so and links its embed page).
 */
const FEED = `query Feed($slug: String!) {
  linkUp(slug: $slug) { ...LinkUpPart cohosts { name blogUrl }
    roundups(first: ${FEED_EDITIONS}, opened: true) { edges { node {
      ...EditionPart
      p0: entries(first: ${MAX_PAGE_SIZE}) { edges { node { ...EntryPart } } }
    } } } } }
${PARTS}`;

interface EntryRow {
  number: number;
  title: string;
  url: string;
  blogName: string | null;
  imageUrl: string | null;
}
interface EditionRow {
  id: string;
  number: number;
  title: string | null;
  status: EmbedSnapshot['roundup']['status'];
  opensAt: string;
  closesAt: string;
  closedAt: string | null;
  entryCount: number;
  cohosts: {
    isNew: boolean;
    host: { name: string; blogName: string | null; blogUrl: string | null };
  }[];
  featured: { number: number }[];
  posts: { canonicalUrl: string | null }[];
  [page: `p${number}`]: { edges: { node: EntryRow }[] };
}
interface LinkUpRow {
  id: string;
  slug: string;
  name: string;
  description: string | null;
}

/** An edition as the routes show it: the snapshot, and what the page and feeds add to it. */
export interface Edition extends EmbedSnapshot {
  /** Visible entries in all, some of which may be past the ones listed. */
  entryCount: number;
  /** Database ids, to follow the live bus (link-up and roundup topics). */
  linkUpId: string;
  roundupId: string;
}

/** A link-up with no edition to show: none has opened or is scheduled. */
export interface NoEdition {
  linkUp: EmbedSnapshot['linkUp'];
  linkUpId: string;
  roundup: null;
}

export interface FeedData {
  linkUp: EmbedSnapshot['linkUp'];
  cohosts: { name: string; blogUrl: string | null }[];
  editions: Edition[];
}

/** `https://api.example`: where the routes' absolute addresses start. */
export type BaseUrl = string;

/** The embed page of edition `number` (absolute): also the edition's id in the feeds. */
export const editionUrl = (base: BaseUrl, slug: string, number: number) =>
  `${base}/embed/${encodeURIComponent(slug)}/${number}`;

/**
 * An http(s) address, or null: what may become a link. Entries' addresses are checked on the way
 * in (and by the table's constraints); a host's blog address is free text.
 */
export function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

const dbId = (globalId: string) => parseGlobalId(globalId)!.id;

function linkUpOf(row: LinkUpRow): EmbedSnapshot['linkUp'] {
  return { slug: row.slug, name: row.name, description: row.description };
}

function editionOf(base: BaseUrl, linkUp: LinkUpRow, row: EditionRow): Edition {
  const featured = new Set(row.featured.map((e) => e.number));
  const entries = new Map<number, EmbedSnapshot['entries'][number]>();
  for (const key of Object.keys(row)
    .filter((k) => /^p\d+$/.test(k))
    .sort()) {
    for (const { node } of row[key as `p${number}`].edges)
      entries.set(node.number, { ...node, featured: featured.has(node.number) });
  }
  const cohosts = row.cohosts.map((c) => ({
    name: c.host.name,
    blogUrl: safeUrl(c.host.blogUrl),
    isNew: c.isNew,
  }));
  // Readers link up under a co-host's post carrying the edition (the first published one with
  // its address on the blog), else on the first co-host's blog that has an address.
  const submitUrl =
    row.posts.map((p) => safeUrl(p.canonicalUrl)).find(Boolean) ??
    cohosts.find((c) => c.blogUrl)?.blogUrl ??
    null;
  return {
    linkUp: linkUpOf(linkUp),
    roundup: {
      number: row.number,
      title: row.title,
      status: row.status,
      opensAt: row.opensAt,
      closesAt: row.closesAt,
      closedAt: row.closedAt,
      url: editionUrl(base, linkUp.slug, row.number),
      submitUrl,
    },
    cohosts,
    entries: [...entries.values()].sort((a, b) => a.number - b.number),
    entryCount: row.entryCount,
    linkUpId: dbId(linkUp.id),
    roundupId: dbId(row.id),
  };
}

/** The snapshot part of an edition, as `/embed/{slug}/events` sends it. */
export function snapshotOf(edition: Edition): EmbedSnapshot {
  const { linkUp, roundup, cohosts, entries } = edition;
  return { linkUp, roundup, cohosts, entries };
}

function compile(schema: GraphQLSchema, model: ReadSpec, text: string): CompiledOperation {
  const document = parse(text);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
  )!;
  return compileOperation(schema, model, document, operation);
}

/** The routes' reads: each one SQL statement, for the anonymous viewer at the clock's now. */
export function embedReads(
  schema: GraphQLSchema,
  model: ReadSpec,
  run: RunStatement,
  clock: Clock,
) {
  const plans = {
    current: compile(schema, model, EMBED_CURRENT_QUERY),
    edition: compile(schema, model, EMBED_EDITION_QUERY),
    feed: compile(schema, model, FEED),
  };

  /**
   * What was last made of each read (by plan, base address and variables), with the statement's
   * answer it was made from: an unchanged answer (the same edition asked again, the usual case)
   * is not parsed and made again, and the routes keep what they render of the same object.
   * The statement itself always runs. Bounded by the answers' text.
   */
  const made = new InMemoryLRUCache<{ text: string; value: unknown }>({
    maxSize: MADE_BYTES,
    sizeCalculation: ({ text }) => text.length,
  });

  async function execute<R, T>(
    name: keyof typeof plans,
    base: BaseUrl,
    variables: Record<string, unknown>,
    make: (data: R) => T,
  ): Promise<T> {
    const plan = plans[name];
    const bind = { variables, now: clock.now(), viewer: null };
    plan.checks.forEach((check) => check(bind));
    const [{ data }] = await run(
      plan.sql,
      plan.params.map((param) => param(bind)),
    );
    const text = String(data);
    const key = `${name}\n${base}\n${JSON.stringify(variables)}`;
    const known = await made.get(key);
    if (known?.text === text) return known.value as T;
    const value = make(JSON.parse(text) as R);
    await made.set(key, { text, value });
    return value;
  }

  return {
    /** The edition the embed shows (CURRENT); null for an unknown link-up. */
    current(base: BaseUrl, slug: string): Promise<Edition | NoEdition | null> {
      return execute(
        'current',
        base,
        { slug },
        ({ linkUp }: { linkUp: (LinkUpRow & { latestRoundup: EditionRow | null }) | null }) => {
          if (!linkUp) return null;
          if (!linkUp.latestRoundup)
            return { linkUp: linkUpOf(linkUp), linkUpId: dbId(linkUp.id), roundup: null };
          return editionOf(base, linkUp, linkUp.latestRoundup);
        },
      );
    },

    /** Edition `number`; null for an unknown link-up or number. */
    edition(base: BaseUrl, slug: string, number: number): Promise<Edition | null> {
      return execute(
        'edition',
        base,
        { slug, number },
        ({ roundup }: { roundup: (EditionRow & { linkUp: LinkUpRow }) | null }) =>
          roundup && editionOf(base, roundup.linkUp, roundup),
      );
    },

    /** What the feeds show; null for an unknown link-up. */
    feed(base: BaseUrl, slug: string): Promise<FeedData | null> {
      return execute(
        'feed',
        base,
        { slug },
        ({
          linkUp,
        }: {
          linkUp:
            | (LinkUpRow & {
                cohosts: { name: string; blogUrl: string | null }[];
                roundups: { edges: { node: EditionRow }[] };
              })
            | null;
        }) =>
          linkUp && {
            linkUp: linkUpOf(linkUp),
            cohosts: linkUp.cohosts,
            editions: linkUp.roundups.edges.map(({ node }) => editionOf(base, linkUp, node)),
          },
      );
    },
  };
}

export type EmbedReads = ReturnType<typeof embedReads>;
