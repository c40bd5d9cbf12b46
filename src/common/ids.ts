import { BadInputError } from './errors';

export type NodeType = 'Host' | 'Post' | 'Comment' | 'LinkUp' | 'Roundup' | 'Entry';
const NODE_TYPES: readonly string[] = ['Host', 'Post', 'Comment', 'LinkUp', 'Roundup', 'Entry'];

/** Types a client caches by id that are not nodes (no node(id)): their ids are made of a key. */
export type CacheType = 'Cohost' | 'CommentAuthor';

/** Opaque global id: base64url of "Type:databaseId", so clients never build ids themselves. */
export function toGlobalId(type: NodeType | CacheType, id: string | number): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/** Decodes any global id; null when it is not one of ours. */
export function parseGlobalId(globalId: string): { type: NodeType; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z]+):([1-9][0-9]{0,17})$/.exec(decoded);
  if (
    !match ||
    !NODE_TYPES.includes(match[1]) ||
    toGlobalId(match[1] as NodeType, match[2]) !== globalId
  ) {
    return null;
  }
  return { type: match[1] as NodeType, id: match[2] };
}

/** The database id behind a global id of the expected type, or BAD_USER_INPUT naming the field. */
export function fromGlobalId(globalId: string, type: NodeType, field: string): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) {
    throw new BadInputError(field, `${field} is not a valid ${type} id`);
  }
  return parsed.id;
}
