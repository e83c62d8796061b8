import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../platform/clock.ts';
import { createTestContext, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';
import { startOtlpGrpc } from './otlp.grpc.ts';
import { otlpProto } from './otlp-types.ts';

const PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const Request = otlpProto.collector.metrics.v1.ExportMetricsServiceRequest;
const Response = otlpProto.collector.metrics.v1.ExportMetricsServiceResponse;

describe('OTLP/gRPC', () => {
  let t: TestContext & { admin: string };
  let grpc: Awaited<ReturnType<typeof startOtlpGrpc>>;
  let client: Client;
  let ingest: string;

  /** One unary call with raw bytes, as any gRPC client sends them. */
  function call(body: Buffer, token?: string): Promise<{ err: ServiceError | null; answer?: Buffer }> {
    const md = new Metadata();
    if (token) md.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        md,
        (err, answer) => resolve({ err: err ?? null, answer }),
      );
    });
  }

  const gauge = (service: string, v: number) =>
    Buffer.from(
      Request.encode(
        Request.fromObject({
          resourceMetrics: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
              scopeMetrics: [{ metrics: [{ name: 'grpc.gauge', gauge: { dataPoints: [{ timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`, asDouble: v }] } }] }],
            },
          ],
        }),
      ).finish(),
    );

  beforeAll(async () => {
    t = await createTestContext('sqlite', { clock: systemClock });
    grpc = await startOtlpGrpc({ telemetry: t.app.services.telemetry, authenticator: t.app.services.identity, host: '127.0.0.1', port: 0 });
    client = new Client(`127.0.0.1:${grpc.port}`, credentials.createInsecure());
    const carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/indexer', { as: carol, body: serviceDoc('indexer', 'search') });
    const alice = await t.user('alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
  });
  afterAll(async () => {
    client.close();
    await grpc.close();
    await t.close();
  });

  it("receives the OpenTelemetry SDK's gRPC exporter, gzip-compressed, and the metrics are queryable", async () => {
    // the SDK's gRPC exporter sends its metadata option as headers
    const md = new Metadata();
    md.set('authorization', `Bearer ${ingest}`);
    const withAuth = new OTLPMetricExporter({ url: `http://127.0.0.1:${grpc.port}`, metadata: md, compression: 'gzip' as never });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-shop' }),
      readers: [new PeriodicExportingMetricReader({ exporter: withAuth, exportIntervalMillis: 60_000 })],
    });
    const orders = provider.getMeter('test').createCounter('orders.placed');
    orders.add(5, { region: 'eu' });
    orders.add(7, { region: 'us' });
    await provider.forceFlush();
    await provider.shutdown();
    const q = await t.req('GET', '/api/v1/telemetry/services/grpc-shop/metrics/orders.placed/query?fn=last&by=region&from=now-10m&step=600', { as: t.admin });
    expect(q.status).toBe(200);
    expect(q.body.series.map((s: { labels: { region: string }; values: (number | null)[] }) => [s.labels.region, s.values.filter((v) => v !== null).at(-1)])).toEqual([
      ['eu', 5],
      ['us', 7],
    ]);
  });

  it("answers another team's service in partial success, and stores the caller's own", async () => {
    const both = Buffer.concat([gauge('indexer', 1), gauge('grpc-own', 2)]);
    const { err, answer } = await call(both, ingest);
    expect(err).toBeNull();
    const decoded = Response.toObject(Response.decode(answer!)) as { partialSuccess?: { rejectedDataPoints: unknown; errorMessage: string } };
    expect(Number(decoded.partialSuccess!.rejectedDataPoints)).toBe(1);
    expect(decoded.partialSuccess!.errorMessage).toContain('belongs to team "search"');
    expect((await t.req('GET', '/api/v1/telemetry/services/grpc-own/metrics', { as: t.admin })).body.items).toHaveLength(1);
  });

  it('receives logs and traces over gRPC too', async () => {
    const logs = otlpProto.collector.logs.v1.ExportLogsServiceRequest;
    const traces = otlpProto.collector.trace.v1.ExportTraceServiceRequest;
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-own' } }] };
    const ns = `${BigInt(Date.now()) * 1_000_000n}`;
    const send = (path: string, body: Buffer) =>
      new Promise<ServiceError | null>((resolve) => {
        const md = new Metadata();
        md.set('authorization', `Bearer ${ingest}`);
        client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, md, (err) => resolve(err ?? null));
      });
    const logBody = Buffer.from(logs.encode(logs.fromObject({ resourceLogs: [{ resource, scopeLogs: [{ logRecords: [{ timeUnixNano: ns, severityNumber: 17, body: { stringValue: 'grpc says hello' } }] }] }] })).finish());
    expect(await send('/opentelemetry.proto.collector.logs.v1.LogsService/Export', logBody)).toBeNull();
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
    const spanBody = Buffer.from(
      traces.encode(traces.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ spans: [{ traceId, spanId: Buffer.from('b7ad6b7169203331', 'hex'), name: 'GET /x', kind: 2, startTimeUnixNano: ns, endTimeUnixNano: ns }] }] }] })).finish(),
    );
    expect(await send('/opentelemetry.proto.collector.trace.v1.TraceService/Export', spanBody)).toBeNull();
    expect((await t.req('GET', '/api/v1/telemetry/logs?service=grpc-own&from=now-5m', { as: t.admin })).body.items.map((r: { body: string }) => r.body)).toEqual(['grpc says hello']);
    expect((await t.req('GET', '/api/v1/telemetry/traces/0af7651916cd43dd8448eb211c80319c', { as: t.admin })).body.spans).toHaveLength(1);
  });

  it('refuses a missing or read-only token and a malformed message with the right status codes', async () => {
    expect((await call(gauge('grpc-own', 3))).err?.code).toBe(status.UNAUTHENTICATED);
    expect((await call(gauge('grpc-own', 3), 'ethos_not-a-token')).err?.code).toBe(status.UNAUTHENTICATED);
    const reader = await t.user('rita', { scopes: ['read'] });
    expect((await call(gauge('grpc-own', 3), reader)).err?.code).toBe(status.PERMISSION_DENIED);
    const bad = await call(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), ingest);
    expect(bad.err?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.err?.details).toContain('OTLP_BAD_PAYLOAD');
  });
});
