// @vitest-environment happy-dom
/**
 * The service page's Health tab and the Exceptions pages, in happy-dom against the real API: server
 * spans and log records with exception.* attributes go in as OTLP JSON over POST /v1/traces and
 * /v1/logs; the telemetry service's maintenance writes the RED metrics, as it does every 5 seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { formatValue } from './metric-format.ts';
import { click, clickElement, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let collector = '';

const STACK = `TypeError: Cannot read properties of undefined (reading 'total')
    at priceOrder (/app/src/orders/price.js:12:17)
    at async placeOrder (/app/src/orders/place.js:44:3)
    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)`;
const HOSTILE = 'upstream <img src=x onerror=alert(1)> timed out after 3000 ms';
const TRACE = '5b8efff798038103d269b633813fc60c';

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const attrs = (a: Record<string, string>) => Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));

async function post(path: '/v1/logs' | '/v1/traces', body: unknown): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body)).toEqual({});
}

let spanSeq = 0;
/** Server spans (kind 2) of `route` for checkout: `ms` long, with the given status code or HTTP status. */
function serverSpans(route: string, n: number, ms: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const at = t.clock.now().getTime() - 5_000;
  return Array.from({ length: n }, (_, i) => ({
    traceId: (++spanSeq).toString(16).padStart(32, 'a'),
    spanId: spanSeq.toString(16).padStart(16, 'b'),
    name: `GET ${route}`,
    kind: 2,
    startTimeUnixNano: ns(at),
    endTimeUnixNano: ns(at + ms),
    attributes: attrs({ 'http.route': route }),
    ...extra(i),
  }));
}
const sendSpans = (spans: unknown[]) => post('/v1/traces', { resourceSpans: [{ resource: { attributes: attrs({ 'service.name': 'checkout' }) }, scopeSpans: [{ spans }] }] });

/** A log record carrying an exception, as an SDK's logger writes one. */
function sendException(service: string, version: string, exception: Record<string, string>, traceId?: string) {
  const record = { timeUnixNano: ns(t.clock.now().getTime() - 1_000), severityNumber: 17, body: { stringValue: 'request failed' }, attributes: attrs(exception), ...(traceId ? { traceId, spanId: '00f067aa0ba902b7' } : {}) };
  return post('/v1/logs', { resourceLogs: [{ resource: { attributes: attrs({ 'service.name': service, 'service.version': version }) }, scopeLogs: [{ logRecords: [record] }] }] });
}

const tabs = () => [...document.querySelectorAll('[role="tab"]')].map((e) => e.textContent);
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
const badge = () => document.querySelector('dl.facts .mantine-Badge-label')?.textContent;

const sortBy = (column: string) => clickElement([...document.querySelectorAll('table[aria-label="Routes"] th button')].find((b) => b.textContent?.startsWith(column)), `the ${column} header`);

