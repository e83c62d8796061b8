// @vitest-environment happy-dom
/**
 * Fingerprint rules in the web UI, against the real API: a service's Exceptions tab lists its
 * rules and links to the resource editor; a group made by a rule shows its title and the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { clickElement, input, link, see, show, signInNewUser, startUi, stopUi, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };

const attrs = (a: Record<string, string>) => Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));

async function sendException(token: string, service: string, exception: Record<string, string>) {
  const record = { timeUnixNano: `${BigInt(t.clock.now().getTime() - 1_000) * 1_000_000n}`, severityNumber: 17, body: { stringValue: 'failed' }, attributes: attrs(exception) };
  const res = await t.req('POST', '/v1/logs', { as: token, body: { resourceLogs: [{ resource: { attributes: attrs({ 'service.name': service }) }, scopeLogs: [{ logRecords: [record] }] }] } });
  expect(res.status).toBe(200);
}

const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));

describe('fingerprint rules in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    for (const s of ['checkout', 'billing']) await t.req('PUT', `/api/v1/resources/Service/${s}`, { as: t.admin, body: serviceDoc(s, 'payments') });
    const rules = await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', {
      as: t.admin,
      body: { apiVersion: 'ethos/v1', kind: 'ExceptionRules', metadata: { name: 'checkout', owner: 'payments' }, spec: { rules: [{ match: { type: '^(TimeoutError|ETIMEDOUT)$' }, group: 'upstream-timeouts', title: 'Upstream timeouts' }] } },
    });
    expect(rules.status).toBe(201);
    const collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    await sendException(collector, 'checkout', { 'exception.type': 'TimeoutError', 'exception.message': 'stock timed out' });
    await sendException(collector, 'checkout', { 'exception.type': 'ETIMEDOUT', 'exception.message': 'connect ETIMEDOUT 10.0.0.7:443' });
    await sendException(collector, 'checkout', { 'exception.type': 'TypeError', 'exception.message': 'cart is empty' });
    await sendException(collector, 'billing', { 'exception.type': 'TypeError', 'exception.message': 'no invoice' });
  });
  afterAll(() => stopUi(t));

  it("a service's Exceptions tab shows the groups a rule made under its title, and the rules with a link to edit them", async () => {
    await show('/services/checkout/exceptions');
    await until(() => rows('Exceptions').length === 2 && rows('Fingerprint rules').length === 1, 'the groups and the rules');
    expect(rows('Exceptions').map((r) => [r[0], r[2]])).toEqual([
      ['TypeErrorcart is empty', '1'],
      ['Upstream timeoutsTimeoutError: stock timed outgrouped by the rule “upstream-timeouts”', '2'],
    ]);
    expect(rows('Fingerprint rules')).toEqual([['1', 'type ~ ^(TimeoutError|ETIMEDOUT)$', 'upstream-timeouts', 'Upstream timeouts']]);
    expect(link('Edit rules')?.getAttribute('href')).toBe('/resources/ExceptionRules/checkout/edit');
    expect(link('History')?.getAttribute('href')).toBe('/resources/ExceptionRules/checkout/history');
  });

  it("a rule's group says which rule made it and links to the service's rules", async () => {
    await show('/services/checkout/exceptions');
    await until(() => !!link('Upstream timeouts'), 'the rule’s group');
    await clickElement(link('Upstream timeouts'), 'the rule’s group');
    await see('the fingerprint rule “upstream-timeouts” — rule 1 of ExceptionRules/checkout (revision 1)');
    expect(document.querySelector('h1')?.textContent).toBe('Upstream timeouts');
    expect(link('ExceptionRules/checkout')?.getAttribute('href')).toBe('/resources/ExceptionRules/checkout/history');
    expect(link('Edit the service’s fingerprint rules')?.getAttribute('href')).toBe('/resources/ExceptionRules/checkout/edit');
  });

  it('a service without rules offers to add them in the editor, its name and owner filled in', async () => {
    await show('/services/billing/exceptions');
    await until(() => !!link('Add rules'), 'the Add rules link');
    expect(link('Add rules')?.getAttribute('href')).toBe('/resources/ExceptionRules/new?name=billing&owner=payments');
    await clickElement(link('Add rules'), 'Add rules');
    await until(() => [...document.querySelectorAll('label')].some((l) => l.textContent?.startsWith('Name')), 'the editor');
    expect(input('Name').value).toBe('billing');
    expect(input('Owner team').value).toBe('payments');
    await see('Add rule');
  });
});
