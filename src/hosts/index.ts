export { Host, HostConnection, Role } from './host.entity';
export { hostReads, withViewerRow } from './host.reads';
export { HostResolver } from './host.resolver';
export { HostService } from './host.service';
