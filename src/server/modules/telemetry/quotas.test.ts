import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';

const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

describe.each(databases)('telemetry quotas on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let now: number;
  let payments: string;
  let search: string;
  let alice: string;
  const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
  const send = (url: string, body: unknown, token: string) => t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });
  const logs = (service: string, n: number) => ({
    resourceLogs: [{ resource: { attributes: [attr('service.name', service)] }, scopeLogs: [{ logRecords: Array.from({ length: n }, (_, i) => ({ timeUnixNano: ns(now - 1000 + i), body: { stringValue: `line ${i}` } })) }] }],
  });
  const gauges = (service: string, pods: string[]) => ({
    resourceMetrics: [{ resource: { attributes: [attr('service.name', service)] }, scopeMetrics: [{ metrics: [{ name: 'mem', gauge: { dataPoints: pods.map((pod) => ({ timeUnixNano: ns(now - 500), asDouble: 1, attributes: [attr('pod', pod)] })) } }] }] }],
  });

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    now = t.clock.now().getTime();
    alice = await t.user('alice');
    const carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    await t.req('PUT', '/api/v1/resources/Service/indexer', { as: carol, body: serviceDoc('indexer', 'search') });
    payments = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    search = (await t.req('POST', '/api/v1/tokens', { as: carol, body: { name: 'otel', type: 'team', team: 'search', scopes: ['ingest'] } })).body.token;
  });
  afterAll(() => t.close());

  it('only admins set a team’s quotas; everyone sees limits and usage', async () => {
    const refused = await t.req('PUT', '/api/v1/telemetry/quotas/payments', { as: alice, body: { logRecordsPerSecond: 1 } });
    expect(refused.status).toBe(403);
    const bad = await t.req('PUT', '/api/v1/telemetry/quotas/payments', { as: t.admin, body: { logRecordsPerSecond: -5 } });
    expect(bad.status).toBe(400);
    const set = await t.req('PUT', '/api/v1/telemetry/quotas/payments', { as: t.admin, body: { activeSeries: 2, logRecordsPerSecond: 10 } });
    expect(set.status).toBe(200);
    expect(set.body.limits).toEqual({ activeSeries: 2, logRecordsPerSecond: 10, spansPerSecond: 100_000 });
    expect(set.body.overrides).toEqual({ activeSeries: 2, logRecordsPerSecond: 10, spansPerSecond: null });
    const seen = await t.req('GET', '/api/v1/telemetry/quotas/payments', { as: alice });
    expect(seen.body.limits.logRecordsPerSecond).toBe(10);
  });

  it("rejects what is over a team's rate in partial success, and leaves other teams alone", async () => {
    const res = await send('/v1/logs', logs('checkout', 25), payments);
    const { partialSuccess } = JSON.parse(res.body);
    expect(Number(partialSuccess.rejectedLogRecords)).toBe(15);
    expect(partialSuccess.errorMessage).toContain('team "payments" is over its quota of log records per second');
    expect((await t.req('GET', '/api/v1/telemetry/logs?service=checkout&from=now-1h&limit=100', { as: t.admin })).body.items).toHaveLength(10);
    // the bucket refills with time
    t.clock.advance(1000);
    expect(JSON.parse((await send('/v1/logs', logs('checkout', 10), payments)).body)).toEqual({});
    // another team's flood is its own
    expect(JSON.parse((await send('/v1/logs', logs('indexer', 25), search)).body)).toEqual({});
    const usage = await t.req('GET', '/api/v1/telemetry/quotas/payments', { as: alice });
    expect(usage.body.usage.logRecordsPerSecond).toBeGreaterThan(0);
  });

  it('admits new series up to the quota; existing series keep receiving', async () => {
    const first = await send('/v1/metrics', gauges('checkout', ['a', 'b', 'c']), payments);
    const { partialSuccess } = JSON.parse(first.body);
    expect(Number(partialSuccess.rejectedDataPoints)).toBe(1);
    expect(partialSuccess.errorMessage).toContain('team "payments" reached its quota of 2 active series');
    t.clock.advance(1000);
    now += 1000;
    expect(JSON.parse((await send('/v1/metrics', gauges('checkout', ['a', 'b']), payments)).body)).toEqual({});
    expect((await t.req('GET', '/api/v1/telemetry/quotas/payments', { as: alice })).body.usage.activeSeries).toBe(2);
    expect(JSON.parse((await send('/v1/metrics', gauges('indexer', ['a', 'b', 'c']), search)).body)).toEqual({});
  });
});
