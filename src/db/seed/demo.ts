import { DataSource, EntityManager } from 'typeorm';
import { hashPassword } from '../../common/auth';
import { renderMarkdown, renderPlainText } from '../../common/text';
import { Weekday } from '../../linkups/linkup.entity';
import { closingAfter, nextOpening, WeeklySchedule } from '../../linkups/schedule';

/** The demo link-up's editions, by number. */
const EDITION_TITLES = [
  'New shoes, old routes',
  'Hill week',
  'Long and slow',
  'Cold mornings',
  'Race week',
];

/** Demo sign-ins, listed in the README. Invented people and blogs; all text is original. */
export const DEMO_ADMIN = { email: 'admin@roundup.example', password: 'admin-demo-pass' };
export const DEMO_HOST_PASSWORD = 'runner-demo-pass';

const HOSTS = [
  [
    'maya-trails',
    'Maya Okafor',
    'Muddy Shoes Diary',
    'Trail runner, hill repeats enthusiast, slow coffee drinker.',
  ],
  [
    'ben-tempo',
    'Ben Lindqvist',
    'Tempo Tuesdays',
    'Chasing a sub-3 marathon one tempo run at a time.',
  ],
  [
    'priya-miles',
    'Priya Raman',
    'Miles Before Breakfast',
    'Early miles, late bedtimes, and too many race medals.',
  ],
  [
    'tom-parkrun',
    'Tom Achterberg',
    'The Saturday Five',
    'Every Saturday, five kilometres, forever.',
  ],
  ['lucia-ultra', 'Lucía Ferrer', 'Ultra Curious', 'Learning to love the long way round.'],
  [
    'sam-returns',
    'Sam Whitfield',
    'Run Again Sam',
    'Back to running after ten years off, writing it all down.',
  ],
] as const;

const URL_BASE = 'https://blogs.roundup.example';
const DAY = 24 * 3600 * 1000;

/**
 * The Weekly Run Roundup's schedule and its five editions, timed as `nextOpening` and
 * `closingAfter` time any edition: 06:00 New York time for 72 hours, on the weekday before the
 * day the demo is loaded. So editions 1-3 are closed, 4 opened yesterday and is open whenever
 * the demo is loaded, and 5 opens a week after it; none overlaps the next.
 */
export function demoEditions(now: Date): {
  schedule: WeeklySchedule;
  editions: { opensAt: Date; closesAt: Date }[];
} {
  const timeZone = 'America/New_York';
  const yesterday = new Date(now.getTime() - DAY);
  const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone }).format(yesterday);
  const schedule = {
    weekday: weekday.toUpperCase() as Weekday,
    opensAtTime: '06:00',
    hoursOpen: 72,
    timeZone,
  };
  // Yesterday's opening was 18 to 43 hours ago: the first one after 23 days ago is 3 weeks before.
  let opensAt = nextOpening(schedule, new Date(now.getTime() - 23 * DAY));
  const editions = [];
  for (let n = 1; n <= 5; n++) {
    editions.push({ opensAt, closesAt: closingAfter(opensAt, schedule.hoursOpen) });
    opensAt = nextOpening(schedule, opensAt);
  }
  return { schedule, editions };
}

/**
 * This week's conversation under each co-host's roundup post (Maya, Ben, Priya, Tom, Lucía):
 * guests with blogs, each answered by the post's author.
 */
const ROUNDUP_THREADS: [guest: [string, string], body: string, answer: string][][] = [
  [
    [
      ['Jo Park', 'Jo Runs Far'],
      'Linked my frosty long run, thanks for hosting! How do you keep your fingers warm at 6 a.m.?',
      'Two pairs of cheap gloves, Jo. The outer pair comes off after mile two.',
    ],
    [
      ['Noor Haddad', 'Noor on the Road'],
      'First time joining the roundup. Cold mornings are the only mornings I have!',
      'Welcome, Noor! Glad to have you in the list this week.',
    ],
  ],
  [
    [
      ['Eli Stone', 'Stone Cold Miles'],
      'Tempo season is my favourite season. My Tuesday session is in the list.',
      'Saw it, Eli. That last mile split was sneaky fast.',
    ],
    [
      ['Mika Sato', 'Slow Miles Club'],
      'Is a tempo run still a tempo run on a treadmill?',
      'It counts! Set a small incline and it feels closer to the road.',
    ],
  ],
  [
    [
      ['Tess Moreau', 'Tess Tries Trails'],
      'Good luck on Sunday! Taper madness is real, stay away from the shoe shops.',
      'Thank you Tess, I have already reorganised my sock drawer twice.',
    ],
    [
      ['Finn Olsen', 'Finn Finds Hills'],
      'Linked my race report from last weekend. Race week nerves just mean you care.',
      'Loved your report, Finn. That finish-line photo is a keeper.',
    ],
  ],
  [
    [
      ['Ines Carvalho', 'Five K Fridays'],
      'Parkrun number 50 for me this weekend! The write-up is linked above.',
      'Fifty! Congratulations Ines, the milestone shirt suits you.',
    ],
    [
      ['Dev Patel', 'Dev Does Distance'],
      'Do you volunteer as often as you run?',
      'Every fourth week or so. Timekeeping is harder than it looks.',
    ],
  ],
  [
    [
      ['Ari Cohen', 'Ari After Dark'],
      'Welcome to the co-host crew, Lucía! Your ultra posts got me through the winter.',
      'Thank you Ari, what a kind welcome!',
    ],
    [
      ['Jo Park', 'Jo Runs Far'],
      'Great to see you hosting. Any tips for a first 50K?',
      'Eat early, walk the hills, and thank every aid station volunteer.',
    ],
  ],
];

