import './helpers/apollo-dev';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { ApolloClient, gql, HttpLink, InMemoryCache, ObservableQuery } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import { relayStylePagination } from '@apollo/client/utilities';
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { buildSchema, getNamedType, isObjectType } from 'graphql';
import { filter, firstValueFrom, map, of, timeout } from 'rxjs';
import { startTestApi, TestApi } from './helpers/api';
import { example, ROOT, signInAsMaya } from './helpers/docs';

/**
 * The clients our users run, against a running server with the demo data and the README's own
 * documents: Apollo Client 4 (InMemoryCache, relayStylePagination) and urql 6 (graphcache,
 * relayPagination), each signed in as Maya, a co-host of the Weekly Run Roundup. Each pages the
 * whole feed and loads the link-up page, then moderateComment and featureEntry update what it
 * shows from the mutation's answer alone (no refetch), and the client prints no warning:
 * objects without an id would make Apollo warn "Cache data may be lost" and graphcache
 * "Invalid key" (the last tests check that these warnings are caught).
 */

let t: TestApi;
let token: string;
/** What the clients printed: every console.warn and console.error. */
let printed: string[] = [];

beforeAll(async () => {
  // Each client adds a guest comment, then moderates it: no 15-second flood limit here.
  t = await startTestApi({ DEMO_DATA: 'on', RATE_LIMITS: 'off' });
  token = await signInAsMaya(t);
  loadDevMessages();
  loadErrorMessages();
}, 120_000);
afterAll(() => t?.stop());

beforeEach(() => {
  printed = [];
  for (const method of ['warn', 'error'] as const) {
    jest.spyOn(console, method).mockImplementation((...args) => printed.push(format(...args)));
  }
});
afterEach(() => jest.restoreAllMocks());

const FRONT_PAGE = example('README.md', 'FrontPage').text;
const LINK_UP_PAGE = example('README.md', 'LinkUpPage').text;
const FEATURE_ENTRY = example('README.md', 'FeatureEntry').text;
const MODERATE_COMMENT = example('README.md', 'ModerateComment').text;
const MODERATION_QUEUE = example('docs/accounts-and-comments.md', 'ModerationQueue').text;

/** Every connection field of the schema, with the arguments that pick its list (not a page). */
const CONNECTIONS = Object.values(
  buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8')).getTypeMap(),
)
  .filter(isObjectType)
  .flatMap((type) =>
    Object.values(type.getFields())
      .filter((field) => getNamedType(field.type).name.endsWith('Connection'))
      .map((field) => ({
        type: type.name,
        field: field.name,
        keyArgs: field.args.map((a) => a.name).filter((a) => a !== 'first' && a !== 'after'),
      })),
  );

/** A fetch that notes the name of every operation sent. */
function countingFetch(sent: string[]): typeof fetch {
  return (input, init) => {
    const request = init?.body
      ? JSON.parse(String(init.body))
      : Object.fromEntries(new URL(String(input)).searchParams);
    sent.push(request.operationName);
    return fetch(input, init);
  };
}

/** A guest's new comment on Maya's post, held for moderation; its id. */
async function guestComment(name: string): Promise<string> {
  const { data } = await t.gql(
    `mutation($input: AddCommentInput!) { addComment(input: $input) { id status } }`,
    {
      input: {
        postId: (await t.gql('{ post(slug: "my-first-trail-half") { id } }')).data.post.id,
        body: `First time here, says ${name}.`,
        guest: { name, email: `${name.toLowerCase()}@readers.example` },
      },
    },
  );
  expect(data.addComment.status).toBe('PENDING');
  return data.addComment.id;
}

const MAYA_ID = Buffer.from('Host:2').toString('base64url');
/** A featured entry of the current edition that Maya has not featured yet. */
const notFeaturedByMaya = (linkUp: any) =>
  linkUp.currentRoundup.featured.find((e: any) => !e.featuredBy.some((h: any) => h.id === MAYA_ID));

