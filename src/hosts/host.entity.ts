import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../common/ids';
import { Node } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum Role {
  ADMIN = 'ADMIN',
  HOST = 'HOST',
}
registerEnumType(Role, { name: 'Role' });

/** A blogger with an account. `email` is resolved by HostResolver, visible to self and admins. */
@Entity('hosts')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Host implements Node {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Field()
  @Column()
  slug!: string;

  @Field()
  @Column()
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  blogName!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  blogUrl!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  avatarUrl!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  bio!: string | null;

  @Column()
  email!: string;

  @Column()
  passwordHash!: string;

  @Field(() => Role)
  @Column({ type: 'text' })
  role!: Role;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return toGlobalId('Host', this.id);
  }
}

export const HostConnection = ConnectionType('Host', Host);
