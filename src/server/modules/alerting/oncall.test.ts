import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import { KindRegistry } from '../resources/kinds.ts';
import { recordingSink } from './alerting.test-support.ts';
import { createOnCall } from './oncall.ts';

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });

describe.each(databases)('on-call schedules on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  const tokens: Record<string, string> = {};
  let ingest: string;
  const { sent, sink } = recordingSink();
  const escalated = () => sent.filter((s) => s.idempotencyKey.startsWith('oncall:'));
  const inbox = async (user: string) => (await t.req('GET', '/api/v1/inbox', { as: tokens[user] })).body.items.filter((n: { type: string }) => n.type === 'oncall.page') as { summary: string }[];
  const escalate = () => t.app.services.oncall.escalate();

  // 2026-06-01 is a Monday; the test clock starts at 12:00Z, 14:00 in Berlin
  const schedule = (extra: Record<string, unknown> = {}) =>
    doc('OnCallSchedule', 'payments-oncall', 'payments', {
      timeZone: 'Europe/Berlin',
      rotations: [
        { name: 'primary', type: 'daily', handoff: '09:00', start: '2026-06-01', members: ['alice', 'bob'] },
        { name: 'secondary', type: 'weekly', handoff: '09:00', handoffDay: 'monday', start: '2026-06-01', members: ['dan'] },
      ],
      escalation: [
        { after: '0m', rotation: 'primary' },
        { after: '10m', rotation: 'secondary' },
        { after: '15m', users: ['alice'] },
        { after: '20m', contactPoints: ['payments-hook'] },
      ],
      ...extra,
    });

  async function gauge(value: number, pool: string) {
    t.clock.advance(1000);
    const ns = `${BigInt(t.clock.now().getTime()) * 1_000_000n}`;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: ns, asDouble: value, attributes: [{ key: 'pool', value: { stringValue: pool } }] }] } }] }],
        },
      ],
    };
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
    await t.app.services.alerting.tick();
  }

  beforeAll(async () => {
    t = await createTestContext(dbKind, { notificationSink: sink, baseUrl: 'https://ethos.example' });
    for (const u of ['alice', 'bob', 'dan', 'carol']) tokens[u] = await t.user(u);
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: tokens.alice, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }, { user: 'bob' }, { user: 'dan' }]) })).status).toBe(201);
    await t.req('PUT', '/api/v1/resources/Team/search', { as: tokens.carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: tokens.alice, body: serviceDoc('checkout', 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: tokens.alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
    expect((await t.req('PUT', '/api/v1/resources/ContactPoint/payments-hook', { as: tokens.alice, body: doc('ContactPoint', 'payments-hook', 'payments', { type: 'webhook', url: 'http://127.0.0.1:9/hook' }) })).status).toBe(201);
    await t.req('PUT', '/api/v1/resources/ContactPoint/search-hook', { as: tokens.carol, body: doc('ContactPoint', 'search-hook', 'search', { type: 'webhook', url: 'http://127.0.0.1:9/hook' }) });
    const rule = doc('AlertRule', 'queue-deep', 'payments', { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'queue.depth', fn: 'max', window: '1m', by: ['pool'], op: '>', threshold: 100 }, for: '0s' });
    expect((await t.req('PUT', '/api/v1/resources/AlertRule/queue-deep', { as: tokens.alice, body: rule })).status).toBe(201);
  });
  afterAll(() => t.close());

  it('refuses an unknown member, a bad time zone, a handoff of 25:00 and another team’s contact point with the path, writing nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ rotations: [{ name: 'primary', type: 'daily', start: '2026-06-01', members: ['alice', 'carol'] }], escalation: undefined }, 'spec.rotations.0.members.1'],
      [{ timeZone: 'Europe/Atlantis' }, 'spec.timeZone'],
      [{ rotations: [{ name: 'primary', type: 'daily', handoff: '25:00', start: '2026-06-01', members: ['alice'] }], escalation: undefined }, 'spec.rotations.0.handoff'],
      [{ escalation: [{ after: '0m', contactPoints: ['search-hook'] }] }, 'spec.escalation.0.contactPoints.0'],
      [{ overrides: [{ user: 'mallory', from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' }] }, 'spec.overrides.0.user'],
    ];
    for (const [extra, path] of cases) {
      const res = await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: tokens.alice, body: schedule(extra) });
      expect(res.status, path).toBe(400);
      expect(JSON.stringify(res.body.error.details), path).toContain(`"path":"${path}"`);
    }
    expect((await t.req('GET', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: tokens.alice })).status).toBe(404);
    expect((await t.req('GET', '/api/v1/oncall', { as: tokens.carol })).body.items).toEqual([]);
  });

  it('takes a schedule from its team’s members; anyone else proposes it', async () => {
    const foreign = await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: tokens.carol, body: schedule() });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('NOT_OWNER');
    const proposal = await t.req('POST', '/api/v1/change-requests', { as: tokens.carol, body: { document: schedule() } });
    expect(proposal.status).toBe(201);
    expect((await t.req('GET', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: tokens.alice })).status).toBe(404);
  });

  it('tells who is on call now and until when, and the next one after the handoff', async () => {
    expect((await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: tokens.alice, body: schedule() })).status).toBe(201);
    const now = await t.req('GET', '/api/v1/oncall?team=payments', { as: tokens.carol });
    expect(now.status).toBe(200);
    const [s] = now.body.items;
    expect(s).toMatchObject({ team: 'payments', schedule: 'payments-oncall', timeZone: 'Europe/Berlin' });
    expect(s.rotations[0]).toMatchObject({ rotation: 'primary', level: 1, current: { user: 'alice', to: '2026-06-02T07:00:00.000Z', override: false } });
    expect(s.rotations[0].next[0]).toMatchObject({ user: 'bob', from: '2026-06-02T07:00:00.000Z', to: '2026-06-03T07:00:00.000Z' });
    expect(s.rotations[1]).toMatchObject({ rotation: 'secondary', level: 2, current: { user: 'dan', to: '2026-06-08T07:00:00.000Z' } });
    expect((await t.req('GET', '/api/v1/oncall?team=search', { as: tokens.carol })).body.items).toEqual([]);

    const cal = await t.req('GET', '/api/v1/oncall/payments-oncall/calendar?from=2026-06-01T00:00:00Z&to=2026-06-04T00:00:00Z', { as: tokens.carol });
    expect(cal.status).toBe(200);
    expect(cal.body.shifts.filter((x: { rotation: string }) => x.rotation === 'primary').map((x: { user: string | null }) => x.user)).toEqual([null, 'alice', 'bob', 'alice']);
    expect((await t.req('GET', '/api/v1/oncall/payments-oncall/calendar?from=2026-06-01T00:00:00Z&to=2026-09-01T00:00:00Z', { as: tokens.carol })).status).toBe(400);
    expect((await t.req('GET', '/api/v1/oncall/nope/calendar', { as: tokens.carol })).status).toBe(404);

    t.clock.advance(Date.parse('2026-06-02T07:00:00Z') - t.clock.now().getTime());
    const after = (await t.req('GET', '/api/v1/oncall?team=payments', { as: tokens.carol })).body.items[0];
    expect(after.rotations[0].current).toMatchObject({ user: 'bob', from: '2026-06-02T07:00:00.000Z' });
  });

  it('lets an override win for its time', async () => {
    const from = t.clock.now().toISOString();
    const to = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    expect((await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: tokens.alice, body: schedule({ overrides: [{ user: 'dan', from, to }] }) })).status).toBe(200);
    const [s] = (await t.req('GET', '/api/v1/oncall?team=payments', { as: tokens.carol })).body.items;
    expect(s.rotations[0].current).toEqual({ rotation: 'primary', user: 'dan', from, to, override: true });
    expect(s.rotations[0].next[0]).toMatchObject({ user: 'bob', from: to, override: false });
    t.clock.advance(3600_000);
    expect((await t.req('GET', '/api/v1/oncall?team=payments', { as: tokens.carol })).body.items[0].rotations[0].current.user).toBe('bob');
  });

  it('escalates an unacknowledged page level by level, each level once', async () => {
    await gauge(150, 'a');
    const [alert] = (await t.req('GET', '/api/v1/alerts?owner=payments', { as: tokens.alice })).body.items;
    expect(alert).toMatchObject({ state: 'firing', severity: 'page' });

    // level 1 at once: the primary on call (bob) in his inbox
    expect(await escalate()).toBe(1);
    expect((await inbox('bob')).map((n) => n.summary)).toEqual([expect.stringContaining('Page: queue-deep (checkout) is firing and unacknowledged; you are on call (schedule payments-oncall, level 1)')]);
    expect(await inbox('dan')).toEqual([]);

    // level 2 after 10 minutes, not before, and once
    t.clock.advance(9 * 60_000);
    expect(await escalate()).toBe(0);
    expect(await inbox('dan')).toEqual([]);
    t.clock.advance(60_000);
    expect(await escalate()).toBe(1);
    expect(await escalate()).toBe(0);
    expect((await inbox('dan')).map((n) => n.summary)).toEqual([expect.stringContaining('unacknowledged for 10m; you are on call (schedule payments-oncall, level 2)')]);
    expect(await inbox('bob')).toHaveLength(1);
    expect(escalated()).toEqual([]);

    // levels 3 and 4 by 20 minutes: alice by name, and the team's contact point through the outbox, once
    t.clock.advance(10 * 60_000);
    expect(await escalate()).toBe(2);
    expect((await inbox('alice')).map((n) => n.summary)).toEqual([expect.stringContaining('level 3')]);
    expect(await escalate()).toBe(0);
    expect(escalated()).toHaveLength(1);
    expect(escalated()[0]).toMatchObject({ contactPoint: { owner: 'payments', name: 'payments-hook' }, notification: { status: 'firing', commonLabels: { alertname: 'queue-deep', pool: 'a' } } });
    expect(escalated()[0]!.notification.alerts[0]!.fingerprint).toBe(alert.fingerprint);

    // after a restart (a new on-call service on the same database) nobody is told again
    const s = t.app.services;
    const restarted = createOnCall({ db: t.db.kysely, clock: t.clock, kinds: new KindRegistry(), resources: s.resources, firingAlerts: (o) => s.alerting.engine.list({ owner: o, states: ['firing'] }), sink, inbox: s.inbox, externalURL: '' });
    expect(await restarted.escalate()).toBe(0);
    expect(escalated()).toHaveLength(1);
  });

  it('stops escalating once the page is acknowledged', async () => {
    await gauge(170, 'b');
    const alert = (await t.req('GET', '/api/v1/alerts?owner=payments', { as: tokens.alice })).body.items.find((a: { labels: { pool: string } }) => a.labels.pool === 'b');
    expect(alert.state).toBe('firing');
    expect((await t.req('POST', `/api/v1/alerts/queue-deep/${alert.fingerprint}/ack`, { as: tokens.bob })).status).toBe(200);
    const before = { bob: (await inbox('bob')).length, dan: (await inbox('dan')).length, sent: escalated().length };
    t.clock.advance(30 * 60_000);
    await gauge(170, 'b');
    await escalate();
    expect({ bob: (await inbox('bob')).length, dan: (await inbox('dan')).length, sent: escalated().length }).toEqual(before);
  });

  /** Keeps a pool's queue deep (a point every 30 s, evaluated) for `ms`. */
  async function hold(ms: number, pool: string, value = 150) {
    for (let left = ms; left > 0; left -= 30_000) {
      t.clock.advance(Math.min(30_000, left) - 1000);
      await gauge(value, pool);
    }
  }
  const alertOf = async (pool: string) => (await t.req('GET', '/api/v1/alerts?owner=payments&state=firing&state=resolved', { as: tokens.alice })).body.items.find((a: { labels: { pool: string } }) => a.labels.pool === pool) as { fingerprint: string; state: string };
  /** The levels told of a pool's page, in the order they were told. */
  const fingerprints = new Map<string, string>();
  const levelsOf = async (pool: string) => {
    if (!fingerprints.has(pool)) fingerprints.set(pool, (await alertOf(pool)).fingerprint);
    const rows = await t.db.kysely.selectFrom('oncall_escalations').select('level').where('fingerprint', '=', fingerprints.get(pool)!).orderBy('escalated_at').orderBy('level').execute();
    return rows.map((r) => r.level);
  };

  it('tells every overdue level at once when a page reaches escalation after several delays', async () => {
    await gauge(150, 'c');
    // nothing checked for 16 minutes (a restart, a takeover, a schedule written late)
    await hold(16 * 60_000, 'c');
    const inboxes = { bob: (await inbox('bob')).length, dan: (await inbox('dan')).length, alice: (await inbox('alice')).length };
    expect(await escalate()).toBe(3);
    expect(await levelsOf('c')).toEqual([1, 2, 3]);
    expect(await escalate()).toBe(0);
    // the primary on call now (bob since 09:00 Berlin), the secondary (dan) and alice by name, once each
    expect({ bob: (await inbox('bob')).length, dan: (await inbox('dan')).length, alice: (await inbox('alice')).length }).toEqual({ bob: inboxes.bob + 1, dan: inboxes.dan + 1, alice: inboxes.alice + 1 });
    const sent = escalated().length;
    await hold(4 * 60_000, 'c');
    expect(await escalate()).toBe(1);
    expect(await levelsOf('c')).toEqual([1, 2, 3, 4]);
    expect(escalated()).toHaveLength(sent + 1);
  });

  it('an acknowledged page stops escalating; unacknowledged, its delays count again from then', async () => {
    await gauge(150, 'd');
    expect(await escalate()).toBe(1);
    const { fingerprint } = await alertOf('d');
    await hold(2 * 60_000, 'd');
    expect((await t.req('POST', `/api/v1/alerts/queue-deep/${fingerprint}/ack`, { as: tokens.bob })).status).toBe(200);
    // acknowledged: past the second, third and fourth levels' delays nobody more is told
    await hold(20 * 60_000, 'd');
    expect(await escalate()).toBe(0);
    expect(await levelsOf('d')).toEqual([1]);

    // taken back 22 minutes after it fired: the first level again at once, the second 10 minutes later
    expect((await t.req('DELETE', `/api/v1/alerts/queue-deep/${fingerprint}/ack`, { as: tokens.bob })).status).toBe(200);
    expect(await escalate()).toBe(1);
    await hold(9 * 60_000, 'd');
    expect(await escalate()).toBe(0);
    await hold(60_000, 'd');
    expect(await escalate()).toBe(1);
    expect(await levelsOf('d')).toEqual([1, 1, 2]);
  });

  it('a page that resolves stops escalating', async () => {
    await gauge(150, 'e');
    expect(await escalate()).toBe(1);
    expect(await levelsOf('e')).toEqual([1]);
    t.clock.advance(60_000);
    await gauge(10, 'e');
    expect((await alertOf('e')).state).toBe('resolved');
    t.clock.advance(30 * 60_000);
    await gauge(10, 'e');
    expect(await escalate()).toBe(0);
    expect(await levelsOf('e')).toEqual([1]);
  });
});
