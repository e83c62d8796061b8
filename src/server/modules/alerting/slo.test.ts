import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RED_DURATION_BOUNDS } from '../../../shared/alerting.schema.ts';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import { RED_BUCKETS } from '../telemetry/traces/red.ts';
import { recordingSink } from './alerting.test-support.ts';
import { redExporter } from './slo.test-support.ts';

type AlertRow = { rule: string; state: string; severity: string; value: number; labels: Record<string, string> };

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });
const attr = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } });
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const MIN = 60_000;

it('takes a latency threshold from the bucket bounds RED uses', () => {
  expect([...RED_DURATION_BOUNDS]).toEqual(RED_BUCKETS);
});

describe.each(databases)('SLOs on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string;
  let carol: string;
  let ingest: string;
  const { sent, sink } = recordingSink();
  /** Exports a service's RED counters now, after `requests` more requests of which `errors` failed. */
  let serve: ReturnType<typeof redExporter>;

  /** Moves the clock on, then exports and evaluates: `steps` times. */
  async function run(service: string, steps: number, everyMs: number, requests: number, errors: number) {
    for (let i = 0; i < steps; i++) {
      t.clock.advance(everyMs);
      await serve(service, requests, errors);
      await t.app.services.alerting.tick();
    }
  }

  const alerts = async (query = '') => (await t.req('GET', `/api/v1/alerts${query}`, { as: carol })).body.items as AlertRow[];
  const sloAlerts = async (slo: string, query = '') => (await alerts(query)).filter((a) => a.labels.slo === slo);
  const putSlo = (name: string, spec: Record<string, unknown>, as = alice, owner = 'payments') => t.req('PUT', `/api/v1/resources/Slo/${name}`, { as, body: doc('Slo', name, owner, spec) });
  const status = async (name: string) => {
    const res = await t.req('GET', `/api/v1/slos/${name}/status`, { as: carol });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    t = await createTestContext(dbKind, { notificationSink: sink });
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    for (const s of ['checkout', 'ledger', 'quiet', 'web']) await t.req('PUT', `/api/v1/resources/Service/${s}`, { as: alice, body: serviceDoc(s, 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    serve = redExporter(t, ingest);
    expect((await t.req('PUT', '/api/v1/resources/ContactPoint/payments-hook', { as: alice, body: doc('ContactPoint', 'payments-hook', 'payments', { type: 'webhook', url: 'http://127.0.0.1:9/hook' }) })).status).toBe(201);
    const policy = await t.req('PUT', '/api/v1/resources/NotificationPolicy/payments', {
      as: alice,
      body: doc('NotificationPolicy', 'payments', 'payments', { routes: [{ matchers: ['severity=~page|ticket'], contactPoints: ['payments-hook'], groupBy: ['alertname'], groupWait: '0s' }] }),
    });
    expect(policy.status).toBe(201);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    sent.length = 0;
  });

  it('refuses an objective or a latency threshold out of range, pointing at the field, and an SLO on another team’s service', async () => {
    const objective = await putSlo('bad', { service: 'checkout', sli: { type: 'availability' }, objective: 100 });
    expect(objective.status).toBe(400);
    expect(JSON.stringify(objective.body.error)).toContain('objective');
    const threshold = await putSlo('bad', { service: 'checkout', sli: { type: 'latency', threshold: 0.3 }, objective: 99 });
    expect(threshold.status).toBe(400);
    expect(JSON.stringify(threshold.body.error)).toContain('sli.threshold');
    expect(threshold.body.error.message + JSON.stringify(threshold.body.error.details)).toContain('0.25');
    const window = await putSlo('bad', { service: 'checkout', sli: { type: 'availability' }, objective: 99, window: '7d' });
    expect(window.status).toBe(400);
    expect(JSON.stringify(window.body.error)).toContain('window');
    const foreign = await putSlo('theirs', { service: 'checkout', sli: { type: 'availability' }, objective: 99 }, carol, 'search');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('SLO_NOT_SERVICE_OWNER');
    const unknown = await putSlo('ghost', { service: 'nope', sli: { type: 'availability' }, objective: 99 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('SLO_SERVICE_UNKNOWN');
    expect((await t.req('GET', '/api/v1/slos', { as: carol })).body.items).toEqual([]);
  });

  it('pages on a fast burn (2% errors against 99.9%: 20× over 1h and 5m), routed to the team with the slo label, and stops paging once both short windows are clean', async () => {
    expect((await putSlo('checkout-availability', { service: 'checkout', sli: { type: 'availability' }, objective: 99.9 })).status).toBe(201);
    await serve('checkout', 0, 0);
    await t.app.services.alerting.tick();
    await run('checkout', 10, MIN, 100, 2);

    const [page] = await sloAlerts('checkout-availability', '?state=firing').then((a) => a.filter((x) => x.severity === 'page'));
    expect(page).toMatchObject({ rule: 'checkout-availability-burn-rate-page', state: 'firing', labels: { slo: 'checkout-availability', severity: 'page', service: 'checkout', team: 'payments', alertname: 'checkout-availability-burn-rate-page' } });
    expect(page!.value).toBeCloseTo(20, 6);
    const paged = sent.filter((s) => s.notification.alerts.some((a) => a.labels.alertname === 'checkout-availability-burn-rate-page' && a.status === 'firing'));
    expect(paged).toHaveLength(1);
    expect(paged[0]!.contactPoint).toEqual({ owner: 'payments', name: 'payments-hook' });
    expect(paged[0]!.notification.commonLabels).toMatchObject({ slo: 'checkout-availability', severity: 'page' });
    expect(paged[0]!.notification.alerts[0]!.annotations.summary).toContain('20×');
    // 20× is a slow burn too: 3× over 1d and 2h
    expect((await sloAlerts('checkout-availability', '?state=firing')).map((a) => a.severity).sort()).toEqual(['page', 'ticket']);

    // by hand: 1,000 requests in the window, 20 failed; budget 0.1%
    const s = await status('checkout-availability');
    expect(s).toMatchObject({ name: 'checkout-availability', owner: 'payments', service: 'checkout', objective: 99.9, window: '30d', total: 1000, good: 980 });
    expect(s.sli).toBeCloseTo(0.98, 9);
    expect(s.errorBudget).toBeCloseTo(0.001, 12);
    expect(s.budgetRemaining).toBeCloseTo(1 - 0.02 / 0.001, 6);
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) expect(s.burnRates[w]).toBeCloseTo(20, 6);
    expect(s.alerts.map((a: { severity: string; state: string }) => `${a.severity}:${a.state}`).sort()).toEqual(['page:firing', 'ticket:firing']);
    expect(s.history.length).toBeGreaterThanOrEqual(720);
    expect(s.history.at(-1).budgetRemaining).toBeCloseTo(-19, 6);
    expect(s.history[0].budgetRemaining).toBeNull();

    const list = await t.req('GET', '/api/v1/slos?owner=payments&service=checkout', { as: carol });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ name: 'checkout-availability', sliType: 'availability', total: 1000 });
    expect(list.body.items[0].budgetRemaining).toBeCloseTo(-19, 6);
    expect((await t.req('GET', '/api/v1/slos?service=ledger', { as: carol })).body.items).toEqual([]);

    // the errors stop: after six clean minutes the 5-minute window is clean, but 6h and 30m still burn at 12.5×
    sent.length = 0;
    await run('checkout', 6, MIN, 100, 0);
    expect((await sloAlerts('checkout-availability', '?state=firing')).map((a) => a.severity).sort()).toEqual(['page', 'ticket']);
    // once the 30-minute window is clean too the page resolves (20 errors in 4,100 requests: 4.9×); the ticket's 1d and 2h still burn at over 3×
    await run('checkout', 25, MIN, 100, 0);
    const after = await sloAlerts('checkout-availability', '?state=firing&state=resolved');
    expect(after.find((a) => a.severity === 'page')!.state).toBe('resolved');
    expect(after.find((a) => a.severity === 'ticket')!.state).toBe('firing');
    expect(sent.some((x) => x.notification.status === 'resolved' && x.notification.commonLabels.alertname === 'checkout-availability-burn-rate-page')).toBe(true);
  });

  it('opens a ticket on a slow burn (0.2% errors: 2×) only once the 3-day window burns faster than 1×, and never pages', async () => {
    expect((await putSlo('ledger-availability', { service: 'ledger', sli: { type: 'availability' }, objective: 99.9 })).status).toBe(201);
    await serve('ledger', 0, 0);
    // twelve clean hours, then 0.2% errors
    await run('ledger', 12 * 6, 10 * MIN, 1000, 0);
    await run('ledger', 11 * 6, 10 * MIN, 1000, 2);
    // 11h of errors after 12 clean: 2 × 11/23 < 1 over 3d, though 2× over 6h
    expect(await sloAlerts('ledger-availability')).toEqual([]);
    const before = await status('ledger-availability');
    expect(before.burnRates['6h']).toBeCloseTo(2, 6);
    expect(before.burnRates['3d']).toBeCloseTo((2 * 11) / 23, 6);
    await run('ledger', 2 * 6, 10 * MIN, 1000, 2);
    // 13h of errors: 2 × 13/25 > 1
    const firing = await sloAlerts('ledger-availability', '?state=firing');
    expect(firing.map((a) => [a.rule, a.severity])).toEqual([['ledger-availability-burn-rate-ticket', 'ticket']]);
    expect(firing[0]!.value).toBeCloseTo((2 * 13) / 25, 6);
    expect(sent.some((x) => x.notification.commonLabels.alertname === 'ledger-availability-burn-rate-ticket' && x.notification.commonLabels.severity === 'ticket')).toBe(true);
  });

  it('does not page for one error in two requests: the long window holds fewer than minRequests', async () => {
    expect((await putSlo('quiet-availability', { service: 'quiet', sli: { type: 'availability', route: '/pay' }, objective: 99.9, alerting: { minRequests: 10 } })).status).toBe(201);
    await serve('quiet', 0, 0);
    await run('quiet', 1, MIN, 2, 1);
    await run('quiet', 2, MIN, 0, 0);
    const s = await status('quiet-availability');
    expect(s.burnRates['1h']).toBeCloseTo(0.5 / 0.001, 6);
    expect(s.total).toBe(2);
    expect(await sloAlerts('quiet-availability', '?state=firing&state=pending')).toEqual([]);
    expect(sent.filter((x) => x.notification.commonLabels.slo === 'quiet-availability')).toEqual([]);
    // ten more requests, one of them failing: the guard lets it through
    await run('quiet', 1, MIN, 10, 1);
    expect((await sloAlerts('quiet-availability', '?state=firing')).map((a) => a.severity).sort()).toEqual(['page', 'ticket']);
  });

  it('measures a latency SLI from the red.duration buckets of server spans', async () => {
    expect((await putSlo('web-latency', { service: 'web', sli: { type: 'latency', threshold: 0.25, route: '/search' }, objective: 99, alerting: { page: false, ticket: false } })).status).toBe(201);
    let id = 0;
    const spans = async (durations: number[]) => {
      const now = t.clock.now().getTime();
      const list = durations.map((ms) => ({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: (++id).toString(16).padStart(16, '0'),
        name: 'GET /search',
        kind: 2,
        startTimeUnixNano: nanos(now - ms - 1000),
        endTimeUnixNano: nanos(now - 1000),
        attributes: [attr('http.route', '/search')],
      }));
      const body = { resourceSpans: [{ resource: { attributes: [attr('service.name', 'web')] }, scopeSpans: [{ spans: list }] }] };
      const res = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(body) });
      expect(res.statusCode).toBe(200);
      t.app.services.telemetry.maintain();
    };
    // the first flush starts the counters; the second one's growth is what the window sees
    await spans([10, 20]);
    t.clock.advance(MIN);
    await spans([100, 100, 100, 100, 100, 100, 100, 250, 400, 900]);
    const s = await status('web-latency');
    expect(s).toMatchObject({ total: 10, good: 8 });
    expect(s.sli).toBeCloseTo(0.8, 9);
    expect(s.budgetRemaining).toBeCloseTo(1 - 0.2 / 0.01, 6);
    expect((await sloAlerts('web-latency')).length).toBe(0);
  });
});