async function insertHost(
  m: EntityManager,
  [slug, name, blogName, bio]: readonly string[],
  passwordHash: string,
  role = 'HOST',
): Promise<string> {
  const [row] = await m.query(
    `INSERT INTO hosts (slug, name, blog_name, blog_url, avatar_url, bio, email, password_hash, role)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      slug,
      name,
      blogName,
      `${URL_BASE}/${slug}`,
      `${URL_BASE}/${slug}/avatar.png`,
      bio,
      `${slug}@roundup.example`,
      passwordHash,
      role,
    ],
  );
  return row.id;
}

async function insertPost(
  m: EntityManager,
  authorId: string,
  post: {
    slug: string;
    title: string;
    body: string;
    tags: string[];
    publishedAt: Date | null;
    roundupId?: string;
  },
): Promise<string> {
  const [row] = await m.query(
    `INSERT INTO posts (slug, title, excerpt, body, tags, status, published_at, author_id, roundup_id, created_at, body_html)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      post.slug,
      post.title,
      post.body.split('\n')[0].slice(0, 160),
      post.body,
      post.tags,
      post.publishedAt ? 'PUBLISHED' : 'DRAFT',
      post.publishedAt,
      authorId,
      post.roundupId ?? null,
      post.publishedAt ?? new Date(),
      renderMarkdown(post.body),
    ],
  );
  return row.id;
}

interface DemoComment {
  body: string;
  guest?: [name: string, email: string, blog?: string];
  hostId?: string;
  status?: string;
  replies?: DemoComment[];
}

