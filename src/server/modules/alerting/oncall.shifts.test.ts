import { describe, expect, it } from 'vitest';
import { onCallScheduleSpecSchema, type OnCallScheduleSpec } from '../../../shared/oncall.schema.ts';
import { nextShifts, onCallAt, scheduleShifts, zonedInstant } from './oncall.shifts.ts';

const spec = (s: Record<string, unknown>): OnCallScheduleSpec => onCallScheduleSpecSchema.parse(s);
const iso = (t: number) => new Date(t).toISOString();
const at = (text: string) => Date.parse(text);

describe('on-call shifts', () => {
  it('hands a daily rotation over at the local handoff time on both sides of a DST change', () => {
    // Europe/Berlin springs forward on 2026-03-29 (02:00 CET → 03:00 CEST)
    const s = spec({ timeZone: 'Europe/Berlin', rotations: [{ name: 'primary', type: 'daily', handoff: '09:00', start: '2026-03-27', members: ['ann', 'bob', 'cem'] }] });
    expect(onCallAt(s, at('2026-03-27T07:59:00Z'))[0]!.user).toBeNull(); // before the first handoff
    expect(onCallAt(s, at('2026-03-27T08:00:00Z'))[0]).toMatchObject({ user: 'ann', from: at('2026-03-27T08:00:00Z'), to: at('2026-03-28T08:00:00Z') });
    // the shift across the change is 23 hours long: 09:00 CET → 09:00 CEST
    const across = onCallAt(s, at('2026-03-28T20:00:00Z'))[0]!;
    expect(across).toMatchObject({ user: 'bob', from: at('2026-03-28T08:00:00Z'), to: at('2026-03-29T07:00:00Z') });
    expect(onCallAt(s, at('2026-03-29T07:00:00Z'))[0]!.user).toBe('cem');
    expect(onCallAt(s, at('2026-03-30T06:59:59Z'))[0]!.user).toBe('cem');
    expect(onCallAt(s, at('2026-03-30T07:00:00Z'))[0]!.user).toBe('ann');
    // and back in October: a 25-hour shift
    const fall = onCallAt(s, at('2026-10-25T05:00:00Z'))[0]!;
    expect(fall.to - fall.from).toBe(25 * 3600_000);
    expect(iso(fall.to)).toBe('2026-10-25T08:00:00.000Z');
  });

  it('moves a handoff inside a DST gap forward by the gap', () => {
    expect(iso(zonedInstant(Date.UTC(2026, 2, 8) / 86_400_000, 2 * 60 + 30, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(iso(zonedInstant(Date.UTC(2026, 10, 1) / 86_400_000, 60 + 30, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z'); // the first 01:30 (EDT)
  });

  it('hands a weekly rotation over on its handoff day', () => {
    // 2026-06-03 is a Wednesday: the first handoff is Friday 2026-06-05 17:00 in New York (21:00Z)
    const s = spec({ timeZone: 'America/New_York', rotations: [{ name: 'week', type: 'weekly', handoff: '17:00', handoffDay: 'friday', start: '2026-06-03', members: ['ann', 'bob'] }] });
    expect(onCallAt(s, at('2026-06-05T20:59:00Z'))[0]!.user).toBeNull();
    expect(onCallAt(s, at('2026-06-05T21:00:00Z'))[0]).toMatchObject({ user: 'ann', to: at('2026-06-12T21:00:00Z') });
    expect(onCallAt(s, at('2026-06-12T21:00:00Z'))[0]!.user).toBe('bob');
    expect(onCallAt(s, at('2026-06-19T21:00:00Z'))[0]!.user).toBe('ann');
    expect(nextShifts(s, at('2026-06-10T00:00:00Z'), 2).map((x) => [x.user, iso(x.from)])).toEqual([
      ['bob', '2026-06-12T21:00:00.000Z'],
      ['ann', '2026-06-19T21:00:00.000Z'],
    ]);
  });

  it('lets an override win over the rotation for its time only', () => {
    const s = spec({
      timeZone: 'UTC',
      rotations: [
        { name: 'primary', type: 'daily', handoff: '09:00', start: '2026-06-01', members: ['ann', 'bob'] },
        { name: 'secondary', type: 'weekly', start: '2026-06-01', members: ['cem'] },
      ],
      overrides: [{ user: 'dan', from: '2026-06-01T12:00:00Z', to: '2026-06-01T14:00:00Z' }],
    });
    expect(onCallAt(s, at('2026-06-01T11:00:00Z'))[0]).toMatchObject({ user: 'ann', to: at('2026-06-01T12:00:00Z'), override: false });
    expect(onCallAt(s, at('2026-06-01T13:00:00Z')).map((x) => [x.rotation, x.user, x.override])).toEqual([
      ['primary', 'dan', true],
      ['secondary', 'cem', false],
    ]);
    expect(onCallAt(s, at('2026-06-01T14:00:00Z'))[0]).toMatchObject({ user: 'ann', from: at('2026-06-01T14:00:00Z'), to: at('2026-06-02T09:00:00Z') });
    const day = scheduleShifts(s, at('2026-06-01T09:00:00Z'), at('2026-06-02T09:00:00Z')).filter((x) => x.rotation === 'primary');
    expect(day.map((x) => [x.user, iso(x.from), iso(x.to)])).toEqual([
      ['ann', '2026-06-01T09:00:00.000Z', '2026-06-01T12:00:00.000Z'],
      ['dan', '2026-06-01T12:00:00.000Z', '2026-06-01T14:00:00.000Z'],
      ['ann', '2026-06-01T14:00:00.000Z', '2026-06-02T09:00:00.000Z'],
    ]);
  });

  it('refuses a bad time zone, a handoff of 25:00 and an unknown rotation with their paths', () => {
    const r = onCallScheduleSpecSchema.safeParse({
      timeZone: 'Mars/Olympus',
      rotations: [{ name: 'p', type: 'daily', handoff: '25:00', start: '2026-06-01', members: ['ann'] }],
      escalation: [{ after: '0m', rotation: 'nope' }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['escalation.0.rotation', 'rotations.0.handoff', 'timeZone']);
  });
});
