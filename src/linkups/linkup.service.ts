import { DataSource } from 'typeorm';
import { hydrate } from '../db/batch';
import { Context, isAdmin } from '../server/context';
import { Entry, EntryStatus } from './entry.entity';
import { LinkUp } from './linkup.entity';
import { Roundup } from './roundup.entity';

/** True for the roundup's own co-hosts and admins: who sees hidden entries and submitter emails. */
export async function isRoundupCohost(ctx: Context, roundupId: string): Promise<boolean> {
  if (isAdmin(ctx)) return true;
  if (!ctx.viewer) return false;
  const cohosts = await ctx.loaders.roundupCohosts.load(roundupId);
  return cohosts.some((c) => c.hostId === ctx.viewer!.id);
}

/** Hidden entries are seen by the roundup's co-hosts and admins only. */
export async function canSeeEntry(ctx: Context, entry: Entry): Promise<boolean> {
  return entry.status === EntryStatus.VISIBLE || isRoundupCohost(ctx, entry.roundupId);
}

/** Link-ups and their roundups: lookups. */
export class LinkUpService {
  constructor(private readonly db: DataSource) {}

  async bySlug(_ctx: Context, slug: string): Promise<LinkUp | null> {
    const [linkUp] = hydrate(this.db, LinkUp, await this.db.query('SELECT * FROM link_ups WHERE slug = $1', [slug]));
    return linkUp ?? null;
  }

  async list(_ctx: Context): Promise<LinkUp[]> {
    return hydrate(this.db, LinkUp, await this.db.query('SELECT * FROM link_ups ORDER BY name, id'));
  }

  async roundup(_ctx: Context, linkUpSlug: string, number: number): Promise<Roundup | null> {
    const [roundup] = hydrate(
      this.db,
      Roundup,
      await this.db.query(
        'SELECT r.* FROM roundups r JOIN link_ups l ON l.id = r.link_up_id WHERE l.slug = $1 AND r.number = $2',
        [linkUpSlug, number],
      ),
    );
    return roundup ?? null;
  }
}
