import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';
import { labelHash } from '../telemetry.service.ts';
import { decodeRemoteWrite, seriesLabels } from './remote-write.ts';

/** Prometheus's remote-write 1.0 messages (prompb), built with protobufjs as an independent encoder. */
const root = protobuf.Root.fromJSON({
  nested: {
    WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 }, metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 } } },
    TimeSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, samples: { rule: 'repeated', type: 'Sample', id: 2 } } },
    Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
    MetricMetadata: { fields: { type: { type: 'int32', id: 1 }, metricFamilyName: { type: 'string', id: 2 }, help: { type: 'string', id: 4 }, unit: { type: 'string', id: 5 } } },
  },
});
const WriteRequest = root.lookupType('WriteRequest');

type Series = { labels: Record<string, string>; samples: [number, number][] };

function encode(series: Series[], metadata: { type: number; metricFamilyName: string }[] = []): Buffer {
  const msg = WriteRequest.fromObject({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([t, v]) => ({ timestamp: t, value: v })),
    })),
    metadata,
  });
  return Buffer.from(WriteRequest.encode(msg).finish());
}

describe('the remote-write decoder', () => {
  it('reads labels and samples as protobufjs wrote them, including negative and large timestamps', () => {
    const req = decodeRemoteWrite(
      encode([
        { labels: { __name__: 'up', job: 'api', instance: 'a:9090' }, samples: [[1_780_000_000_123, 1], [1_780_000_015_123, 0]] },
        { labels: { __name__: 'temp', job: 'api' }, samples: [[-5, -2.5]] },
      ]),
    );
    expect(req.series.map((s) => seriesLabels(req, s)).map(({ names, values }) => Object.fromEntries(names.map((n, i) => [n, values[i]])))).toEqual([
      { __name__: 'up', instance: 'a:9090', job: 'api' },
      { __name__: 'temp', job: 'api' },
    ]);
    expect([...req.t]).toEqual([1_780_000_000_123, 1_780_000_015_123, -5]);
    expect([...req.v]).toEqual([1, 0, -2.5]);
  });

  it('tells 300,000 label sets that differ in one value apart by their hashes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300_000; i++) {
      const bytes = Buffer.from(`__name__\u0001http_requests_total\u0000instance\u0001host-${i % 500}:9100\u0000pod\u0001pod-${i}\u0000zone\u0001z${i % 3}`);
      const [hash, check] = labelHash(bytes, 0, bytes.length);
      expect(Number.isSafeInteger(hash)).toBe(true);
      seen.add(`${hash}/${check}`);
      // the Map key alone must spread too: at most a handful of collisions among 300,000
      seen.add(`h${hash}`);
    }
    const pairs = [...seen].filter((k) => !k.startsWith('h')).length;
    const keys = seen.size - pairs;
    expect(pairs).toBe(300_000);
    expect(keys).toBeGreaterThan(299_990);
  });

  it('throws a 400 error, never hangs or crashes, on random and mutated input', () => {
    const valid = encode([{ labels: { __name__: 'x', job: 'j', a: 'b' }, samples: [[1000, 1], [2000, 2]] }]);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const start = Date.now();
    for (let i = 0; i < 3000; i++) {
      let input: Buffer;
      if (i % 2 === 0) input = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      else {
        input = Buffer.from(valid);
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
        if (rand() < 0.3) input = input.subarray(0, Math.floor(rand() * input.length));
      }
      try {
        const req = decodeRemoteWrite(input);
        for (const s of req.series) seriesLabels(req, s);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('OTLP_BAD_PAYLOAD');
      }
    }
    expect(Date.now() - start).toBeLessThan(30_000);
  });
});