describe('service health and exceptions in the web UI', () => {
  let typeErrorId = 0;

  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    for (const s of ['checkout', 'ledger']) await t.req('PUT', `/api/v1/resources/Service/${s}`, { as: t.admin, body: serviceDoc(s, 'payments') });
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;

    // a first flush of the counters: a counter's growth is counted from its first sample on
    await sendSpans([...serverSpans('/orders', 1, 120), ...serverSpans('/health', 1, 2)]);
    t.app.services.telemetry.maintain();
    t.clock.advance(60_000);
    // a minute later: /orders 8 requests, one failed by status and one by a 503; /health 4, all fine
    await sendSpans([
      ...serverSpans('/orders', 8, 120, (i) => (i === 0 ? { status: { code: 2, message: 'boom' } } : i === 1 ? { attributes: [...attrs({ 'http.route': '/orders' }), { key: 'http.response.status_code', value: { intValue: '503' } }] } : {})),
      ...serverSpans('/health', 4, 2),
    ]);
    t.app.services.telemetry.maintain();

    await sendException('checkout', '1.4.1', { 'exception.type': 'TypeError', 'exception.message': "Cannot read properties of undefined (reading 'total')", 'exception.stacktrace': STACK });
    t.clock.advance(1_000);
    await sendException('checkout', '1.4.2', { 'exception.type': 'TypeError', 'exception.message': "Cannot read properties of undefined (reading 'total')", 'exception.stacktrace': STACK });
    await sendException('checkout', '1.4.2', { 'exception.type': 'TimeoutError', 'exception.message': HOSTILE }, TRACE);
    await sendException('ledger', '2.0.0', { 'exception.type': 'LedgerError', 'exception.message': 'account 42 is frozen' });
    const list = (await t.req('GET', '/api/v1/telemetry/exceptions?service=checkout', { as: t.admin })).body.items as { id: number; type: string }[];
    typeErrorId = list.find((g) => g.type === 'TypeError')!.id;
  });
  afterAll(() => stopUi(t));

  it('a service with server spans has a Health tab first among its telemetry tabs, and one with exceptions an Exceptions tab', async () => {
    await show('/services/checkout');
    await until(() => tabs().includes('Health') && tabs().includes('Exceptions'), 'the Health and Exceptions tabs');
    expect(tabs()).toEqual(['Overview', 'History', 'Change requests', 'Health', 'Metrics', 'Logs', 'Traces', 'Exceptions']);
    await show('/services/ledger');
    await until(() => tabs().includes('Exceptions'), "ledger's Exceptions tab");
    expect(tabs()).not.toContain('Health');
  });

  it('the Health tab charts the request rate and lists each route’s requests, errors and p95, sortable', async () => {
    await show('/services/checkout/health');
    await until(() => rows('Routes').length === 2, 'the two routes');
    // 8 and 4 requests over the hour; 2 of /orders' 8 failed; all of /orders in the 100–250 ms bucket
    expect(rows('Routes')).toEqual([
      ['/orders', '0.00222/s', '25 %', formatValue(0.1 + (0.15 * 0.95 * 8) / 8, { unit: 's', perSecond: false })],
      ['/health', '0.00111/s', '0 %', formatValue((0.005 * 0.95 * 4) / 4, { unit: 's', perSecond: false })],
    ]);
    // the service's rates: 12 requests, 2 of them failed, in the minute between the two flushes
    await until(() => rows('Series of request rate').length === 1 && rows('Series of error ratio').length === 1, 'the request rate and error ratio');
    expect(rows('Series of request rate')[0]?.[1]).toBe('0.2/s');
    expect(rows('Series of error rate')[0]?.[1]).toBe('0.0333/s');
    expect(rows('Series of error ratio')[0]?.[1]).toBe('16.7 %');
    await until(() => rows('Series of latency').length === 3, 'three percentiles');
    expect(rows('Series of latency').map((r) => r[0])).toEqual(['fn=p50', 'fn=p95', 'fn=p99']);

    await sortBy('Route');
    expect(rows('Routes').map((r) => r[0])).toEqual(['/health', '/orders']);
    expect(document.querySelector('table[aria-label="Routes"] th[aria-sort="ascending"]')?.textContent).toContain('Route');
    await sortBy('p95');
    expect(rows('Routes').map((r) => r[0])).toEqual(['/orders', '/health']);
    await sortBy('p95');
    expect(rows('Routes').map((r) => r[0])).toEqual(['/health', '/orders']);
  });

  it('the Health tab lists the service’s unresolved exceptions, user data as text', async () => {
    await show('/services/checkout/health');
    await until(() => rows('Recent exceptions').length === 2, 'two recent exceptions');
    expect(rows('Recent exceptions').map((r) => [r[0], r[1]])).toEqual([
      [`TimeoutError${HOSTILE}`, '1'],
      ["TypeErrorCannot read properties of undefined (reading 'total')", '2'],
    ]);
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(link('TypeError')?.getAttribute('href')).toBe(`/telemetry/exceptions/${typeErrorId}`);
  });

  it('the Exceptions page lists every service’s groups and filters by service', async () => {
    await show('/telemetry/exceptions');
    await until(() => rows('Exceptions').length === 3, 'three groups');
    expect(rows('Exceptions').map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
      ['LedgerErroraccount 42 is frozen', 'ledger', 'unresolved', '1', '2.0.0'],
      [`TimeoutError${HOSTILE}`, 'checkout', 'unresolved', '1', '1.4.2'],
      ["TypeErrorCannot read properties of undefined (reading 'total')", 'checkout', 'unresolved', '2', '1.4.1, 1.4.2'],
    ]);
    await type('Service', 'ledger');
    await until(() => rows('Exceptions').length === 1, "ledger's group");
    expect(rows('Exceptions')[0]?.[0]).toBe('LedgerErroraccount 42 is frozen');
  });

  it('a group’s page shows its stack trace and versions; Resolve changes its status', async () => {
    await show('/telemetry/exceptions?service=checkout');
    await until(() => rows('Exceptions').length === 2, "checkout's groups");
    await clickElement(link('TypeError'), 'the TypeError group');
    await until(() => !!document.querySelector('[aria-label="Stack trace"]'), 'the stack trace');
    expect(document.querySelector('[aria-label="Stack trace"]')?.textContent).toBe(STACK);
    expect(rows('Versions').map((r) => [r[0], r[1]])).toEqual([
      ['1.4.1', '1'],
      ['1.4.2', '1'],
    ]);
    expect(badge()).toBe('unresolved');
    expect(link('Open its trace')).toBeUndefined();

    await click('Resolve');
    await until(() => badge() === 'resolved', 'the resolved badge');
    expect(text()).toContain('resolved in 1.4.2');
    expect((await t.req('GET', `/api/v1/telemetry/exceptions/${typeErrorId}`, { as: t.admin })).body.status).toBe('resolved');
    await see('Reopen');
  });

  it('a group with a trace links to it, and its message stays text', async () => {
    await show('/telemetry/exceptions?service=checkout');
    await until(() => !!link('TimeoutError'), 'the TimeoutError group');
    await clickElement(link('TimeoutError'), 'the TimeoutError group');
    await until(() => !!link('Open its trace'), 'the trace link');
    expect(link('Open its trace')?.getAttribute('href')).toBe(`/telemetry/traces/${TRACE}?span=00f067aa0ba902b7`);
    expect(text()).toContain(HOSTILE);
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(text()).toContain('No stack trace was sent with it.');
  });

  it('someone outside the owning team sees why the status cannot change', async () => {
    await signInNewUser(t, 'bob');
    await show(`/telemetry/exceptions/${typeErrorId}`);
    await until(() => badge() === 'resolved', 'the group');
    await click('Reopen');
    await until(() => !!document.querySelector('[role="alert"]'), 'the refusal');
    expect(document.querySelector('[role="alert"]')?.textContent).toContain('only members of team "payments"');
    expect(badge()).toBe('resolved');
    expect((await t.req('GET', `/api/v1/telemetry/exceptions/${typeErrorId}`, { as: t.admin })).body.status).toBe('resolved');
  });

  it('an unknown group says so', async () => {
    await show('/telemetry/exceptions/999999');
    await see('No such exception group');
    await show('/telemetry/exceptions/nope');
    await see('This is not an exception group');
  });
});
