import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import { redExporter } from './slo.test-support.ts';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });
const MIN = 60_000;
const HOUR = 60 * MIN;

describe.each(databases)('an SLO’s history on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string;
  let carol: string;
  let serve: ReturnType<typeof redExporter>;
  const start = Date.parse('2026-06-01T12:00:00Z');

  /** `steps` exports, five minutes apart, of 100 requests each of which `errors` failed. */
  async function every5m(steps: number, errors: number) {
    for (let i = 0; i < steps; i++) {
      t.clock.advance(5 * MIN);
      await serve('checkout', 100, errors);
    }
  }
  const history = async (query = '', name = 'checkout-availability') => {
    const res = await t.req('GET', `/api/v1/slos/${name}/history${query}`, { as: carol });
    expect(res.status).toBe(200);
    return res.body;
  };
  /** A history's values at a time. */
  const at = (h: { times: number[]; budgetRemaining: (number | null)[]; burnRates: Record<'1h' | '6h', (number | null)[]> }, time: string) => {
    const i = h.times.indexOf(Date.parse(time));
    expect(i, `a point at ${time}`).toBeGreaterThanOrEqual(0);
    return { budget: h.budgetRemaining[i], burn1h: h.burnRates['1h'][i], burn6h: h.burnRates['6h'][i] };
  };

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    expect(t.clock.now().getTime()).toBe(start);
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    for (const s of ['checkout', 'silent']) await t.req('PUT', `/api/v1/resources/Service/${s}`, { as: alice, body: serviceDoc(s, 'payments') });
    const ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token as string;
    serve = redExporter(t, ingest);
    const put = async (name: string, spec: Record<string, unknown>) => expect((await t.req('PUT', `/api/v1/resources/Slo/${name}`, { as: alice, body: doc('Slo', name, 'payments', spec) })).status).toBe(201);
    await put('checkout-availability', { service: 'checkout', sli: { type: 'availability' }, objective: 99, alerting: { ticket: false } });
    await put('silent-availability', { service: 'silent', sli: { type: 'availability' }, objective: 99.9 });
    // from 12:00, three clean hours, then an hour in which one request in ten fails (10× the 1% budget)
    await serve('checkout', 0, 0);
    await every5m(36, 0);
    await every5m(12, 10);
    expect(t.clock.now().toISOString()).toBe('2026-06-01T16:00:00.000Z');
  });
  afterAll(() => t.close());

  it('charts the 1h and 6h burn rates and the budget left, in 5-minute steps over a day', async () => {
    const h = await history('?range=1d');
    expect(h).toMatchObject({ name: 'checkout-availability', owner: 'payments', service: 'checkout', objective: 99, window: '30d', range: '1d', step: 5 * MIN });
    expect(h.times).toHaveLength(24 * 12 + 1);
    expect(h.times[0]).toBe(Date.parse('2026-05-31T16:00:00Z'));
    expect(h.times.at(-1)).toBe(t.clock.now().getTime());
    for (const key of ['1h', '6h'] as const) expect(h.burnRates[key]).toHaveLength(h.times.length);
    expect(h.budgetRemaining).toHaveLength(h.times.length);
    // only the page alert is on: its two conditions are the chart's thresholds
    expect(h.alertWindows).toEqual([
      { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
      { severity: 'page', long: '6h', short: '30m', factor: 6 },
    ]);

    // before the service served anything: no burn rate, no budget figure
    expect(at(h, '2026-06-01T11:00:00Z')).toEqual({ budget: null, burn1h: null, burn6h: null });
    // after three clean hours the budget is whole
    const clean = at(h, '2026-06-01T15:00:00Z');
    expect(clean).toEqual({ budget: 1, burn1h: 0, burn6h: 0 });
    // half an hour into the errors: 60 of the last hour's 1,200 requests failed, 5% against a 1% budget
    const half = at(h, '2026-06-01T15:30:00Z');
    expect(half.burn1h).toBeCloseTo(5, 9);
    expect(half.burn6h).toBeCloseTo(60 / 4200 / 0.01, 9);
    expect(half.budget).toBeCloseTo(1 - 60 / 4200 / 0.01, 9);
    // now: 120 failed of the last hour's 1,200 (10×) and of the 4,800 since noon (2.5×): the budget is overspent
    const now = at(h, '2026-06-01T16:00:00Z');
    expect(now.burn1h).toBeCloseTo(10, 9);
    expect(now.burn6h).toBeCloseTo(2.5, 9);
    expect(now.budget).toBeCloseTo(-1.5, 9);

    // the status's figures now are the history's last point
    const status = (await t.req('GET', '/api/v1/slos/checkout-availability/status', { as: carol })).body;
    expect(status.budgetRemaining).toBeCloseTo(now.budget!, 9);
    expect(status.burnRates['1h']).toBeCloseTo(now.burn1h!, 9);
    expect(status.burnRates['6h']).toBeCloseTo(now.burn6h!, 9);
  });

  it('covers the SLO’s window in hourly steps when no range is given', async () => {
    const h = await history();
    expect(h).toMatchObject({ range: '30d', step: HOUR });
    expect(h.times).toHaveLength(30 * 24 + 1);
    expect(h.times[0]).toBe(t.clock.now().getTime() - 30 * 24 * HOUR);
    expect(at(h, '2026-06-01T15:00:00Z')).toEqual({ budget: 1, burn1h: 0, burn6h: 0 });
    const now = at(h, '2026-06-01T16:00:00Z');
    expect(now.burn1h).toBeCloseTo(10, 9);
    expect(now.burn6h).toBeCloseTo(2.5, 9);
    expect(now.budget).toBeCloseTo(-1.5, 9);
  });

  it('counts the budget from the start of the SLO’s window, also where the range starts later', async () => {
    // ten more clean hours: the six-hour range (and its burn rates' six hours before it) starts after noon's first requests
    await every5m(120, 0);
    const h = await history('?range=6h');
    expect(h).toMatchObject({ range: '6h', step: 5 * MIN });
    expect(h.times[0]).toBe(Date.parse('2026-06-01T20:00:00Z'));
    const now = at(h, '2026-06-02T02:00:00Z');
    expect(now).toMatchObject({ burn1h: 0, burn6h: 0 });
    // every request since noon counts: 120 failed of 16,800
    expect(now.budget).toBeCloseTo(1 - 120 / 16_800 / 0.01, 9);
    const status = (await t.req('GET', '/api/v1/slos/checkout-availability/status', { as: carol })).body;
    expect(status.total).toBe(16_800);
    expect(status.budgetRemaining).toBeCloseTo(now.budget!, 9);
    // the errors ended ten hours ago: out of the 6h window, still in the budget
    expect(at(h, '2026-06-01T22:00:00Z').burn6h).toBe(0);
  });

  it('answers a service without requests with empty series, an unknown SLO with 404 and an unknown range with 400', async () => {
    const silent = await history('?range=1d', 'silent-availability');
    expect(silent).toMatchObject({ name: 'silent-availability', times: [], budgetRemaining: [], burnRates: { '1h': [], '6h': [] } });
    expect(silent.alertWindows.map((w: { severity: string }) => w.severity)).toEqual(['page', 'page', 'ticket', 'ticket']);
    const unknown = await t.req('GET', '/api/v1/slos/nope/history', { as: carol });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('RESOURCE_NOT_FOUND');
    const range = await t.req('GET', '/api/v1/slos/checkout-availability/history?range=2w', { as: carol });
    expect(range.status).toBe(400);
    expect(JSON.stringify(range.body.error)).toContain('range');
    expect((await t.req('GET', '/api/v1/slos/checkout-availability/history')).status).toBe(401);
  });
});
