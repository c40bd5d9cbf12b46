import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Host } from '../hosts/host.entity';
import { whenReady } from '../common/async';
import { Context } from '../server/context';
import { Entry, EntryStatus } from './entry.entity';
import { SubmitEntryInput } from './linkup.inputs';
import { isRoundupCohost } from './linkup.service';
import { Roundup } from './roundup.entity';

@Resolver(() => Entry)
export class EntryResolver {
  @Mutation(() => Entry, {
    description: 'Anyone, while the roundup is OPEN. Counts toward the per-IP write limit.',
  })
  submitEntry(@Ctx() ctx: Context, @Arg('input') input: SubmitEntryInput) {
    return ctx.services.entries.submit(ctx, input);
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
    return ctx.services.entries.setStatus(ctx, id, status);
  }

  @Authorized()
  @Mutation(() => Entry, {
    description: "The roundup's co-hosts and admins; featuring twice changes nothing.",
  })
  featureEntry(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return ctx.services.entries.feature(ctx, id);
  }

  @Authorized()
  @Mutation(() => Entry, { description: "Takes back the viewer's own feature mark." })
  unfeatureEntry(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return ctx.services.entries.unfeature(ctx, id);
  }

  @FieldResolver(() => Roundup)
  roundup(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.loaders.roundup.get(entry.roundupId);
  }

  @FieldResolver(() => [Host])
  featuredBy(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.loaders.featuredBy.get(entry.id);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Visible to the roundup's co-hosts and admins.",
  })
  submitterEmail(
    @Root() entry: Entry,
    @Ctx() ctx: Context,
  ): string | null | Promise<string | null> {
    return whenReady(isRoundupCohost(ctx, entry.roundupId), (cohost) =>
      cohost ? entry.submitterEmail : null,
    );
  }
}
