// @vitest-environment happy-dom
/**
 * The incident pages, in happy-dom against the real API: a team's page rule fires on a gauge sent
 * as OTLP JSON (the alerting service's tick() with the app's ManualClock), which opens an
 * incident; the pages read and change it through /api/v1/incidents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { choose, click, clickElement, control, input, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let collector = '';
let incidentId = 0;

const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
const navLink = () => [...document.querySelectorAll('nav a')].find((a) => a.getAttribute('href') === '/incidents');
/** The timeline's entries as a reader sees them: headline, time, text. */
const timeline = () => [...document.querySelectorAll('section[aria-label="Timeline"] [data-event]')].map((e) => e.textContent ?? '');
const incident = async () => (await t.req('GET', `/api/v1/incidents/${incidentId}`, { as: t.admin })).body;

describe('incidents in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    const rule = { apiVersion: 'ethos/v1', kind: 'AlertRule', metadata: { name: 'checkout-down', owner: 'payments' }, spec: { service: 'checkout', severity: 'page', condition: { type: 'metric', metric: 'errors', fn: 'last', window: '1m', op: '>', threshold: 0 }, annotations: { summary: 'checkout fails' } } };
    expect((await t.req('PUT', '/api/v1/resources/AlertRule/checkout-down', { as: t.admin, body: rule })).status).toBe(201);
    t.clock.advance(1000);
    const body = { resourceMetrics: [{ resource: { attributes: [attr('service.name', 'checkout')] }, scopeMetrics: [{ metrics: [{ name: 'errors', gauge: { dataPoints: [{ timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, asDouble: 3 }] } }] }] }] };
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
    await t.app.services.alerting.tick();
    const items = (await t.req('GET', '/api/v1/incidents', { as: t.admin })).body.items as { id: number }[];
    expect(items).toHaveLength(1);
    incidentId = items[0]!.id;
  });
  afterAll(() => stopUi(t));

  it('the navigation leads to the incident list, open ones first, filtered in the address', async () => {
    await show('/');
    await until(() => !!navLink(), 'the Incidents link');
    await clickElement(navLink(), 'the Incidents link');
    await until(() => rows('Incidents').length === 1, 'the incident');
    const [row] = rows('Incidents');
    expect(row!.slice(0, 5)).toEqual(['investigating', 'page', `#${incidentId} checkout fails`, 'checkout', '—']);
    expect(link(`#${incidentId} checkout fails`)?.getAttribute('href')).toBe(`/incidents/${incidentId}`);
    await show('/incidents?status=resolved');
    await see('No incidents');
    await see('Try other filters.');
    await show('/incidents?status=open&severity=page');
    await until(() => rows('Incidents').length === 1, 'the open page incident');
  });

  it('the incident page shows the timeline and the alert; a member leads it and adds a note', async () => {
    await show(`/incidents/${incidentId}`);
    await see(`#${incidentId} checkout fails`);
    await until(() => timeline().length === 2, 'the timeline');
    expect(timeline()[0]).toContain('Opened by the alert checkout-down');
    expect(timeline()[1]).toContain('Alert checkout-down fired');
    expect(timeline()[1]).toContain('checkout fails');
    expect(timeline()[1]).toMatch(/2026/);
    expect(rows('Linked alerts')[0]?.slice(0, 2)).toEqual(['checkout-down', 'firing']);

    await type('Commander', 'alice');
    await type('Impact', 'payments fail for everyone');
    await choose('Status', 'identified');
    await click('Save');
    await see('Saved');
    expect(await incident()).toMatchObject({ commander: 'alice', impact: 'payments fail for everyone', status: 'identified' });
    await until(() => timeline().some((e) => e.includes('alice made alice the commander')), 'the commander entry');
    expect(timeline().some((e) => e.includes('alice set the status to identified'))).toBe(true);

    await type('Note', 'rolled back the deploy');
    await click('Add note');
    await until(() => timeline().at(-1)?.includes('rolled back the deploy') === true, 'the note, last');
    expect((await incident()).events.at(-1)).toMatchObject({ type: 'note', actor: 'alice', text: 'rolled back the deploy' });
  });

  it('resolving asks for a resolution first, then records when', async () => {
    await show(`/incidents/${incidentId}`);
    await until(() => !!control('Save'), 'the form');
    await choose('Status', 'resolved');
    await see('Say what restored the service to resolve the incident');
    expect((control('Save') as HTMLButtonElement).disabled).toBe(true);
    await type('Resolution', 'rolled back to v41');
    await until(() => !(control('Save') as HTMLButtonElement).disabled, 'Save enabled');
    await click('Save');
    // the notification of this save (an earlier test's "Saved" may still be in the notification store)
    await see(`Incident #${incidentId} is resolved.`);
    const resolved = await incident();
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'rolled back to v41' });
    expect(resolved.resolvedAt).not.toBeNull();
    await see('resolved');
    expect(text()).toMatch(/resolved .* after/);
  });

  it('a member opens an incident by hand and lands on its page', async () => {
    await show('/incidents');
    await until(() => !!control('Open an incident'), 'the Open an incident button');
    await click('Open an incident');
    await type('Service', 'checkout');
    await type('Title', 'card payments slow');
    await click('Open incident');
    await see('#2 card payments slow');
    const opened = (await t.req('GET', '/api/v1/incidents/2', { as: t.admin })).body;
    expect(opened).toMatchObject({ service: 'checkout', openedBy: 'alice', status: 'investigating' });

    // the service's Alerts tab links to it
    await show('/services/checkout/alerts');
    await see('An incident is open');
    expect(link('#2 card payments slow (investigating)')?.getAttribute('href')).toBe('/incidents/2');
  });

  it('someone outside the owning team reads an incident but has no form or note box', async () => {
    await signInNewUser(t, 'bob');
    await show(`/incidents/${incidentId}`);
    await see('Members of payments lead this incident.');
    expect(control('Save')).toBeUndefined();
    expect(control('Add note')).toBeUndefined();
    expect(() => input('Note')).toThrow();
  });
});
