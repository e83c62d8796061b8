// @vitest-environment happy-dom
/**
 * The Logs and Traces pages and tabs, in happy-dom against the real API: records and spans go in as
 * OTLP JSON over POST /v1/logs and /v1/traces, and the pages must show them.
 */
import { act } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { choose, click, clickElement, control, input, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let collector = '';
let now = 0;
/** The API requests the UI made (path and query), in order (the test's fetch records them). */
const asked: string[] = [];

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEALTH_TRACE = '0af7651916cd43dd8448eb211c80319c';
const LEDGER_TRACE = 'a3ce929d0e0e47364bf92f3577b34da6';
const ROOT = '00f067aa0ba902b7';
const CALL_LEDGER = '00f067aa0ba902b8';
const LOAD_CART = '00f067aa0ba902b9';
const ENTRIES = '53995c3f42cd8ad8';
const STACK = 'LedgerError: account 42 is frozen\n    at post (ledger/entries.ts:88:11)\n    at handle (ledger/server.ts:12:5)';

const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
const attrs = (a: Record<string, string>) => Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));

async function post(path: '/v1/logs' | '/v1/traces', body: unknown): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body)).toEqual({});
}

/** One OTLP JSON export of log records for `service`. */
const sendLogs = (service: string, records: Record<string, unknown>[]) =>
  post('/v1/logs', { resourceLogs: [{ resource: { attributes: attrs({ 'service.name': service }) }, scopeLogs: [{ scope: { name: 'ui-test' }, logRecords: records }] }] });

interface LogLine {
  at: number;
  severity: number;
  body: string;
  attributes?: Record<string, string>;
  traceId?: string;
  spanId?: string;
}
const record = ({ at, severity, body, attributes = {}, traceId, spanId }: LogLine) => ({ timeUnixNano: ns(at), severityNumber: severity, body: { stringValue: body }, attributes: attrs(attributes), ...(traceId ? { traceId, spanId } : {}) });

/** One OTLP JSON export of spans for `service` (ids as hex, as OTLP JSON writes them). */
function sendSpans(service: string, spans: { traceId?: string; id: string; parent?: string; name: string; kind?: number; at: number; ms: number; extra?: Record<string, unknown> }[]) {
  return post('/v1/traces', {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': service }) },
        scopeSpans: [
          {
            spans: spans.map((s) => ({
              traceId: s.traceId ?? TRACE,
              spanId: s.id,
              ...(s.parent ? { parentSpanId: s.parent } : {}),
              name: s.name,
              kind: s.kind ?? 1,
              startTimeUnixNano: ns(s.at),
              endTimeUnixNano: ns(s.at + s.ms),
              ...s.extra,
            })),
          },
        ],
      },
    ],
  });
}

/** The service page's tabs, as listed. */
const tabs = () => [...document.querySelectorAll('[role="tab"]')].map((e) => e.textContent);
/** The log list's lines. */
const logLines = () => [...document.querySelectorAll('ol[aria-label="Log records"] > li')];
/** Each line's body, as shown. */
const bodies = () => logLines().map((li) => li.querySelector('pre')?.textContent);
const lineWith = (body: string) => logLines().find((li) => li.textContent?.includes(body));
/** The waterfall's rows: indentation level, "service name" and whether it is marked as failed. */
const waterfall = () =>
  [...document.querySelectorAll('ol[aria-label="Spans"] > li')].map((li) => {
    const button = li.querySelector('button')!;
    const name = button.firstElementChild!;
    const label = [...name.children].filter((c) => !c.classList.contains('visually-hidden') && !c.classList.contains('mantine-Badge-root')).map((c) => c.textContent).join(' ').trim();
    return [name.querySelector('.visually-hidden')?.textContent, label, name.querySelector('.mantine-Badge-root')?.textContent ?? ''];
  });
const spanRow = (name: string) => [...document.querySelectorAll('ol[aria-label="Spans"] > li > button')].find((b) => b.textContent?.includes(name));
/** The trace search's rows, cell by cell (time left out: the server's clock is not the browser's). */
const traceRows = () => [...document.querySelectorAll('table[aria-label="Traces"] tbody tr')].map((r) => [...r.querySelectorAll('td')].slice(1).map((c) => c.textContent));
const pause = (ms: number) => act(async () => new Promise((r) => setTimeout(r, ms)));

