import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import { RED_FLUSH_STEP_MS } from '../telemetry/traces/red.ts';
import type { GroupNotification, NotificationSink } from './index.ts';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });

/** Alert rules on the RED metrics Ethos derives from server spans (red.errors). */
describe.each(databases)('alerts on RED metrics on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let ingest: string;
  const sent: GroupNotification[] = [];
  const sink: NotificationSink = {
    async enqueue(items) {
      sent.push(...items.map((i) => i.notification));
      return items.length;
    },
  };
  /** The services telemetry told the evaluator about, in order. */
  const told: string[][] = [];
  let span = 0;

  /** One server span of checkout on a route, now; a 500 when `failed`. */
  async function request(route: string, failed: boolean) {
    const start = BigInt(t.clock.now().getTime() - 20) * 1_000_000n;
    const id = (++span).toString(16).padStart(16, '0');
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: id.padStart(32, '0'),
                  spanId: id,
                  name: `POST ${route}`,
                  kind: 2,
                  startTimeUnixNano: `${start}`,
                  endTimeUnixNano: `${start + 15_000_000n}`,
                  attributes: [
                    { key: 'http.route', value: { stringValue: route } },
                    { key: 'http.response.status_code', value: { intValue: failed ? 500 : 200 } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await t.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
  }

  const firingRoutes = async () =>
    ((await t.req('GET', '/api/v1/alerts?owner=payments&state=firing', { as: t.admin })).body.items as { labels: Record<string, string> }[]).map((a) => a.labels['http.route']).sort();

  beforeAll(async () => {
    t = await createTestContext(dbKind, { notificationSink: sink });
    const alice = await t.user('alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    await t.req('PUT', '/api/v1/resources/ContactPoint/hook', { as: alice, body: doc('ContactPoint', 'hook', 'payments', { type: 'webhook', url: 'http://127.0.0.1:9/hook' }) });
    await t.req('PUT', '/api/v1/resources/NotificationPolicy/payments', { as: alice, body: doc('NotificationPolicy', 'payments', 'payments', { routes: [{ contactPoints: ['hook'], groupBy: ['http.route'], groupWait: '0s' }] }) });
    const rule = doc('AlertRule', 'checkout-errors', 'payments', { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'red.errors', fn: 'increase', window: '5m', by: ['http.route'], op: '>', threshold: 0 }, for: '0s' });
    expect((await t.req('PUT', '/api/v1/resources/AlertRule/checkout-errors', { as: alice, body: rule })).status).toBe(201);
    t.app.services.telemetry.onData((services) => told.push(services));
    await t.app.services.alerting.tick();
  });
  afterAll(() => t.close());

  it('a failed request fires the alert at the first evaluation after its spans are stored', async () => {
    await request('/orders', false);
    await t.app.services.alerting.tick();
    expect(await firingRoutes()).toEqual([]);
    t.clock.advance(RED_FLUSH_STEP_MS);
    await request('/orders', true);
    await t.app.services.alerting.tick();
    expect(await firingRoutes()).toEqual(['/orders']);
    expect(sent.at(-1)).toMatchObject({ status: 'firing', commonLabels: { alertname: 'checkout-errors', 'http.route': '/orders' } });
  });

  it('errors of a route written less than a second before reach the evaluator with the next RED flush, which tells it', async () => {
    await request('/pay', false);
    t.clock.advance(200);
    await request('/pay', true);
    await t.app.services.alerting.tick();
    // the route's totals were written 200 ms ago: the error waits for the flush
    expect(await firingRoutes()).toEqual(['/orders']);
    t.clock.advance(RED_FLUSH_STEP_MS / 2);
    told.length = 0;
    expect(t.app.services.telemetry.flushRed()).toEqual([]);
    t.clock.advance(RED_FLUSH_STEP_MS / 2);
    expect(t.app.services.telemetry.flushRed()).toEqual(['checkout']);
    expect(told).toEqual([['checkout']]);
    await t.app.services.alerting.tick();
    expect(await firingRoutes()).toEqual(['/orders', '/pay']);
  });
});
