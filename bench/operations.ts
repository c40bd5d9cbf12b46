/** The GraphQL documents the bench sends; the floor (bench/floor.ts) answers FEED the same way. */

export const FEED = `query Feed($after: String) {
  posts(first: 20, after: $after) {
    edges {
      cursor
      node {
        id
        title
        publishedAt
        author { name }
        commentCount
        comments(first: 5) {
          edges { node { id body author { displayName } replies { id body author { displayName } } } }
        }
        roundup { number cohosts { isNew host { name } } entryCount }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** A roundup page whose entries are read with `entries` and show `entry`'s fields. */
const roundupPage = (
  name: string,
  entries: string,
  entry: string,
) => `query ${name}($linkUpSlug: String!, $number: Int!) {
  roundup(linkUpSlug: $linkUpSlug, number: $number) {
    id
    number
    title
    status
    opensAt
    closesAt
    cohosts { position isNew host { name blogName } }
    featured { number title url blogName featuredBy { name } }
    entryCount
    entries(${entries}) {
      edges { node { ${entry} } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const ENTRY = 'id number title url blogName imageUrl submitterName';

export const ROUNDUP_PAGE = roundupPage('RoundupPage', 'first: 50', ENTRY);

/**
 * The roundup page as its co-host manages it: hidden entries included, with the submitters'
 * emails and each entry's status (anonymous readers get neither).
 */
export const ROUNDUP_PAGE_COHOST = roundupPage(
  'RoundupPageCohost',
  'first: 50, includeHidden: true',
  `${ENTRY} submitterEmail status`,
);

export const SIGN_IN = `mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { token host { id role } }
}`;

export const NODE = `query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Post { title publishedAt author { name } }
  }
}`;

export const SUBMIT_ENTRY = `mutation SubmitEntry($input: SubmitEntryInput!) {
  submitEntry(input: $input) { id number }
}`;

export function body(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

/** Small seeded PRNG (mulberry32): the same request sequence on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST_FIELDS = 'id slug name blogName blogUrl avatarUrl bio email role createdAt';
const POST_FIELDS =
  'id slug title excerpt body tags status publishedAt createdAt updatedAt commentsOpen commentCount';
const LINK_UP_FIELDS =
  'id slug name description rules weekday opensAtTime hoursOpen timeZone maxEntriesPerPerson createdAt';
const ROUNDUP_FIELDS = 'id number title status opensAt closesAt entryCount';
const ENTRY_FIELDS =
  'id number title url blogName imageUrl submitterName submitterEmail status createdAt';
const COMMENT_FIELDS = 'id body status createdAt depth';
const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';

/**
 * A post with every relation of Post inline, each relation with its own relations, as deep as
 * the depth limit (10) allows; every connection asks for `first` rows. `bodyHtml` and
 * `Comment.parent` are left out, as when it was first measured (they did not compile then).
 */
function everyRelationOfPost(first: number): string {
  return `edges { cursor node { ${POST_FIELDS}
  author { ${HOST_FIELDS}
    linkUps { ${LINK_UP_FIELDS} cohosts { ${HOST_FIELDS} } currentRoundup { ${ROUNDUP_FIELDS} } }
    posts(first: ${first}) { totalCount ${PAGE_INFO} edges { cursor node { ${POST_FIELDS}
      author { ${HOST_FIELDS} }
      roundup { ${ROUNDUP_FIELDS} cohosts { position isNew } linkUp { id slug name } }
      comments(first: ${first}) { totalCount edges { cursor } } } } } }
  roundup { ${ROUNDUP_FIELDS}
    linkUp { ${LINK_UP_FIELDS}
      cohosts { ${HOST_FIELDS} posts(first: ${first}) { totalCount edges { node { id title } } } }
      currentRoundup { ${ROUNDUP_FIELDS} cohosts { position isNew host { id name } } }
      roundups(first: ${first}) { totalCount ${PAGE_INFO} edges { cursor node { ${ROUNDUP_FIELDS}
        cohosts { position isNew } featured { id number title } posts { id title } } } } }
    cohosts { position isNew host { ${HOST_FIELDS}
      posts(first: ${first}) { totalCount edges { node { id title } } } } }
    posts { ${POST_FIELDS} author { id name }
      comments(first: ${first}) { totalCount edges { node { id body author { displayName } } } } }
    featured { ${ENTRY_FIELDS} featuredBy { ${HOST_FIELDS} } roundup { id number } }
    entries(first: ${first}) { totalCount ${PAGE_INFO} edges { cursor node { ${ENTRY_FIELDS}
      featuredBy { id name } roundup { id number linkUp { id name } } } } } }
  comments(first: ${first}) { totalCount ${PAGE_INFO} edges { cursor node { ${COMMENT_FIELDS}
    author { name blogName url displayName host { ${HOST_FIELDS} } }
    replies { ${COMMENT_FIELDS} author { displayName host { id name } }
      replies { id body author { displayName } } }
    post { id slug title author { id name } roundup { id number } } } } } } }`;
}

function hostileDocument(name: string, first: number): string {
  const posts = everyRelationOfPost(first);
  return `query ${name} {
  a: posts(first: ${first}) { totalCount ${posts} }
  b: posts(first: ${first}) { totalCount ${posts} }
}`;
}

/**
 * Hostile: two aliased `posts(first: 0)` fields with every relation of Post inline, within the
 * depth (10) and alias (15) limits. It returns no rows, yet a compiler that prices `first: 0`
 * at zero builds one huge statement for it. Acceptable answers: QUERY_TOO_COMPLEX, or data
 * within 3x the feed's latency.
 */
export const HOSTILE_FIRST_ZERO = hostileDocument('HostileFirstZero', 0);

/** HOSTILE_FIRST_ZERO with `first: 1` on every connection: small answers, a large plan. */
export const HOSTILE_FIRST_ONE = hostileDocument('HostileFirstOne', 1);

/**
 * FEED made distinct by `i`: its own operation name and alias and a literal page size, so each
 * is a new document for Apollo and a new SQL text for the compiler (the memory phase).
 */
export function distinctFeed(i: number): string {
  return FEED.replace('query Feed(', `query Feed${i}(`)
    .replace('posts(first: 20,', `feed${i}: posts(first: ${10 + (i % 11)},`)
    .replace('comments(first: 5)', `comments(first: ${1 + (i % 5)})`);
}
