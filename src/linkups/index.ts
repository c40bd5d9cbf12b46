export { EntryResolver } from './entry.resolver';
export { EntryService } from './entry.service';
export { linkUpReads } from './linkup.reads';
export { HostLinkUpsResolver, LinkUpResolver, PostRoundupResolver } from './linkup.resolver';
export { LinkUpService } from './linkup.service';
export { CohostResolver, RoundupResolver } from './roundup.resolver';
export { RoundupService } from './roundup.service';
export { EntryEventResolver, RoundupEventResolver } from './live.resolver';
export { LiveEvents } from './live.service';
