// @vitest-environment happy-dom
/**
 * The alerting pages, in happy-dom against the real API: a team's rule reads a gauge sent as OTLP
 * JSON over POST /v1/metrics, the alerting service's tick() evaluates it (the app's clock is a
 * ManualClock), and the pages read GET /api/v1/alerts and the alerting kinds' resources.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { click, clickElement, confirm, control, input, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let collector = '';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** A queue.depth sample of checkout's pool a, a second after the last. */
async function gauge(value: number): Promise<void> {
  t.clock.advance(1000);
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
const tick = () => t.app.services.alerting.tick();

/** The cells of each row of a table, as a reader sees them. */
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
/** The alert table's columns, by header. */
const COLUMNS = ['State', 'Severity', 'Rule', 'Service', 'Labels', 'Value', 'Active since', 'Acknowledged by', 'Silenced by'];
const alertRow = (i = 0) => Object.fromEntries(COLUMNS.map((c, j) => [c, rows('Alerts')[i]?.[j]]));
const tabs = () => [...document.querySelectorAll('[role="tab"]')].map((e) => e.textContent);
const navLink = () => [...document.querySelectorAll('nav a')].find((a) => a.getAttribute('href') === '/alerts');

describe('alerting in the web UI', () => {
  let silence = '';

  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    const put = async (kind: string, name: string, spec: Record<string, unknown>) => expect((await t.req('PUT', `/api/v1/resources/${kind}/${name}`, { as: t.admin, body: doc(kind, name, 'payments', spec) })).status).toBe(201);
    await put('AlertRule', 'queue-deep', {
      service: 'checkout',
      severity: 'page',
      condition: { type: 'metric', metric: 'queue.depth', fn: 'max', window: '1m', by: ['pool'], op: '>', threshold: 100 },
      for: '30s',
      annotations: { summary: 'queue {{ $labels.pool }} at {{ $value }}' },
    });
    await put('ContactPoint', 'payments-hook', { type: 'webhook', url: 'https://hooks.example/payments' });
    await put('NotificationPolicy', 'payments', {
      routes: [{ matchers: ['severity=page'], contactPoints: ['payments-hook'], groupBy: ['alertname', 'service'], groupWait: '0s', groupInterval: '1m', repeatInterval: '4h' }],
      inhibitRules: [{ sourceMatchers: ['alertname=checkout-down'], targetMatchers: ['alertname=queue-deep'], equal: ['service'] }],
    });

    // over the threshold for 30 seconds: pending, then firing
    await gauge(150);
    await tick();
    t.clock.advance(30_000);
    await gauge(160);
    await tick();
    const alerts = (await t.req('GET', '/api/v1/alerts', { as: t.admin })).body.items as { state: string }[];
    expect(alerts.map((a) => a.state)).toEqual(['firing']);
  });
  afterAll(() => stopUi(t));

  it('the navigation counts the firing alerts; the Alerts page lists each with its labels, value and rule', async () => {
    await show('/');
    await until(() => navLink()?.textContent === 'Alerts1 firing', 'the firing count in the navigation');
    await clickElement(navLink(), 'the Alerts link');
    await until(() => rows('Alerts').length === 1, 'the alert');
    expect(alertRow()).toEqual({
      State: 'firing',
      Severity: 'page',
      Rule: 'queue-deepqueue a at 160',
      Service: 'checkout',
      Labels: 'pool=a',
      Value: '160',
      'Active since': expect.stringMatching(/ago$/),
      'Acknowledged by': '—',
      'Silenced by': '—',
    });
    expect(link('queue-deep')?.getAttribute('href')).toBe('/resources/AlertRule/queue-deep/history');
    expect(link('checkout')?.getAttribute('href')).toBe('/services/checkout/alerts');
    // the exact time on hover
    expect(document.querySelector('table[aria-label="Alerts"] time')?.getAttribute('title')).toMatch(/2026/);
  });

  it('filters by team, state and severity, all in the address', async () => {
    await show('/alerts?state=pending');
    await see('No alert is firing or pending');
    await show('/alerts?severity=ticket');
    await see('Try other filters.');
    await show('/alerts?team=payments&severity=page');
    await until(() => rows('Alerts').length === 1, 'the page alert of payments');
    await show('/alerts?team=search');
    await see('No alert is firing or pending');
  });

  it('a member acknowledges an alert and sees who did, then takes it back', async () => {
    await show('/alerts');
    await until(() => !!control('Acknowledge'), 'the Acknowledge action');
    expect(control('Acknowledge')?.getAttribute('aria-label')).toBe('Acknowledge queue-deep pool=a');
    await click('Acknowledge');
    await until(() => alertRow()['Acknowledged by'] === 'alice', 'alice as the acknowledger');
    expect((await t.req('GET', '/api/v1/alerts', { as: t.admin })).body.items[0].acknowledgedBy).toBe('alice');
    await click('Unacknowledge');
    await until(() => alertRow()['Acknowledged by'] === '—', 'the acknowledgement taken back');
    expect((await t.req('GET', '/api/v1/alerts', { as: t.admin })).body.items[0].acknowledgedBy).toBeNull();
  });

  it('Silence opens the Silence editor filled in from the alert; once created, the alert shows it', async () => {
    await show('/alerts');
    await until(() => !!control('Silence'), 'the Silence action');
    const before = Date.now();
    await click('Silence');
    await see('New Silence');
    silence = input('Name').value;
    expect(silence).toMatch(/^silence-[0-9a-f]{6}$/);
    expect(input('Owner team').value).toBe('payments');
    const endsAt = Date.parse(input('Ends at').value);
    expect(endsAt - before).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(endsAt - Date.now()).toBeLessThanOrEqual(2 * 3600_000);
    expect(text()).toContain('alertname=queue-deep');
    expect(text()).toContain('service=checkout');
    expect(text()).toContain('pool=a');
    await type('Comment', 'draining the queue by hand');
    await click('Create');
    await see('Created');
    const stored = (await t.req('GET', `/api/v1/resources/Silence/${silence}`, { as: t.admin })).body;
    expect(stored.metadata.owner).toBe('payments');
    expect(stored.spec).toMatchObject({ matchers: ['alertname=queue-deep', 'service=checkout', 'pool=a'], comment: 'draining the queue by hand' });

    // the server's next pass (every second when it runs) reads the new silence
    await tick();
    await show('/alerts');
    await until(() => alertRow()['Silenced by'] === silence, 'the silence on the alert');
    expect(link(silence)?.getAttribute('href')).toBe(`/resources/Silence/${silence}/history`);
  });

  it('the service’s Alerts tab lists its alert and its rules in words, with a New rule filled in for the service', async () => {
    await show('/services/checkout');
    await until(() => tabs().includes('Alerts'), 'the Alerts tab');
    await clickElement([...document.querySelectorAll('[role="tab"]')].find((e) => e.textContent === 'Alerts'), 'the Alerts tab');
    await until(() => rows('Alert rules').length === 1 && rows('Alerts').length === 1, 'the rule and the alert');
    expect(rows('Alert rules')[0]?.slice(0, 3)).toEqual(['queue-deep', 'max of queue.depth over 1m by pool > 100, for 30s', 'page']);
    expect(rows('Alerts')[0]?.[0]).toBe('firing');
    const href = link('New rule')?.getAttribute('href') ?? '';
    const url = new URL(href, 'http://x');
    expect(url.pathname).toBe('/resources/AlertRule/new');
    expect(url.searchParams.get('owner')).toBe('payments');
    expect(JSON.parse(url.searchParams.get('spec')!)).toMatchObject({ service: 'checkout', condition: { type: 'metric' } });

    await clickElement(link('New rule'), 'New rule');
    await see('New AlertRule');
    expect(input('Service').value).toBe('checkout');
    expect(input('Owner team').value).toBe('payments');
  });

  it('the routing page shows each team’s contact points, secrets masked, and its policy’s routes in words', async () => {
    await show('/alerts/routing');
    await until(() => rows('Contact points').length === 1, 'the contact point');
    expect(rows('Contact points')[0]?.slice(0, 3)).toEqual(['payments-hook', 'webhook', 'url •••••••• (secret)']);
    expect(text()).not.toContain('hooks.example');
    expect(text()).toContain('severity=page → payments-hook, grouped by alertname, service; wait 0s, interval 1m, repeat 4h');
    expect(text()).toContain('alertname=checkout-down mutes alertname=queue-deep with the same service');
    expect(control('Edit NotificationPolicy payments')?.getAttribute('href')).toBe('/resources/NotificationPolicy/payments/edit');
  });

  it('a member expires a silence from the Silences page; it then shows as expired', async () => {
    await show('/alerts/silences');
    await until(() => rows('Silences').length === 1, 'the silence');
    expect(rows('Silences')[0]?.slice(0, 4)).toEqual([silence, 'payments', 'active', 'alertname=queue-deepservice=checkoutpool=a']);
    await click('Expire');
    await confirm('Expire');
    await see('No active or pending silence');
    const stored = (await t.req('GET', `/api/v1/resources/Silence/${silence}`, { as: t.admin })).body;
    expect(Date.parse(stored.spec.endsAt)).toBeLessThanOrEqual(Date.now());
    await click('Show expired silences');
    await until(() => rows('Silences').length === 1, 'the expired silence');
    expect(rows('Silences')[0]?.[2]).toBe('expired');
    expect(control('Expire')).toBeUndefined();
  });

  it('someone outside the owning team reads the alerts but may not act on them, and proposes rules', async () => {
    await signInNewUser(t, 'bob');
    await show('/alerts');
    await until(() => rows('Alerts').length === 1, 'the alert');
    expect(control('Acknowledge')).toBeUndefined();
    expect(control('Unacknowledge')).toBeUndefined();
    expect(control('Silence')).toBeUndefined();
    await show('/services/checkout/alerts');
    await until(() => rows('Alert rules').length === 1, 'the rule');
    expect(control('New rule')).toBeUndefined();
    expect(control('Propose a rule')).toBeDefined();
  });

  it('a resolved alert leaves the list and the navigation’s count; Show resolved alerts brings it back, without actions', async () => {
    // the queue drains: once the window holds no breaching sample, the alert resolves
    t.clock.advance(61_000);
    await gauge(10);
    await tick();
    await show('/alerts');
    await see('No alert is firing or pending');
    await until(() => navLink()?.textContent === 'Alerts', 'the navigation without a count');
    await click('Show resolved alerts');
    await until(() => rows('Alerts').length === 1, 'the resolved alert');
    expect(alertRow().State).toBe('resolved');
    // nothing to acknowledge or silence any more, even for a member
    await signInNewUser(t, 'carol');
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }, { user: 'carol' }]) })).status).toBe(200);
    await show('/alerts?resolved=1');
    await until(() => rows('Alerts').length === 1, 'the resolved alert');
    expect(control('Acknowledge')).toBeUndefined();
    expect(control('Silence')).toBeUndefined();
  });
});
