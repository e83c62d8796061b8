import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EthosApp } from '../../app.ts';
import { createLeases } from '../../platform/leases.ts';
import { createMetrics } from '../../platform/metrics.ts';
import { createTestContext, databases, openTestDatabase, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import type { GroupNotification, NotificationSink } from './index.ts';

type Sent = { contactPoint: { owner: string; name: string }; idempotencyKey: string; notification: GroupNotification };

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });

function collector(): NotificationSink & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async enqueue(items) {
      sent.push(...items);
      return items.length;
    },
  };
}

/** The pools a replica's notifications told as firing, in order. */
const firingPools = (sent: Sent[]) => sent.flatMap((s) => s.notification.alerts.filter((a) => a.status === 'firing').map((a) => a.labels.pool ?? a.labels.alertname));

/**
 * Two `ethos serve` replicas on one database, driven by hand with one ManualClock. Each keeps its
 * telemetry locally, so every point is sent to both, as if they shared it.
 */
describe.each(databases)('alerting with two replicas on %s', (dbKind) => {
  let shared: Awaited<ReturnType<typeof openTestDatabase>>;
  let t: TestContext & { admin: string };
  let a: EthosApp;
  let b: EthosApp;
  const sinkA = collector();
  const sinkB = collector();
  let alice: string;
  let bob: string;
  let ingest: string;
  /** The replicas running (b shuts down in the last test). */
  let live: EthosApp[] = [];

  const req = async (app: EthosApp, method: string, url: string, as: string, body?: unknown) => {
    const res = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${as}` }, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };

  /** The pools that keep reporting (their alerts keep firing) while time passes. */
  const depths: Record<string, number> = {};

  /** Points of queue.depth now, stored by every running replica. */
  async function points(values: Record<string, number>) {
    const ns = `${BigInt(t.clock.now().getTime()) * 1_000_000n}`;
    const dataPoints = Object.entries(values).map(([pool, v]) => ({ timeUnixNano: ns, asDouble: v, attributes: [{ key: 'pool', value: { stringValue: pool } }] }));
    const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints } }] }] }] };
    for (const app of live) {
      const res = await app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(body) });
      expect(res.statusCode).toBe(200);
    }
  }

  /** A pool starts (or goes on) reporting `value`, a second after the last points. */
  async function gauge(value: number, pool: string) {
    depths[pool] = value;
    t.clock.advance(1000);
    await points(depths);
  }

  /** Both replicas run their periodic work once: evaluation, group flushes, escalation. */
  async function work(...apps: EthosApp[]) {
    let escalated = 0;
    for (const app of apps) {
      await app.services.alerting.tick();
      escalated += await app.services.oncall.escalate();
    }
    return escalated;
  }

  /** Time passes in steps of 5 s; at each the pools report and the replicas that are alive work. */
  async function elapse(ms: number, ...apps: EthosApp[]) {
    for (let left = ms; left > 0; left -= 5000) {
      t.clock.advance(Math.min(5000, left));
      await points(depths);
      await work(...apps);
    }
  }

  const firingEvents = async () => (await shared.db.kysely.selectFrom('alert_events').select(['fingerprint']).where('to_state', '=', 'firing').execute()).length;
  const pages = async (user: string) => (await t.req('GET', '/api/v1/inbox', { as: user })).body.items.filter((n: { type: string }) => n.type === 'oncall.page').length;
  const holder = async () => (await createLeases({ db: shared.db.kysely, clock: t.clock }).current('alerting'))?.holder ?? null;
  const holderOf = (app: EthosApp) => app.services.alerting.lease!.holder;
  const alertsSeenBy = async (app: EthosApp) => ((await req(app, 'GET', '/api/v1/alerts?owner=payments', alice)).body.items as { labels: Record<string, string>; state: string; acknowledgedBy: string | null; fingerprint: string }[]);

  beforeAll(async () => {
    shared = await openTestDatabase(dbKind);
    t = await createTestContext(dbKind, { db: shared.db, notificationSink: sinkA, baseUrl: 'https://ethos.example' });
    a = t.app;
    b = await buildApp({ db: shared.connect(), clock: t.clock, secretKey: Buffer.alloc(32, 9), metrics: createMetrics(), notificationSink: sinkB, baseUrl: 'https://ethos.example' });
    live = [a, b];
    alice = await t.user('alice');
    bob = await t.user('bob');
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }, { user: 'bob' }]) })).status).toBe(201);
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    expect((await t.req('PUT', '/api/v1/resources/ContactPoint/payments-hook', { as: alice, body: doc('ContactPoint', 'payments-hook', 'payments', { type: 'webhook', url: 'http://127.0.0.1:9/hook' }) })).status).toBe(201);
    const policy = doc('NotificationPolicy', 'payments', 'payments', { routes: [{ contactPoints: ['payments-hook'], groupBy: ['alertname', 'pool'], groupWait: '0s', groupInterval: '1m', repeatInterval: '4h' }] });
    expect((await t.req('PUT', '/api/v1/resources/NotificationPolicy/payments', { as: alice, body: policy })).status).toBe(201);
    const rule = doc('AlertRule', 'queue-deep', 'payments', { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'queue.depth', fn: 'max', window: '5m', by: ['pool'], op: '>', threshold: 100 }, for: '0s' });
    expect((await t.req('PUT', '/api/v1/resources/AlertRule/queue-deep', { as: alice, body: rule })).status).toBe(201);
    const schedule = doc('OnCallSchedule', 'payments-oncall', 'payments', {
      timeZone: 'UTC',
      rotations: [{ name: 'primary', type: 'weekly', start: '2026-01-05', members: ['alice'] }],
      escalation: [
        { after: '0m', rotation: 'primary' },
        { after: '10m', users: ['bob'] },
      ],
    });
    expect((await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: alice, body: schedule })).status).toBe(201);
  });
  afterAll(async () => {
    if (live.includes(b)) await b.close();
    await t?.close();
    await shared?.drop();
  });

  it('only the replica holding the lease evaluates, notifies and escalates; the other shows what it wrote', async () => {
    await gauge(150, 'a');
    expect(await work(a, b, a, b)).toBe(1);
    expect(firingPools(sinkA.sent)).toEqual(['a']);
    expect(sinkB.sent).toEqual([]);
    expect(await firingEvents()).toBe(1);
    expect(await pages(alice)).toBe(1);
    expect(await holder()).toBe(holderOf(a));
    // the other replica answers with the holder's alerts
    expect((await alertsSeenBy(b)).map((x) => [x.labels.pool, x.state])).toEqual([['a', 'firing']]);
    const held = async (app: EthosApp) => /ethos_lease_held\{lease="alerting"\} (\d)/.exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1];
    expect([await held(a), await held(b)]).toEqual(['1', '0']);
  });

  it('an acknowledgement taken on the other replica stops the escalation on the holder', async () => {
    await gauge(170, 'b');
    await work(a, b);
    const alert = (await alertsSeenBy(b)).find((x) => x.labels.pool === 'b')!;
    expect(alert.state).toBe('firing');
    const ack = await req(b, 'POST', `/api/v1/alerts/queue-deep/${alert.fingerprint}/ack`, alice);
    expect(ack.status).toBe(200);
    // ten minutes on, pool a reaches bob; pool b, acknowledged on b, does not
    await elapse(10 * 60_000, a, b);
    expect(await pages(bob)).toBe(1);
    const escalations = await shared.db.kysely.selectFrom('oncall_escalations').select(['fingerprint', 'level']).orderBy('level').execute();
    expect(escalations.filter((e) => e.fingerprint === alert.fingerprint).map((e) => e.level)).toEqual([1]);
    expect(escalations.filter((e) => e.fingerprint !== alert.fingerprint).map((e) => e.level)).toEqual([1, 2]);
    expect((await alertsSeenBy(a)).find((x) => x.labels.pool === 'b')!.acknowledgedBy).toBe('alice');
    expect(sinkB.sent).toEqual([]);
  });

  it('an alert Prometheus posts to the other replica is notified once, by the holder', async () => {
    const before = sinkA.sent.length;
    const now = t.clock.now().getTime();
    const posted = { labels: { alertname: 'HighCPU', service: 'checkout', severity: 'ticket' }, annotations: { summary: 'CPU above 90%' }, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 240_000).toISOString() };
    expect((await req(b, 'POST', '/alertmanager/api/v2/alerts', ingest, [posted])).status).toBe(200);
    expect(sinkB.sent).toEqual([]);
    await elapse(2000, a, b);
    expect(firingPools(sinkA.sent.slice(before))).toEqual(['HighCPU']);
    // sent again to b, it goes on firing past its first end on the holder
    await elapse(120_000, a, b);
    const again = { ...posted, endsAt: new Date(now + 360_000).toISOString() };
    expect((await req(b, 'POST', '/alertmanager/api/v2/alerts', ingest, [again])).status).toBe(200);
    await elapse(150_000, a, b);
    expect((await alertsSeenBy(a)).find((x) => x.labels.alertname === 'HighCPU')?.state).toBe('firing');
    expect(firingPools(sinkA.sent.slice(before))).toEqual(['HighCPU']);
    expect(sinkB.sent).toEqual([]);
  });

  it('when the holder dies the other takes over once the lease expires, repeats nothing, and the old holder stays out', async () => {
    // Prometheus sends HighCPU to the holder with a later end, just before the holder dies
    const now = t.clock.now().getTime();
    const posted = { labels: { alertname: 'HighCPU', service: 'checkout', severity: 'ticket' }, annotations: { summary: 'CPU above 90%' }, endsAt: new Date(now + 30 * 60_000).toISOString() };
    expect((await req(a, 'POST', '/alertmanager/api/v2/alerts', ingest, [posted])).status).toBe(200);
    const firedBefore = await firingEvents();
    const sentBefore = sinkA.sent.length;
    // a stops; b waits out the lease (15 s after a's last renewal, renewed at most 5 s before)
    await gauge(180, 'c');
    await work(b);
    expect(await firingEvents()).toBe(firedBefore);
    expect(sinkB.sent).toEqual([]);
    for (let i = 0; i < 20 && (await holder()) !== holderOf(b); i++) {
      await gauge(180, 'c');
      await work(b);
    }
    expect(await holder()).toBe(holderOf(b));
    // b evaluates: pool c fires and is told once; a and b are not told again
    expect(firingPools(sinkB.sent)).toEqual(['c']);
    expect(await firingEvents()).toBe(firedBefore + 1);
    // HighCPU goes on firing until the end the holder was sent, past the one before
    await elapse(5 * 60_000, b);
    expect((await alertsSeenBy(b)).find((x) => x.labels.alertname === 'HighCPU')?.state).toBe('firing');
    // a comes back: it holds no lease any more, does nothing, and shows b's alerts
    await gauge(190, 'd');
    await work(a, b);
    t.clock.advance(1000);
    await work(a);
    expect(sinkA.sent.length).toBe(sentBefore);
    expect(firingPools(sinkB.sent)).toEqual(['c', 'd']);
    expect((await alertsSeenBy(a)).map((x) => x.labels.pool ?? x.labels.alertname).sort()).toEqual(['HighCPU', 'a', 'b', 'c', 'd']);
  });

  it('a replica that shuts down hands the lease over at once', async () => {
    await b.close();
    live = [a];
    t.clock.advance(1000);
    await gauge(200, 'e');
    await work(a);
    expect(await holder()).toBe(holderOf(a));
    expect(firingPools(sinkA.sent).at(-1)).toBe('e');
  });
});
