import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { contactPointSpecSchema, type ContactPointSpec } from '../../../shared/alerting.schema.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db.ts';
import { smtpTransport } from '../inbox/index.ts';
import { databases, openTestDatabase } from '../../test-support.ts';
import { pagerDutyDedupKey, type AlertPayload, type GroupNotification } from './contact-formats.ts';
import { createOutbox, type OutboxDeps, type OutboxItem } from './outbox.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A real HTTP receiver on loopback; `answer` decides each response's status (and may stall). */
async function startReceiver(port = 0) {
  const received: Received[] = [];
  const state = { answer: (_r: Received): number | { status: number; body?: string; headers?: Record<string, string> } => 200 };
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: data ? JSON.parse(data) : null };
      const a = state.answer(r);
      const out = typeof a === 'number' ? { status: a } : a;
      if (out.status < 300) received.push(r);
      res.writeHead(out.status, { 'content-type': 'text/plain', ...out.headers });
      res.end(out.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    received,
    state,
    port: (server.address() as AddressInfo).port,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function alert(instance: string, status: 'firing' | 'resolved' = 'firing'): AlertPayload {
  return {
    status,
    labels: { alertname: 'HighLatency', service: 'checkout', severity: 'page', instance },
    annotations: { summary: `latency on ${instance}` },
    startsAt: '2026-06-01T12:00:00.000Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-06-01T12:10:00.000Z',
    generatorURL: 'http://ethos.test/alerts',
    fingerprint: `fp-${instance}`,
  };
}

function notification(group: string, alerts: AlertPayload[], status: 'firing' | 'resolved' = 'firing'): GroupNotification {
  return {
    groupKey: `{}/{service="${group}"}:{alertname="HighLatency"}`,
    status,
    alerts,
    groupLabels: { alertname: 'HighLatency', service: group },
    commonLabels: { alertname: 'HighLatency', service: group },
    commonAnnotations: {},
    externalURL: 'http://ethos.test',
  };
}

function item(name: string, key: string, n: GroupNotification, owner = 'payments'): OutboxItem {
  return { contactPoint: { owner, name }, idempotencyKey: key, notification: n };
}

describe.each(databases)('notification outbox on %s', (dbKind) => {
  let db: Db;
  let drop: () => Promise<void>;
  let clock: ManualClock;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const contactPoints = new Map<string, ContactPointSpec>();
  const logged: string[] = [];
  const log = { warn: (o: object, m: string) => void logged.push(JSON.stringify(o) + m), error: (o: object, m: string) => void logged.push(JSON.stringify(o) + m) };

  const outboxWith = (extra: Partial<OutboxDeps> = {}) =>
    createOutbox({
      db: db.kysely,
      clock,
      loadContactPoint: async (owner, name) => contactPoints.get(`${owner}/${name}`) ?? null,
      random: () => 1,
      log,
      ...extra,
    });
  const setContactPoint = (owner: string, name: string, spec: Record<string, unknown>) => contactPoints.set(`${owner}/${name}`, contactPointSpecSchema.parse(spec));
  const rowsOf = async () => db.kysely.selectFrom('notification_outbox').selectAll().orderBy('id').execute();

  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(dbKind));
  });
  afterAll(async () => {
    await drop();
  });
  beforeEach(async () => {
    clock = new ManualClock('2026-06-01T12:00:00.000Z');
    receiver = await startReceiver();
    contactPoints.clear();
    logged.length = 0;
    await db.kysely.deleteFrom('notification_outbox').execute();
    setContactPoint('payments', 'hook', { type: 'webhook', url: `${receiver.url}/alerts` });
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('delivers Alertmanager’s exact v4 body with the Idempotency-Key header', async () => {
    const outbox = outboxWith();
    const n = notification('checkout', [alert('a'), alert('b')]);
    expect(await outbox.enqueue([item('hook', 'k-1', n)])).toBe(1);
    expect(await outbox.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.path).toBe('/alerts');
    expect(got.headers['idempotency-key']).toBe('k-1');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.body).toEqual({
      receiver: 'hook',
      status: 'firing',
      alerts: [alert('a'), alert('b')],
      groupLabels: { alertname: 'HighLatency', service: 'checkout' },
      commonLabels: { alertname: 'HighLatency', service: 'checkout' },
      commonAnnotations: {},
      externalURL: 'http://ethos.test',
      version: '4',
      groupKey: '{}/{service="checkout"}:{alertname="HighLatency"}',
      truncatedAlerts: 0,
    });
    const [row] = await rowsOf();
    expect(row).toMatchObject({ state: 'delivered', attempts: 1, last_status: 200 });
    expect(await outbox.deliverDue()).toBe(0);
  });

  it('an idempotency key enqueued twice is delivered once', async () => {
    const outbox = outboxWith();
    const n = notification('checkout', [alert('a')]);
    expect(await outbox.enqueue([item('hook', 'same', n), item('hook', 'same', n)])).toBe(1);
    expect(await outbox.enqueue([item('hook', 'same', n)])).toBe(0);
    await db.kysely.transaction().execute(async (trx) => {
      expect(await outbox.enqueue([item('hook', 'same', n), item('hook', 'other', n)], trx)).toBe(1);
    });
    while ((await outbox.deliverDue()) > 0);
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual(['same', 'other']);
  });

  it('a rolled-back transaction enqueues nothing', async () => {
    const outbox = outboxWith();
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await outbox.enqueue([item('hook', 'rolled-back', notification('checkout', [alert('a')]))], trx);
        throw new Error('the caller failed');
      }),
    ).rejects.toThrow('the caller failed');
    expect(await outbox.deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(0);
  });

  it('a receiver answering 500 gets the notification after backoff, and the attempts are counted', async () => {
    const outbox = outboxWith();
    let failures = 2;
    receiver.state.answer = () => (failures-- > 0 ? { status: 500, body: 'overloaded' } : 200);
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    expect(await outbox.deliverDue()).toBe(1);
    let [row] = await rowsOf();
    expect(row).toMatchObject({ state: 'pending', attempts: 1, last_status: 500, last_error: 'the receiver answered HTTP 500: overloaded' });
    expect(await outbox.deliverDue()).toBe(0); // backing off: 1 s
    clock.advance(999);
    expect(await outbox.deliverDue()).toBe(0);
    clock.advance(1);
    expect(await outbox.deliverDue()).toBe(1);
    [row] = await rowsOf();
    expect(row).toMatchObject({ state: 'pending', attempts: 2 });
    expect(Date.parse(row!.due_at) - clock.now().getTime()).toBe(2000); // doubled
    clock.advance(2000);
    expect(await outbox.deliverDue()).toBe(1);
    [row] = await rowsOf();
    expect(row).toMatchObject({ state: 'delivered', attempts: 3, last_status: 200, last_error: null });
    expect(receiver.received).toHaveLength(1);
    const view = (await outbox.listDeliveries({ state: 'delivered' })).items[0]!;
    expect(view).toMatchObject({ attempts: 3, state: 'delivered', lastStatus: 200, contactPoint: { owner: 'payments', name: 'hook' } });
  });

  it('backoff doubles from 1 s to at most 5 minutes, with jitter in the upper half', async () => {
    let r = 0;
    const outbox = outboxWith({ random: () => r });
    await receiver.close();
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect(await outbox.deliverDue()).toBe(1);
      const [row] = await rowsOf();
      const wait = Date.parse(row!.due_at) - clock.now().getTime();
      waits.push(wait);
      clock.advance(wait);
      r = r === 0 ? 0.999999 : 0;
    }
    // ceilings 1, 2, 4 … 256 s, then 300 s; the wait lies in [ceiling/2, ceiling]
    const ceilings = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((s) => s * 1000);
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(w).toBeLessThanOrEqual(ceilings[i]!);
    });
    expect(waits[0]).toBe(500);
    expect(waits[1]).toBe(2000);
  });

  it('a receiver down for ten minutes gets every notification once it is back, in order within each group', async () => {
    const outbox = outboxWith({ random: () => 0.5 });
    const port = receiver.port;
    await receiver.close(); // connection refused from now on
    const sent: OutboxItem[] = [];
    for (let i = 0; i < 4; i++) {
      for (const group of ['checkout', 'search', 'cart']) {
        const n = notification(group, [alert(`${group}-${i}`, i === 3 ? 'resolved' : 'firing')], i === 3 ? 'resolved' : 'firing');
        sent.push(item('hook', `${group}-${i}`, n));
      }
      await outbox.enqueue(sent.slice(-3));
      clock.advance(30_000);
      await outbox.deliverDue();
    }
    for (let t = 0; t < 600_000; t += 5_000) {
      await outbox.deliverDue();
      clock.advance(5_000);
    }
    const during = await rowsOf();
    expect(during.every((r) => r.state === 'pending')).toBe(true);
    // only each group's first notification was tried, again and again; the rest wait behind it
    const tried = during.filter((r) => r.attempts > 0);
    expect(tried.map((r) => r.idempotency_key).sort()).toEqual(['cart-0', 'checkout-0', 'search-0']);
    for (const r of tried) expect(r.attempts).toBeGreaterThanOrEqual(9);
    expect(during.find((r) => r.idempotency_key === 'checkout-0')!.last_error).toBe('connection refused (ECONNREFUSED)');

    receiver = await startReceiver(port);
    for (let i = 0; i < 20 && receiver.received.length < sent.length; i++) {
      while ((await outbox.deliverDue()) > 0);
      clock.advance(60_000);
    }
    expect(receiver.received).toHaveLength(sent.length);
    for (const group of ['checkout', 'search', 'cart']) {
      expect(receiver.received.filter((r) => r.body.groupLabels.service === group).map((r) => r.headers['idempotency-key'])).toEqual([0, 1, 2, 3].map((i) => `${group}-${i}`));
    }
    expect((await rowsOf()).every((r) => r.state === 'delivered')).toBe(true);
  });

  it('after the last attempt a delivery is dead, listed without secrets, and retry() delivers it', async () => {
    const outbox = outboxWith({ maxAttempts: 3 });
    setContactPoint('payments', 'hook', { type: 'webhook', url: `${receiver.url}/hooks/T0KEN-s3cr3t-path?sig=abcdef123456` });
    // a receiver that echoes the address it was called at
    receiver.state.answer = (r) => ({ status: 503, body: `unavailable: ${r.path}` });
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    for (let i = 0; i < 3; i++) {
      expect(await outbox.deliverDue()).toBe(1);
      clock.advance(10_000);
    }
    expect(await outbox.deliverDue()).toBe(0);
    const dead = await outbox.listDead();
    expect(dead.items).toHaveLength(1);
    expect(dead.items[0]).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 503, nextAttemptAt: null });
    expect(dead.items[0]!.lastError).toBe('the receiver answered HTTP 503: unavailable: <secret> (gave up after 3 attempts)');
    const everything = JSON.stringify([dead, await rowsOf(), logged]);
    expect(everything).not.toContain('T0KEN');
    expect(everything).not.toContain('abcdef123456');
    expect(logged.length).toBe(3);

    receiver.state.answer = () => 200;
    const retried = await outbox.retry(dead.items[0]!.id);
    expect(retried).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await outbox.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect((await outbox.listDead()).items).toHaveLength(0);
    expect(await outbox.retry(999_999)).toBeNull();
    await expect(outbox.retry(dead.items[0]!.id)).rejects.toMatchObject({ code: 'ALERTING_DELIVERY_NOT_RETRYABLE' });
  });

  it('a delivery queued longer than maxAge is dead at its next failure', async () => {
    const outbox = outboxWith({ maxAgeMs: 60_000 });
    await receiver.close();
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    await outbox.deliverDue();
    clock.advance(61_000);
    await outbox.deliverDue();
    const [row] = await rowsOf();
    expect(row).toMatchObject({ state: 'dead', attempts: 2 });
    expect(row!.last_error).toContain('gave up: queued 1 min ago');
  });

  it('an answer that will not change (404) is dead at once; a deleted contact point too', async () => {
    const outbox = outboxWith();
    receiver.state.answer = () => 404;
    await outbox.enqueue([item('hook', 'k1', notification('checkout', [alert('a')])), item('gone', 'k2', notification('checkout', [alert('a')]))]);
    expect(await outbox.deliverDue()).toBe(2);
    const rows = await rowsOf();
    expect(rows.map((r) => [r.state, r.attempts, r.last_error])).toEqual([
      ['dead', 1, 'the receiver answered HTTP 404'],
      ['dead', 1, 'the contact point payments/gone no longer exists'],
    ]);
  });

  it('a receiver that does not answer in time is a failed attempt, retried later', async () => {
    const outbox = outboxWith({ requestTimeoutMs: 200 });
    const stalled = http.createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', () => resolve()));
    setContactPoint('payments', 'hook', { type: 'webhook', url: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/` });
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    expect(await outbox.deliverDue()).toBe(1);
    expect((await rowsOf())[0]).toMatchObject({ state: 'pending', attempts: 1, last_error: 'no answer within 200 ms' });
    stalled.closeAllConnections();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
  });

  it('sends through the global fetch of the moment, not the one there was when the outbox was made', async () => {
    const outbox = outboxWith();
    const original = globalThis.fetch;
    const seen: string[] = [];
    vi.stubGlobal('fetch', ((input: string | URL | Request, init?: RequestInit) => {
      seen.push(String(input));
      return original(input, init);
    }) as typeof fetch);
    try {
      await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
      expect(await outbox.deliverDue()).toBe(1);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(seen).toEqual([`${receiver.url}/alerts`]);
    expect(receiver.received).toHaveLength(1);
  });

  it('a 429 waits as long as Retry-After says (up to the 5-minute cap)', async () => {
    const outbox = outboxWith();
    receiver.state.answer = () => ({ status: 429, headers: { 'retry-after': '42' } });
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    await outbox.deliverDue();
    const [row] = await rowsOf();
    expect(row!.state).toBe('pending');
    expect(Date.parse(row!.due_at) - clock.now().getTime()).toBe(42_000);
  });

  it('a fresh outbox (a restart) delivers rows the previous process left delivering, once their lease ends', async () => {
    // the first process claims the row and dies while the request is in flight
    let inFlight!: () => void;
    const reached = new Promise<void>((resolve) => (inFlight = resolve));
    const dying = outboxWith({
      fetch: (() => {
        inFlight();
        return new Promise<Response>(() => {});
      }) as typeof fetch,
    });
    await dying.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    void dying.deliverDue();
    await reached;
    expect((await rowsOf())[0]!.state).toBe('delivering');

    const restarted = outboxWith();
    expect(await restarted.deliverDue()).toBe(0); // the lease still holds
    clock.advance(71_000);
    expect(await restarted.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect((await rowsOf())[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('delivers many groups concurrently with no duplicate and no loss', async () => {
    const outbox = outboxWith({ concurrency: 16 });
    const items: OutboxItem[] = [];
    for (let g = 0; g < 40; g++) for (let i = 0; i < 5; i++) items.push(item('hook', `g${g}-${i}`, notification(`svc-${g}`, [alert(`${g}-${i}`)])));
    expect(await outbox.enqueue(items)).toBe(200);
    let rounds = 0;
    while ((await outbox.deliverDue()) > 0) rounds++;
    const keys = receiver.received.map((r) => r.headers['idempotency-key'] as string);
    expect(keys).toHaveLength(200);
    expect(new Set(keys).size).toBe(200);
    expect(rounds).toBe(5); // 40 groups fit one claimed batch (64); one notification per group per round keeps each group's order
    for (let g = 0; g < 40; g++) expect(keys.filter((k) => k.startsWith(`g${g}-`))).toEqual([0, 1, 2, 3, 4].map((i) => `g${g}-${i}`));
    expect(await outbox.stats()).toMatchObject({ pending: 0, delivering: 0, dead: 0, attempts: 200, delivered: 200, failed: 0 });
  });

  it('two replicas delivering at once never send a notification twice, and keep each group in order', async () => {
    const a = outboxWith({ concurrency: 4 });
    const b = outboxWith({ concurrency: 4 });
    const items: OutboxItem[] = [];
    for (let i = 0; i < 4; i++) for (let g = 0; g < 30; g++) items.push(item('hook', `g${g}-${i}`, notification(`svc-${g}`, [alert(`${g}-${i}`)])));
    await a.enqueue(items);
    const drain = async (o: ReturnType<typeof outboxWith>) => {
      for (let idle = 0; idle < 3; ) idle = (await o.deliverDue()) > 0 ? 0 : idle + 1;
    };
    await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
    const keys = receiver.received.map((r) => r.headers['idempotency-key'] as string);
    expect(keys).toHaveLength(120);
    expect(new Set(keys).size).toBe(120);
    for (let g = 0; g < 30; g++) expect(keys.filter((k) => k.startsWith(`g${g}-`))).toEqual([0, 1, 2, 3].map((i) => `g${g}-${i}`));
  });

  it('the loop delivers as soon as something is enqueued, and stops cleanly', async () => {
    const outbox = outboxWith();
    outbox.start();
    const started = Date.now();
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a')]))]);
    while (receiver.received.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
    await outbox.stop();
    expect(receiver.received).toHaveLength(1);
  });

  it('a contact point that does not want resolved notifications is skipped for them', async () => {
    const outbox = outboxWith();
    setContactPoint('payments', 'hook', { type: 'webhook', url: `${receiver.url}/alerts`, sendResolved: false });
    await outbox.enqueue([item('hook', 'k', notification('checkout', [alert('a', 'resolved')], 'resolved'))]);
    expect(await outbox.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(0);
    expect((await rowsOf())[0]!.state).toBe('skipped');
  });

  it('PagerDuty: a trigger then a resolve with the same dedup_key, at the configured address; the routing key never shows', async () => {
    const outbox = outboxWith();
    setContactPoint('payments', 'pd', { type: 'pagerduty', routingKey: 'R0UTING-KEY-abcdef', url: `${receiver.url}/v2/enqueue` });
    const groupKey = '{}/{service="checkout"}:{alertname="HighLatency"}';
    await outbox.enqueue([item('pd', 'k1', notification('checkout', [alert('a')])), item('pd', 'k2', notification('checkout', [alert('a', 'resolved')], 'resolved'))]);
    while ((await outbox.deliverDue()) > 0);
    expect(receiver.received.map((r) => [r.path, r.body.event_action, r.body.dedup_key, r.body.routing_key])).toEqual([
      ['/v2/enqueue', 'trigger', pagerDutyDedupKey(groupKey), 'R0UTING-KEY-abcdef'],
      ['/v2/enqueue', 'resolve', pagerDutyDedupKey(groupKey), 'R0UTING-KEY-abcdef'],
    ]);
    expect(receiver.received[0]!.body.payload).toMatchObject({ severity: 'critical', source: 'checkout' });

    receiver.state.answer = (r) => ({ status: 400, body: `{"status":"invalid event","message":"bad routing_key ${r.body.routing_key}"}` });
    await outbox.enqueue([item('pd', 'k3', notification('checkout', [alert('b')]))]);
    await outbox.deliverDue();
    const dead = JSON.stringify(await outbox.listDead());
    expect(dead).toContain('HTTP 400');
    expect(dead).not.toContain('R0UTING-KEY-abcdef');
    expect(JSON.stringify(logged)).not.toContain('R0UTING-KEY-abcdef');
    const test = await outbox.sendTest(contactPoints.get('payments/pd')!, 'pd');
    expect(test.ok).toBe(false);
    expect(test.status).toBe(400);
    expect(test.error).not.toContain('R0UTING-KEY-abcdef');
  });

  it('Slack and Microsoft Teams receive their own formats', async () => {
    const outbox = outboxWith();
    setContactPoint('payments', 'slack', { type: 'slack', url: `${receiver.url}/services/T000/B000/XXXX` });
    setContactPoint('payments', 'teams', { type: 'msteams', url: `${receiver.url}/workflows/teams` });
    await outbox.enqueue([item('slack', 'k1', notification('checkout', [alert('a')])), item('teams', 'k2', notification('checkout', [alert('a')]))]);
    expect(await outbox.deliverDue()).toBe(2);
    const slack = receiver.received.find((r) => r.path.startsWith('/services'))!;
    expect(slack.body.text).toBe('[FIRING:1] HighLatency checkout');
    expect(slack.body.blocks.length).toBeGreaterThan(1);
    const teams = receiver.received.find((r) => r.path.startsWith('/workflows'))!;
    expect(teams.body.attachments[0].content.type).toBe('AdaptiveCard');
  });

  it('sendTest posts one test alert and reports the answer', async () => {
    const outbox = outboxWith({ externalURL: 'http://ethos.test' });
    const spec = contactPoints.get('payments/hook')!;
    expect(await outbox.sendTest(spec, 'hook')).toEqual({ ok: true, status: 200 });
    expect(receiver.received[0]!.body).toMatchObject({ version: '4', receiver: 'hook', status: 'firing', alerts: [{ labels: { alertname: 'TestNotification' } }] });
    receiver.state.answer = () => 500;
    expect(await outbox.sendTest(spec, 'hook')).toEqual({ ok: false, status: 500, error: 'the receiver answered HTTP 500' });
    const down = await startReceiver();
    await down.close();
    expect(await outbox.sendTest({ ...spec, url: `${down.url}/x` }, 'hook')).toEqual({ ok: false, error: 'connection refused (ECONNREFUSED)' });
    expect(await rowsOf()).toHaveLength(0);
  });

  describe('email', () => {
    let smtp: SMTPServer;
    let smtpPort = 0;
    const mails: { to: string[]; data: string }[] = [];
    let reject = false;
    beforeAll(async () => {
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        onRcptTo(address, _session, cb) {
          if (reject) {
            const err = new Error('no such user') as Error & { responseCode: number };
            err.responseCode = 550;
            cb(err);
            return;
          }
          cb();
        },
        onData(stream, session, cb) {
          let data = '';
          stream.on('data', (c: Buffer) => (data += c.toString()));
          stream.on('end', () => {
            mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
            cb();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
      smtpPort = (smtp.server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    });

    it('goes to the contact point’s recipients through the SMTP server', async () => {
      const outbox = outboxWith({ mail: smtpTransport(`smtp://127.0.0.1:${smtpPort}`, 'ethos@example.test') });
      setContactPoint('payments', 'mail', { type: 'email', to: ['oncall@example.test', 'lead@example.test'] });
      await outbox.enqueue([item('mail', 'k', notification('checkout', [alert('a')]))]);
      expect(await outbox.deliverDue()).toBe(1);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.to).toEqual(['oncall@example.test', 'lead@example.test']);
      expect(mails[0]!.data).toContain('Subject: [Ethos] [FIRING:1] HighLatency checkout');
      expect(mails[0]!.data).toContain('latency on a');
      expect((await rowsOf())[0]!.state).toBe('delivered');

      reject = true;
      await outbox.enqueue([item('mail', 'k2', notification('checkout', [alert('b')]))]);
      await outbox.deliverDue();
      reject = false;
      expect((await rowsOf())[1]).toMatchObject({ state: 'dead', last_error: 'the mail server answered 550' });
    });

    it('without a mail transport an email delivery is dead with a message saying why', async () => {
      const outbox = outboxWith();
      setContactPoint('payments', 'mail', { type: 'email', to: ['oncall@example.test'] });
      await outbox.enqueue([item('mail', 'k', notification('checkout', [alert('a')]))]);
      await outbox.deliverDue();
      expect((await rowsOf())[0]).toMatchObject({ state: 'dead', last_error: 'email is not configured on this server (ETHOS_SMTP_URL)' });
    });
  });
});
