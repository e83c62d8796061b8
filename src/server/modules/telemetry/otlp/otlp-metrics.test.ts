import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../platform/clock.ts';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';
import { otlpProto } from './otlp-types.ts';

const Request = otlpProto.collector.metrics.v1.ExportMetricsServiceRequest;
const Response = otlpProto.collector.metrics.v1.ExportMetricsServiceResponse;

/** An OTLP JSON metrics request with one resource. */
function jsonRequest(service: string, metrics: unknown[], resource: Record<string, string> = {}) {
  const attrs = Object.entries({ 'service.name': service, ...resource }).map(([key, v]) => ({ key, value: { stringValue: v } }));
  return { resourceMetrics: [{ resource: { attributes: attrs }, scopeMetrics: [{ scope: { name: 'test' }, metrics }] }] };
}

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

function gauge(name: string, points: { t: number; v: number; attrs?: Record<string, string> }[]) {
  return {
    name,
    unit: 'By',
    gauge: { dataPoints: points.map((p) => ({ timeUnixNano: ns(p.t), asDouble: p.v, attributes: Object.entries(p.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })) })) },
  };
}

function counter(name: string, points: { t: number; v: number; attrs?: Record<string, string> }[], temporality: 1 | 2 = 2) {
  return {
    name,
    sum: {
      aggregationTemporality: temporality,
      isMonotonic: true,
      dataPoints: points.map((p) => ({ timeUnixNano: ns(p.t), asInt: String(p.v), attributes: Object.entries(p.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })) })),
    },
  };
}