describe.each(databases)('Prometheus remote write on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let now: number;
  let token: string;
  const write = (body: Buffer, as = token, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/prometheus/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', authorization: `Bearer ${as}`, ...headers }, payload: compressSync(body) });
  const query = (service: string, metric: string, params: string) => t.req('GET', `/api/v1/telemetry/services/${service}/metrics/${metric}/query?${params}`, { as: t.admin });

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    now = Math.floor(t.clock.now().getTime() / 60_000) * 60_000;
    const alice = await t.user('alice');
    const carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/indexer', { as: carol, body: serviceDoc('indexer', 'search') });
    token = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'prom', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
  });
  afterAll(() => t.close());

  it('stores series under the service named by "service", else "job", and answers 204', async () => {
    const res = await write(
      encode([
        { labels: { __name__: 'queue_depth', job: 'worker', instance: 'w1' }, samples: [[now - 60_000, 4], [now, 6]] },
        { labels: { __name__: 'queue_depth', job: 'scraper', service: 'billing', instance: 'b1' }, samples: [[now, 9]] },
      ]),
    );
    expect(res.statusCode).toBe(204);
    const worker = await query('worker', 'queue_depth', `from=${now - 120_000}&to=${now}&step=60&fn=last&by=instance`);
    expect(worker.body.series).toEqual([{ labels: { instance: 'w1' }, values: [null, 4, 6] }]);
    const billing = await query('billing', 'queue_depth', `from=${now - 60_000}&to=${now}&step=60&fn=last&by=job,instance`);
    expect(billing.body.series).toEqual([{ labels: { job: 'scraper', instance: 'b1' }, values: [null, 9] }]);
  });

  it('reads counters and classic histograms by their names and metadata', async () => {
    const ts = [0, 1, 2].map((i) => now - (2 - i) * 60_000);
    const series: Series[] = [
      { labels: { __name__: 'http_requests_total', job: 'api', code: '200' }, samples: ts.map((x, i) => [x, i * 120]) },
      ...['0.1', '0.5', '+Inf'].map((le, b) => ({ labels: { __name__: 'http_duration_seconds_bucket', job: 'api', le }, samples: ts.map((x, i): [number, number] => [x, i * [50, 90, 100][b]!]) })),
      { labels: { __name__: 'http_duration_seconds_count', job: 'api' }, samples: ts.map((x, i): [number, number] => [x, i * 100]) },
      { labels: { __name__: 'http_duration_seconds_sum', job: 'api' }, samples: ts.map((x, i): [number, number] => [x, i * 20]) },
      { labels: { __name__: 'build_info', job: 'api', version: '1.2' }, samples: [[now, 1]] },
    ];
    expect((await write(encode(series, [{ type: 2, metricFamilyName: 'build_info' }]))).statusCode).toBe(204);
    const metrics = (await t.req('GET', '/api/v1/telemetry/services/api/metrics', { as: t.admin })).body.items;
    expect(Object.fromEntries(metrics.map((m: { name: string; kind: string }) => [m.name, m.kind]))).toEqual({ http_requests_total: 'counter', http_duration_seconds: 'histogram', build_info: 'gauge' });
    const range = `from=${ts[0]}&to=${now}&step=60`;
    expect((await query('api', 'http_requests_total', `${range}&fn=rate`)).body.series[0].values.slice(1)).toEqual([2, 2]);
    expect((await query('api', 'http_duration_seconds', `${range}&fn=p50`)).body.series[0].values[2]).toBeCloseTo(0.1, 6);
    expect((await query('api', 'http_duration_seconds', `${range}&fn=avg`)).body.series[0].values[2]).toBeCloseTo(0.2, 6);
  });

  it("rejects another team's service with 400 and a reason, skips staleness markers, stores the rest", async () => {
    const staleNaN = Buffer.from([2, 0, 0, 0, 0, 0, 0xf0, 0x7f]).readDoubleLE(0);
    const res = await write(
      encode([
        { labels: { __name__: 'docs', job: 'indexer' }, samples: [[now, 1]] },
        { labels: { __name__: 'docs', job: 'mine' }, samples: [[now - 60_000, 5], [now, staleNaN]] },
      ]),
    );
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('service "indexer" belongs to team "search"');
    expect((await query('mine', 'docs', `from=${now - 60_000}&to=${now}&step=60&fn=last`)).body.series[0].values).toEqual([5, null]);
    expect((await t.req('GET', '/api/v1/telemetry/services/indexer/metrics', { as: t.admin })).body.items).toEqual([]);
  });

  it('refuses what is not snappy protobuf, a decompression bomb, and a sender without ingest', async () => {
    const body = encode([{ labels: { __name__: 'x', job: 'mine' }, samples: [[now, 1]] }]);
    const plain = await t.app.inject({ method: 'POST', url: '/prometheus/api/v1/write', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` }, payload: body });
    expect(plain.statusCode).toBe(415);
    const garbage = await t.app.inject({ method: 'POST', url: '/prometheus/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', authorization: `Bearer ${token}` }, payload: Buffer.from([0x05, 1, 2, 3]) });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.body).toContain('OTLP_BAD_PAYLOAD');
    const bomb = await write(Buffer.alloc(100 * 1024 * 1024));
    expect(bomb.statusCode).toBe(413);
    const reader = await t.user('rita', { scopes: ['read'] });
    expect((await write(body, reader)).statusCode).toBe(403);
  });
});
