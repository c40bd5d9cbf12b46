export { LinkBackService } from './linkback.service';
export { webmentionHandler } from './webmention';
