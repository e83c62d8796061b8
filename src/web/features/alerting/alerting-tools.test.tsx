// @vitest-environment happy-dom
/**
 * The rule editor's preview, test notifications and the deliveries page, in happy-dom against the
 * real API: gauges sent as OTLP JSON over POST /v1/metrics while the app's ManualClock advances, a
 * real receiver on loopback (node:http) behind the contact points, and the outbox driven by hand
 * (`deliverDue()`), as the server's worker would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { click, control, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let collector = '';
let receiver: http.Server;
let receiverUrl = '';
/** The status the receiver answers on each path (200 unless set). */
const answers = new Map<string, number>();
const received: string[] = [];

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** A queue.depth sample of checkout's pool a, `gap` after the last. */
async function gauge(value: number, gap = 60_000): Promise<void> {
  t.clock.advance(gap);
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: [attr('service.name', 'checkout')] },
        scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, asDouble: value, attributes: [attr('pool', 'a')] }] } }] }],
      },
    ],
  };
  const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
}

/** The cells of each row of a table, as a reader sees them. */
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
const newRuleUrl = (spec: Record<string, unknown>) => `/resources/AlertRule/new?owner=payments&name=queue-deep&spec=${encodeURIComponent(JSON.stringify(spec))}`;
const ruleSpec = (metric = 'queue.depth') => ({ service: 'checkout', severity: 'page', condition: { type: 'metric', metric, fn: 'max', window: '5m', by: ['pool'], op: '>', threshold: 100 }, for: '0s' });