describe('Apollo Client', () => {
  const sent: string[] = [];
  const typePolicies: Record<string, { fields: Record<string, object> }> = {};
  for (const { type, field, keyArgs } of CONNECTIONS) {
    (typePolicies[type] ??= { fields: {} }).fields[field] = relayStylePagination(
      keyArgs.length > 0 ? keyArgs : false,
    );
  }
  const newClient = () =>
    new ApolloClient({
      link: new HttpLink({
        uri: t.url,
        fetch: countingFetch(sent),
        headers: { authorization: `Bearer ${token}` },
      }),
      cache: new InMemoryCache({ typePolicies }),
    });

  /** Watches a query as a page would, until its first complete result. */
  async function watch(client: ApolloClient, query: string) {
    const watched = client.watchQuery({ query: gql(query) });
    watched.subscribe(() => {});
    await when(watched, () => true);
    return watched;
  }
  const current = (watched: ObservableQuery) => watched.getCurrentResult().data as any;
  /**
   * The watched query's data once `done` holds of it: a page shows a new answer on the cache's
   * next broadcast, not at once. After 5 s, its data as it is, for the test to fail on.
   */
  const when = (watched: ObservableQuery, done: (data: any) => boolean): Promise<any> =>
    firstValueFrom(
      watched.pipe(
        filter((r) => r.dataState === 'complete' && done(r.data)),
        map((r) => r.data),
        timeout({ first: 5000, with: () => of(current(watched)) }),
      ),
    );

  it('pages the feed, shows the link-up page, and takes mutations into its cache, with no warning', async () => {
    const client = newClient();
    const feed = await watch(client, FRONT_PAGE);
    let { pageInfo } = current(feed).posts;
    while (pageInfo.hasNextPage) {
      const more = await feed.fetchMore({ variables: { after: pageInfo.endCursor } });
      pageInfo = (more.data as any).posts.pageInfo;
    }
    // relayStylePagination merges the pages into the one list the page shows.
    const { posts } = await when(feed, (data) => !data.posts.pageInfo.hasNextPage);
    expect(posts.edges).toHaveLength(posts.totalCount);
    expect(new Set(posts.edges.map((e: any) => e.node.id)).size).toBe(posts.totalCount);
    expect(sent.filter((name) => name === 'FrontPage').length).toBeGreaterThan(1);

    const page = await watch(client, LINK_UP_PAGE);
    const entry = notFeaturedByMaya(current(page).linkUp);
    const commentId = await guestComment('Apollo');
    const queue = await watch(client, MODERATION_QUEUE);
    const inQueue = (data: any) =>
      data.moderationQueue.edges.find((e: any) => e.node.id === commentId).node;
    expect(inQueue(current(queue)).status).toBe('PENDING');

    sent.length = 0;
    await client.mutate({ mutation: gql(FEATURE_ENTRY), variables: { id: entry.id } });
    await client.mutate({
      mutation: gql(MODERATE_COMMENT),
      variables: { id: commentId, status: 'APPROVED' },
    });
    // What the pages show now comes from the answers alone: no refetch.
    const featuredBy = (data: any) =>
      data.linkUp.currentRoundup.featured
        .find((e: any) => e.id === entry.id)
        .featuredBy.map((h: any) => h.id);
    expect(featuredBy(await when(page, (data) => featuredBy(data).includes(MAYA_ID)))).toContain(
      MAYA_ID,
    );
    expect(inQueue(await when(queue, (data) => inQueue(data).status === 'APPROVED')).status).toBe(
      'APPROVED',
    );
    expect(sent).toEqual(['FeatureEntry', 'ModerateComment']);
    expect(printed).toEqual([]);
  });

  it('warns when an object it caches has no id (the check above would see it)', async () => {
    const client = newClient();
    const comments = (author: string) =>
      gql(`query Comments${author} { post(slug: "my-first-trail-half") { id
        comments(first: 5) { edges { node { id author { ${author} } } } } } }`);
    await client.query({ query: comments('displayName') });
    await client.query({ query: comments('name'), fetchPolicy: 'network-only' });
    expect(printed.join('\n')).toMatch(/Cache data may be lost when replacing the author field/);
  });
});

describe('urql with graphcache', () => {
  const sent: string[] = [];
  const resolvers: Record<string, Record<string, ReturnType<typeof relayPagination>>> = {};
  for (const { type, field } of CONNECTIONS) (resolvers[type] ??= {})[field] = relayPagination();
  const newClient = () =>
    new Client({
      url: t.url,
      exchanges: [cacheExchange({ resolvers }), fetchExchange],
      fetch: countingFetch(sent),
      fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    });

  it('pages the feed, shows the link-up page, and takes mutations into its cache, with no warning', async () => {
    const client = newClient();
    const query = async (document: string, variables = {}) => {
      const { data, error } = await client.query(document, variables).toPromise();
      expect(error).toBeUndefined();
      return data;
    };
    /** What the cache answers on its own (null when it cannot). */
    const cached = (document: string) => client.readQuery(document, {})?.data;

    let posts = (await query(FRONT_PAGE)).posts;
    while (posts.pageInfo.hasNextPage) {
      // relayPagination answers with every page so far.
      posts = (await query(FRONT_PAGE, { after: posts.pageInfo.endCursor })).posts;
    }
    expect(posts.edges).toHaveLength(posts.totalCount);
    expect(new Set(posts.edges.map((e: any) => e.node.id)).size).toBe(posts.totalCount);
    expect(sent.filter((name) => name === 'FrontPage').length).toBeGreaterThan(1);

    const entry = notFeaturedByMaya((await query(LINK_UP_PAGE)).linkUp);
    const commentId = await guestComment('Urql');
    const inQueue = () =>
      cached(MODERATION_QUEUE).moderationQueue.edges.find((e: any) => e.node.id === commentId).node;
    await query(MODERATION_QUEUE);
    expect(inQueue().status).toBe('PENDING');

    sent.length = 0;
    await client.mutation(FEATURE_ENTRY, { id: entry.id }).toPromise();
    await client.mutation(MODERATE_COMMENT, { id: commentId, status: 'APPROVED' }).toPromise();
    expect(sent).toEqual(['FeatureEntry', 'ModerateComment']);
    const featured = cached(LINK_UP_PAGE).linkUp.currentRoundup.featured.find(
      (e: any) => e.id === entry.id,
    );
    expect(featured.featuredBy.map((h: any) => h.id)).toContain(MAYA_ID);
    expect(inQueue().status).toBe('APPROVED');
    expect(printed).toEqual([]);
  });

  it('warns when an object it caches has no id (the check above would see it)', async () => {
    await newClient()
      .query(
        `query NoCohostId { roundup(linkUpSlug: "weekly-run-roundup", number: 3) { id
        cohosts { position } } }`,
        {},
      )
      .toPromise();
    expect(printed.join('\n')).toMatch(/Invalid key.*`Cohost`/s);
  });
});
