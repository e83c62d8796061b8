import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });

describe.each(databases)('alerts delivered to a real receiver on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string;
  let carol: string;
  let ingest: string;
  let receiver: http.Server;
  const received: { headers: http.IncomingHttpHeaders; body: any }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(data) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
    t = await createTestContext(dbKind, { baseUrl: 'https://ethos.example' });
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    expect((await t.req('PUT', '/api/v1/resources/ContactPoint/hook', { as: alice, body: doc('ContactPoint', 'hook', 'payments', { type: 'webhook', url }) })).status).toBe(201);
    await t.req('PUT', '/api/v1/resources/NotificationPolicy/payments', { as: alice, body: doc('NotificationPolicy', 'payments', 'payments', { routes: [{ contactPoints: ['hook'], groupWait: '0s' }] }) });
    await t.req('PUT', '/api/v1/resources/AlertRule/errors', {
      as: alice,
      body: doc('AlertRule', 'errors', 'payments', { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'errors', fn: 'last', window: '1m', op: '>', threshold: 0 }, annotations: { summary: '{{ $value }} errors' } }),
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => receiver.close(r));
  });

  it('keeps the contact point’s URL secret in the API', async () => {
    const cp = await t.req('GET', '/api/v1/resources/ContactPoint/hook', { as: carol });
    expect(JSON.stringify(cp.body)).not.toContain('127.0.0.1');
  });

  it('sends a test notification to members’ contact points only', async () => {
    expect((await t.req('POST', '/api/v1/alerting/contact-points/hook/test?owner=payments', { as: carol })).status).toBe(403);
    expect((await t.req('POST', '/api/v1/alerting/contact-points/nope/test?owner=payments', { as: alice })).status).toBe(404);
    const res = await t.req('POST', '/api/v1/alerting/contact-points/hook/test?owner=payments', { as: alice });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(received.at(-1)!.body.version).toBe('4');
  });

  it('delivers a firing alert through the outbox as Alertmanager’s webhook payload, once', async () => {
    received.length = 0;
    const ns = `${BigInt(t.clock.now().getTime()) * 1_000_000n}`;
    const metrics = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [{ name: 'errors', gauge: { dataPoints: [{ timeUnixNano: ns, asDouble: 4 }] } }] }] }] };
    const sent = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(metrics) });
    expect(sent.statusCode).toBe(200);
    await t.app.services.alerting.tick();
    expect(await t.app.services.outbox.deliverDue()).toBe(1);
    expect(await t.app.services.outbox.deliverDue()).toBe(0);
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(headers['idempotency-key']).toBeTruthy();
    expect(Object.keys(body)).toEqual(['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'hook', externalURL: 'https://ethos.example', truncatedAlerts: 0 });
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({ status: 'firing', labels: { alertname: 'errors', service: 'checkout', team: 'payments', severity: 'page' }, annotations: { summary: '4 errors' }, endsAt: '0001-01-01T00:00:00Z' });
  });
});
