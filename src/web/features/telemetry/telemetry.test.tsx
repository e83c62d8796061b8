// @vitest-environment happy-dom
/**
 * The Metrics tab and page, in happy-dom against the real API: metrics go in as OTLP JSON over
 * POST /v1/metrics, and the page must show them. happy-dom draws no canvas, so the chart is its
 * table of series (the same values uPlot is given).
 */
import { act } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { choose, click, clickElement, input, link, see, show, signInNewUser, startUi, stopUi, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
const MiB = 1024 * 1024;
/** The API paths the UI has had answers from (the test's fetch records them). */
const answered: string[] = [];

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const attrs = (a: Record<string, string>) => Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));

/** Sends one OTLP JSON export for `service` with an organisation-wide ingest token. */
async function sendMetrics(token: string, service: string, metrics: unknown[]): Promise<void> {
  const body = { resourceMetrics: [{ resource: { attributes: attrs({ 'service.name': service }) }, scopeMetrics: [{ scope: { name: 'ui-test' }, metrics }] }] };
  const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body)).toEqual({});
}

/** The service page's tabs, as listed. */
const tabs = () => [...document.querySelectorAll('[role="tab"]')].map((e) => e.textContent);
/** The metric list: name, kind, unit and series count of each row. */
const metricRows = () => [...document.querySelectorAll('table[aria-label="Metrics"] tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
/** A chart's series as its table shows them: label, latest (or hovered) value, lowest, highest. */
const series = (metric: string) => [...document.querySelectorAll(`table[aria-label="Series of ${metric}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));

describe('metrics in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    const uiFetch = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await uiFetch(input, init);
      answered.push(new URL(String(input), 'http://localhost').pathname);
      return res;
    }) as typeof fetch;
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    await t.req('PUT', '/api/v1/resources/Service/ledger', { as: t.admin, body: serviceDoc('ledger', 'payments') });
    const collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    expect(collector).toBeTruthy();

    // the last ten minutes, one export a minute, as an SDK sends them
    const now = t.clock.now().getTime();
    const minutes = Array.from({ length: 11 }, (_, i) => ({ i, t: now - (10 - i) * 60_000 }));
    await sendMetrics(collector, 'checkout', [
      {
        name: 'process.memory.usage',
        unit: 'By',
        description: 'Memory in use',
        gauge: { dataPoints: minutes.flatMap(({ i, t: at }) => [
          { timeUnixNano: ns(at), asDouble: (100 + i) * MiB, attributes: attrs({ pool: 'a' }) },
          { timeUnixNano: ns(at), asDouble: (200 + i) * MiB, attributes: attrs({ pool: 'b' }) },
        ]) },
      },
      {
        // cumulative: eu counts 120 orders a minute (2/s), us 60 (1/s)
        name: 'orders.total',
        sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: minutes.flatMap(({ i, t: at }) => [
          { timeUnixNano: ns(at), asInt: String(120 * i), attributes: attrs({ region: 'eu' }) },
          { timeUnixNano: ns(at), asInt: String(60 * i), attributes: attrs({ region: 'us' }) },
        ]) },
      },
      {
        // per minute 100 more requests: 50 take ≤ 0.1 s, 40 ≤ 0.5 s, 10 ≤ 1 s
        name: 'http.server.request.duration',
        unit: 's',
        histogram: { aggregationTemporality: 2, dataPoints: minutes.map(({ i, t: at }) => ({
          timeUnixNano: ns(at), count: String(100 * i), sum: 25 * i, explicitBounds: [0.1, 0.5, 1],
          bucketCounts: [String(50 * i), String(40 * i), String(10 * i), '0'], attributes: attrs({ 'http.route': '/pay' }),
        })) },
      },
    ]);
  });
  afterAll(() => stopUi(t));

  it('a service that sent metrics has a Metrics tab listing them, with a chart of the first', async () => {
    await show('/services/checkout');
    await until(() => tabs().includes('Metrics'), 'the Metrics tab');
    expect(tabs()).toEqual(['Overview', 'History', 'Change requests', 'Metrics']);
    await clickElement([...document.querySelectorAll('[role="tab"]')].find((e) => e.textContent === 'Metrics'), 'the Metrics tab');
    await until(() => metricRows().length === 3, 'the metric list');
    // by name; a histogram counts its attribute sets (one here), not its buckets, sum and count
    expect(metricRows()).toEqual([
      ['http.server.request.duration', 'histogram', 's', '1'],
      ['orders.total', 'counter', '—', '2'],
      ['process.memory.usage', 'gauge', 'By', '2'],
    ]);
    // the first is charted until another is picked: a histogram, by default as requests per second
    await until(() => series('http.server.request.duration').length === 1, 'the chart of the first metric');
    expect(input('Function').value).toBe('rate — rate per second');
    expect(series('http.server.request.duration')).toEqual([['all series', '1.67/s', '1.67/s', '1.67/s']]);
  });

  it('charts a gauge by its default function, grouped by an attribute typed in', async () => {
    await show('/services/checkout/metrics?metric=process.memory.usage');
    await until(() => series('process.memory.usage').length === 1, 'the chart of process.memory.usage');
    expect(input('Function').value).toBe('avg — average');
    expect(series('process.memory.usage')).toEqual([['all series', '160 MiB', '150 MiB', '160 MiB']]);

    await type('Group by', 'pool');
    await until(() => series('process.memory.usage').length === 2, 'one line per pool');
    expect(series('process.memory.usage')).toEqual([
      ['pool=a', '110 MiB', '100 MiB', '110 MiB'],
      ['pool=b', '210 MiB', '200 MiB', '210 MiB'],
    ]);

    // the chart reads its settings from the address alone: that it follows them shows they are written there
    await choose('Function', 'max — highest');
    await type('Group by', '');
    await until(() => series('process.memory.usage').length === 1, 'one line again');
    expect(series('process.memory.usage')).toEqual([['all series', '210 MiB', '200 MiB', '210 MiB']]);
    expect(input('Function').value).toBe('max — highest');

    // the other metrics' links keep the time range, but not this metric's function or grouping
    expect(link('orders.total')?.getAttribute('href')).toBe('/services/checkout/metrics?metric=orders.total');
    await click('6h');
    await until(() => link('orders.total')?.getAttribute('href') === '/services/checkout/metrics?metric=orders.total&range=6h', 'the range in the links');
    expect(series('process.memory.usage')).toEqual([['all series', '210 MiB', '200 MiB', '210 MiB']]);
  });

  it('charts a counter as a rate per second, one line per group', async () => {
    await show('/services/checkout/metrics?metric=orders.total&by=region');
    await until(() => series('orders.total').length === 2, 'the rate per region');
    expect(input('Function').value).toBe('rate — rate per second');
    expect(series('orders.total')).toEqual([
      ['region=eu', '2/s', '2/s', '2/s'],
      ['region=us', '1/s', '1/s', '1/s'],
    ]);
    expect(input('Group by').value).toBe('region');
  });

  it('charts percentiles of a histogram from its buckets', async () => {
    await show('/services/checkout/metrics?metric=http.server.request.duration');
    await until(() => series('http.server.request.duration').length === 1, 'the histogram chart');
    // rate by default: 100 requests a minute
    expect(input('Function').value).toBe('rate — rate per second');
    expect(series('http.server.request.duration')[0]?.[1]).toBe('1.67/s');
    await choose('Function', 'p95 — 95th percentile (p95)');
    // rank 95 of 100 falls in (0.5 s, 1 s]: 0.5 + 0.5 × (95 − 90) / 10
    await until(() => series('http.server.request.duration')[0]?.[1] === '750 ms', 'the p95');
    expect(series('http.server.request.duration')).toEqual([['all series', '750 ms', '750 ms', '750 ms']]);
  });

  it('a shared link opens the same chart: service, metric, range, function and grouping come from the address', async () => {
    await show('/telemetry/metrics?service=checkout&metric=orders.total&range=6h&fn=increase&by=region');
    await until(() => series('orders.total').length === 2, 'the chart from the link');
    expect(input('Service').value).toBe('checkout');
    expect(input('Function').value).toBe('increase — increase per step');
    expect(input('Group by').value).toBe('region');
    expect(document.querySelector<HTMLInputElement>('[aria-label="Time range"] input[value="6h"]')?.checked).toBe(true);
    // six hours in two-minute steps: each step holds two minutes of orders
    expect(series('orders.total').map((s) => [s[0], s[1]])).toEqual([
      ['region=eu', '240'],
      ['region=us', '120'],
    ]);
    expect(link('process.memory.usage')?.getAttribute('href')).toBe('/telemetry/metrics?service=checkout&metric=process.memory.usage&range=6h');
  });

  it('the Metrics page lists the services that sent metrics and charts the one picked', async () => {
    await show('/');
    await see('Hello, alice');
    await clickElement(link('Metrics'), 'the Metrics link');
    await see('Pick a service');
    await choose('Service', 'checkout');
    await until(() => metricRows().length === 3, "checkout's metrics");
    await clickElement(link('orders.total'), 'orders.total');
    await until(() => series('orders.total').length === 1, 'the chart of orders.total');
    expect(series('orders.total')).toEqual([['all series', '3/s', '3/s', '3/s']]);
  });

  it('a service without metrics has no Metrics tab; its address explains how to send some', async () => {
    answered.length = 0;
    await show('/services/ledger');
    await until(() => answered.includes('/api/v1/telemetry/services/ledger/metrics'), 'the question whether ledger sent metrics');
    // once its answer (none) is in, the page still has no Metrics tab
    await act(async () => new Promise((r) => setTimeout(r, 0)));
    expect(tabs()).toEqual(['Overview', 'History', 'Change requests']);
    await show('/services/ledger/metrics');
    await see('No metrics from ledger yet');
    await show('/services/checkout/metrics?metric=nope');
    await see('checkout has no metric “nope”');
  });
});