describe.each(databases)('OTLP metrics ingest on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let now: number;
  let payments: string;
  let search: string;
  let collector: string;
  let reader: string;

  async function post(body: unknown, token: string, headers: Record<string, string> = {}) {
    const payload = Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      payload,
    });
    return res;
  }

  async function query(service: string, metric: string, params: Record<string, string>, token = reader) {
    const qs = new URLSearchParams(params).toString();
    return t.req('GET', `/api/v1/telemetry/services/${service}/metrics/${encodeURIComponent(metric)}/query?${qs}`, { as: token });
  }

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    now = t.clock.now().getTime();
    const alice = await t.user('alice');
    const carol = await t.user('carol');
    reader = await t.user('rita', { scopes: ['read'] });
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    await t.req('PUT', '/api/v1/resources/Service/indexer', { as: carol, body: serviceDoc('indexer', 'search') });
    payments = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    search = (await t.req('POST', '/api/v1/tokens', { as: carol, body: { name: 'otel', type: 'team', team: 'search', scopes: ['ingest'] } })).body.token;
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token;
    expect(payments && search && collector).toBeTruthy();
  });
  afterAll(() => t.close());

  it('stores a gauge sent as OTLP JSON and answers it per step, grouped by an attribute', async () => {
    const base = now - 10 * 60_000;
    const points = [0, 1, 2, 3].flatMap((i) => [
      { t: base + i * 60_000, v: 100 + i, attrs: { pool: 'a' } },
      { t: base + i * 60_000, v: 200 + i, attrs: { pool: 'b' } },
    ]);
    const res = await post(jsonRequest('checkout', [gauge('process.memory.usage', points)], { 'service.version': '1.4.2' }), payments);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(res.body)).toEqual({});

    const grouped = await query('checkout', 'process.memory.usage', { from: String(base - 1), to: String(base + 3 * 60_000), step: '60', by: 'pool' });
    expect(grouped.status).toBe(200);
    expect(grouped.body.kind).toBe('gauge');
    expect(grouped.body.series.map((s: { labels: unknown }) => s.labels)).toEqual([{ pool: 'a' }, { pool: 'b' }]);
    expect(grouped.body.series[0].values.filter((v: number | null) => v !== null)).toEqual([100, 101, 102, 103]);
    expect(grouped.body.series[1].values.filter((v: number | null) => v !== null)).toEqual([200, 201, 202, 203]);
    const total = await query('checkout', 'process.memory.usage', { from: String(base - 1), to: String(base + 3 * 60_000), step: '60', fn: 'sum' });
    expect(total.body.series).toHaveLength(1);
    expect(total.body.series[0].values.filter((v: number | null) => v !== null)).toEqual([300, 302, 304, 306]);
    const filtered = await query('checkout', 'process.memory.usage', { from: String(base - 1), to: String(base + 3 * 60_000), step: '60', fn: 'max', where: 'pool=a' });
    expect(filtered.body.series[0].values.filter((v: number | null) => v !== null)).toEqual([100, 101, 102, 103]);

    const listed = await t.req('GET', '/api/v1/telemetry/services/checkout/metrics', { as: reader });
    expect(listed.body.items).toContainEqual({ name: 'process.memory.usage', kind: 'gauge', unit: 'By', description: '', series: 2 });
  });

  it('turns delta sums into running totals, and answers a counter as a rate with resets handled', async () => {
    const base = now - 30 * 60_000;
    // deltas of 60 per minute: a rate of 1/s
    const deltas = [0, 1, 2, 3, 4].map((i) => ({ t: base + i * 60_000, v: 60 }));
    expect((await post(jsonRequest('checkout', [counter('orders.delta', deltas, 1)]), payments)).statusCode).toBe(200);
    const rate = await query('checkout', 'orders.delta', { from: String(base), to: String(base + 4 * 60_000), step: '60' });
    expect(rate.body.kind).toBe('counter');
    expect(rate.body.fn).toBe('rate');
    expect(rate.body.series[0].values.slice(1)).toEqual([1, 1, 1, 1]);

    // a cumulative counter that restarts (process restart): 0, 120, 240, then 60 again, 180
    const cumulative = [0, 120, 240, 60, 180].map((v, i) => ({ t: base + i * 60_000, v }));
    expect((await post(jsonRequest('checkout', [counter('orders.total', cumulative)]), payments)).statusCode).toBe(200);
    const inc = await query('checkout', 'orders.total', { from: String(base), to: String(base + 4 * 60_000), step: '60', fn: 'increase' });
    expect(inc.body.series[0].values.slice(1)).toEqual([120, 120, 60, 120]);
  });

  it('reads a counter exported every minute at 15 s steps as a steady rate, not bursts and gaps', async () => {
    const base = Math.floor((now - 40 * 60_000) / 60_000) * 60_000;
    // +120 a minute: 2 per second
    const points = Array.from({ length: 20 }, (_, i) => ({ t: base + i * 60_000, v: 1000 + 120 * i }));
    expect((await post(jsonRequest('checkout', [counter('slow.export', points)]), payments)).statusCode).toBe(200);
    const rate = await query('checkout', 'slow.export', { from: String(base + 10 * 60_000), to: String(base + 15 * 60_000), step: '15' });
    expect(rate.body.series[0].values.every((v: number | null) => v !== null && Math.abs(v - 2) < 1e-9)).toBe(true);
    // increase stays per step: a minute's growth in the step holding its sample, so the steps add up
    // (six samples, minutes 10 to 15, end steps of this range)
    const inc = await query('checkout', 'slow.export', { from: String(base + 10 * 60_000), to: String(base + 15 * 60_000), step: '15', fn: 'increase' });
    expect(inc.body.series[0].values.filter((v: number | null) => v)).toEqual([120, 120, 120, 120, 120, 120]);
  });

  it('answers quantiles and the average of a histogram from its buckets', async () => {
    const base = now - 20 * 60_000;
    // cumulative: per minute 100 more observations, 50 ≤ 0.1 s, 40 in (0.1, 0.5], 10 in (0.5, 1]
    const points = [0, 1, 2].map((i) => ({
      timeUnixNano: ns(base + i * 60_000),
      count: String(100 * i),
      sum: 25 * i,
      explicitBounds: [0.1, 0.5, 1],
      bucketCounts: [String(50 * i), String(40 * i), String(10 * i), '0'],
      attributes: [{ key: 'http.route', value: { stringValue: '/pay' } }],
    }));
    const body = jsonRequest('checkout', [{ name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: points } }]);
    expect((await post(body, payments)).statusCode).toBe(200);
    const range = { from: String(base), to: String(base + 2 * 60_000), step: '60' };
    const p50 = await query('checkout', 'http.server.request.duration', { ...range, fn: 'p50' });
    expect(p50.body.series[0].values[1]).toBeCloseTo(0.1, 6);
    const p95 = await query('checkout', 'http.server.request.duration', { ...range, fn: 'p95' });
    // rank 95 of 100 falls in (0.5, 1]: 0.5 + 0.5 * (95 - 90) / 10
    expect(p95.body.series[0].values[1]).toBeCloseTo(0.75, 6);
    const avg = await query('checkout', 'http.server.request.duration', { ...range, fn: 'avg' });
    expect(avg.body.series[0].values[1]).toBeCloseTo(0.25, 6);
    const rate = await query('checkout', 'http.server.request.duration', { ...range, fn: 'rate', by: 'http.route' });
    expect(rate.body.series[0]).toEqual({ labels: { 'http.route': '/pay' }, values: [null, 100 / 60, 100 / 60] });
    // one value over the whole range: the p95 of its 200 observations, and how many there were
    const whole = { from: String(base - 1000), to: String(base + 2 * 60_000), instant: 'true' };
    const p95All = await query('checkout', 'http.server.request.duration', { ...whole, fn: 'p95', by: 'http.route' });
    expect(p95All.body.times).toEqual([base + 2 * 60_000]);
    // rank 190 of 200 falls in (0.5, 1]: 0.5 + 0.5 * (190 - 180) / 20
    expect(p95All.body.series[0].values[0]).toBeCloseTo(0.75, 6);
    const count = await query('checkout', 'http.server.request.duration', { ...whole, fn: 'increase' });
    expect(count.body.series[0].values).toEqual([200]);
  });

  it('answers a summary’s quantiles from its quantile values, averaged across its series', async () => {
    const base = now - 20 * 60_000;
    const point = (i: number, pod: string, median: number) => ({
      timeUnixNano: ns(base + i * 60_000),
      count: String(10 * (i + 1)),
      sum: 5 * (i + 1),
      quantileValues: [
        { quantile: 0.5, value: median },
        { quantile: 0.99, value: median * 4 },
      ],
      attributes: [{ key: 'pod', value: { stringValue: pod } }],
    });
    const dataPoints = [0, 1, 2].flatMap((i) => [point(i, 'a', 0.2 + i / 10), point(i, 'b', 0.4)]);
    expect((await post(jsonRequest('checkout', [{ name: 'rpc.latency', unit: 's', summary: { dataPoints } }]), payments)).statusCode).toBe(200);
    const range = { from: String(base), to: String(base + 2 * 60_000), step: '60' };
    const p50 = await query('checkout', 'rpc.latency', { ...range, fn: 'p50', by: 'pod' });
    expect(p50.body.series.map((s: { values: number[] }) => s.values.map((v) => (v === null ? null : Math.round(v * 100) / 100)))).toEqual([
      [0.2, 0.3, 0.4],
      [0.4, 0.4, 0.4],
    ]);
    const p99 = await query('checkout', 'rpc.latency', { ...range, fn: 'p99' });
    expect(p99.body.series[0].values[2]).toBeCloseTo(1.6, 6);
  });

  it('rolls up older samples into 1-minute and 1-hour buckets and reports how far it has come', async () => {
    // three hours of a gauge, ending an hour ago: older than the rollups' 15-minute delay
    const end = Math.floor((now - 3600_000) / 60_000) * 60_000;
    const points = Array.from({ length: 180 }, (_, i) => ({ t: end - (179 - i) * 60_000, v: i % 10 }));
    expect((await post(jsonRequest('checkout', [gauge('pool.size', points)]), payments)).statusCode).toBe(200);
    const range = { from: String(end - 179 * 60_000), to: String(end), step: '300', fn: 'max' };
    const before = await query('checkout', 'pool.size', range);
    while (t.app.services.telemetry.rollup(1000));
    const status = await t.req('GET', '/api/v1/telemetry/storage', { as: reader });
    expect(status.status).toBe(200);
    const [minute, hour] = status.body.rollups;
    expect(minute.resolution).toBe(60_000);
    expect(minute.completeTo).toBeGreaterThanOrEqual(end - 2 * 3600_000);
    expect(minute.completeTo).toBeLessThanOrEqual(now - 15 * 60_000);
    expect(hour.resolution).toBe(3600_000);
    expect(status.body.rawRetentionMs).toBe(7 * 86_400_000);
    // the same answer, now read from the buckets where they are complete
    const after = await query('checkout', 'pool.size', range);
    expect(after.body.series).toEqual(before.body.series);
    expect(before.body.series[0].values.filter((v: number | null) => v !== null).length).toBeGreaterThanOrEqual(35);
  });

  it('accepts protobuf and gzip, answering in the same encoding', async () => {
    const msg = Request.fromObject(jsonRequest('checkout', [gauge('queue.depth', [{ t: now - 60_000, v: 7 }])]));
    const bytes = Buffer.from(Request.encode(msg).finish());
    const res = await post(gzipSync(bytes), payments, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-protobuf/);
    expect(Response.toObject(Response.decode(res.rawPayload))).toEqual({});
    const q = await query('checkout', 'queue.depth', { from: String(now - 120_000), to: String(now), step: '60', fn: 'last' });
    expect(q.body.series[0].values).toContain(7);
  });

  it('takes JSON with 64-bit integers as numbers or strings, enum names and unknown fields', async () => {
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }], futureField: { x: 1 } },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'jobs.done',
                  sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', isMonotonic: true, dataPoints: [{ timeUnixNano: (now - 120_000) * 1e6, asInt: 5 }, { timeUnixNano: ns(now - 60_000), asInt: '9', brandNew: true }] },
                },
              ],
            },
          ],
        },
      ],
    };
    expect((await post(body, payments)).statusCode).toBe(200);
    const q = await query('checkout', 'jobs.done', { from: String(now - 180_000), to: String(now), step: '60', fn: 'increase' });
    expect(q.body.series[0].values.filter((v: number | null) => v !== null)).toEqual([4]);
  });

  it("rejects another team's service in partial success, and stores unregistered services", async () => {
    const body = {
      resourceMetrics: [
        ...jsonRequest('indexer', [gauge('docs', [{ t: now - 60_000, v: 1 }, { t: now - 30_000, v: 2 }])]).resourceMetrics,
        ...jsonRequest('brand-new-svc', [gauge('docs', [{ t: now - 60_000, v: 3 }])]).resourceMetrics,
      ],
    };
    const res = await post(body, payments);
    expect(res.statusCode).toBe(200);
    const answer = JSON.parse(res.body);
    expect(answer.partialSuccess.rejectedDataPoints).toBe(2);
    expect(answer.partialSuccess.errorMessage).toContain('service "indexer" belongs to team "search"');
    expect((await t.req('GET', '/api/v1/telemetry/services/indexer/metrics', { as: reader })).body.items).toEqual([]);
    expect((await t.req('GET', '/api/v1/telemetry/services', { as: reader })).body.items).toContain('brand-new-svc');
    // the unregistered service shows as discovered, noted for the team whose token sent it first
    const discovered = (await t.req('GET', '/api/v1/telemetry/discovered', { as: reader })).body.items;
    expect(discovered).toEqual([{ name: 'brand-new-svc', team: 'payments', firstSeenAt: t.clock.now().toISOString(), lastSeenAt: t.clock.now().toISOString() }]);
    // the owner's token, and an organisation-wide ingest token, may send for it
    expect(JSON.parse((await post(body, search)).body)).toEqual({});
    expect(JSON.parse((await post(jsonRequest('checkout', [gauge('docs', [{ t: now - 1000, v: 1 }])]), collector)).body)).toEqual({});
    // once the team registers it, it is no longer "discovered"
    const alice = await t.user('alice2');
    await t.req('PUT', '/api/v1/resources/Team/newteam', { as: alice, body: teamDoc('newteam') });
    expect((await t.req('PUT', '/api/v1/resources/Service/brand-new-svc', { as: alice, body: serviceDoc('brand-new-svc', 'newteam') })).status).toBe(201);
    expect((await t.req('GET', '/api/v1/telemetry/discovered', { as: reader })).body.items).toEqual([]);
  });

  it('needs an ingest token to send, and a read scope to query', async () => {
    const body = jsonRequest('checkout', [gauge('x', [{ t: now, v: 1 }])]);
    const anonymous = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(anonymous.statusCode).toBe(401);
    expect(JSON.parse(anonymous.body).error.code).toBe('AUTH_REQUIRED');
    const readOnly = await post(body, reader);
    expect(readOnly.statusCode).toBe(403);
    expect(JSON.parse(readOnly.body).error.code).toBe('AUTH_SCOPE');
    expect((await query('checkout', 'x', {}, collector)).status).toBe(403);
    expect((await t.req('GET', '/api/v1/telemetry/services/checkout/metrics')).status).toBe(401);
  });

  it('rejects bad payloads with the right status, stores nothing from them, and keeps serving', async () => {
    const before = t.app.services.metricStore.seriesCount;
    const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256));
    const bad = await post(random, payments, { 'content-type': 'application/x-protobuf' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/x-protobuf/);
    // a google.rpc.Status: field 1 (code 3 = INVALID_ARGUMENT), field 2 the message
    expect([...bad.rawPayload.subarray(0, 2)]).toEqual([0x08, 3]);
    expect(bad.rawPayload.toString('utf8')).toContain('OTLP_BAD_PAYLOAD');

    const truncated = Buffer.from(Request.encode(Request.fromObject(jsonRequest('checkout', [gauge('y', [{ t: now, v: 1 }])]))).finish()).subarray(0, 20);
    expect((await post(truncated, payments, { 'content-type': 'application/x-protobuf' })).statusCode).toBe(400);
    const badJson = await post(Buffer.from('{"resourceMetrics": ['), payments);
    expect(badJson.statusCode).toBe(400);
    expect(JSON.parse(badJson.body).error.code).toBe('OTLP_BAD_PAYLOAD');
    const wrongType = await post(Buffer.from('hello'), payments, { 'content-type': 'text/plain' });
    expect(wrongType.statusCode).toBe(415);
    const badGzip = await post(Buffer.from('not gzip at all'), payments, { 'content-encoding': 'gzip' });
    expect(badGzip.statusCode).toBe(400);
    const unknownEncoding = await post(Buffer.from('{}'), payments, { 'content-encoding': 'br' });
    expect(unknownEncoding.statusCode).toBe(415);
    // a small body that inflates beyond the limit
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 32));
    const bombed = await post(bomb, payments, { 'content-encoding': 'gzip' });
    expect(bombed.statusCode).toBe(413);
    expect(t.app.services.metricStore.seriesCount).toBe(before);
    expect((await post(jsonRequest('checkout', [gauge('still.working', [{ t: now, v: 1 }])]), payments)).statusCode).toBe(200);
  });

  it('rejects absurd timestamps, non-finite values and out-of-order samples in partial success', async () => {
    const res = await post(
      {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'temperature',
                    gauge: {
                      dataPoints: [
                        { timeUnixNano: ns(now - 60_000), asDouble: 20 },
                        { timeUnixNano: ns(now + 3600_000 * 24 * 365), asDouble: 21 },
                        { timeUnixNano: '1', asDouble: 22 },
                        { timeUnixNano: ns(now - 30_000), asDouble: 'NaN' },
                        { timeUnixNano: ns(now - 90_000), asDouble: 19 },
                        { timeUnixNano: ns(now - 20_000), asDouble: 23 },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
      payments,
    );
    expect(res.statusCode).toBe(200);
    const { partialSuccess } = JSON.parse(res.body);
    expect(partialSuccess.rejectedDataPoints).toBe(4);
    expect(partialSuccess.errorMessage).toMatch(/future/);
    expect(partialSuccess.errorMessage).toMatch(/retention/);
    expect(partialSuccess.errorMessage).toMatch(/finite/);
    expect(partialSuccess.errorMessage).toMatch(/out of order/);
    const q = await query('checkout', 'temperature', { from: String(now - 120_000), to: String(now), step: '60', fn: 'last' });
    expect(q.body.series[0].values.filter((v: number | null) => v !== null)).toEqual([20, 23]);
  });

  it('gives clear errors for queries it cannot answer', async () => {
    const missing = await query('checkout', 'no.such.metric', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('TELEMETRY_METRIC_NOT_FOUND');
    const huge = await query('checkout', 'temperature', { from: '0', to: String(now), step: '1' });
    expect(huge.status).toBe(422);
    expect(huge.body.error.code).toBe('TELEMETRY_QUERY_TOO_LARGE');
    const wrongFn = await query('checkout', 'temperature', { fn: 'rate' });
    expect(wrongFn.status).toBe(400);
    expect(wrongFn.body.error.message).toMatch(/gauge/);
    expect((await query('checkout', 'temperature', { from: 'yesterday' })).status).toBe(400);
  });
});

describe('the OpenTelemetry SDK sending to Ethos', () => {
  let t: TestContext & { admin: string };
  let url: string;
  beforeAll(async () => {
    // the SDK stamps the real time: this server's clock must be real too
    t = await createTestContext('sqlite', { clock: systemClock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/v1/metrics`;
  });
  afterAll(() => t.close());

  it.each([
    ['protobuf', (opts: object) => new ProtoExporter(opts)],
    ['JSON', (opts: object) => new JsonExporter(opts)],
  ])('its %s exporter delivers counters, histograms and gauges that queries then show', async (format, make) => {
    const service = `shop-${format.toLowerCase()}`;
    const exporter = make({ url, headers: { Authorization: `Bearer ${t.admin}` }, temporalityPreference: format === 'JSON' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.0.0', 'deployment.environment.name': 'test' }),
      readers: [new PeriodicExportingMetricReader({ exporter: exporter as never, exportIntervalMillis: 60_000 })],
    });
    const meter = provider.getMeter('test');
    const requests = meter.createCounter('http.server.requests');
    const duration = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] } });
    const inflight = meter.createUpDownCounter('http.server.active_requests');
    for (let i = 0; i < 40; i++) {
      requests.add(1, { 'http.route': i % 4 === 0 ? '/health' : '/buy' });
      duration.record(i % 4 === 0 ? 0.002 : 0.2, { 'http.route': i % 4 === 0 ? '/health' : '/buy' });
    }
    inflight.add(3);
    await provider.forceFlush();
    for (let i = 0; i < 40; i++) {
      requests.add(1, { 'http.route': '/buy' });
      duration.record(0.2, { 'http.route': '/buy' });
    }
    await provider.forceFlush();
    await provider.shutdown();

    const metrics = (await t.req('GET', `/api/v1/telemetry/services/${service}/metrics`, { as: t.admin })).body.items as { name: string; kind: string }[];
    expect(Object.fromEntries(metrics.map((m) => [m.name, m.kind]))).toEqual({ 'http.server.requests': 'counter', 'http.server.request.duration': 'histogram', 'http.server.active_requests': 'gauge' });
    const from = String(Date.now() - 10 * 60_000);
    const last = await t.req('GET', `/api/v1/telemetry/services/${service}/metrics/http.server.requests/query?fn=last&by=http.route&from=${from}&step=600`, { as: t.admin });
    const byRoute = Object.fromEntries(last.body.series.map((s: { labels: Record<string, string>; values: (number | null)[] }) => [s.labels['http.route'], s.values.filter((v) => v !== null).at(-1)]));
    expect(byRoute).toEqual({ '/buy': 70, '/health': 10 });
    const versions = await t.req('GET', `/api/v1/telemetry/services/${service}/metrics/http.server.requests/query?fn=last&by=service.version,deployment.environment&from=${from}&step=600`, { as: t.admin });
    expect(versions.body.series.map((s: { labels: unknown }) => s.labels)).toEqual([{ 'service.version': '2.0.0', 'deployment.environment': 'test' }]);
    const p99 = await t.req('GET', `/api/v1/telemetry/services/${service}/metrics/http.server.request.duration/query?fn=p99&where=http.route=/buy&from=${from}&step=600`, { as: t.admin });
    const value = p99.body.series[0].values.filter((v: number | null) => v !== null).at(-1);
    // the buckets put 0.2 s in (0.1, 0.25]
    expect(value).toBeGreaterThan(0.1);
    expect(value).toBeLessThanOrEqual(0.25);
  });
});
