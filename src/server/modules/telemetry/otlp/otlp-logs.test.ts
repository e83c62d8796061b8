import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../platform/clock.ts';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';
import { LogStore } from '../logs/log-store.ts';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function logsRequest(service: string, records: Record<string, unknown>[]) {
  return { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.version', value: { stringValue: '3.1.0' } }] }, scopeLogs: [{ scope: { name: 'test' }, logRecords: records }] }] };
}

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

describe.each(databases)('OTLP logs on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let now: number;
  let payments: string;
  let reader: string;
  const post = (body: unknown, token = payments) =>
    t.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });
  const search = async (params: Record<string, string | string[]>) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) qs.append(k, one);
    return t.req('GET', `/api/v1/telemetry/logs?${qs}`, { as: reader });
  };

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
    const res = await post(
      logsRequest('checkout', [
        { timeUnixNano: ns(now - 50_000), severityNumber: 9, severityText: 'INFO', body: { stringValue: 'order 1001 accepted for customer eu-17' }, attributes: [attr('http.route', '/orders')] },
        { timeUnixNano: ns(now - 40_000), severityText: 'WARN', body: { stringValue: 'payment provider slow: 2300 ms' }, attributes: [attr('provider', 'acme')] },
        { timeUnixNano: ns(now - 30_000), severityNumber: 17, body: { stringValue: 'payment failed for order 1002' }, traceId: TRACE, spanId: SPAN, attributes: [attr('provider', 'acme')] },
        { timeUnixNano: ns(now - 20_000), severityNumber: 9, body: { kvlistValue: { values: [attr('event', 'refund'), attr('order', '1003')] } } },
      ]),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({});
  });
  afterAll(() => t.close());

  it('finds records newest first, with their level, trace and attributes', async () => {
    const all = await search({ service: 'checkout', from: String(now - 60_000) });
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: { body: string }) => r.body)).toEqual(['{"event":"refund","order":"1003"}', 'payment failed for order 1002', 'payment provider slow: 2300 ms', 'order 1001 accepted for customer eu-17']);
    const failed = all.body.items[1];
    expect(failed).toMatchObject({ service: 'checkout', level: 'error', severity: 17, traceId: TRACE, spanId: SPAN, time: new Date(now - 30_000).toISOString() });
    expect(failed.attributes).toEqual({ 'service.version': '3.1.0', provider: 'acme' });
    // a record that sent only "WARN" gets the warn level
    expect(all.body.items[2].level).toBe('warn');
  });

  it('filters by severity, words in the body, attributes, trace and time', async () => {
    const from = String(now - 60_000);
    const bodies = (r: { body: { items: { body: string }[] } }) => r.body.items.map((i) => i.body);
    expect(bodies(await search({ service: 'checkout', from, severity: 'warn' }))).toEqual(['payment failed for order 1002', 'payment provider slow: 2300 ms']);
    expect(bodies(await search({ service: 'checkout', from, q: 'payment order' }))).toEqual(['payment failed for order 1002']);
    expect(bodies(await search({ from, q: 'PAYMENT' }))).toHaveLength(2);
    expect(bodies(await search({ service: 'checkout', from, where: 'provider=acme', severity: 'error' }))).toEqual(['payment failed for order 1002']);
    expect(bodies(await search({ from, trace: TRACE }))).toEqual(['payment failed for order 1002']);
    expect(bodies(await search({ service: 'checkout', from: String(now - 45_000), to: String(now - 25_000) }))).toHaveLength(2);
    // search syntax in the text is searched for, not obeyed
    for (const q of ['"', 'payment AND', 'body:payment', '*', 'NEAR(a b)', "'; drop table logs; --"]) {
      const res = await search({ service: 'checkout', from, q });
      expect(res.status, q).toBe(200);
    }
  });

  it('pages back with "before" and tails with "after"', async () => {
    const from = String(now - 60_000);
    const first = await search({ service: 'checkout', from, limit: '3' });
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextBefore).toBe(first.body.items[2].id);
    const rest = await search({ service: 'checkout', from, limit: '3', before: String(first.body.nextBefore) });
    expect(rest.body.items.map((r: { body: string }) => r.body)).toEqual(['order 1001 accepted for customer eu-17']);
    expect(rest.body.nextBefore).toBeNull();
    const newest = first.body.items[0].id;
    await post(logsRequest('checkout', [{ timeUnixNano: ns(now - 1000), severityNumber: 9, body: { stringValue: 'tail me' } }]));
    const tail = await search({ service: 'checkout', from, after: String(newest) });
    expect(tail.body.items.map((r: { body: string }) => r.body)).toEqual(['tail me']);
  });

  it("rejects another team's service and bad records in partial success", async () => {
    const res = await post({
      resourceLogs: [
        ...logsRequest('indexer', [{ timeUnixNano: ns(now), body: { stringValue: 'not yours' } }]).resourceLogs,
        ...logsRequest('checkout', [
          { timeUnixNano: ns(now + 86400_000), body: { stringValue: 'from the future' } },
          { timeUnixNano: ns(now - 1000), body: { stringValue: 'fine' } },
        ]).resourceLogs,
      ],
    });
    expect(res.statusCode).toBe(200);
    const { partialSuccess } = JSON.parse(res.body);
    expect(Number(partialSuccess.rejectedLogRecords)).toBe(2);
    expect(partialSuccess.errorMessage).toContain('belongs to team "search"');
    expect(partialSuccess.errorMessage).toContain('future');
    expect((await search({ service: 'indexer', from: String(now - 60_000) })).body.items).toEqual([]);
    expect((await search({ service: 'checkout', from: String(now - 5000), q: 'fine' })).body.items).toHaveLength(1);
    const bad = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${payments}` }, payload: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]) });
    expect(bad.statusCode).toBe(400);
    expect((await search({ from: 'last tuesday' })).status).toBe(400);
    expect((await search({ trace: 'xyz' })).status).toBe(400);
  });
});

describe("the OpenTelemetry SDK's log exporter", () => {
  let t: TestContext & { admin: string };
  beforeAll(async () => {
    t = await createTestContext('sqlite', { clock: systemClock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('delivers records over OTLP/HTTP protobuf that search then finds', async () => {
    const url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/v1/logs`;
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-logs' }),
      processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url, headers: { Authorization: `Bearer ${t.admin}` } }))],
    });
    const logger = provider.getLogger('test');
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'database connection lost', attributes: { 'db.system': 'postgresql' } });
    logger.emit({ severityNumber: SeverityNumber.INFO, body: 'reconnected' });
    await provider.forceFlush();
    await provider.shutdown();
    const res = await t.req('GET', '/api/v1/telemetry/logs?service=sdk-logs&from=now-5m', { as: t.admin });
    expect(res.body.items.map((r: { body: string; level: string }) => [r.level, r.body])).toEqual([
      ['info', 'reconnected'],
      ['error', 'database connection lost'],
    ]);
    expect(res.body.items[1].attributes['db.system']).toBe('postgresql');
  });
});

describe('the log store', () => {
  it('keeps every stored record when the process dies without closing it, and removes expired ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ethos-logs-'));
    const now = Date.parse('2026-06-01T12:00:00Z');
    const a = new LogStore({ dir, now: () => now, retentionMs: 3600_000 });
    const record = (t: number, body: string) => ({ t, service: 's', severity: 9, severityText: '', body, traceId: null, spanId: null, attributes: {} });
    a.append([record(now - 2 * 3600_000, 'old line'), record(now - 1000, 'new line')]);
    // no close(): another store opens the same file, as a restarted process would
    const b = new LogStore({ dir, now: () => now, retentionMs: 3600_000 });
    expect(b.search({ from: 0, to: now, limit: 10 }).map((r) => r.body)).toEqual(['new line', 'old line']);
    expect(b.removeExpired()).toBe(1);
    expect(b.search({ from: 0, to: now, limit: 10, text: 'line' }).map((r) => r.body)).toEqual(['new line']);
    a.close();
    b.close();
  });
});