async function insertComments(
  m: EntityManager,
  postId: string,
  comments: DemoComment[],
  at: Date,
  parent?: { id: string; depth: number },
) {
  let minute = 0;
  for (const c of comments) {
    const [row] = await m.query(
      `INSERT INTO comments (post_id, parent_id, depth, author_host_id, guest_name, guest_email, guest_blog_name, guest_url, body, status, created_at, body_html)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        postId,
        parent?.id ?? null,
        (parent?.depth ?? 0) + 1,
        c.hostId ?? null,
        c.guest?.[0] ?? null,
        c.guest?.[1] ?? null,
        c.guest?.[2] ?? null,
        c.guest?.[2] ? `${URL_BASE}/guests/${c.guest[0].toLowerCase().replace(/\W+/g, '-')}` : null,
        c.body,
        c.status ?? 'APPROVED',
        new Date(at.getTime() + (minute += 37) * 60000),
        renderPlainText(c.body),
      ],
    );
    if (c.replies)
      await insertComments(m, postId, c.replies, new Date(at.getTime() + minute * 60000), {
        id: row.id,
        depth: (parent?.depth ?? 0) + 1,
      });
  }
}

/** Loads the demo data into an empty database; false (and nothing written) when hosts exist. */
export async function loadDemoData(db: DataSource, now = new Date()): Promise<boolean> {
  const adminHash = await hashPassword(DEMO_ADMIN.password);
  const hostHash = await hashPassword(DEMO_HOST_PASSWORD);
  return db.transaction(async (m) => {
    const [{ count }] = await m.query('SELECT count(*)::int AS count FROM hosts');
    if (count > 0) return false;

    await insertHost(
      m,
      ['admin', 'Ada Admin', 'Roundup HQ', 'Keeps the link-ups running.'],
      adminHash,
      'ADMIN',
    );
    const ids: string[] = [];
    for (const host of HOSTS) ids.push(await insertHost(m, host, hostHash));
    const [maya, ben, priya, tom, lucia, sam] = ids;

    const { schedule, editions } = demoEditions(now);
    const [linkUp] = await m.query(
      `INSERT INTO link_ups (slug, name, description, rules, weekday, opens_at_time, hours_open, time_zone, max_entries_per_person)
       VALUES ('weekly-run-roundup', 'The Weekly Run Roundup',
         'Share your running posts from the week: races, training logs, injuries, gear and everything in between.',
         'Link a running post, not your home page. Up to 2 links each. Visit at least two other runners and say hello.',
         $1, $2, $3, $4, 2) RETURNING id`,
      [schedule.weekday, schedule.opensAtTime, schedule.hoursOpen, schedule.timeZone],
    );
    const cohosts = [maya, ben, priya, tom, lucia];
    for (const [i, hostId] of cohosts.entries()) {
      await m.query(
        'INSERT INTO link_up_cohosts (link_up_id, host_id, position) VALUES ($1, $2, $3)',
        [linkUp.id, hostId, i + 1],
      );
    }
    await m
      .query(
        `INSERT INTO link_ups (slug, name, description, weekday, opens_at_time, hours_open, time_zone)
       VALUES ('trail-tales', 'Trail Tales', 'A monthly-ish gathering of trail and mountain stories.', 'FRIDAY', '18:00', 48, 'Europe/Madrid')
       RETURNING id`,
      )
      .then(([t]) =>
        m.query('INSERT INTO link_up_cohosts (link_up_id, host_id, position) VALUES ($1, $2, 1)', [
          t.id,
          lucia,
        ]),
      );

    // Lucía joined in edition 4. Titles name the week's theme: the link-up and number come first.
    const roundupIds: string[] = [];
    for (const [index, { opensAt, closesAt }] of editions.entries()) {
      const n = index + 1;
      const [r] = await m.query(
        `INSERT INTO roundups (link_up_id, number, title, opens_at, closes_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [linkUp.id, n, EDITION_TITLES[index], opensAt, closesAt],
      );
      roundupIds.push(r.id);
      const editionCohosts = n >= 4 ? cohosts : cohosts.slice(0, 4);
      for (const [i, hostId] of editionCohosts.entries()) {
        await m.query(
          'INSERT INTO roundup_cohosts (roundup_id, host_id, position, is_new) VALUES ($1, $2, $3, $4)',
          [r.id, hostId, i + 1, n === 4 && hostId === lucia],
        );
      }
    }

    const topics = [
      'Long run recap',
      'Speed work that hurt',
      'New shoes review',
      'Race report',
      'Rest week thoughts',
      'Hill repeats',
      'Rainy miles',
      'Training log',
    ];
    const runners = [
      'Jo',
      'Ari',
      'Kim',
      'Noor',
      'Eli',
      'Rosa',
      'Dev',
      'Mika',
      'Finn',
      'Tess',
      'Omar',
      'Ines',
    ];
    for (const [ri, roundupId] of roundupIds.slice(0, 4).entries()) {
      const count = [10, 12, 9, 14][ri];
      for (let e = 1; e <= count; e++) {
        const runner = runners[(e + ri) % runners.length];
        const slug = `${runner.toLowerCase()}-runs`;
        const url = `${URL_BASE}/${slug}/roundup-${ri + 1}-${e}`;
        await m.query(
          `INSERT INTO entries (roundup_id, number, title, url, normalized_url, submitter_name, submitter_email, blog_name, image_url, status)
           VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9)`,
          [
            roundupId,
            e,
            `${topics[(e + ri) % topics.length]} (week ${ri + 1})`,
            url,
            runner,
            `${runner.toLowerCase()}@runners.example`,
            `${runner} Runs`,
            `${url}/cover.jpg`,
            e === 3 ? 'HIDDEN' : 'VISIBLE',
          ],
        );
      }
      await m.query('UPDATE roundups SET last_entry_number = $2 WHERE id = $1', [roundupId, count]);
      await m.query(
        `INSERT INTO entry_features (entry_id, host_id) SELECT id, $2 FROM entries WHERE roundup_id = $1 AND number IN (1, 5)`,
        [roundupId, cohosts[ri % cohosts.length]],
      );
    }

    // Every co-host publishes the open edition's post as it opens, and answers its comments.
    const open = roundupIds[3];
    for (const [i, hostId] of cohosts.entries()) {
      const slug = HOSTS[ids.indexOf(hostId)][0];
      const publishedAt = new Date(editions[3].opensAt.getTime() + i * 60000);
      const postId = await insertPost(m, hostId, {
        slug: `${slug}-weekly-run-roundup-4`,
        title: `Weekly Run Roundup #4: ${['cold mornings', 'tempo season', 'race week', 'the parkrun edition', 'welcome, Lucía'][i]}`,
        body: `Welcome back to the **Weekly Run Roundup**! Link up your running posts below and visit a few neighbours.\n\nThis week I ran ${20 + i * 7} miles and ate far too many bagels.\n\n- Share a running post\n- Say hi to the co-hosts\n- Have fun`,
        tags: ['roundup', 'running'],
        publishedAt,
        roundupId: open,
      });
      const thread = ROUNDUP_THREADS[i].map(([[name, blog], body, answer]): DemoComment => ({
        guest: [name, `${name.split(' ')[0].toLowerCase()}@runners.example`, blog],
        body,
        replies: [{ hostId, body: answer }],
      }));
      await insertComments(m, postId, thread, publishedAt);
    }

    const race = await insertPost(m, maya, {
      slug: 'my-first-trail-half',
      title: 'My first trail half marathon',
      body: 'Thirteen miles, two river crossings and one very confused cow.\n\n## The start\n\nI went out too fast, *as usual*. [Race site](https://race.example/trail-half).',
      tags: ['race report', 'trail'],
      publishedAt: new Date(now.getTime() - 9 * DAY),
    });
    await insertComments(
      m,
      race,
      [
        {
          guest: ['Jo Park', 'jo@runners.example', 'Jo Runs Far'],
          body: 'The cow part made me laugh out loud. Congratulations on finishing!',
          replies: [
            {
              hostId: maya,
              body: 'Thank you Jo! The cow was unimpressed by my pace.',
              replies: [
                {
                  guest: ['Jo Park', 'jo@runners.example', 'Jo Runs Far'],
                  body: 'Cows are tough critics.',
                },
              ],
            },
          ],
        },
        {
          guest: ['Rosa Diaz', 'rosa@runners.example'],
          body: 'River crossings sound terrifying. Did your shoes survive?',
          replies: [{ hostId: maya, body: 'Soaked but alive. They dried in a day.' }],
        },
        {
          guest: ['First Timer', 'newbie@runners.example'],
          body: 'Is this race good for beginners?',
          status: 'PENDING',
        },
        {
          guest: ['Cheap Pills', 'spam@spam.example'],
          body: 'Buy cheap watches at http://spam.example and http://spam.example/2',
          status: 'SPAM',
        },
      ],
      new Date(now.getTime() - 9 * DAY),
    );

    const tempo = await insertPost(m, ben, {
      slug: 'why-tempo-runs-work',
      title: 'Why tempo runs work (for me)',
      body: 'Comfortably hard is a real place, and I visit it every Tuesday.\n\n> Run the mile you are in.\n\nThree reasons tempo runs changed my training.',
      tags: ['training', 'marathon'],
      publishedAt: new Date(now.getTime() - 5 * DAY),
    });
    await insertComments(
      m,
      tempo,
      [
        {
          guest: ['Eli Stone', 'eli@runners.example', 'Stone Cold Miles'],
          body: 'Comfortably hard is my favourite oxymoron.',
          replies: [{ hostId: ben, body: 'Right after "fun run"!' }],
        },
        { hostId: priya, body: 'Great post Ben, stealing this workout for Thursday.' },
      ],
      new Date(now.getTime() - 5 * DAY),
    );

    await insertPost(m, priya, {
      slug: 'five-am-club',
      title: 'Notes from the 5 a.m. club',
      body: 'Alarm, shoes, door. Do not negotiate with yourself before sunrise.',
      tags: ['habits'],
      publishedAt: new Date(now.getTime() - 3 * DAY),
    });
    await insertPost(m, sam, {
      slug: 'couch-to-10k-week-6',
      title: 'Couch to 10K, week 6',
      body: 'Ran for twenty-five minutes without stopping. Cried a little. Worth it.',
      tags: ['beginner'],
      publishedAt: new Date(now.getTime() - 2 * DAY),
    });
    await insertPost(m, tom, {
      slug: 'parkrun-pb-draft',
      title: 'Parkrun PB (draft)',
      body: 'Still writing this one up.',
      tags: ['parkrun'],
      publishedAt: null,
    });
    return true;
  });
}

/** First-admin bootstrap: creates the admin unless a host already has that email. */
export async function bootstrapAdmin(
  db: DataSource,
  email: string,
  password: string,
): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  const rows = await db.query(
    `INSERT INTO hosts (slug, name, email, password_hash, role)
     SELECT 'admin-' || substr(md5(random()::text), 1, 8), 'Administrator', $1, $2, 'ADMIN'
     WHERE NOT EXISTS (SELECT 1 FROM hosts WHERE lower(email) = lower($1))
     RETURNING id`,
    [email, passwordHash],
  );
  return rows.length > 0;
}
