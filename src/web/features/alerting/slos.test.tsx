// @vitest-environment happy-dom
/**
 * The SLO pages, in happy-dom against the real API: checkout's RED counters are sent as OTLP JSON
 * over POST /v1/metrics, the alerting service's tick() evaluates its SLO's burn-rate alerts (the
 * app's clock is a ManualClock), and the pages read GET /api/v1/slos, its status and its history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redExporter } from '../../../server/modules/alerting/slo.test-support.ts';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { clickElement, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };

const slo = (name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind: 'Slo', metadata: { name, owner }, spec });
/** The cells of each row of a table, as a reader sees them. */
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
const header = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] thead th`)].map((c) => c.textContent);
const tabs = () => [...document.querySelectorAll('[role="tab"]')].map((e) => e.textContent);
const figure = (label: string) => document.querySelector(`[role="group"][aria-label="${label}"]`)?.textContent;

describe('SLOs in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search') });
    for (const [name, owner] of [['checkout', 'payments'], ['ledger', 'payments'], ['finder', 'search']]) await t.req('PUT', `/api/v1/resources/Service/${name}`, { as: t.admin, body: serviceDoc(name!, owner!) });
    const put = async (name: string, owner: string, spec: Record<string, unknown>) => expect((await t.req('PUT', `/api/v1/resources/Slo/${name}`, { as: t.admin, body: slo(name, owner, spec) })).status).toBe(201);
    await put('checkout-availability', 'payments', { service: 'checkout', sli: { type: 'availability', route: '/pay' }, objective: 99.9 });
    await put('finder-latency', 'search', { service: 'finder', sli: { type: 'latency', threshold: 0.25 }, objective: 99, window: '28d', alerting: { ticket: false } });
    // ten minutes of checkout's requests, 2% of them failing: 20× the 0.1% budget, both alerts fire
    const ingest = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'otel', type: 'ingest', scopes: ['ingest'] } })).body.token as string;
    const serve = redExporter(t, ingest);
    await serve('checkout', 0, 0);
    for (let i = 0; i < 10; i++) {
      t.clock.advance(60_000);
      await serve('checkout', 100, 2);
      await t.app.services.alerting.tick();
    }
  });
  afterAll(() => stopUi(t));

  it('the SLOs page lists every team’s SLOs with SLI, budget left as a share and as time, and alert states; filters by team', async () => {
    await show('/');
    const navLink = () => [...document.querySelectorAll('nav a')].find((a) => a.getAttribute('href') === '/slos');
    await until(() => !!navLink(), 'the SLOs link');
    await clickElement(navLink(), 'the SLOs link');
    await until(() => rows('SLOs').length === 2, 'both SLOs');
    expect(header('SLOs')).toEqual(['SLO', 'Team', 'Service', 'Objective', 'SLI now', 'Budget left', 'Alerts']);
    expect(rows('SLOs')).toEqual([
      ['checkout-availabilityavailability', 'payments', 'checkout', '99.9% over 30d', '98%', '-1,900%13h 40m over', 'pagefiringticketfiring'],
      ['finder-latencylatency', 'search', 'finder', '99% over 28d', '—', 'no events yet', 'pageokticketoff'],
    ]);
    expect(link('checkout-availability')?.getAttribute('href')).toBe('/slos/checkout-availability');

    await type('Team', 'search');
    await until(() => rows('SLOs').length === 1, 'the search team’s SLO alone');
    expect(rows('SLOs')[0]?.[0]).toBe('finder-latencylatency');
    await type('Team', 'nobody');
    await see('No SLOs');
    expect(text()).toContain('Try other filters.');
  });

  it('an SLO’s page shows its SLI and budget now, burn rates, the budget and burn over time with the page thresholds, and its alerts', async () => {
    await show('/slos/checkout-availability');
    await until(() => rows('Burn rates').length === 1, 'the burn rates');
    expect(text()).toContain('99.9% of requests to /pay that did not fail (red.requests − red.errors), over 30d.');
    expect(figure('SLI now')).toBe('SLI now98%980 good of 1000 over 30d');
    expect(figure('Error budget left')).toContain('-1,900%13h 40m over');
    expect(figure('Objective')).toContain('a budget of 0.1% of requests: 43m 12s of full outage');
    expect(header('Burn rates')).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    expect(rows('Burn rates')).toEqual([['20×', '20×', '20×', '20×', '20×', '20×', '20×']]);

    // no canvas in happy-dom: each chart's table of series (latest, lowest, highest)
    await until(() => rows('Series of the burn rates').length === 4, 'the burn-rate chart');
    expect(rows('Series of the burn rates').map((r) => [r[0], r[1]])).toEqual([
      ['1h burn rate', '20×'],
      ['6h burn rate', '20×'],
      ['page: 14.4× over 1h and 5m', '14.4×'],
      ['page: 6× over 6h and 30m', '6×'],
    ]);
    // the window's ten minutes of requests fall in one hourly step
    expect(rows('Series of the error budget left')).toEqual([['budget left', '-1,900%', '-1,900%', '-1,900%']]);

    expect(rows('Burn-rate alerts')).toEqual([
      ['checkout-availability-burn-rate-page', 'page', '14.4× over 1h and 5m, or 6× over 6h and 30m', 'firingSee the alert'],
      ['checkout-availability-burn-rate-ticket', 'ticket', '3× over 1d and 2h, or 1× over 3d and 6h', 'firingSee the alert'],
    ]);
    expect(link('See the alert')?.getAttribute('href')).toBe('/alerts?team=payments&service=checkout');
    expect(link('Edit')?.getAttribute('href')).toBe('/resources/Slo/checkout-availability/edit');

    // the SLO's window by default; a shorter range has shorter steps and the same figures now
    expect(text()).toContain('The last 30d, a point every 1h.');
    await clickElement([...document.querySelectorAll('label')].find((l) => l.textContent === '7d'), 'the 7d range');
    await see('The last 7d, a point every 30m.');
    expect(rows('Series of the burn rates').map((r) => r[1])).toEqual(['20×', '20×', '14.4×', '6×']);
  });

  it('an SLO another team owns offers a change to propose; an alert that is off says so', async () => {
    await show('/slos/finder-latency');
    await until(() => rows('Burn-rate alerts').length === 2, 'the alerts');
    expect(text()).toContain('99% of requests answered within 250 ms (red.duration), over 28d.');
    expect(figure('SLI now')).toBe('SLI now—no requests in the window yet');
    expect(rows('Burn-rate alerts').map((r) => [r[0], r[2], r[3]])).toEqual([
      ['finder-latency-burn-rate-page', '14.4× over 1h and 5m, or 6× over 6h and 30m', 'ok (not firing)'],
      ['finder-latency-burn-rate-ticket', 'off (spec.alerting.ticket is false)', '—'],
    ]);
    await see('No requests of finder yet');
    expect(link('Propose a change')?.getAttribute('href')).toBe('/resources/Slo/finder-latency/edit');
    await show('/slos/nope');
    await see('The SLO nope could not be loaded');
  });

  it('a service’s SLOs tab lists its SLOs; a service without one has no tab, and its address offers a new SLO filled in', async () => {
    await show('/services/checkout');
    await until(() => tabs().includes('SLOs'), 'the SLOs tab');
    await clickElement([...document.querySelectorAll('[role="tab"]')].find((e) => e.textContent === 'SLOs'), 'the SLOs tab');
    await until(() => rows('SLOs').length === 1, 'checkout’s SLO');
    expect(header('SLOs')).toEqual(['SLO', 'Objective', 'SLI now', 'Budget left', 'Alerts']);
    expect(rows('SLOs')[0]?.[0]).toBe('checkout-availabilityavailability');

    await show('/services/ledger');
    await until(() => tabs().includes('History'), 'the service’s tabs');
    expect(tabs()).not.toContain('SLOs');
    await show('/services/ledger/slos');
    await see('None yet.');
    const url = new URL(link('New SLO')?.getAttribute('href') ?? '', 'http://x');
    expect(url.pathname).toBe('/resources/Slo/new');
    expect(url.searchParams.get('owner')).toBe('payments');
    expect(url.searchParams.get('name')).toBe('ledger-availability');
    expect(JSON.parse(url.searchParams.get('spec')!)).toEqual({ service: 'ledger', sli: { type: 'availability' }, objective: 99.9, window: '30d' });
  });
});
