import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Host } from '../hosts';
import { Context } from '../read/context';
import { Entry, EntryStatus } from './entry.entity';
import { SubmitEntryInput } from './linkup.inputs';
import { EntryService } from './entry.service';
import { linkUpReads } from './linkup.reads';
import { Roundup } from './roundup.entity';

const { Entry: fields } = linkUpReads;

@Resolver(() => Entry)
export class EntryResolver {
  constructor(private readonly service: EntryService) {}

  @Mutation(() => Entry, {
    description: 'Anyone, while the roundup is OPEN. Counts toward the per-IP write limit.',
  })
  submitEntry(@Ctx() ctx: Context, @Arg('input') input: SubmitEntryInput) {
    return this.service.submit(ctx, input);
  }

  @Authorized()
  @Mutation(() => Entry, {
    description: "The roundup's co-hosts and admins. Hiding never renumbers.",
  })
  setEntryStatus(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('status', () => EntryStatus) status: EntryStatus,
  ) {
    return this.service.setStatus(ctx, id, status);
  }

  @Authorized()
  @Mutation(() => Entry, {
    description: "The roundup's co-hosts and admins; featuring twice changes nothing.",
  })
  featureEntry(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return this.service.feature(ctx, id);
  }

  @Authorized()
  @Mutation(() => Entry, { description: "Takes back the viewer's own feature mark." })
  unfeatureEntry(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return this.service.unfeature(ctx, id);
  }

  @FieldResolver(() => Roundup)
  roundup(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.roundup, entry);
  }

  @FieldResolver(() => [Host])
  featuredBy(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.featuredBy, entry);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Visible to the roundup's co-hosts and admins.",
  })
  submitterEmail(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.submitterEmail, entry);
  }
}
