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
let fromAlert = 0;

const ethos = (token: string, args: string[]) => runEthos({ url, home: tmp, token }, args);

beforeAll(async () => {
  t = await createTestContext('sqlite');
  alice = await t.user('alice');
  bob = await t.user('bob');
  await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
  await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
  // an incident a Prometheus alert opened
  const now = t.clock.now().getTime();
  const posted = [{ labels: { alertname: 'CheckoutDown', service: 'checkout', severity: 'page' }, annotations: { summary: 'checkout is down' }, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 300_000).toISOString() }];
  expect((await t.req('POST', '/alertmanager/api/v2/alerts', { as: t.admin, body: posted })).status).toBe(200);
  fromAlert = (await t.req('GET', '/api/v1/incidents', { as: t.admin })).body.items[0].id;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-incident-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('ethos incident against a running server', { timeout: 60_000 }, () => {
  it('lists and shows incidents, opens one by hand, updates and resolves it as a member', async () => {
    const list = await ethos(bob, ['incident', 'list']);
    expect(list.stderr).toBe('');
    const [header, row] = list.stdout.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+SEVERITY\s+SERVICE\s+TITLE\s+COMMANDER\s+STARTED\s+RESOLVED$/);
    expect(row).toMatch(new RegExp(`^${fromAlert}\\s+investigating\\s+page\\s+checkout\\s+checkout is down\\s+-\\s+\\S+Z\\s+-$`));

    const shown = await ethos(bob, ['incident', 'show', String(fromAlert)]);
    expect(shown.stdout).toContain(`incident:   #${fromAlert} checkout is down`);
    expect(shown.stdout).toContain('opened by:  alert');
    expect(shown.stdout).toMatch(/CheckoutDown\s+posted:checkoutdown\s+[0-9a-f]{16}\s+firing/);
    expect(shown.stdout).toMatch(/ethos\s+alert-fired CheckoutDown: checkout is down/);

    // by hand: the number alone on standard output, for scripts
    const opened = await ethos(alice, ['incident', 'open', '--service', 'checkout', '--title', 'card payments slow', '--severity', 'ticket']);
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/^\d+\n$/);
    const id = Number(opened.stdout);
    expect(opened.stderr).toBe(`incident #${id} opened on checkout: card payments slow\n`);

    const refused = await ethos(bob, ['incident', 'update', String(id), '--commander', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[NOT_OWNER]');
    const badStatus = await ethos(alice, ['incident', 'update', String(id), '--status', 'fixed']);
    expect(badStatus.code).not.toBe(0);
    expect(badStatus.stderr).toContain('expected one of investigating, identified, monitoring, resolved');
    expect((await ethos(alice, ['incident', 'update', String(id)])).stderr).toContain('give at least one of');

    const updated = await ethos(alice, ['incident', 'update', String(id), '--status', 'identified', '--commander', 'alice', '--impact', 'slow card payments', '--note', 'the PSP is degraded']);
    expect(updated.stderr).toBe('');
    expect(updated.stdout).toBe(`#${id} identified, commander alice\n`);
    const stored = (await t.req('GET', `/api/v1/incidents/${id}`, { as: t.admin })).body;
    expect(stored).toMatchObject({ status: 'identified', commander: 'alice', impact: 'slow card payments' });
    expect(stored.events.at(-1)).toMatchObject({ type: 'note', text: 'the PSP is degraded', actor: 'alice' });

    const unexplained = await ethos(alice, ['incident', 'resolve', String(id)]);
    expect(unexplained.code).not.toBe(0);
    expect(unexplained.stderr).toContain("required option '--resolution <text>' not specified");
    const resolved = await ethos(alice, ['incident', 'resolve', String(id), '--resolution', 'the PSP recovered']);
    expect(resolved.stdout).toMatch(new RegExp(`^#${id} resolved at \\d{4}-`));
    expect((await t.req('GET', `/api/v1/incidents/${id}`, { as: t.admin })).body).toMatchObject({ status: 'resolved', resolution: 'the PSP recovered' });

    const open = JSON.parse((await ethos(bob, ['incident', 'list', '--status', 'open', '-o', 'json'])).stdout);
    expect(open.map((i: { id: number }) => i.id)).toEqual([fromAlert]);
    expect((await ethos(bob, ['incident', 'list', '--service', 'nope'])).stderr).toBe('no incidents\n');
    expect((await ethos(bob, ['incident', 'show', '999'])).stderr).toBe('ethos: no incident #999 [INCIDENT_NOT_FOUND]\n');
  });
});
