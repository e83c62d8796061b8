import type { Shift } from './oncall.api.ts';

/*
 * How shifts read: times and days in the schedule's time zone, so "09:00" is the handoff the team
 * wrote down wherever the reader is.
 */

const formats = new Map<string, { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat; key: Intl.DateTimeFormat; full: Intl.DateTimeFormat }>();
function formatsOf(tz: string) {
  let f = formats.get(tz);
  if (!f) {
    f = {
      day: new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short' }),
      time: new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      key: new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }),
      full: new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    };
    formats.set(tz, f);
  }
  return f;
}

/** "Tue 2 Jun, 09:00" in the schedule's time zone. */
export function whenIn(iso: string, tz: string): string {
  return formatsOf(tz).full.format(new Date(iso));
}

/** One calendar day of a schedule: its label and who is on call in each rotation that day. */
export interface CalendarDay {
  key: string;
  label: string;
  entries: { rotation: string; user: string | null; override: boolean; text: string }[];
}

const HOUR = 3600_000;

/** Shifts laid out by the days (in `tz`) they touch, with the hours they hold of each day. */
export function calendarDays(shifts: Shift[], tz: string): CalendarDay[] {
  const f = formatsOf(tz);
  const days = new Map<string, CalendarDay>();
  for (const s of shifts) {
    const from = Date.parse(s.from);
    const to = Date.parse(s.to);
    const touched = new Map<string, number>();
    // every few hours is enough to meet each local day (no day is shorter than 23 hours)
    for (let t = from; t < to; t += 6 * HOUR) if (!touched.has(f.key.format(t))) touched.set(f.key.format(t), t);
    if (!touched.has(f.key.format(to - 1))) touched.set(f.key.format(to - 1), to - 1);
    const first = f.key.format(from);
    const last = f.key.format(to - 1);
    for (const [key, t] of touched) {
      let day = days.get(key);
      if (!day) days.set(key, (day = { key, label: f.day.format(t), entries: [] }));
      const starts = key === first;
      const ends = key === last;
      const text = starts && ends ? `${f.time.format(from)}–${f.time.format(to)}` : starts ? `from ${f.time.format(from)}` : ends ? `until ${f.time.format(to)}` : 'all day';
      day.entries.push({ rotation: s.rotation, user: s.user, override: s.override, text });
    }
  }
  return [...days.values()].sort((a, b) => a.key.localeCompare(b.key));
}
