// @vitest-environment happy-dom
/**
 * The On-call page and a team page's "On call now", in happy-dom against the real API: a team's
 * OnCallSchedule is read through GET /api/v1/oncall and its calendar (the app's clock is a
 * ManualClock at Monday 2026-06-01 12:00 UTC, 14:00 in Berlin).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamDoc, type TestContext } from '../../../server/test-support.ts';
import { clickElement, show, signInNewUser, startUi, stopUi, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };

/** The cells of each row of a table, as a reader sees them. */
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
const navLink = () => [...document.querySelectorAll('nav a')].find((a) => a.getAttribute('href') === '/oncall');

describe('on-call in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.user('bob');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }, { user: 'bob' }]) });
    const schedule = {
      apiVersion: 'ethos/v1',
      kind: 'OnCallSchedule',
      metadata: { name: 'payments-oncall', owner: 'payments' },
      spec: {
        timeZone: 'Europe/Berlin',
        rotations: [
          { name: 'primary', type: 'daily', handoff: '09:00', start: '2026-06-01', members: ['alice', 'bob'] },
          { name: 'secondary', type: 'weekly', handoff: '09:00', handoffDay: 'monday', start: '2026-06-01', members: ['bob'] },
        ],
        overrides: [{ user: 'bob', from: '2026-06-03T12:00:00+02:00', to: '2026-06-03T14:00:00+02:00' }],
      },
    };
    expect((await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: t.admin, body: schedule })).status).toBe(201);
  });
  afterAll(() => stopUi(t));

  it('the On-call page shows who is on call now, until when and who is next, in the schedule’s time zone', async () => {
    await show('/');
    await until(() => !!navLink(), 'the On call link');
    await clickElement(navLink(), 'the On call link');
    await until(() => rows('On call now: payments-oncall').length === 2, 'who is on call');
    expect(rows('On call now: payments-oncall')).toEqual([
      ['primary', '1', 'alice', 'Tue 2 Jun, 09:00', 'bob from Tue 2 Jun, 09:00'],
      ['secondary', '—', 'bob', 'Mon 8 Jun, 09:00', 'bob from Mon 8 Jun, 09:00'],
    ]);
  });

  it('the calendar lays the next two weeks out by day, with handoffs and overrides', async () => {
    await until(() => rows('Calendar: payments-oncall').length > 0, 'the calendar');
    const days = rows('Calendar: payments-oncall');
    expect(days).toHaveLength(15);
    expect(days[0]).toEqual(['Mon 1 Jun', 'alice from 14:00', 'bob from 14:00']);
    expect(days[1]).toEqual(['Tue 2 Jun', 'alice until 09:00bob from 09:00', 'bob all day']);
    expect(days[2]![1]).toBe('bob until 09:00alice 09:00–12:00bob 12:00–14:00, overridealice from 14:00');
    expect(days[14]![0]).toBe('Mon 15 Jun');
  });

  it('a team page shows who is on call now', async () => {
    await show('/teams/payments');
    await until(() => !!document.querySelector('[aria-label="On call now"]'), 'the On call now section');
    expect(document.querySelector('[aria-label="On call now"]')!.textContent).toContain('payments-oncall · primary: alice until Tue 2 Jun, 09:00');
  });
});
