import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Host } from '../hosts/host.entity';
import { Context } from '../server/context';
import { Entry } from './entry.entity';
import { isRoundupCohost } from './linkup.service';
import { Roundup } from './roundup.entity';

@Resolver(() => Entry)
export class EntryResolver {
  @FieldResolver(() => Roundup)
  roundup(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.loaders.roundup.load(entry.roundupId);
  }

  @FieldResolver(() => [Host])
  featuredBy(@Root() entry: Entry, @Ctx() ctx: Context) {
    return ctx.loaders.featuredBy.load(entry.id);
  }

  @FieldResolver(() => String, { nullable: true, description: "Visible to the roundup's co-hosts and admins." })
  async submitterEmail(@Root() entry: Entry, @Ctx() ctx: Context): Promise<string | null> {
    return (await isRoundupCohost(ctx, entry.roundupId)) ? entry.submitterEmail : null;
  }
}
