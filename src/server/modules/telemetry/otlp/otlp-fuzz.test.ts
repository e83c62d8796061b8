import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test-support.ts';
import { otlpProto } from './otlp-types.ts';

/** Valid requests of each signal, as the mutations' starting points. */
function seeds(now: number) {
  const ns = `${BigInt(now) * 1_000_000n}`;
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'fuzzed' } }] };
  const metrics = otlpProto.collector.metrics.v1.ExportMetricsServiceRequest;
  const logs = otlpProto.collector.logs.v1.ExportLogsServiceRequest;
  return {
    '/v1/metrics': Buffer.from(
      metrics
        .encode(
          metrics.fromObject({
            resourceMetrics: [
              {
                resource,
                scopeMetrics: [
                  {
                    metrics: [
                      { name: 'g', gauge: { dataPoints: [{ timeUnixNano: ns, asDouble: 1.5, attributes: [{ key: 'a', value: { intValue: 3 } }] }] } },
                      { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: ns, count: 3, sum: 2, explicitBounds: [1, 2], bucketCounts: [1, 1, 1] }] } },
                      { name: 'e', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: ns, count: 4, scale: 5, zeroCount: 1, positive: { offset: -3, bucketCounts: [1, 2] } }] } },
                      { name: 's', summary: { dataPoints: [{ timeUnixNano: ns, count: 2, sum: 4, quantileValues: [{ quantile: 0.5, value: 2 }] }] } },
                    ],
                  },
                ],
              },
            ],
          }),
        )
        .finish(),
    ),
    '/v1/logs': Buffer.from(logs.encode(logs.fromObject({ resourceLogs: [{ resource, scopeLogs: [{ logRecords: [{ timeUnixNano: ns, severityNumber: 9, body: { stringValue: 'hello fuzz' } }] }] }] })).finish()),
  };
}

describe('OTLP decoders under random and mutated input', () => {
  let t: TestContext & { admin: string };
  beforeAll(async () => {
    t = await createTestContext('sqlite');
  });
  afterAll(() => t.close());

  it('answer every malformed body with 200 (partial success) or 400, never a 500 or a hang, and keep serving', async () => {
    let seed = 1234;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
    const started = Date.now();
    const statuses = new Map<number, number>();
    for (const [url, valid] of Object.entries(seeds(t.clock.now().getTime()))) {
      for (let i = 0; i < 400; i++) {
        let body: Buffer;
        const kind = i % 4;
        if (kind === 0) body = Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
        else {
          body = Buffer.from(valid);
          for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
          if (kind === 2) body = body.subarray(0, Math.floor(rand() * body.length));
        }
        const gz = kind === 3;
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${t.admin}`, ...(gz ? { 'content-encoding': 'gzip' } : {}) },
          payload: gz ? gzipSync(body) : body,
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode !== 200 && res.statusCode !== 400) expect.fail(`${url} answered ${res.statusCode} to ${body.toString('hex').slice(0, 200)}: ${res.body.slice(0, 200)}`);
      }
    }
    expect(Date.now() - started).toBeLessThan(60_000);
    // both outcomes occur: the mutations are neither all fatal nor all harmless
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    const ok = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${t.admin}` }, payload: seeds(t.clock.now().getTime())['/v1/metrics'] });
    expect(ok.statusCode).toBe(200);
  });

  it('rejects non-finite JSON values and huge numbers without storing them', async () => {
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzzed-json' } }] },
          scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: '99999999999999999999999', asDouble: 'Infinity' }, { timeUnixNano: -5, asDouble: 1 }, { timeUnixNano: { nested: true }, asDouble: 2 }] } }] }],
        },
      ],
    };
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` }, payload: JSON.stringify(body) });
    expect([200, 400]).toContain(res.statusCode);
    if (res.statusCode === 200) expect(JSON.parse(res.body).partialSuccess.rejectedDataPoints).toBeGreaterThan(0);
    expect((await t.req('GET', '/api/v1/telemetry/services/fuzzed-json/metrics', { as: t.admin })).body.items.filter((m: { series: number }) => m.series > 0)).toEqual([]);
  });
});
