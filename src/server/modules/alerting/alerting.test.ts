import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import { recordingSink } from './alerting.test-support.ts';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });

describe.each(databases)('alerting on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string;
  let carol: string;
  let ingest: string;
  const { sent, sink } = recordingSink();

  /** A gauge sample for checkout, a second after the last. */
  async function gauge(metric: string, value: number, attrs: Record<string, string> = {}) {
    t.clock.advance(1000);
    const ns = `${BigInt(t.clock.now().getTime()) * 1_000_000n}`;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [{ metrics: [{ name: metric, gauge: { dataPoints: [{ timeUnixNano: ns, asDouble: value, attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })) }] } }] }],
        },
      ],
    };
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
  }

  const tick = () => t.app.services.alerting.tick();
  const alerts = async (query = '') => (await t.req('GET', `/api/v1/alerts${query}`, { as: carol })).body.items as { rule: string; state: string; labels: Record<string, string>; annotations: Record<string, string>; value: number; fingerprint: string; acknowledgedBy: string | null; silencedBy: string | null }[];
  const advance = async (ms: number) => {
    t.clock.advance(ms);
    await tick();
  };

  beforeAll(async () => {
    t = await createTestContext(dbKind, { notificationSink: sink, baseUrl: 'https://ethos.example', alertRulesPerTeam: 3 });
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    const cp = await t.req('PUT', '/api/v1/resources/ContactPoint/payments-hook', { as: alice, body: doc('ContactPoint', 'payments-hook', 'payments', { type: 'webhook', url: 'http://127.0.0.1:9/hook' }) });
    expect(cp.status).toBe(201);
    const policy = await t.req('PUT', '/api/v1/resources/NotificationPolicy/payments', {
      as: alice,
      body: doc('NotificationPolicy', 'payments', 'payments', {
        routes: [{ matchers: ['severity=~page|ticket'], contactPoints: ['payments-hook'], groupBy: ['alertname'], groupWait: '0s', groupInterval: '1m', repeatInterval: '1h' }],
        inhibitRules: [{ sourceMatchers: ['alertname=checkout-down'], targetMatchers: ['alertname=queue-deep'], equal: ['service'] }],
      }),
    });
    expect(policy.status).toBe(201);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    sent.length = 0;
  });

  it('refuses a rule that points at the wrong field, for a service another team owns, or over the quota', async () => {
    const bad = await t.req('PUT', '/api/v1/resources/AlertRule/bad', { as: alice, body: doc('AlertRule', 'bad', 'payments', { service: 'checkout', condition: { type: 'metric', metric: 'x', fn: 'avg', window: '5 minutes', threshold: 1 } }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('condition.window');
    const badMatcher = await t.req('PUT', '/api/v1/resources/NotificationPolicy/p2', { as: alice, body: doc('NotificationPolicy', 'p2', 'payments', { routes: [{ matchers: ['severity=~(page'], contactPoints: ['payments-hook'] }] }) });
    expect(badMatcher.status).toBe(400);
    expect(JSON.stringify(badMatcher.body.error)).toContain('routes.0.matchers.0');
    const foreign = await t.req('PUT', '/api/v1/resources/AlertRule/theirs', { as: carol, body: doc('AlertRule', 'theirs', 'search', { service: 'checkout', condition: { type: 'metric', metric: 'x', fn: 'avg', threshold: 1 } }) });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('ALERT_RULE_NOT_SERVICE_OWNER');
    const missing = await t.req('PUT', '/api/v1/resources/AlertRule/ghost', { as: alice, body: doc('AlertRule', 'ghost', 'payments', { service: 'nope', condition: { type: 'metric', metric: 'x', fn: 'avg', threshold: 1 } }) });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('ALERT_RULE_SERVICE_UNKNOWN');
    const otherCp = await t.req('PUT', '/api/v1/resources/NotificationPolicy/p3', { as: carol, body: doc('NotificationPolicy', 'p3', 'search', { routes: [{ contactPoints: ['payments-hook'] }] }) });
    expect(otherCp.status).toBe(400);
    expect(otherCp.body.error.message).toContain('belongs to team "payments"');
    const notAdmin = await t.req('PUT', '/api/v1/resources/NotificationPolicy/org', { as: alice, body: doc('NotificationPolicy', 'org', 'payments', { organisationDefault: true, routes: [{ contactPoints: ['payments-hook'] }] }) });
    expect(notAdmin.status).toBe(403);
    // nothing of it was stored
    expect((await t.req('GET', '/api/v1/resources/AlertRule', { as: alice })).body.items ?? []).toHaveLength(0);
  });

  it('fires when the breaching point arrives, after `for`, routes to the team’s contact point, and resolves', async () => {
    const rule = doc('AlertRule', 'queue-deep', 'payments', {
      service: 'checkout',
      severity: 'page',
      condition: { type: 'metric', metric: 'queue.depth', fn: 'max', window: '1m', by: ['pool'], op: '>', threshold: 100 },
      for: '30s',
      annotations: { summary: 'queue {{ $labels.pool }} at {{ $value }}' },
      runbook: 'https://runbooks.example/queue',
    });
    expect((await t.req('PUT', '/api/v1/resources/AlertRule/queue-deep', { as: alice, body: rule })).status).toBe(201);
    await gauge('queue.depth', 20, { pool: 'a' });
    await tick();
    expect(await alerts()).toEqual([]);

    await gauge('queue.depth', 150, { pool: 'a' });
    await tick();
    let [a] = await alerts();
    expect(a).toMatchObject({ rule: 'queue-deep', state: 'pending', value: 150, labels: { alertname: 'queue-deep', service: 'checkout', team: 'payments', severity: 'page', pool: 'a' } });
    expect(sent).toHaveLength(0);

    await advance(30_000);
    await gauge('queue.depth', 160, { pool: 'a' });
    await tick();
    [a] = await alerts();
    expect(a!.state).toBe('firing');
    expect(a!.annotations).toEqual({ summary: 'queue a at 160', runbook_url: 'https://runbooks.example/queue' });
    expect(sent).toHaveLength(1);
    const n = sent[0]!;
    expect(n.contactPoint).toEqual({ owner: 'payments', name: 'payments-hook' });
    expect(n.notification).toMatchObject({ status: 'firing', groupLabels: { alertname: 'queue-deep' }, commonLabels: { alertname: 'queue-deep', pool: 'a' }, externalURL: 'https://ethos.example' });
    expect(n.notification.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z', fingerprint: a!.fingerprint });

    // unchanged: nothing more until the repeat interval
    await advance(10_000);
    expect(sent).toHaveLength(1);

    // the queue drains: resolved, and told as such
    await advance(61_000);
    await gauge('queue.depth', 10, { pool: 'a' });
    await tick();
    expect(await alerts()).toEqual([]);
    expect((await alerts('?state=resolved'))[0]).toMatchObject({ rule: 'queue-deep', state: 'resolved' });
    expect(sent.at(-1)!.notification.status).toBe('resolved');
    expect(sent.at(-1)!.notification.alerts[0]!.status).toBe('resolved');
    // every notification has its own idempotency key
    expect(new Set(sent.map((s) => s.idempotencyKey)).size).toBe(sent.length);
  });

  it('lets the owning team acknowledge, silence and inhibit; other teams only read', async () => {
    await t.req('PUT', '/api/v1/resources/AlertRule/checkout-down', {
      as: alice,
      body: doc('AlertRule', 'checkout-down', 'payments', { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'up', fn: 'last', window: '1m', op: '<', threshold: 1 } }),
    });
    await advance(120_000);
    await gauge('queue.depth', 500, { pool: 'b' });
    await gauge('up', 0);
    await tick();
    await advance(30_000);
    await gauge('queue.depth', 500, { pool: 'b' });
    await gauge('up', 0);
    await tick();
    const firing = await alerts('?state=firing');
    expect(firing.map((a) => a.rule).sort()).toEqual(['checkout-down', 'queue-deep']);
    // checkout is down: its queue alert is inhibited, only the down alert is told
    const told = sent.flatMap((s) => s.notification.alerts.map((a) => a.labels.alertname));
    expect(told).toContain('checkout-down');
    expect(told).not.toContain('queue-deep');

    const queue = firing.find((a) => a.rule === 'queue-deep')!;
    const denied = await t.req('POST', `/api/v1/alerts/queue-deep/${queue.fingerprint}/ack`, { as: carol });
    expect(denied.status).toBe(403);
    const acked = await t.req('POST', `/api/v1/alerts/queue-deep/${queue.fingerprint}/ack`, { as: alice });
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedBy).toBe('alice');

    // a silence of the team mutes the down alert: the repeat interval passes without a notification
    const silence = await t.req('PUT', '/api/v1/resources/Silence/maintenance', {
      as: alice,
      body: doc('Silence', 'maintenance', 'payments', { matchers: ['alertname=checkout-down'], endsAt: new Date(t.clock.now().getTime() + 3 * 3600_000).toISOString(), comment: 'planned maintenance' }),
    });
    expect(silence.status).toBe(201);
    const other = await t.req('PUT', '/api/v1/resources/Silence/not-mine', {
      as: carol,
      body: doc('Silence', 'not-mine', 'payments', { matchers: ['alertname=checkout-down'], endsAt: new Date(t.clock.now().getTime() + 3600_000).toISOString(), comment: 'x' }),
    });
    expect(other.status).toBe(403);
    sent.length = 0;
    await advance(3700_000);
    await gauge('up', 0);
    await gauge('queue.depth', 500, { pool: 'b' });
    await tick();
    expect((await alerts('?state=firing')).find((a) => a.rule === 'checkout-down')!.silencedBy).toBe('maintenance');
    expect(sent.flatMap((s) => s.notification.alerts.map((a) => a.labels.alertname))).not.toContain('checkout-down');
  });

  it('keeps evaluating other rules when one fails, and shows the failure as its alert', async () => {
    await t.req('PUT', '/api/v1/resources/AlertRule/broken', {
      as: alice,
      body: doc('AlertRule', 'broken', 'payments', { service: 'checkout', severity: 'ticket', errorState: 'error', condition: { type: 'metric', metric: 'queue.depth', fn: 'rate', window: '1m', threshold: 1 } }),
    });
    await advance(11_000);
    await gauge('queue.depth', 700, { pool: 'c' });
    await tick();
    const all = await alerts();
    const broken = all.find((a) => a.rule === 'broken');
    expect(broken).toMatchObject({ state: 'error', labels: { alertstate: 'error' } });
    // the queue rule still evaluates: pool c is pending
    expect(all.some((a) => a.rule === 'queue-deep' && a.labels.pool === 'c' && a.state === 'pending')).toBe(true);
  });

  it('refuses a team’s rule over its quota, naming the quota', async () => {
    const fourth = await t.req('PUT', '/api/v1/resources/AlertRule/fourth', { as: alice, body: doc('AlertRule', 'fourth', 'payments', { service: 'checkout', condition: { type: 'absence', metric: 'heartbeat' } }) });
    expect(fourth.status).toBe(409);
    expect(fourth.body.error.code).toBe('ALERT_RULE_QUOTA_EXCEEDED');
    expect(fourth.body.error.message).toContain('already has 3 alert rules');
    // changing an existing rule is not a new one
    const rule = (await t.req('GET', '/api/v1/resources/AlertRule/broken', { as: alice })).body;
    const edited = await t.req('PUT', '/api/v1/resources/AlertRule/broken', { as: alice, body: { ...rule, spec: { ...rule.spec, paused: true } }, headers: { 'if-match': String(rule.metadata.revision) } });
    expect(edited.status).toBe(200);
  });

  it('evaluates a rule as soon as its data arrives, without waiting for a tick', async () => {
    t.app.services.alerting.start();
    try {
      const before = sent.length;
      const t0 = performance.now();
      // a new rule (a new group: no groupWait, nothing told before)
      expect((await t.req('DELETE', '/api/v1/resources/AlertRule/queue-deep', { as: alice })).status).toBe(200);
      const created = await t.req('PUT', '/api/v1/resources/AlertRule/errors-now', {
        as: alice,
        body: doc('AlertRule', 'errors-now', 'payments', { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'errors.now', fn: 'last', window: '1m', op: '>', threshold: 0 } }),
      });
      expect(created.status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      await gauge('errors.now', 3);
      while (sent.length === before && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
      expect(sent.length).toBeGreaterThan(before);
      expect(sent.at(-1)!.notification.alerts.some((a) => a.labels.alertname === 'errors-now' && a.status === 'firing')).toBe(true);
    } finally {
      await t.app.services.alerting.stop();
    }
  });

  it('takes alerts from Prometheus on Alertmanager’s API and routes them by their service, team or the organisation default', async () => {
    // the organisation default: an admins' policy for alerts no team owns
    await t.req('PUT', '/api/v1/resources/Team/ops', { as: t.admin, body: teamDoc('ops') });
    await t.req('PUT', '/api/v1/resources/ContactPoint/ops-hook', { as: t.admin, body: doc('ContactPoint', 'ops-hook', 'ops', { type: 'webhook', url: 'http://127.0.0.1:9/ops' }) });
    const org = await t.req('PUT', '/api/v1/resources/NotificationPolicy/org-default', { as: t.admin, body: doc('NotificationPolicy', 'org-default', 'ops', { organisationDefault: true, routes: [{ contactPoints: ['ops-hook'], groupBy: ['alertname'] }] }) });
    expect(org.status).toBe(201);
    const collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'prometheus', type: 'ingest', scopes: ['ingest'] } })).body.token;
    const now = t.clock.now().getTime();
    const iso = (ms: number) => new Date(ms).toISOString();
    // what Prometheus 2.x sends: labels, annotations, startsAt, endsAt (now + 4 evaluation intervals), generatorURL
    const high = { labels: { alertname: 'HighCPU', service: 'checkout', severity: 'page', instance: 'web-1' }, annotations: { summary: 'CPU above 90%' }, startsAt: iso(now - 60_000), endsAt: iso(now + 240_000), generatorURL: 'http://prometheus:9090/graph?g0.expr=cpu' };
    const disk = { labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: {}, startsAt: iso(now), endsAt: iso(now + 240_000), generatorURL: 'http://prometheus:9090/graph' };

    const foreign = await t.req('POST', '/alertmanager/api/v2/alerts', { as: ingest, body: [{ labels: { alertname: 'NotOurs', team: 'search' } }] });
    expect(foreign.status).toBe(403);
    const noName = await t.req('POST', '/alertmanager/api/v2/alerts', { as: ingest, body: [{ labels: { instance: 'x' } }] });
    expect(noName.status).toBe(400);
    const reader = await t.user('rita', { scopes: ['read'] });
    expect((await t.req('POST', '/alertmanager/api/v2/alerts', { as: reader, body: [high] })).status).toBe(403);
    expect((await alerts('?state=firing')).some((a) => a.rule.startsWith('posted:'))).toBe(false);

    sent.length = 0;
    expect((await t.req('POST', '/alertmanager/api/v2/alerts', { as: ingest, body: [high] })).status).toBe(200);
    expect((await t.req('POST', '/alertmanager/api/v2/alerts', { as: collector, body: [disk] })).status).toBe(200);
    const posted = (await alerts('?state=firing')).filter((a) => a.rule.startsWith('posted:'));
    expect(posted.map((a) => [a.rule, a.labels.alertname, (a as unknown as { owner: string }).owner]).sort()).toEqual([
      ['posted:diskfull', 'DiskFull', ''],
      ['posted:highcpu', 'HighCPU', 'payments'],
    ]);
    const to = (name: string) => sent.filter((s) => s.notification.alerts.some((a) => a.labels.alertname === name)).map((s) => s.contactPoint.name);
    expect(to('HighCPU')).toEqual(['payments-hook']);
    expect(to('DiskFull')).toEqual(['ops-hook']);

    // sent again, it goes on firing; not sent again, it resolves at its end
    await advance(120_000);
    expect((await t.req('POST', '/alertmanager/api/v2/alerts', { as: ingest, body: [{ ...high, endsAt: iso(now + 360_000) }] })).status).toBe(200);
    await advance(200_000);
    const after = await alerts('?state=firing&state=resolved');
    expect(after.find((a) => a.labels.alertname === 'HighCPU')!.state).toBe('firing');
    expect(after.find((a) => a.labels.alertname === 'DiskFull')!.state).toBe('resolved');
    expect(sent.some((s) => s.contactPoint.name === 'ops-hook' && s.notification.status === 'resolved')).toBe(true);
  });

  it('previews a condition over the last hours, shading where it would have fired', async () => {
    let breachFrom = 0;
    for (let i = 0; i < 60; i++) {
      await gauge('preview.depth', i < 30 ? 10 : 200, { pool: 'p' });
      if (i === 30) breachFrom = t.clock.now().getTime();
    }
    const body = { service: 'checkout', condition: { type: 'metric', metric: 'preview.depth', fn: 'max', window: '10s', by: ['pool'], op: '>', threshold: 100 }, for: '5s', range: '5m' };
    const res = await t.req('POST', '/api/v1/alerting/preview', { as: carol, body });
    expect(res.status).toBe(200);
    expect(res.body.series).toHaveLength(1);
    expect(res.body.series[0].labels).toEqual({ pool: 'p' });
    expect(Math.max(...res.body.series[0].values.filter((v: number | null) => v !== null))).toBe(200);
    expect(res.body.firing).toHaveLength(1);
    const [f] = res.body.firing;
    // fires once the breach has held for 5 s (evaluated every 3 s), and is still firing at the end
    expect(f.from).toBeGreaterThanOrEqual(breachFrom + 5000);
    expect(f.from).toBeLessThanOrEqual(breachFrom + 5000 + 3000);
    expect(f.to).toBe(res.body.times.at(-1));
    const unknown = await t.req('POST', '/api/v1/alerting/preview', { as: carol, body: { ...body, condition: { ...body.condition, metric: 'nope' } } });
    expect(unknown.status).toBe(404);
    const badFn = await t.req('POST', '/api/v1/alerting/preview', { as: carol, body: { ...body, condition: { ...body.condition, fn: 'rate' } } });
    expect(badFn.status).toBe(400);
  });
});
