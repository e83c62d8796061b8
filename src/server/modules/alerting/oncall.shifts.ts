import { WEEKDAYS, type OnCallScheduleSpec, type Rotation } from '../../../shared/oncall.schema.ts';

/*
 * Who is on call when: pure functions of a schedule and an instant. Handoffs happen at a wall-clock
 * time in the schedule's time zone, so a day across a DST change is 23 or 25 hours long.
 */

const DAY_MS = 86_400_000;

/** A stretch of time (ms since the epoch, end exclusive) one user — or nobody — is on call for a rotation. */
export interface ShiftSpan {
  rotation: string;
  user: string | null;
  from: number;
  to: number;
  override: boolean;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock of `t` in `tz`, as if it were UTC (ms). */
function wallClock(t: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
}

/** How far `tz` is ahead of UTC at `t` (ms). */
function offsetAt(t: number, tz: string): number {
  return wallClock(t - (t % 1000), tz) - (t - (t % 1000));
}

/**
 * The instant a wall-clock time (day number since 1970-01-01 and minute of the day) happens in `tz`.
 * @remarks In a DST gap the time that does not exist moves forward by the gap (02:30 → 03:30); in
 * an overlap the first of the two instants is taken.
 */
export function zonedInstant(day: number, minute: number, tz: string): number {
  const wall = day * DAY_MS + minute * 60_000;
  const before = offsetAt(wall - DAY_MS, tz);
  const after = offsetAt(wall + DAY_MS, tz);
  const valid = [...new Set([before, after])].map((o) => wall - o).filter((c) => offsetAt(c, tz) === wall - c);
  return valid.length ? Math.min(...valid) : wall - before;
}

/** The local calendar day (days since 1970-01-01) `t` falls on in `tz`. */
function localDay(t: number, tz: string): number {
  return Math.floor(wallClock(t, tz) / DAY_MS);
}

const weekdayOf = (day: number) => (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday

function handoffMinute(r: Rotation): number {
  const [h, m] = r.handoff.split(':').map(Number);
  return h! * 60 + m!;
}

/** The rotation's handoffs as days: the first handoff day and the days between handoffs. */
function cadence(r: Rotation): { first: number; step: number } {
  const start = Math.floor(Date.parse(`${r.start}T00:00:00Z`) / DAY_MS);
  if (r.type === 'daily') return { first: start, step: 1 };
  const target = WEEKDAYS.indexOf(r.handoffDay ?? 'monday');
  return { first: start + ((target - weekdayOf(start) + 7) % 7), step: 7 };
}

/** The rotation's own shifts (no overrides) that overlap [from, to). Before its first handoff nobody is on call. */
export function rotationShifts(r: Rotation, tz: string, from: number, to: number): ShiftSpan[] {
  const { first, step } = cadence(r);
  const minute = handoffMinute(r);
  const at = (n: number) => zonedInstant(first + n * step, minute, tz);
  // the shift holding `from`: estimate from the calendar day, then correct around the handoff instant
  let n = Math.floor((localDay(from, tz) - first) / step);
  while (at(n) > from) n--;
  while (at(n + 1) <= from) n++;
  const out: ShiftSpan[] = [];
  if (n < 0) {
    out.push({ rotation: r.name, user: null, from: Math.min(from, at(0)), to: at(0), override: false });
    n = 0;
  }
  for (; at(n) < to; n++) out.push({ rotation: r.name, user: r.members[n % r.members.length]!, from: at(n), to: at(n + 1), override: false });
  return out;
}

/** Shifts of one rotation over [from, to) with the schedule's overrides laid over them (unclipped). */
function withOverrides(spec: OnCallScheduleSpec, r: Rotation, from: number, to: number): ShiftSpan[] {
  const base = rotationShifts(r, spec.timeZone, from, to);
  const lo = Math.min(from, base[0]?.from ?? from);
  const hi = Math.max(to, base.at(-1)?.to ?? to);
  const first = spec.rotations[0]!.name;
  const overrides = spec.overrides
    .filter((o) => (o.rotation ?? first) === r.name)
    .map((o) => ({ from: Date.parse(o.from), to: Date.parse(o.to), user: o.user }))
    .filter((o) => o.to > lo && o.from < hi)
    .sort((a, b) => a.from - b.from);
  let out = base;
  for (const o of overrides) {
    const next: ShiftSpan[] = [];
    for (const s of out) {
      if (s.to <= o.from || s.from >= o.to) {
        next.push(s);
        continue;
      }
      if (s.from < o.from) next.push({ ...s, to: o.from });
      if (s.to > o.to) next.push({ ...s, from: o.to });
    }
    next.push({ rotation: r.name, user: o.user, from: o.from, to: o.to, override: true });
    out = next.sort((a, b) => a.from - b.from);
  }
  return out.filter((s) => s.to > from && s.from < to);
}

/** Every shift of every rotation over [from, to), overrides applied, clipped to the range, in time order. */
export function scheduleShifts(spec: OnCallScheduleSpec, from: number, to: number): ShiftSpan[] {
  return spec.rotations
    .flatMap((r) => withOverrides(spec, r, from, to))
    .map((s) => ({ ...s, from: Math.max(s.from, from), to: Math.min(s.to, to) }))
    .filter((s) => s.to > s.from)
    .sort((a, b) => a.from - b.from || a.rotation.localeCompare(b.rotation));
}

/** Who is on call at `t` in each rotation (overrides applied), and until when; `user` null when nobody is. */
export function onCallAt(spec: OnCallScheduleSpec, t: number): ShiftSpan[] {
  return spec.rotations.map((r) => withOverrides(spec, r, t, t + 1).find((s) => s.from <= t && s.to > t) ?? { rotation: r.name, user: null, from: t, to: t, override: false });
}

/** The shifts that follow the current one in each rotation, up to `count` per rotation. */
export function nextShifts(spec: OnCallScheduleSpec, t: number, count: number): ShiftSpan[] {
  return spec.rotations.flatMap((r) => {
    const horizon = t + (r.type === 'weekly' ? 7 : 1) * DAY_MS * (count + 2);
    return withOverrides(spec, r, t, horizon)
      .filter((s) => s.from > t)
      .slice(0, count);
  });
}