describe('alerting tools in the web UI', () => {
  beforeAll(async () => {
    // the server's outbox sends with the environment's fetch, here happy-dom's, which asks first as
    // a browser would (CORS): the receiver allows it
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST' };
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
        received.push(req.url ?? '');
        res.writeHead(answers.get(req.url ?? '') ?? 200, cors).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    const put = async (kind: string, name: string, spec: Record<string, unknown>) => expect((await t.req('PUT', `/api/v1/resources/${kind}/${name}`, { as: t.admin, body: doc(kind, name, 'payments', spec) })).status).toBe(201);
    await put('ContactPoint', 'hook', { type: 'webhook', url: `${receiverUrl}/hook` });
    await put('ContactPoint', 'gone-hook', { type: 'webhook', url: `${receiverUrl}/gone` });

    // a queue that stays shallow for half an hour, is deep (300) for 20 minutes, then drains for 70:
    // over 100 once in the last 6 hours, not in the last hour
    for (let i = 0; i < 30; i++) await gauge(10);
    for (let i = 0; i < 20; i++) await gauge(300);
    for (let i = 0; i < 70; i++) await gauge(10);
  });
  afterAll(async () => {
    await stopUi(t);
    await new Promise((r) => receiver.close(r));
  });

  it('the rule editor previews a metric condition: the threshold, each group’s peak and when it would have fired', async () => {
    await show(newRuleUrl(ruleSpec()));
    await see('Preview (last 6 hours)');
    await until(() => text().includes('Would have fired'), 'the preview’s summary');
    expect(text()).toMatch(/Would have fired once in the last 6 hours, for (2\d) minutes in all\./);
    expect(document.querySelector('table[aria-label="Preview by group"] caption')?.textContent).toBe('Threshold: > 100');
    const [row] = rows('Preview by group');
    expect(row?.slice(0, 3)).toEqual(['pool=a', '300', 'once']);
    expect(row?.[3]).toMatch(/for 2\d minutes$/);

    // the range: the deep queue was more than an hour ago
    await click('1h');
    await see('Preview (last hour)');
    await see('Would not have fired in the last hour.');
    expect(rows('Preview by group')[0]?.slice(0, 3)).toEqual(['pool=a', '10', 'never']);

    // as the rule is edited (after a pause): a breach must now last an hour before it fires
    await click('6h');
    await see('Would have fired once in the last 6 hours');
    await type('For', '1h');
    await see('Would not have fired in the last 6 hours.');
  });

  it('a metric the service never sent is a friendly message, not an error page', async () => {
    await show(newRuleUrl(ruleSpec('queue.nope')));
    await see('No metric “queue.nope” from checkout');
    expect(text()).toContain('the service "checkout" has no metric "queue.nope"');
    expect(text()).toContain('checkout’s metrics');
    expect(text()).toContain('New AlertRule');
    expect(document.querySelector('table[aria-label="Preview by group"]')).toBeNull();
  });

  it('a member sends a test notification from the routing page and from the contact point’s editor', async () => {
    received.length = 0;
    await show('/alerts/routing');
    await until(() => !!control('Send test notification to hook'), 'the test button');
    await click('Send test notification to hook');
    await see('Delivered (HTTP 200)');
    expect(received).toEqual(['/hook']);

    // a receiver that refuses says so
    answers.set('/gone', 404);
    await click('Send test notification to gone-hook');
    await see('Not delivered');
    expect(text()).toContain('404');

    await show('/resources/ContactPoint/hook/edit');
    await see('Test notification');
    await click('Send test notification to hook');
    await see('Delivered (HTTP 200)');
    expect(received.filter((p) => p === '/hook')).toHaveLength(2);
  });

  it('the deliveries page lists a dead letter with the receiver’s answer; Retry queues it again', async () => {
    answers.set('/gone', 404);
    const notification = {
      groupKey: '{}:{alertname="queue-deep"}',
      status: 'firing' as const,
      alerts: [{ status: 'firing' as const, labels: { alertname: 'queue-deep', pool: 'a' }, annotations: {}, startsAt: t.clock.now().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://ethos.test/alerts', fingerprint: 'fp-a' }],
      groupLabels: { alertname: 'queue-deep' },
      commonLabels: { alertname: 'queue-deep' },
      commonAnnotations: {},
      externalURL: 'http://ethos.test',
    };
    const outbox = t.app.services.outbox;
    await outbox.enqueue([{ contactPoint: { owner: 'payments', name: 'gone-hook' }, idempotencyKey: 'k-1', notification }]);
    // an answer that will not change (404) is dead at its first attempt
    expect(await outbox.deliverDue()).toBe(1);
    const [dead] = (await outbox.listDeliveries({ state: 'dead' })).items;
    expect(dead).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 404 });

    await show('/alerts/routing');
    await until(() => !!control('Deliveries'), 'the link to the deliveries');
    await click('Deliveries');
    await until(() => rows('Deliveries').length === 1, 'the dead letter');
    const [row] = rows('Deliveries');
    expect(row?.slice(0, 5)).toEqual(['gone-hookpayments', 'alertname=queue-deepfiring, 1 alert', 'dead', '1', 'HTTP 404the receiver answered HTTP 404']);

    answers.set('/gone', 200);
    await click(`Retry delivery ${dead!.id}`);
    await see('Queued again');
    await see('No dead letters');
    expect((await outbox.listDeliveries({ state: 'pending' })).items.map((d) => d.id)).toEqual([dead!.id]);

    // the outbox's worker sends it: delivered, and listed as such under All
    expect(await outbox.deliverDue()).toBe(1);
    await click('All');
    await until(() => rows('Deliveries')[0]?.[2] === 'delivered', 'the delivered notification');
    expect(control(`Retry delivery ${dead!.id}`)).toBeUndefined();
  });

  it('someone outside the team neither tests contact points nor sees the team’s deliveries', async () => {
    await signInNewUser(t, 'bob');
    await show('/alerts/routing');
    await until(() => !!control('History of ContactPoint hook'), 'the contact points');
    expect(control('Send test notification to hook')).toBeUndefined();
    await show('/alerts/deliveries?state=all');
    await see('No deliveries');
    await show('/resources/ContactPoint/hook/edit');
    await see('Propose a change to ContactPoint/hook');
    expect(text()).not.toContain('Send test notification');
  });
});