describe('logs and traces in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    const uiFetch = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input), 'http://localhost');
      asked.push(url.pathname + url.search);
      return uiFetch(input, init);
    }) as typeof fetch;
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    for (const s of ['checkout', 'ledger', 'quiet']) await t.req('PUT', `/api/v1/resources/Service/${s}`, { as: t.admin, body: serviceDoc(s, 'payments') });
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    expect(collector).toBeTruthy();
    now = t.clock.now().getTime();

    const checkoutLogs: LogLine[] = [
      { at: now - 50_000, severity: 9, body: 'order 1001 accepted for customer eu-17', attributes: { region: 'eu', 'http.route': '/orders' } },
      { at: now - 40_000, severity: 13, body: 'payment provider slow: 2300 ms', attributes: { provider: 'acme', region: 'us' } },
      { at: now - 30_000, severity: 17, body: 'payment failed for order 1002', attributes: { provider: 'acme', region: 'eu' }, traceId: TRACE, spanId: CALL_LEDGER },
      { at: now - 25_000, severity: 5, body: 'cart cache warm' },
      { at: now - 20_000, severity: 9, body: '<b>bold</b> & <script>alert(1)</script>' },
    ];
    await sendLogs('checkout', checkoutLogs.map(record));
    // a batch job, not in the catalog, logs more than a page
    await sendLogs('batch', Array.from({ length: 120 }, (_, i) => record({ at: now - 600_000 + i * 1000, severity: 9, body: `job step ${i + 1}` })));

    // a request to checkout: it loads the cart and calls the ledger, which fails. The ledger's span
    // comes first, and the cart starts between the ledger call and the ledger's own span: tree order
    // is not start order.
    await sendSpans('ledger', [
      {
        id: ENTRIES,
        parent: CALL_LEDGER,
        name: 'POST /entries',
        kind: 2,
        at: now - 60_000 + 15,
        ms: 180,
        extra: {
          attributes: attrs({ 'http.route': '/entries', 'ledger.account': '42' }),
          status: { code: 2, message: 'account frozen' },
          events: [{ name: 'exception', timeUnixNano: ns(now - 60_000 + 150), attributes: attrs({ 'exception.type': 'LedgerError', 'exception.message': 'account 42 is frozen', 'exception.stacktrace': STACK }) }],
        },
      },
    ]);
    await sendSpans('checkout', [
      { id: ROOT, name: 'POST /orders', kind: 2, at: now - 60_000, ms: 250, extra: { attributes: attrs({ 'http.route': '/orders' }) } },
      { id: CALL_LEDGER, parent: ROOT, name: 'POST ledger', kind: 3, at: now - 60_000 + 10, ms: 200 },
      { id: LOAD_CART, parent: ROOT, name: 'SELECT cart', kind: 3, at: now - 60_000 + 12, ms: 30 },
    ]);
    await sendSpans('checkout', [{ traceId: HEALTH_TRACE, id: '1111111111111111', name: 'GET /health', kind: 2, at: now - 30_000, ms: 2, extra: { attributes: attrs({ 'http.route': '/health' }), status: { code: 1 } } }]);
    await sendSpans('ledger', [{ traceId: LEDGER_TRACE, id: '2222222222222222', name: 'POST /entries', kind: 2, at: now - 20_000, ms: 50, extra: { attributes: attrs({ 'http.route': '/entries' }) } }]);
  });
  afterAll(() => stopUi(t));

  it('a service page has Logs and Traces tabs only when the service sent logs or traces', async () => {
    await show('/services/checkout');
    // its server spans' RED metrics are stored with them: Health and Metrics come too
    await until(() => tabs().includes('Traces') && tabs().includes('Metrics'), 'the Traces and Metrics tabs');
    expect(tabs()).toEqual(['Overview', 'History', 'Change requests', 'Health', 'Metrics', 'Logs', 'Traces']);

    // ledger has spans but no log records
    asked.length = 0;
    await show('/services/ledger');
    await until(() => tabs().includes('Traces'), "ledger's Traces tab");
    await until(() => asked.some((a) => a.startsWith('/api/v1/telemetry/logs?service=ledger')), 'the question whether ledger has logs');
    await until(() => tabs().includes('Exceptions') && tabs().includes('Metrics'), "ledger's Exceptions tab (its span's exception event) and Metrics tab");
    await pause(50);
    expect(tabs()).toEqual(['Overview', 'History', 'Change requests', 'Health', 'Metrics', 'Traces', 'Exceptions']);

    asked.length = 0;
    await show('/services/quiet');
    await until(() => asked.some((a) => a.startsWith('/api/v1/telemetry/logs?service=quiet')) && asked.some((a) => a.startsWith('/api/v1/telemetry/traces?service=quiet')) && asked.some((a) => a.startsWith('/api/v1/telemetry/exceptions?service=quiet')), 'the questions about quiet');
    await pause(50);
    expect(tabs()).toEqual(['Overview', 'History', 'Change requests']);
    // the tab's own address still opens it, and says there is nothing
    await show('/services/quiet/logs');
    await see('No log records in the last 1 hour');
  });

  it('the Logs tab lists the service’s records newest first, user data as text', async () => {
    await show('/services/checkout/logs');
    await until(() => logLines().length === 5, 'five log lines');
    expect(bodies()).toEqual(['<b>bold</b> & <script>alert(1)</script>', 'cart cache warm', 'payment failed for order 1002', 'payment provider slow: 2300 ms', 'order 1001 accepted for customer eu-17']);
    expect(logLines().map((li) => li.querySelector('.mantine-Badge-label')?.textContent)).toEqual(['info', 'debug', 'error', 'warn', 'info']);
    // the markup in a body is shown, never run or rendered
    expect(document.querySelector('ol[aria-label="Log records"] b, ol[aria-label="Log records"] script')).toBeNull();
    // attributes open on demand
    const toggle = [...lineWith('payment provider slow')!.querySelectorAll('button')].find((b) => b.textContent === '2 attributes')!;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(lineWith('payment provider slow')!.textContent).not.toContain('acme');
    await clickElement(toggle, 'the attributes toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect([...lineWith('payment provider slow')!.querySelectorAll('dt, dd')].map((e) => e.textContent)).toEqual(['provider', 'acme', 'region', 'us']);
  });

  it('filters by severity, words and attributes, and keeps the search in the address', async () => {
    await show('/telemetry/logs');
    await until(() => logLines().length === 100, 'the first page of every service’s records');
    await choose('Severity', 'warn and above');
    await until(() => logLines().length === 2, 'warnings and errors only');
    expect(bodies()).toEqual(['payment failed for order 1002', 'payment provider slow: 2300 ms']);

    await type('Search', 'PAYMENT failed');
    await until(() => logLines().length === 1, 'the record with both words');
    expect(bodies()).toEqual(['payment failed for order 1002']);
    expect(asked.at(-1)).toContain('q=PAYMENT+failed');

    // the same search from a link: state comes from the address alone
    await show('/telemetry/logs?severity=warn&q=payment&where=region%3Deu');
    await until(() => logLines().length === 1, 'the search from the link');
    expect(bodies()).toEqual(['payment failed for order 1002']);
    expect(input('Severity').value).toBe('warn and above');
    expect(input('Search').value).toBe('payment');
    expect([...document.querySelectorAll('.mantine-Pill-label')].map((p) => p.textContent)).toEqual(['region=eu']);

    await show('/telemetry/logs?severity=fatal');
    await see('No log records in the last 1 hour');
  });

  it('pages back with Load older', async () => {
    await show('/telemetry/logs?service=batch');
    await until(() => logLines().length === 100, 'the first page');
    expect(bodies()[0]).toBe('job step 120');
    expect(bodies()[99]).toBe('job step 21');
    await click('Load older');
    await until(() => logLines().length === 120, 'the older records');
    expect(bodies().slice(99)).toEqual(Array.from({ length: 21 }, (_, i) => `job step ${21 - i}`));
    expect(control('Load older')).toBeUndefined();
    expect(asked.some((a) => /\/telemetry\/logs\?.*before=\d+/.test(a))).toBe(true);
  });

  it('a log line’s trace link opens the trace: a waterfall in tree order, the failed span marked, its exception readable', async () => {
    await show('/telemetry/logs?q=payment+failed');
    await until(() => logLines().length === 1, 'the failed payment');
    await clickElement(lineWith('payment failed')!.querySelector(`a[aria-label="Trace ${TRACE}"]`), 'the trace link');
    await until(() => waterfall().length === 4, 'the waterfall');
    // children under their parent, siblings by start: the ledger's span under the call to it
    expect(waterfall()).toEqual([
      ['level 1, ', 'checkout POST /orders', ''],
      ['level 2, ', 'checkout POST ledger', ''],
      ['level 3, ', 'ledger POST /entries', 'error'],
      ['level 2, ', 'checkout SELECT cart', ''],
    ]);
    expect(text()).toContain('checkout: POST /orders');
    // the log line's span is open
    expect(spanRow('POST ledger')!.getAttribute('aria-expanded')).toBe('true');
    expect(document.querySelector('section[aria-label="Span POST ledger"]')?.textContent).toContain(CALL_LEDGER);

    await clickElement(spanRow('POST /entries'), 'the failed span');
    expect(spanRow('POST /entries')!.getAttribute('aria-expanded')).toBe('true');
    expect(spanRow('POST ledger')!.getAttribute('aria-expanded')).toBe('false');
    const details = document.querySelector('section[aria-label="Span POST /entries"]')!;
    expect(details.textContent).toContain('account frozen');
    expect(details.querySelector('[aria-label="Attributes of POST /entries"]')?.textContent).toContain('ledger.account42');
    const events = details.querySelector('[aria-label="Events of POST /entries"]')!;
    expect(events.textContent).toContain('LedgerError: account 42 is frozen');
    expect(events.querySelector('[aria-label="Stack trace"]')?.textContent).toBe(STACK);

    // and on to its logs
    await clickElement(link('Logs of this trace'), 'Logs of this trace');
    await until(() => logLines().length === 1, 'the logs of the trace');
    expect(bodies()).toEqual(['payment failed for order 1002']);
    expect(text()).toContain(`Records of trace ${TRACE}`);
  });

  it('the live tail puts records sent after the page opened on top, and stops when switched off', async () => {
    await show('/services/checkout/logs');
    await until(() => logLines().length === 5, 'the records so far');
    await click('Live tail');
    await until(() => asked.some((a) => /\/telemetry\/logs\?.*after=\d+/.test(a)), 'the first poll');
    expect(bodies()).toHaveLength(5);

    t.clock.advance(5_000);
    await sendLogs('checkout', [record({ at: now + 4_000, severity: 17, body: 'refund 77 failed' })]);
    await until(() => bodies()[0] === 'refund 77 failed', 'the new record on top', 6000);
    expect(logLines()).toHaveLength(6);

    await click('Live tail');
    const polls = asked.filter((a) => a.includes('after=')).length;
    await sendLogs('checkout', [record({ at: now + 4_500, severity: 9, body: 'refund 78 issued' })]);
    await pause(2_500);
    expect(asked.filter((a) => a.includes('after=')).length).toBe(polls);
    expect(bodies()[0]).toBe('refund 77 failed');
  });

  it('finds traces by service, status and duration; each row leads to its waterfall', async () => {
    await show('/telemetry/traces');
    await until(() => traceRows().length === 3, 'three traces');
    expect(traceRows()).toEqual([
      ['ledger: POST /entries', '/entries', '50 ms', '1', 'ledger', 'unset'],
      ['checkout: GET /health', '/health', '2 ms', '1', 'checkout', 'ok'],
      ['checkout: POST /orders', '/orders', '250 ms', '4', 'checkout, ledger', 'error'],
    ]);
    await choose('Status', 'error');
    await until(() => traceRows().length === 1, 'the failed trace');
    expect(traceRows()[0]?.[0]).toBe('checkout: POST /orders');

    await show('/telemetry/traces?minDuration=40');
    await until(() => traceRows().length === 2, 'traces of 40 ms or more');
    expect(input('Min duration (ms)').value).toBe('40');
    await type('Service', 'checkout');
    await until(() => traceRows().length === 1, "checkout's slow trace");
    expect(traceRows()[0]?.[0]).toBe('checkout: POST /orders');

    await clickElement(link('checkout: POST /orders'), 'the trace');
    await until(() => waterfall().length === 4, 'its waterfall');
    expect(document.querySelector('ol[aria-label="Spans"] button[aria-expanded="true"]')).toBeNull();
  });

  it('the Traces tab shows the service’s own traces', async () => {
    await show('/services/ledger/traces');
    await until(() => traceRows().length === 2, "ledger's traces");
    expect(traceRows().map((r) => r[0])).toEqual(['ledger: POST /entries', 'checkout: POST /orders']);
  });

  it('an unknown trace says so', async () => {
    await show('/telemetry/traces/ffffffffffffffffffffffffffffffff');
    await see('No such trace');
    await show('/telemetry/traces/nope');
    await see('This is not a trace id');
  });
});
