import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runEthos } from './cli-test-support.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, serviceDoc, teamDoc, type TestContext } from '../server/test-support.ts';

let t: TestContext & { admin: string };
let url: string;
let tmp: string;
let alice: string; // payments
let carol: string; // search
let incidentId = 0;

const ethos = (token: string, args: string[]) => runEthos({ url, home: tmp, token }, args);

beforeAll(async () => {
  t = await createTestContext('sqlite');
  alice = await t.user('alice');
  carol = await t.user('carol');
  await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
  await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search', [{ user: 'carol', role: 'maintainer' }]) });
  await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
  incidentId = (await t.req('POST', '/api/v1/incidents', { as: alice, body: { service: 'checkout', title: 'card payments fail', impact: 'no card payments for 12 minutes' } })).body.id;
  await t.req('PATCH', `/api/v1/incidents/${incidentId}`, { as: alice, body: { status: 'resolved', resolution: 'rolled back v42' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-postmortem-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('ethos postmortem and ethos actions against a running server', { timeout: 60_000 }, () => {
  it('creates a postmortem from an incident, shows it, publishes it once it has a summary, lists it', async () => {
    const created = await ethos(alice, ['postmortem', 'create', '--incident', String(incidentId), '--summary', 'A careless deploy broke card payments.']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^\d+\n$/);
    const id = Number(created.stdout);
    expect(created.stderr).toContain(`postmortem #${id} started for team payments: card payments fail`);
    // the blameless check advises on standard error and stops nothing
    expect(created.stderr).toContain('summary: “careless” —');

    const again = await ethos(alice, ['postmortem', 'create', '--incident', String(incidentId)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`ethos: incident #${incidentId} already has postmortem #${id}: edit that one [POSTMORTEM_EXISTS]\n`);

    const shown = await ethos(alice, ['postmortem', 'show', String(id)]);
    expect(shown.stdout).toContain(`postmortem: #${id} card payments fail`);
    expect(shown.stdout).toContain('status:     draft');
    expect(shown.stdout).toContain(`incident:   #${incidentId}`);
    expect(shown.stdout).toContain('## Impact\nno card payments for 12 minutes');
    expect(shown.stdout).toContain('## Resolution\nrolled back v42');
    expect(shown.stdout).toMatch(/## Timeline\nAT\s+WHAT\n\S+\s+Incident opened by alice: card payments fail/);

    // a draft is not there for other teams
    expect((await ethos(carol, ['postmortem', 'show', String(id)])).stderr).toBe(`ethos: no postmortem #${id} [POSTMORTEM_NOT_FOUND]\n`);
    expect((await ethos(carol, ['postmortem', 'list'])).stderr).toBe('no postmortems\n');
    expect((await ethos(carol, ['postmortem', 'publish', String(id)])).stderr).toContain('[POSTMORTEM_NOT_FOUND]');

    const published = await ethos(alice, ['postmortem', 'publish', String(id)]);
    expect(published.stdout).toBe(`#${id} published\n`);
    const listed = await ethos(carol, ['postmortem', 'list', '--search', 'deploy']);
    const [header, row] = listed.stdout.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+TEAM\s+INCIDENT\s+TITLE\s+UPDATED$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+published\\s+payments\\s+#${incidentId}\\s+card payments fail\\s+\\S+Z$`));
    expect(JSON.parse((await ethos(carol, ['postmortem', 'list', '--search', 'kubernetes', '-o', 'json'])).stdout)).toEqual([]);
    const standalone = await ethos(alice, ['postmortem', 'create', '--team', 'payments', '--title', 'near miss: expiring certificate']);
    expect((await ethos(alice, ['postmortem', 'publish', standalone.stdout.trim()])).stderr).toContain('write a summary');
  });

  it('adds action items, lists them overdue first by the server’s clock, and only the owner team marks one done', async () => {
    const pm = Number((await ethos(alice, ['postmortem', 'list', '--incident', String(incidentId), '-o', 'json'])).stdout.match(/"id": (\d+)/)![1]);
    const added = await ethos(alice, ['actions', 'add', '--postmortem', String(pm), '--team', 'search', '--title', 'canary checkout deploys', '--due', '2026-06-03', '--type', 'prevent']);
    expect(added.code).toBe(0);
    const first = Number(added.stdout);
    expect(added.stderr).toBe(`action item #${first} for search, due 2026-06-03\n`);
    const second = Number((await ethos(carol, ['actions', 'add', '--team', 'search', '--title', 'alert on payment errors', '--due', '2026-06-20', '--type', 'detect'])).stdout);
    expect((await ethos(alice, ['actions', 'add', '--team', 'search', '--title', 'x', '--due', 'soon', '--type', 'prevent'])).stderr).toContain('expected a date such as 2026-07-01');

    expect((await ethos(carol, ['actions', '--overdue'])).stderr).toBe('no overdue action items\n');
    t.clock.advance(5 * 86_400_000); // 2026-06-06: the canary item is overdue
    const overdue = await ethos(carol, ['actions', '--team', 'search', '--overdue']);
    const lines = overdue.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TEAM\s+DUE\s+STATUS\s+TYPE\s+TITLE\s+POSTMORTEM$/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(new RegExp(`^${first}\\s+search\\s+2026-06-03 OVERDUE\\s+open\\s+prevent\\s+canary checkout deploys\\s+#${pm}$`));
    const all = JSON.parse((await ethos(alice, ['actions', '--team', 'search', '-o', 'json'])).stdout);
    expect(all.map((a: { id: number }) => a.id)).toEqual([first, second]);

    const refused = await ethos(alice, ['actions', 'done', String(first)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[ACTION_ITEM_NOT_OWNER]');
    const done = await ethos(carol, ['actions', 'done', String(first)]);
    expect(done.stdout).toBe(`#${first} done (due 2026-06-03)\n`);
    expect((await t.req('GET', `/api/v1/action-items/${first}`, { as: carol })).body).toMatchObject({ status: 'done', overdue: false });
    expect((await ethos(carol, ['actions', 'done', String(second)])).stdout).toBe(`#${second} done\n`);
    expect((await ethos(carol, ['actions', 'done', '999'])).stderr).toBe('ethos: no action item #999 [ACTION_ITEM_NOT_FOUND]\n');
  });
});
