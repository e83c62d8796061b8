import { z } from 'zod';
import { durationMs, durationSchema } from './alerting.schema.ts';

/*
 * On-call: the OnCallSchedule kind (rotations, overrides, escalation levels) and the shapes of
 * "who is on call" and of the calendar, shared by the server, the web UI and the CLI.
 */

export const ON_CALL_SCHEDULE_KIND = 'OnCallSchedule';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const name = z.string().min(1).max(63);
const userName = z.string().min(1).max(100);

export const rotationSchema = z
  .object({
    name,
    type: z.enum(['daily', 'weekly']),
    handoff: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM, 00:00 … 23:59')
      .default('09:00')
      .describe('when one member hands over to the next, in the schedule’s time zone'),
    handoffDay: z.enum(WEEKDAYS).optional().describe('weekly rotations: the day of the handoff (default monday)'),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a valid date').describe('the first member’s first shift begins at the first handoff on or after this day'),
    members: z.array(userName).min(1).max(100).describe('users of the owning team, in turn'),
  })
  .strict();
export type Rotation = z.infer<typeof rotationSchema>;

export const overrideSchema = z
  .object({
    user: userName,
    from: z.string().datetime({ offset: true }),
    to: z.string().datetime({ offset: true }),
    rotation: name.optional().describe('the rotation it replaces (default: the first)'),
  })
  .strict()
  .refine((o) => Date.parse(o.to) > Date.parse(o.from), { path: ['to'], message: 'to must be after from' });
export type Override = z.infer<typeof overrideSchema>;

export const escalationLevelSchema = z
  .object({
    after: durationSchema('7d').describe('how long a page stays unacknowledged before this level is told (0m: at once)'),
    rotation: name.optional(),
    users: z.array(userName).min(1).max(50).optional(),
    contactPoints: z.array(name).min(1).max(20).optional(),
  })
  .strict()
  .refine((l) => [l.rotation, l.users, l.contactPoints].filter((x) => x !== undefined).length === 1, 'each level names exactly one of rotation, users or contactPoints');
export type EscalationLevel = z.infer<typeof escalationLevelSchema>;

export const onCallScheduleSpecSchema = z
  .object({
    timeZone: z.string().min(1).max(64).refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)'),
    rotations: z.array(rotationSchema).min(1).max(10),
    overrides: z.array(overrideSchema).max(500).default([]),
    escalation: z.array(escalationLevelSchema).max(10).optional().describe('levels in order; default: the first rotation at once'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const names = new Set<string>();
    for (const [i, r] of s.rotations.entries()) {
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rotations', i, 'name'], message: `rotation "${r.name}" is named twice` });
      names.add(r.name);
      if (r.type === 'daily' && r.handoffDay) ctx.addIssue({ code: 'custom', path: ['rotations', i, 'handoffDay'], message: 'only weekly rotations have a handoff day' });
    }
    for (const [i, o] of s.overrides.entries()) {
      if (o.rotation && !names.has(o.rotation)) ctx.addIssue({ code: 'custom', path: ['overrides', i, 'rotation'], message: `there is no rotation "${o.rotation}"` });
    }
    let previous = -1;
    for (const [i, l] of (s.escalation ?? []).entries()) {
      if (l.rotation && !names.has(l.rotation)) ctx.addIssue({ code: 'custom', path: ['escalation', i, 'rotation'], message: `there is no rotation "${l.rotation}"` });
      const after = durationMs(l.after);
      if (after < previous) ctx.addIssue({ code: 'custom', path: ['escalation', i, 'after'], message: 'levels come in order: each waits at least as long as the one before' });
      previous = after;
    }
  });
export type OnCallScheduleSpec = z.infer<typeof onCallScheduleSpecSchema>;

/** One stretch of time a user is on call for a rotation. */
export const shiftSchema = z.object({
  rotation: z.string(),
  user: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  override: z.boolean(),
});
export type Shift = z.infer<typeof shiftSchema>;

/** Who is on call now in one schedule: per rotation the current shift and the next handoffs. */
export const onCallNowSchema = z.object({
  team: z.string(),
  schedule: z.string(),
  timeZone: z.string(),
  rotations: z.array(z.object({ rotation: z.string(), level: z.number().int().nullable(), current: shiftSchema.nullable(), next: z.array(shiftSchema) })),
});
export type OnCallNow = z.infer<typeof onCallNowSchema>;

export const onCallListSchema = z.object({ at: z.string(), items: z.array(onCallNowSchema) });
export type OnCallList = z.infer<typeof onCallListSchema>;

export const calendarSchema = z.object({ schedule: z.string(), team: z.string(), timeZone: z.string(), from: z.string(), to: z.string(), shifts: z.array(shiftSchema) });
export type Calendar = z.infer<typeof calendarSchema>;
