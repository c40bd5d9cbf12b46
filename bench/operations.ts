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

export const ROUNDUP_PAGE = `query RoundupPage($linkUpSlug: String!, $number: Int!) {
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
    entries(first: 50) {
      edges { node { id number title url blogName imageUrl submitterName } }
      pageInfo { hasNextPage endCursor }
    }
  }
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
