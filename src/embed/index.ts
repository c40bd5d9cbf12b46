import { GraphQLSchema } from 'graphql';
import { PubSub } from 'type-graphql';
import { Clock } from '../common/clock';
import { RunStatement } from '../db/prepared';
import { ReadSpec } from '../read/model';
import { embedReads } from './reads';
import { embedRoutes } from './routes';
import { EmbedStreams } from './sse';

export { PUBLIC_PATHS } from './routes';
export type { EmbedSnapshot } from './snapshot';

export interface EmbedDeps {
  schema: GraphQLSchema;
  model: ReadSpec;
  run: RunStatement;
  clock: Clock;
  bus: PubSub;
  publicCacheSeconds: number;
  /** PUBLIC_URL: the origin the routes' absolute addresses start with; unset, the request's. */
  publicUrl: string | undefined;
  maxStreamsPerIp: number;
  exposeSqlCount: boolean;
  logger: { warn(details: object, message: string): void };
}

/** The live roundup on every co-host's blog: the embed page, its event stream, oEmbed and feeds. */
export function createEmbed(deps: EmbedDeps) {
  const reads = embedReads(deps.schema, deps.model, deps.run, deps.clock);
  const streams = new EmbedStreams(
    reads,
    deps.bus,
    deps.maxStreamsPerIp,
    deps.logger,
    deps.exposeSqlCount,
  );
  const router = embedRoutes({
    reads,
    streams,
    publicCacheSeconds: deps.publicCacheSeconds,
    publicUrl: deps.publicUrl,
    exposeSqlCount: deps.exposeSqlCount,
  });
  return { router, streams };
}
