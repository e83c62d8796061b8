import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import type { NotificationSink } from '../alerting/index.ts';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });
const rule = (name: string, severity: string, metric: string) =>
  doc('AlertRule', name, 'payments', { service: 'checkout', severity, condition: { type: 'metric', metric, fn: 'last', window: '1m', op: '>', threshold: 0 }, annotations: { summary: `${name} on checkout` } });

describe.each(databases)('incidents on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string;
  let carol: string;
  let ingest: string;
  let incidentId = 0;
  const sink: NotificationSink = { enqueue: async (items) => items.length };

  /** A gauge sample for checkout, a second after the last. */
  async function gauge(metric: string, value: number) {
    t.clock.advance(1000);
    const ns = `${BigInt(t.clock.now().getTime()) * 1_000_000n}`;
    const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [{ name: metric, gauge: { dataPoints: [{ timeUnixNano: ns, asDouble: value }] } }] }] }] };
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
  }
  const tick = () => t.app.services.alerting.tick();
  const list = async (query = '') => (await t.req('GET', `/api/v1/incidents${query}`, { as: carol })).body as { items: { id: number; status: string; service: string; severity: string; openedBy: string; resolvedAt: string | null }[]; nextCursor: string | null };
  const get = async (id: number) => (await t.req('GET', `/api/v1/incidents/${id}`, { as: carol })).body;
  const types = (incident: { events: { type: string }[] }) => incident.events.map((e) => e.type);

  beforeAll(async () => {
    t = await createTestContext(dbKind, { notificationSink: sink });
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    await t.req('PUT', '/api/v1/resources/Service/finder', { as: carol, body: serviceDoc('finder', 'search') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    for (const r of [rule('checkout-down', 'page', 'errors.down'), rule('latency-high', 'page', 'errors.latency'), rule('queue-slow', 'ticket', 'errors.queue')]) {
      expect((await t.req('PUT', `/api/v1/resources/AlertRule/${r.metadata.name}`, { as: alice, body: r })).status).toBe(201);
    }
  });
  afterAll(() => t.close());

  it('a firing page alert opens an incident for its service; a ticket alert does not', async () => {
    await gauge('errors.queue', 5);
    await tick();
    expect((await list()).items).toEqual([]);

    await gauge('errors.down', 1);
    await tick();
    const { items } = await list();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ service: 'checkout', status: 'investigating', severity: 'page', openedBy: 'alert', resolvedAt: null });
    incidentId = items[0]!.id;
    const incident = await get(incidentId);
    expect(incident).toMatchObject({ owner: 'payments', title: 'checkout-down on checkout' });
    expect(types(incident)).toEqual(['opened', 'alert-fired']);
    expect(incident.events[1]).toMatchObject({ actor: null, details: { rule: 'checkout-down', alertname: 'checkout-down' } });
    expect(incident.alerts).toEqual([expect.objectContaining({ rule: 'checkout-down', state: 'firing' })]);
  });

  it('a second page alert of the service joins the open incident; acknowledging it goes on the timeline', async () => {
    await gauge('errors.latency', 3);
    await tick();
    expect((await list()).items).toHaveLength(1);
    const incident = await get(incidentId);
    expect(types(incident)).toEqual(['opened', 'alert-fired', 'alert-fired']);
    expect(incident.alerts.map((a: { rule: string }) => a.rule).sort()).toEqual(['checkout-down', 'latency-high']);

    const alert = (await t.req('GET', '/api/v1/alerts?service=checkout&state=firing', { as: alice })).body.items.find((a: { rule: string }) => a.rule === 'latency-high');
    expect((await t.req('POST', `/api/v1/alerts/latency-high/${alert.fingerprint}/ack`, { as: alice })).status).toBe(200);
    expect((await get(incidentId)).events.at(-1)).toMatchObject({ type: 'acknowledged', actor: 'alice', details: { alertname: 'latency-high' } });
  });

  it('a resolved alert adds an entry but leaves the incident open', async () => {
    t.clock.advance(61_000);
    await gauge('errors.down', 0);
    await gauge('errors.latency', 0);
    await tick();
    const incident = await get(incidentId);
    expect(types(incident).filter((e: string) => e === 'alert-resolved')).toHaveLength(2);
    expect(incident.status).toBe('investigating');
    expect(incident.resolvedAt).toBeNull();
    expect(incident.alerts.every((a: { state: string }) => a.state === 'resolved')).toBe(true);
  });

  it('members lead and resolve it; others get 403 and bad input changes nothing', async () => {
    const url = `/api/v1/incidents/${incidentId}`;
    const denied = await t.req('PATCH', url, { as: carol, body: { commander: 'carol' } });
    expect(denied.status).toBe(403);
    expect((await t.req('POST', `${url}/notes`, { as: carol, body: { text: 'hi' } })).status).toBe(403);
    const before = await get(incidentId);
    const bad = await t.req('PATCH', url, { as: alice, body: { status: 'fixed', commander: 'alice' } });
    expect(bad.status).toBe(400);
    expect(await get(incidentId)).toEqual(before);
    expect((await t.req('PATCH', url, { as: alice, body: {} })).status).toBe(400);
    expect((await t.req('GET', '/api/v1/incidents/999999', { as: carol })).body.error.code).toBe('INCIDENT_NOT_FOUND');

    t.clock.advance(60_000);
    const led = await t.req('PATCH', url, { as: alice, body: { commander: 'alice', status: 'identified', impact: 'checkout fails for 20% of users' } });
    expect(led.status).toBe(200);
    expect(led.body).toMatchObject({ commander: 'alice', status: 'identified', impact: 'checkout fails for 20% of users' });
    expect(led.body.events.slice(-3).map((e: { type: string; actor: string }) => [e.type, e.actor])).toEqual([
      ['commander', 'alice'],
      ['impact', 'alice'],
      ['status', 'alice'],
    ]);
    const noted = await t.req('POST', `${url}/notes`, { as: alice, body: { text: 'rolled back the deploy' } });
    expect(noted.status).toBe(201);
    expect(noted.body.events.at(-1)).toMatchObject({ type: 'note', actor: 'alice', text: 'rolled back the deploy' });

    const unexplained = await t.req('PATCH', url, { as: alice, body: { status: 'resolved' } });
    expect(unexplained.status).toBe(400);
    expect(unexplained.body.error.code).toBe('INCIDENT_INVALID');
    expect((await get(incidentId)).status).toBe('identified');

    t.clock.advance(60_000);
    const resolved = await t.req('PATCH', url, { as: alice, body: { status: 'resolved', resolution: 'rolled back to v41' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'rolled back to v41', resolvedAt: t.clock.now().toISOString() });
    expect(Date.parse(resolved.body.resolvedAt) - Date.parse(resolved.body.startedAt)).toBeGreaterThan(120_000);
    expect(resolved.body.events.at(-1)).toMatchObject({ type: 'resolved', text: 'rolled back to v41' });

    // reopening clears the resolution time
    const reopened = await t.req('PATCH', url, { as: alice, body: { status: 'monitoring' } });
    expect(reopened.body).toMatchObject({ status: 'monitoring', resolvedAt: null });
    expect((await t.req('PATCH', url, { as: alice, body: { status: 'resolved' } })).body.status).toBe('resolved');
  });

  it('after it is resolved, a page alert opens a new incident, also from Prometheus', async () => {
    const now = t.clock.now().getTime();
    const posted = { labels: { alertname: 'HighCPU', service: 'checkout', severity: 'page' }, annotations: { summary: 'CPU above 90%' }, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 240_000).toISOString() };
    expect((await t.req('POST', '/alertmanager/api/v2/alerts', { as: ingest, body: [posted] })).status).toBe(200);
    const open = (await list('?status=open')).items;
    expect(open).toHaveLength(1);
    expect(open[0]!.id).not.toBe(incidentId);
    const incident = await get(open[0]!.id);
    expect(incident).toMatchObject({ title: 'CPU above 90%', owner: 'payments' });
    expect(incident.alerts).toEqual([expect.objectContaining({ rule: 'posted:highcpu', alertname: 'HighCPU' })]);
  });

  it('members open incidents by hand; lists put open ones first and filter', async () => {
    const denied = await t.req('POST', '/api/v1/incidents', { as: alice, body: { service: 'finder', title: 'search is slow' } });
    expect(denied.status).toBe(403);
    const unknown = await t.req('POST', '/api/v1/incidents', { as: carol, body: { service: 'nope', title: 'x' } });
    expect(unknown.body.error.code).toBe('INCIDENT_SERVICE_UNKNOWN');
    const invalid = await t.req('POST', '/api/v1/incidents', { as: carol, body: { service: 'finder', title: '', severity: 'sev1' } });
    expect(invalid.status).toBe(400);
    expect((await list('?service=finder')).items).toEqual([]);

    const opened = await t.req('POST', '/api/v1/incidents', { as: carol, body: { service: 'finder', title: 'search is slow', severity: 'ticket', commander: 'carol', impact: 'results take 5 s' } });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ service: 'finder', owner: 'search', openedBy: 'carol', status: 'investigating', severity: 'ticket', commander: 'carol' });
    expect(types(opened.body)).toEqual(['opened', 'commander', 'impact']);

    const all = (await list()).items;
    expect(all.map((i) => i.status)).toEqual(['investigating', 'investigating', 'resolved']);
    expect(all[0]!.service).toBe('finder');
    expect((await list('?service=finder')).items.map((i) => i.service)).toEqual(['finder']);
    expect((await list('?owner=payments')).items.every((i) => i.service === 'checkout')).toBe(true);
    expect((await list('?status=resolved')).items.map((i) => i.id)).toEqual([incidentId]);
    expect((await list('?severity=ticket')).items.map((i) => i.service)).toEqual(['finder']);
    expect((await t.req('GET', '/api/v1/incidents?status=fixed', { as: carol })).status).toBe(400);

    // pages follow the same order
    const first = await list('?limit=2');
    expect(first.items).toHaveLength(2);
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(second.nextCursor).toBeNull();
  });

  it('page alerts of one service arriving at the same moment open one incident', async () => {
    await t.req('PUT', '/api/v1/resources/Service/ledger', { as: alice, body: serviceDoc('ledger', 'payments') });
    const now = t.clock.now().getTime();
    const alert = (name: string) => [{ labels: { alertname: name, service: 'ledger', severity: 'page' }, annotations: {}, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 240_000).toISOString() }];
    const posts = await Promise.all(['LedgerDown', 'LedgerSlow', 'LedgerErrors'].map((n) => t.req('POST', '/alertmanager/api/v2/alerts', { as: ingest, body: alert(n) })));
    expect(posts.map((p) => p.status)).toEqual([200, 200, 200]);
    const open = (await list('?service=ledger')).items;
    expect(open).toHaveLength(1);
    expect((await get(open[0]!.id)).alerts.map((a: { alertname: string }) => a.alertname).sort()).toEqual(['LedgerDown', 'LedgerErrors', 'LedgerSlow']);
  });
});
