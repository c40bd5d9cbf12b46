import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { commentLoaders } from '../comments/comment.loaders';
import { Host, Role } from '../hosts/host.entity';
import { hostLoaders } from '../hosts/host.loaders';
import { linkUpLoaders } from '../linkups/linkup.loaders';
import { postLoaders } from '../posts/post.loaders';
import type { Services } from './services';

/** A fresh set per request: batching and caching never leak between viewers. */
export function createLoaders(db: DataSource, clock: Clock) {
  return {
    ...hostLoaders(db),
    ...postLoaders(db),
    ...commentLoaders(db),
    ...linkUpLoaders(db, clock),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

export interface Context {
  requestId: string;
  viewer: Host | null;
  loaders: Loaders;
  services: Services;
  clock: Clock;
  ip: string;
  userAgent: string | null;
}

export function isAdmin(ctx: Context): boolean {
  return ctx.viewer?.role === Role.ADMIN;
}

/** True for the viewer themself and for admins: who may see private fields of `hostId`. */
export function isSelfOrAdmin(ctx: Context, hostId: string): boolean {
  return isAdmin(ctx) || ctx.viewer?.id === hostId;
}
