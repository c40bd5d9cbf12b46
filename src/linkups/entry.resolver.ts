import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Host } from '../hosts';
import { Context } from '../read/context';
import { Entry, EntryStatus } from './entry.entity';
import { SubmitEntryInput, UpdateEntryInput } from './linkup.inputs';
import { EntryService } from './entry.service';
import { linkUpReads } from './linkup.reads';
import { Roundup } from './roundup.entity';

const { Entry: fields } = linkUpReads;

const ENTRY_ID = "The entry's global id.";

@Resolver(() => Entry)
export class EntryResolver {
  constructor(private readonly service: EntryService) {}

  @Mutation(() => Entry, {
    description:
      "Anyone, while the roundup is OPEN. Counts toward the per-IP write limit. The answer's status says whether the entry shows (VISIBLE) or awaits approval (PENDING); its editToken is given here only.",
  })
  submitEntry(
    @Ctx() ctx: Context,
    @Arg('input', { description: 'The entry.' }) input: SubmitEntryInput,
  ) {
    return this.service.submit(ctx, input);
  }

  @Mutation(() => Entry, {
    description:
      "Its submitter with the edit token while the roundup is OPEN (the edit is screened again and may be held or hidden), or the roundup's co-hosts and admins at any time. A wrong token is FORBIDDEN; too many from one address RATE_LIMITED.",
  })
  updateEntry(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: ENTRY_ID }) id: string,
    @Arg('editToken', () => String, {
      nullable: true,
      description: 'From the submitEntry answer; co-hosts and admins need none.',
    })
    editToken: string | null | undefined,
    @Arg('input', { description: 'The changes.' }) input: UpdateEntryInput,
  ) {
    return this.service.update(ctx, id, editToken, input);
  }

  @Mutation(() => Entry, {
    description:
      'Its submitter takes the entry back with the edit token, at any time: it becomes HIDDEN and keeps its number.',
  })
  withdrawEntry(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: ENTRY_ID }) id: string,
    @Arg('editToken', { description: 'From the submitEntry answer.' }) editToken: string,
  ) {
    return this.service.withdraw(ctx, id, editToken);
  }

  @Authorized()
  @Mutation(() => Entry, {
    description:
      "The roundup's co-hosts and admins: VISIBLE approves a pending entry. Never renumbers.",
  })
  setEntryStatus(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: ENTRY_ID }) id: string,
    @Arg('status', () => EntryStatus, {
      description: 'VISIBLE shows or approves it, HIDDEN hides it, PENDING holds it.',
    })
    status: EntryStatus,
  ) {
    return this.service.setStatus(ctx, id, status);
  }

  @Authorized()
  @Mutation(() => Entry, {
    description: "The roundup's co-hosts and admins; featuring twice changes nothing.",
  })
  featureEntry(@Ctx() ctx: Context, @Arg('id', () => ID, { description: ENTRY_ID }) id: string) {
    return this.service.feature(ctx, id);
  }

  @Authorized()
  @Mutation(() => Entry, { description: "Takes back the viewer's own feature mark." })
  unfeatureEntry(@Ctx() ctx: Context, @Arg('id', () => ID, { description: ENTRY_ID }) id: string) {
    return this.service.unfeature(ctx, id);
  }

  @Authorized()
  @Mutation(() => Entry, {
    description:
      "The link-up's current co-hosts and admins: checks the entry's page for a link back again, in the background (linkBack is PENDING until done).",
  })
  recheckLinkBack(@Ctx() ctx: Context, @Arg('id', () => ID, { description: ENTRY_ID }) id: string) {
    return this.service.recheckLinkBack(ctx, id);
  }

  @FieldResolver(() => Roundup, { description: 'The roundup it is in.' })
  roundup(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.roundup, entry);
  }

  @FieldResolver(() => [Host], {
    description: 'The co-hosts who featured it, oldest mark first; empty when none.',
  })
  featuredBy(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.featuredBy, entry);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The submitter's email: for the link-up's current co-hosts and admins; null for everyone else.",
  })
  submitterEmail(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.reads.get(fields.fields.submitterEmail, entry);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'The secret that lets its submitter edit or withdraw the entry: in the submitEntry answer only (keep it), null everywhere else.',
  })
  editToken(@Root() entry: Entry, @Ctx() ctx: Context) {
    return entry.editToken ?? ctx.reads.get(fields.fields.editToken, entry);
  }
}
