/**
 * What the embed shows of one edition: the embed page renders it as HTML, `/embed/{slug}/events`
 * sends it as JSON (SSE `event: snapshot`) on connect and after every change, and `/embed.js`
 * draws it in the blog's page. Anonymous view only: hidden and pending entries never appear.
 */
export interface EmbedSnapshot {
  linkUp: { slug: string; name: string; description: string | null };
  roundup: {
    number: number;
    title: string | null;
    status: 'SCHEDULED' | 'OPEN' | 'CLOSED' | 'CANCELLED';
    opensAt: string;
    closesAt: string;
    closedAt: string | null;
    /** The embed page of this edition (absolute URL). */
    url: string;
    /** Where a reader links up: a co-host's post carrying this edition, else the first co-host's blog. */
    submitUrl: string | null;
  };
  cohosts: { name: string; blogUrl: string | null; isNew: boolean }[];
  /** Visible entries by number. */
  entries: {
    number: number;
    title: string;
    url: string;
    blogName: string | null;
    imageUrl: string | null;
    featured: boolean;
  }[];
}
