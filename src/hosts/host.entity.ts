import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node, NODE_ID_DESCRIPTION } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum Role {
  ADMIN = 'ADMIN',
  HOST = 'HOST',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'What an account may do.',
  valuesConfig: {
    ADMIN: {
      description: 'Everything: accounts, link-ups, and every post, comment and roundup.',
    },
    HOST: {
      description: 'Writes posts and moderates their comments; manages the link-ups they co-host.',
    },
  },
});

/** A blogger with an account. `email` is resolved by HostResolver, visible to self and admins. */
@Entity('hosts')
@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    'A blogger with an account: writes posts, co-hosts link-ups, answers comments. Public but for the email.',
})
export class Host implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field({ description: 'Unique name in URLs (lowercase words joined by -): host(slug) finds it.' })
  @Column()
  slug!: string;

  @Field({ description: 'The name shown with their posts and comments.' })
  @Column()
  name!: string;

  @Field(() => String, { nullable: true, description: "Their blog's name; null when not given." })
  @Column({ type: 'text', nullable: true })
  blogName!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Their blog's address (http or https); null when not given.",
  })
  @Column({ type: 'text', nullable: true })
  blogUrl!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Address of their picture (http or https); null when not given.',
  })
  @Column({ type: 'text', nullable: true })
  avatarUrl!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A few words about them, plain text; null when not given.',
  })
  @Column({ type: 'text', nullable: true })
  bio!: string | null;

  @Column()
  email!: string;

  @Column()
  passwordHash!: string;

  @Field(() => Role, { description: 'What the account may do.' })
  @Column({ type: 'text' })
  role!: Role;

  @Field({ description: 'When the account was made.' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false, description: NODE_ID_DESCRIPTION })
  get globalId(): string {
    return toGlobalId('Host', this.id);
  }
}

export const HostConnection = ConnectionType('Host', Host);
