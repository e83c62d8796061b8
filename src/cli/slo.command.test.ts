import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redExporter } from '../server/modules/alerting/slo.test-support.ts';
import { createTestContext, serviceDoc, teamDoc, type TestContext } from '../server/test-support.ts';
import { runEthos } from './cli-test-support.ts';

let t: TestContext & { admin: string };
let url: string;
let tmp: string;
let bob: string;

const ethos = (args: string[]) => runEthos({ url, home: tmp, token: bob }, args);
const slo = (name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind: 'Slo', metadata: { name, owner }, spec });

beforeAll(async () => {
  t = await createTestContext('sqlite');
  const alice = await t.user('alice');
  bob = await t.user('bob');
  await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
  await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search') });
  await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
  await t.req('PUT', '/api/v1/resources/Service/finder', { as: t.admin, body: serviceDoc('finder', 'search') });
  const put = async (name: string, owner: string, spec: Record<string, unknown>) => expect((await t.req('PUT', `/api/v1/resources/Slo/${name}`, { as: t.admin, body: slo(name, owner, spec) })).status).toBe(201);
  await put('checkout-availability', 'payments', { service: 'checkout', sli: { type: 'availability' }, objective: 99.9 });
  await put('finder-availability', 'search', { service: 'finder', sli: { type: 'availability' }, objective: 99.5, window: '28d', alerting: { ticket: false } });
  // ten minutes of checkout's requests, 2% of them failing: 20× the budget, both alerts fire
  const ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token as string;
  const serve = redExporter(t, ingest);
  await serve('checkout', 0, 0);
  for (let i = 0; i < 10; i++) {
    t.clock.advance(60_000);
    await serve('checkout', 100, 2);
    await t.app.services.alerting.tick();
  }
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-slo-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('ethos slo against a running server', { timeout: 60_000 }, () => {
  it('lists every team’s SLOs with their SLI, budget left as a share and as time, and alert states; filters by team and service', async () => {
    const list = await ethos(['slo']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TEAM\s+SERVICE\s+OBJECTIVE\s+WINDOW\s+SLI\s+BUDGET LEFT\s+ALERTS$/);
    // 20 of 1,000 failed against a 0.1% budget: 19 budgets over, 19 × 43m 12s
    expect(lines[1]).toMatch(/^checkout-availability\s+payments\s+checkout\s+99\.9%\s+30d\s+98%\s+-1,900% \(13h 40m over\)\s+page firing, ticket firing$/);
    expect(lines[2]).toMatch(/^finder-availability\s+search\s+finder\s+99\.5%\s+28d\s+-\s+no events yet\s+page ok, ticket off$/);
    expect(lines).toHaveLength(3);
    expect((await ethos(['slo', 'list', '--team', 'search'])).stdout.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(/^finder-availability\s/)]);
    expect((await ethos(['slo', '--service', 'checkout'])).stdout.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(/^checkout-availability\s/)]);
    const none = await ethos(['slo', '--service', 'ledger']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('no SLO matches\n');

    const json = JSON.parse((await ethos(['slo', '--team', 'payments', '-o', 'json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ name: 'checkout-availability', owner: 'payments', total: 1000, good: 980, alerting: { page: true, ticket: true } })]);
    expect(json[0].budgetRemaining).toBeCloseTo(-19, 6);
  });

  it('shows one SLO’s status, budget and burn rates, as text and as JSON', async () => {
    const shown = await ethos(['slo', 'show', 'checkout-availability']);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toBe(
      [
        'slo:         checkout-availability',
        'team:        payments',
        'service:     checkout',
        'objective:   99.9% over 30d',
        'sli:         98% (980 good of 1000 events)',
        'budget left: -1,900% (13h 40m over)',
        'burn rates:  5m 20×  30m 20×  1h 20×  2h 20×  6h 20×  1d 20×  3d 20×',
        'alerts:      page firing, ticket firing',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await ethos(['slo', 'show', 'finder-availability', '-o', 'json'])).stdout);
    expect(json).toMatchObject({ name: 'finder-availability', owner: 'search', window: '28d', sli: null, budgetRemaining: null, alerts: [] });
    expect(json.history).toBeUndefined();
    const missing = await ethos(['slo', 'show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('ethos: Slo/nope does not exist [RESOURCE_NOT_FOUND]\n');
  });
});
