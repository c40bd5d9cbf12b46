import { Field, ID, InterfaceType } from 'type-graphql';

/** Relay's Node: every object a client can refetch by its opaque global id. */
@InterfaceType('Node', { resolveType: (value: object) => value.constructor.name })
export abstract class Node {
  @Field(() => ID, { name: 'id' })
  globalId!: string;
}
