// @vitest-environment happy-dom
/**
 * The telemetry usage pages and the team page's usage section, in happy-dom against the real API:
 * metrics and log records go in as OTLP JSON, an admin sets the team's limits through the API or
 * the page's form, and the pages read GET /api/v1/telemetry/quotas/{team}.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { click, clickElement, control, input, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let collector = '';

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

async function post(path: '/v1/metrics' | '/v1/logs', body: unknown): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body)).toEqual({});
}

/** One gauge point for each pod: a series each. */
const sendGauges = (service: string, pods: string[]) =>
  post('/v1/metrics', {
    resourceMetrics: [{ resource: { attributes: [attr('service.name', service)] }, scopeMetrics: [{ metrics: [{ name: 'mem', gauge: { dataPoints: pods.map((pod) => ({ timeUnixNano: ns(t.clock.now().getTime() - 500), asDouble: 1, attributes: [attr('pod', pod)] })) } }] }] }],
  });

const sendLogs = (service: string, n: number) =>
  post('/v1/logs', {
    resourceLogs: [{ resource: { attributes: [attr('service.name', service)] }, scopeLogs: [{ logRecords: Array.from({ length: n }, (_, i) => ({ timeUnixNano: ns(t.clock.now().getTime() - 1000 + i), body: { stringValue: `line ${i}` } })) }] }],
  });

/** The overview's row of a team: team, the three measures ("used / limit"), limits. */
const row = (team: string) =>
  [...document.querySelectorAll('table[aria-label="Telemetry usage by team"] tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)).find((cells) => cells[0] === team);
/** A measure of a team's panel as a reader sees it: its text, and the colour of its bar. */
function meter(label: string) {
  const group = document.querySelector(`[role="group"][aria-label="${label}"]`);
  const bar = group?.querySelector('.mantine-Progress-section') as HTMLElement | null;
  return { text: group?.textContent ?? null, color: /--mantine-color-(\w+)-/.exec(bar?.getAttribute('style') ?? '')?.[1] ?? null };
}
const quotaOnServer = async () => (await t.req('GET', '/api/v1/telemetry/quotas/payments', { as: t.admin })).body as { limits: Record<string, number>; overrides: Record<string, number | null> };

describe('telemetry usage in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    collector = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    expect((await t.req('PUT', '/api/v1/telemetry/quotas/payments', { as: t.admin, body: { activeSeries: 5, logRecordsPerSecond: 10 } })).status).toBe(200);

    // 4 of 5 series; 10 records, all the second allows — counted once that second is over
    await sendGauges('checkout', ['a', 'b', 'c', 'd']);
    await sendLogs('checkout', 10);
    t.clock.advance(1000);
  });
  afterAll(() => stopUi(t));

  it('the overview lists every team’s usage against its limits, reached from the navigation', async () => {
    await show('/');
    await until(() => !!link('Telemetry usage'), 'the navigation');
    await clickElement(link('Telemetry usage'), 'the navigation link');
    await until(() => !!row('payments') && !!row('search')?.[1]?.includes('/'), 'both teams’ usage');
    expect(row('payments')).toEqual(['payments', '4 / 5', '10 / 10', '0 / 100,000', 'set by an admin']);
    expect(row('search')).toEqual(['search', '0 / 1,000,000', '0 / 100,000', '0 / 100,000', 'default']);
  });

  it('a team’s page shows usage against each limit, coloured near and at the limit, and where each limit comes from', async () => {
    await show('/telemetry/usage');
    await until(() => !!link('payments'), 'the payments row');
    await clickElement(link('payments'), 'the payments row');
    await see('Telemetry usage of payments');
    await until(() => meter('Active series').text !== null, 'the meters');
    expect(meter('Active series')).toEqual({ text: 'Active seriesset by an admin4 of 5 seriesNear the limit', color: 'yellow' });
    expect(meter('Log records per second')).toEqual({ text: 'Log records per secondset by an admin10 of 10 records/sAt the limit: more is rejected', color: 'red' });
    expect(meter('Spans per second')).toEqual({ text: 'Spans per seconddefault0 of 100,000 spans/s', color: 'teal' });
  });

  it('a team’s own page has its usage, and a member who is not an admin cannot edit the limits', async () => {
    await show('/teams/payments');
    await see('Telemetry usage');
    await until(() => meter('Active series').text !== null, 'the usage section');
    expect(meter('Active series').text).toContain('4 of 5 series');
    expect(link('Open usage page')?.getAttribute('href')).toBe('/telemetry/usage/payments');
    expect(control('Edit limits')).toBeUndefined();
    await show('/telemetry/usage/payments');
    await until(() => meter('Active series').text !== null, 'the meters');
    expect(control('Edit limits')).toBeUndefined();
  });

  it('an admin edits the limits: problems show on their fields, an empty field puts the default back', async () => {
    await signInNewUser(t, 'root');
    expect((await t.req('PATCH', '/api/v1/users/root', { as: t.admin, body: { admin: true } })).status).toBe(200);
    await show('/telemetry/usage/payments');
    await until(() => !!control('Edit limits'), 'the Edit limits action');
    await click('Edit limits');
    expect([input('Active series').value, input('Log records per second').value, input('Spans per second').value]).toEqual(['5', '10', '']);

    await type('Active series', 'lots');
    await click('Save limits');
    await see('Enter a whole number, or leave it empty for the default.');
    expect(input('Active series').getAttribute('aria-invalid')).toBe('true');

    // the server's validation has the last word, on the field it concerns
    await type('Active series', '-5');
    await click('Save limits');
    await until(() => input('Active series').getAttribute('aria-invalid') === 'true', 'the server’s refusal on the field');
    expect(text()).toContain('expected number to be >=0');
    expect(input('Log records per second').getAttribute('aria-invalid')).not.toBe('true');
    expect((await quotaOnServer()).limits.activeSeries).toBe(5);

    await type('Active series', '8');
    await type('Log records per second', '');
    await click('Save limits');
    await see('Limits saved');
    await until(() => meter('Active series').text?.includes('4 of 8 series') === true, 'the new limit');
    expect(meter('Active series')).toEqual({ text: 'Active seriesset by an admin4 of 8 series', color: 'teal' });
    expect(meter('Log records per second').text).toContain('default');
    expect(meter('Log records per second').text).toContain('of 100,000 records/s');
    expect((await quotaOnServer()).overrides).toEqual({ activeSeries: 8, logRecordsPerSecond: null, spansPerSecond: null });
    expect(text()).not.toContain('Save limits');
  });
});
