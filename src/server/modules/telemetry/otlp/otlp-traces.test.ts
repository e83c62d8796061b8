import { context, SpanKind, SpanStatusCode, trace as otelTrace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../platform/clock.ts';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
const attr = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } });

function span(id: string, parent: string | null, name: string, kind: number, start: number, ms: number, extra: Record<string, unknown> = {}) {
  return { traceId: TRACE, spanId: id, ...(parent ? { parentSpanId: parent } : {}), name, kind, startTimeUnixNano: ns(start), endTimeUnixNano: ns(start + ms), ...extra };
}

function tracesRequest(service: string, spans: unknown[]) {
  return { resourceSpans: [{ resource: { attributes: [attr('service.name', service)] }, scopeSpans: [{ spans }] }] };
}

describe.each(databases)('OTLP traces on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let now: number;
  let payments: string;
  const post = (body: unknown, token = payments) => t.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    now = t.clock.now().getTime();
    const alice = await t.user('alice');
    const carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    await t.req('PUT', '/api/v1/resources/Service/indexer', { as: carol, body: serviceDoc('indexer', 'search') });
    payments = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    const search = (await t.req('POST', '/api/v1/tokens', { as: carol, body: { name: 'otel', type: 'team', team: 'search', scopes: ['ingest'] } })).body.token;
    // a request to checkout that calls the indexer, which fails
    expect(
      (
        await post(
          tracesRequest('checkout', [
            span('0000000000000001', null, 'POST /orders', 2, now - 10_000, 250, { attributes: [attr('http.route', '/orders'), attr('http.response.status_code', 500)] }),
            span('0000000000000002', '0000000000000001', 'GET indexer', 3, now - 9_990, 200),
          ]),
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await post(
          tracesRequest('indexer', [
            span('0000000000000003', '0000000000000002', 'GET /search', 2, now - 9_980, 180, {
              attributes: [attr('http.route', '/search')],
              status: { code: 2, message: 'index unavailable' },
              events: [{ name: 'exception', timeUnixNano: ns(now - 9_900), attributes: [attr('exception.type', 'IndexError'), attr('exception.message', 'shard 3 down')] }],
            }),
          ]),
          search,
        )
      ).statusCode,
    ).toBe(200);
  });
  afterAll(() => t.close());

  it('assembles a trace across services by its id, spans in start order with their parents', async () => {
    const res = await t.req('GET', `/api/v1/telemetry/traces/${TRACE}`, { as: t.admin });
    expect(res.status).toBe(200);
    expect(res.body.spans.map((s: { service: string; name: string; parentSpanId: string | null; kind: string }) => [s.service, s.name, s.parentSpanId, s.kind])).toEqual([
      ['checkout', 'POST /orders', null, 'server'],
      ['checkout', 'GET indexer', '0000000000000001', 'client'],
      ['indexer', 'GET /search', '0000000000000002', 'server'],
    ]);
    const failed = res.body.spans[2];
    expect(failed).toMatchObject({ status: 'error', statusMessage: 'index unavailable', route: '/search', durationMs: 180 });
    expect(failed.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.type': 'IndexError', 'exception.message': 'shard 3 down' } });
    expect((await t.req('GET', '/api/v1/telemetry/traces/ffffffffffffffffffffffffffffffff', { as: t.admin })).status).toBe(404);
    expect((await t.req('GET', '/api/v1/telemetry/traces/nope', { as: t.admin })).status).toBe(400);
  });

  it('finds traces by service, route, duration and status, summarised by their root span', async () => {
    const find = async (qs: string) => (await t.req('GET', `/api/v1/telemetry/traces?from=${now - 60_000}&${qs}`, { as: t.admin })).body.items;
    const [found] = await find('service=indexer&status=error');
    expect(found).toMatchObject({ traceId: TRACE, service: 'checkout', name: 'POST /orders', route: '/orders', status: 'error', spans: 3, services: ['checkout', 'indexer'] });
    // microseconds survive; a few tenths of a microsecond do not at epoch magnitudes
    expect(found.durationMs).toBeCloseTo(250, 2);
    expect(await find('service=checkout&route=/orders&minDuration=200')).toHaveLength(1);
    expect(await find('service=checkout&minDuration=300')).toEqual([]);
    expect(await find('service=checkout&status=ok')).toEqual([]);
  });

  it('derives request rate, errors and duration per route from server spans, with no setup', async () => {
    t.app.services.telemetry.maintain();
    const q = async (metric: string, fn: string) => (await t.req('GET', `/api/v1/telemetry/services/checkout/metrics/${metric}/query?fn=${fn}&by=http.route&from=${now - 60_000}&step=60`, { as: t.admin })).body;
    const requests = await q('red.requests', 'last');
    expect(requests.series).toEqual([{ labels: { 'http.route': '/orders' }, values: expect.arrayContaining([1]) }]);
    expect((await q('red.errors', 'last')).series[0].values).toContain(1);
    const metrics = (await t.req('GET', '/api/v1/telemetry/services/indexer/metrics', { as: t.admin })).body.items.map((m: { name: string; kind: string }) => `${m.name}:${m.kind}`);
    expect(metrics).toEqual(['red.duration:histogram', 'red.errors:counter', 'red.requests:counter']);
  });

  it("rejects another team's service and spans without valid ids in partial success", async () => {
    const res = await post({
      resourceSpans: [
        ...tracesRequest('indexer', [span('0000000000000009', null, 'x', 2, now, 1)]).resourceSpans,
        ...tracesRequest('checkout', [{ ...span('000000000000000a', null, 'y', 2, now, 1), traceId: 'abcd' }]).resourceSpans,
      ],
    });
    const { partialSuccess } = JSON.parse(res.body);
    expect(Number(partialSuccess.rejectedSpans)).toBe(2);
    expect(partialSuccess.errorMessage).toContain('belongs to team "search"');
    expect(partialSuccess.errorMessage).toContain('valid trace id');
  });
});

describe("the OpenTelemetry SDK's trace exporter", () => {
  let t: TestContext & { admin: string };
  beforeAll(async () => {
    t = await createTestContext('sqlite', { clock: systemClock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('delivers spans over OTLP/HTTP protobuf that the trace view then shows', async () => {
    const url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/v1/traces`;
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-traces' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url, headers: { Authorization: `Bearer ${t.admin}` } }))],
    });
    const tracer = provider.getTracer('test');
    const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart' } });
    const traceId = root.spanContext().traceId;
    const child = tracer.startSpan('SELECT carts', { kind: SpanKind.CLIENT }, otelTrace.setSpan(context.active(), root));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    const res = await t.req('GET', `/api/v1/telemetry/traces/${traceId}`, { as: t.admin });
    expect(res.status).toBe(200);
    expect(res.body.spans.map((s: { name: string; kind: string; status: string }) => [s.name, s.kind, s.status]).sort()).toEqual([
      ['GET /cart', 'server', 'unset'],
      ['SELECT carts', 'client', 'error'],
    ]);
  });
});
