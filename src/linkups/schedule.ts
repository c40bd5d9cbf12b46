import { DateTime } from 'luxon';
import { Weekday } from './linkup.entity';

/** The part of a link-up that decides when an edition opens. */
export interface WeeklySchedule {
  weekday: Weekday;
  opensAtTime: string;
  hoursOpen: number;
  timeZone: string;
}

const ISO_WEEKDAY: Record<Weekday, number> = {
  MONDAY: 1,
  TUESDAY: 2,
  WEDNESDAY: 3,
  THURSDAY: 4,
  FRIDAY: 5,
  SATURDAY: 6,
  SUNDAY: 7,
};

export const OPENS_AT_TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/**
 * The canonical IANA name of a time zone ("america/new_york" -> "America/New_York"), or null when
 * it is not one. Fixed offsets such as "+02:00" are refused: they ignore daylight saving.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The first opening strictly after `after`: the schedule's weekday at its local time in its time
 * zone, so an edition opens at 06:00 local both sides of a daylight-saving change. A local time
 * skipped by a spring-forward change opens at the first instant after the gap (02:30 -> 03:30);
 * one that happens twice in autumn opens at its first occurrence.
 */
export function nextOpening(schedule: WeeklySchedule, after: Date): Date {
  const [, hour, minute] = OPENS_AT_TIME.exec(schedule.opensAtTime)!.map(Number);
  const start = DateTime.fromJSDate(after, { zone: schedule.timeZone }).startOf('day');
  // Eight days: when today is the weekday but its opening has passed, the same weekday next week.
  for (let days = 0; days <= 7; days++) {
    const day = start.plus({ days });
    if (day.weekday !== ISO_WEEKDAY[schedule.weekday]) continue;
    const local = DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour, minute },
      { zone: schedule.timeZone },
    );
    const [first] = local.getPossibleOffsets();
    const opening = (first ?? local).toJSDate();
    if (opening > after) return opening;
  }
  throw new Error('unreachable: a week always holds the weekday');
}

/** Opens + `hoursOpen` elapsed hours (a 72-hour edition is open 72 hours, DST or not). */
export function closingAfter(opensAt: Date, hoursOpen: number): Date {
  return new Date(opensAt.getTime() + hoursOpen * 3600_000);
}
