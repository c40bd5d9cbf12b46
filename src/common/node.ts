import { Field, ID, InterfaceType } from 'type-graphql';

/** What every Node's `id` says (each entity declares its own `id` field). */
export const NODE_ID_DESCRIPTION =
  'Opaque global id, unique across all types: node(id) refetches the object, mutations take it.';

/** Relay's Node: every object a client can refetch by its opaque global id. */
@InterfaceType('Node', {
  description: 'An object with a global id: node(id) refetches any of them.',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  @Field(() => ID, { name: 'id', description: NODE_ID_DESCRIPTION })
  globalId!: string;
}
