import { DEMO_HOST_PASSWORD, demoEditions } from '../src/db/seed/demo';
import { closingAfter, nextOpening, WeeklySchedule } from '../src/linkups/schedule';
import { startTestApi, TestApi } from './helpers/api';
import { example } from './helpers/docs';

/** The README's front page. */
const FRONT_PAGE = example('README.md', 'FrontPage').text;

const EDITIONS = `query Editions {
  linkUp(slug: "weekly-run-roundup") {
    id weekday opensAtTime hoursOpen timeZone
    currentRoundup { number status }
    roundups(first: 10) { edges { node { number status opensAt closesAt } } }
  }
}`;

const HOUR = 3600_000;

interface Edition {
  opensAt: Date;
  closesAt: Date;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The weekday and local time of `at` in `timeZone`: "MONDAY 06:00". */
function localWeekdayAndTime(at: Date, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
  }
  return format.format(at).toUpperCase().replace(/,? /, ' ');
}

/** Each edition opens at the schedule's next opening after the previous one and closes first. */
function expectOnSchedule(schedule: WeeklySchedule, editions: Edition[]) {
  for (const [i, { opensAt, closesAt }] of editions.entries()) {
    expect(localWeekdayAndTime(opensAt, schedule.timeZone)).toBe(
      `${schedule.weekday} ${schedule.opensAtTime}`,
    );
    expect(closesAt).toEqual(closingAfter(opensAt, schedule.hoursOpen));
    const next = editions[i + 1];
    if (next) {
      expect(next.opensAt).toEqual(nextOpening(schedule, opensAt));
      expect(closesAt.getTime()).toBeLessThanOrEqual(next.opensAt.getTime());
    }
  }
}

describe('the demo data', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ DEMO_DATA: 'on' });
  });
  afterAll(() => t?.stop());

  it("shows a conversation on the README's front page: approved guests, each answered by the author", async () => {
    const r = await t.gql(FRONT_PAGE);
    expect(r.errors).toBeUndefined();
    const posts = r.data.posts.edges.map((e: any) => e.node);
    expect(posts).toHaveLength(5);
    for (const post of posts) {
      expect(post.roundup).toMatchObject({ number: 4, status: 'OPEN' });
      const comments = post.comments.edges.map((e: any) => e.node);
      expect(comments.length).toBeGreaterThanOrEqual(2);
      expect(post.commentCount).toBe(comments.length * 2);
      const authorName = `${post.author.name} @ ${post.author.blogName}`;
      // The post's author as the author of a comment: one cached object for all their replies.
      const hostId = Buffer.from(post.author.id, 'base64url').toString().split(':')[1];
      const answerer = {
        id: Buffer.from(`CommentAuthor:Host:${hostId}`).toString('base64url'),
        displayName: authorName,
      };
      for (const comment of comments) {
        expect(comment.author.displayName).toMatch(/^\S.* @ \S.*$/);
        expect(comment.author.displayName).not.toBe(authorName);
        expect(comment.replies).toEqual([
          { id: expect.any(String), author: answerer, body: expect.any(String) },
        ]);
      }
    }
    // Guests with a blog, each answered by the post's own author; all of it public.
    const rows = await t.sql(
      `SELECT c.author_host_id IS NULL AS guest, c.guest_blog_name IS NOT NULL AS has_blog,
         c.author_host_id = p.author_id AS by_author, c.status, count(*)::int AS n
       FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.roundup_id IS NOT NULL
       GROUP BY 1, 2, 3, 4 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { guest: false, has_blog: false, by_author: true, status: 'APPROVED', n: expect.any(Number) },
      { guest: true, has_blog: true, by_author: null, status: 'APPROVED', n: rows[0].n },
    ]);
  });

  it("times its editions by the link-up's schedule: 1-3 closed, 4 open now, 5 scheduled, none overlapping", async () => {
    const r = await t.gql(EDITIONS);
    expect(r.errors).toBeUndefined();
    const { roundups, currentRoundup, ...schedule } = r.data.linkUp;
    const editions = roundups.edges
      .map((e: any) => e.node)
      .sort((a: any, b: any) => a.number - b.number);
    expect(editions.map((e: any) => [e.number, e.status])).toEqual([
      [1, 'CLOSED'],
      [2, 'CLOSED'],
      [3, 'CLOSED'],
      [4, 'OPEN'],
      [5, 'SCHEDULED'],
    ]);
    expect(currentRoundup).toEqual({ number: 4, status: 'OPEN' });
    expectOnSchedule(
      schedule,
      editions.map((e: any) => ({ opensAt: new Date(e.opensAt), closesAt: new Date(e.closesAt) })),
    );

    // The next edition a co-host schedules (docs/linkups.md) follows edition 5 the same way.
    const signIn = await t.gql(
      `mutation { signIn(email: "maya-trails@roundup.example", password: "${DEMO_HOST_PASSWORD}") { token } }`,
    );
    const next = await t.gql(
      `mutation Schedule($input: ScheduleRoundupInput!) {
        scheduleRoundup(input: $input) { number status opensAt closesAt }
      }`,
      { input: { linkUpId: schedule.id, title: 'Recovery week' } },
      { token: signIn.data.signIn.token },
    );
    expect(next.errors).toBeUndefined();
    expect(next.data.scheduleRoundup).toMatchObject({ number: 6, status: 'SCHEDULED' });
    expectOnSchedule(schedule, [
      { opensAt: new Date(editions[4].opensAt), closesAt: new Date(editions[4].closesAt) },
      {
        opensAt: new Date(next.data.scheduleRoundup.opensAt),
        closesAt: new Date(next.data.scheduleRoundup.closesAt),
      },
    ]);
  });
});

describe('demoEditions', () => {
  /** Every `step` from `from` for `days` days. */
  const times = (from: number, days: number, step: number) =>
    Array.from(
      { length: Math.ceil((days * 24 * HOUR) / step) },
      (_, i) => new Date(from + i * step),
    );

  it('keeps edition 4 open and the others on schedule whenever the demo is loaded, clock changes included', () => {
    const moments = [
      // A year, and the weeks around New York's spring and autumn clock changes, more closely.
      ...times(Date.UTC(2026, 0, 1), 365, 121 * HOUR),
      ...times(Date.UTC(2026, 2, 1), 16, 7 * HOUR + 60_000),
      ...times(Date.UTC(2026, 9, 25), 16, 7 * HOUR + 60_000),
    ];
    for (const now of moments) {
      const { schedule, editions } = demoEditions(now);
      expectOnSchedule(schedule, editions);
      const open = editions.map((e) => e.opensAt <= now && now < e.closesAt);
      expect(open).toEqual([false, false, false, true, false]);
      expect(editions[2].closesAt <= now && editions[4].opensAt > now).toBe(true);
    }
  });
});
