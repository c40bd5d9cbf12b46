import { normalizeUrl } from '../src/common/url';
import {
  canonicalTimeZone,
  closingAfter,
  nextOpening,
  WeeklySchedule,
} from '../src/linkups/schedule';
import { Weekday } from '../src/linkups/linkup.entity';

describe('normalizeUrl', () => {
  it.each([
    ['HTTPS://Blog.Example/Post', 'https://blog.example/Post'],
    ['https://blog.example/post/', 'https://blog.example/post'],
    ['https://blog.example/', 'https://blog.example'],
    ['https://blog.example', 'https://blog.example'],
    ['https://blog.example/post//', 'https://blog.example/post'],
    ['https://blog.example/post#comments', 'https://blog.example/post'],
    ['http://blog.example:80/post', 'http://blog.example/post'],
    ['https://blog.example:443/post', 'https://blog.example/post'],
    ['https://blog.example:8443/post', 'https://blog.example:8443/post'],
    ['http://blog.example:443/post', 'http://blog.example:443/post'],
    ['https://blog.example/post?utm_source=x&utm_medium=y', 'https://blog.example/post'],
    [
      'https://blog.example/post?p=1&UTM_Campaign=z&fbclid=abc&gclid=def',
      'https://blog.example/post?p=1',
    ],
    ['https://blog.example/post/?b=2&a=1', 'https://blog.example/post?b=2&a=1'],
    ['https://blog.example/post?', 'https://blog.example/post'],
    ['https://blog.example/post?q=a%20b', 'https://blog.example/post?q=a%20b'],
    ['  https://blog.example/post  ', 'https://blog.example/post'],
    ['https://BLOG.example/a/../b/', 'https://blog.example/b'],
    ['https://bücher.example/laufen', 'https://xn--bcher-kva.example/laufen'],
  ])('%s -> %s', (raw, normalized) => {
    expect(normalizeUrl(raw)).toBe(normalized);
  });

  it('keeps the path case (paths are case-sensitive on most servers)', () => {
    expect(normalizeUrl('https://blog.example/Post')).not.toBe(
      normalizeUrl('https://blog.example/post'),
    );
  });

  it.each([
    'ftp://blog.example/x',
    'javascript:alert(1)',
    'mailto:a@b.example',
    'blog.example/post',
    '',
    'https://',
    'https://user:pw@blog.example/',
  ])('refuses %j', (raw) => {
    expect(normalizeUrl(raw)).toBeNull();
  });
});

describe('schedule', () => {
  const ny = (weekday: Weekday, opensAtTime: string): WeeklySchedule => ({
    weekday,
    opensAtTime,
    hoursOpen: 72,
    timeZone: 'America/New_York',
  });

  it('opens at the same local time on both sides of the November change', () => {
    // 2026-11-01 is the first Sunday of November: EDT (-4) ends.
    expect(
      nextOpening(ny(Weekday.MONDAY, '06:00'), new Date('2026-10-20T12:00:00Z')).toISOString(),
    ).toBe('2026-10-26T10:00:00.000Z');
    expect(
      nextOpening(ny(Weekday.MONDAY, '06:00'), new Date('2026-10-26T10:00:00Z')).toISOString(),
    ).toBe('2026-11-02T11:00:00.000Z');
  });

  it('opens at the same local time on both sides of the March change', () => {
    // 2026-03-08 is the second Sunday of March: EDT begins.
    expect(
      nextOpening(ny(Weekday.MONDAY, '06:00'), new Date('2026-03-02T10:00:00Z')).toISOString(),
    ).toBe('2026-03-02T11:00:00.000Z');
    expect(
      nextOpening(ny(Weekday.MONDAY, '06:00'), new Date('2026-03-02T11:00:00Z')).toISOString(),
    ).toBe('2026-03-09T10:00:00.000Z');
  });

  it('opens a skipped local time just after the gap, and a repeated one at its first occurrence', () => {
    expect(
      nextOpening(ny(Weekday.SUNDAY, '02:30'), new Date('2026-03-05T00:00:00Z')).toISOString(),
    ).toBe('2026-03-08T07:30:00.000Z');
    expect(
      nextOpening(ny(Weekday.SUNDAY, '01:30'), new Date('2026-10-30T00:00:00Z')).toISOString(),
    ).toBe('2026-11-01T05:30:00.000Z');
  });

  it('takes today when its opening is still ahead, else the same weekday next week', () => {
    const schedule = {
      weekday: Weekday.FRIDAY,
      opensAtTime: '18:00',
      hoursOpen: 48,
      timeZone: 'Europe/Madrid',
    };
    // Friday 2026-06-05, 18:00 CEST = 16:00Z.
    expect(nextOpening(schedule, new Date('2026-06-05T15:59:00Z')).toISOString()).toBe(
      '2026-06-05T16:00:00.000Z',
    );
    expect(nextOpening(schedule, new Date('2026-06-05T16:00:00Z')).toISOString()).toBe(
      '2026-06-12T16:00:00.000Z',
    );
  });

  it('counts hoursOpen as elapsed hours', () => {
    expect(closingAfter(new Date('2026-10-31T10:00:00Z'), 72).toISOString()).toBe(
      '2026-11-03T10:00:00.000Z',
    );
  });

  it('accepts IANA names only, in their canonical spelling', () => {
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('+02:00')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });
});
