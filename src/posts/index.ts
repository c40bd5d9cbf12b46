export { Post, PostConnection, PostStatus } from './post.entity';
export { isPublished, postReads, visiblePost } from './post.reads';
export { HostPostsResolver, PostResolver } from './post.resolver';
export { PostService } from './post.service';
