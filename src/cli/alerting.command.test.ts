import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runEthos } from './cli-test-support.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, serviceDoc, teamDoc, type TestContext } from '../server/test-support.ts';

let t: TestContext & { admin: string };
let url: string;
let tmp: string;
let alice: string;
let bob: string;
let collector: string;

const ethos = (token: string, args: string[]) => runEthos({ url, home: tmp, token }, args);

/** A queue.depth sample of checkout's pool a, a second after the last. */
async function gauge(value: number): Promise<void> {
  t.clock.advance(1000);
  const point = { timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, asDouble: value, attributes: [{ key: 'pool', value: { stringValue: 'a' } }] };
  const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [point] } }] }] }] };
  const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  t = await createTestContext('sqlite');
  // the CLI reads the wall clock (a silence's end): the server's starts at the same time
  t.clock.advance(Date.now() - t.clock.now().getTime());
  alice = await t.user('alice');
  bob = await t.user('bob');
  await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
  await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
  collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
  const rule = { apiVersion: 'ethos/v1', kind: 'AlertRule', metadata: { name: 'queue-deep', owner: 'payments' }, spec: { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'queue.depth', fn: 'max', window: '1m', by: ['pool'], op: '>', threshold: 100 } } };
  expect((await t.req('PUT', '/api/v1/resources/AlertRule/queue-deep', { as: alice, body: rule })).status).toBe(201);
  await gauge(150);
  await t.app.services.alerting.tick();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-alerting-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('ethos alerts and ethos silence against a running server', { timeout: 60_000 }, () => {
  it('lists alerts, acknowledges one as a member of its team, creates a silence that mutes it and expires it', async () => {
    const list = await ethos(alice, ['alerts']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const [header, row] = list.stdout.split('\n');
    expect(header).toMatch(/^STATE\s+SEVERITY\s+RULE\s+FINGERPRINT\s+SERVICE\s+LABELS\s+VALUE\s+ACTIVE SINCE\s+ACKNOWLEDGED BY\s+SILENCED BY$/);
    expect(row).toMatch(/^firing\s+page\s+queue-deep\s+[0-9a-f]{16}\s+checkout\s+pool=a\s+150\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+-\s+-$/);
    const fingerprint = row!.split(/\s+/)[3]!;

    expect((await ethos(alice, ['alerts', '--state', 'pending'])).stderr).toBe('no alerts in that state\n');
    const json = JSON.parse((await ethos(bob, ['alerts', '--team', 'payments', '--service', 'checkout', '-o', 'json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ rule: 'queue-deep', fingerprint, state: 'firing', labels: expect.objectContaining({ pool: 'a' }) })]);
    const badState = await ethos(alice, ['alerts', '--state', 'burning']);
    expect(badState.code).not.toBe(0);
    expect(badState.stderr).toContain('expected one of pending, firing, resolved, nodata, error');

    const refused = await ethos(bob, ['alerts', 'ack', 'queue-deep', fingerprint]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('ethos: only members of team "payments" acknowledge its alerts [NOT_OWNER]\n');
    const acked = await ethos(alice, ['alerts', 'ack', 'queue-deep', fingerprint]);
    expect(acked.stderr).toBe('');
    expect(acked.stdout).toBe(`queue-deep/${fingerprint} acknowledged by alice (firing)\n`);
    expect((await ethos(alice, ['alerts'])).stdout.split('\n')[1]).toMatch(/\s+alice\s+-$/);
    const unacked = await ethos(alice, ['alerts', 'unack', 'queue-deep', fingerprint, '-o', 'json']);
    expect(JSON.parse(unacked.stdout)).toMatchObject({ fingerprint, acknowledgedBy: null });

    // a silence: its name alone on standard output, for scripts
    const before = Date.now();
    const created = await ethos(alice, ['silence', 'create', '--team', 'payments', '--matcher', 'alertname=queue-deep', '--matcher', 'service=checkout', '--duration', '2h', '--comment', 'draining the queue']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^silence-[0-9a-f]{8}\n$/);
    const name = created.stdout.trim();
    expect(created.stderr).toContain(`silence ${name} of payments mutes alertname=queue-deep, service=checkout until `);
    const stored = (await t.req('GET', `/api/v1/resources/Silence/${name}`, { as: t.admin })).body;
    expect(stored.spec).toMatchObject({ matchers: ['alertname=queue-deep', 'service=checkout'], comment: 'draining the queue' });
    expect(Date.parse(stored.spec.endsAt) - before).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(Date.parse(stored.spec.endsAt) - Date.now()).toBeLessThanOrEqual(2 * 3600_000);

    await t.app.services.alerting.tick();
    expect((await ethos(alice, ['alerts'])).stdout.split('\n')[1]).toMatch(new RegExp(`\\s+-\\s+${name}$`));

    const listed = await ethos(bob, ['silence', 'list']);
    expect(listed.stdout.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^NAME\s+TEAM\s+STATUS\s+MATCHERS\s+STARTS\s+ENDS\s+COMMENT$/), expect.stringMatching(new RegExp(`^${name}\\s+payments\\s+active\\s+alertname=queue-deep,service=checkout\\s+\\S+Z\\s+\\S+Z\\s+draining the queue$`))]);

    const notMember = await ethos(bob, ['silence', 'create', '--team', 'payments', '--matcher', 'alertname=queue-deep', '--comment', 'mine now']);
    expect(notMember.code).toBe(1);
    expect(notMember.stderr).toContain('[NOT_OWNER]');
    const badMatcher = await ethos(alice, ['silence', 'create', '--team', 'payments', '--matcher', 'alertname', '--comment', 'x']);
    expect(badMatcher.code).not.toBe(0);
    expect(badMatcher.stderr).toContain('expected name=value, name!=value, name=~regex or name!~regex');
    const badDuration = await ethos(alice, ['silence', 'create', '--team', 'payments', '--matcher', 'a=b', '--duration', 'two hours', '--comment', 'x']);
    expect(badDuration.code).not.toBe(0);
    expect(badDuration.stderr).toContain('expected a duration such as 30m, 2h, 1h30m or 1d');

    const expired = await ethos(alice, ['silence', 'expire', name]);
    expect(expired.stderr).toBe('');
    expect(expired.stdout).toBe(`${name} expired\n`);
    expect(Date.parse((await t.req('GET', `/api/v1/resources/Silence/${name}`, { as: t.admin })).body.spec.endsAt)).toBeLessThanOrEqual(Date.now());
    const none = await ethos(alice, ['silence', 'list', '--team', 'payments']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('no active or pending silence (--all: expired ones too)\n');
    expect((await ethos(alice, ['silence', 'list', '--all'])).stdout).toMatch(new RegExp(`\\n${name}\\s+payments\\s+expired\\s`));
    expect((await ethos(alice, ['silence', 'expire', name])).stderr).toMatch(new RegExp(`^${name} already ended at `));
  });
});
