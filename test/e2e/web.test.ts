/**
 * The web UI in a real browser: Debian's headless Chromium (playwright-core) drives the built UI
 * served by a real Ethos on loopback. Screenshots of the main pages go to test-results/screenshots.
 * Without /usr/bin/chromium the suite is skipped with a note, except in CI where it fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { apiToken, callApi, CHROMIUM, ensureWebBuild, hasChromium, inCI, launchChromium, screenshot, startEthos, watchProblems, webStorage, type Problems, type RunningEthos } from './browser.ts';

const ADMIN_PASSWORD = 'admin e2e passphrase 1';
const ALICE_PASSWORD = 'correct horse battery staple';
const available = hasChromium();

if (!available && !inCI) console.log(`browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);

if (!available && inCI) {
  describe('browser tests in CI', () => {
    it('need Chromium', () => {
      throw new Error(`${CHROMIUM} not found: CI must run the browser tests (apt-get install chromium)`);
    });
  });
}

/** The 401 that tells the app nobody is signed in, and the one of a wrong password, are expected. */
const expectedConsole = (text: string, url: string) => /status of 401/.test(text) && /\/api\/v1\/(me|auth\/login)$/.test(url);

describe.skipIf(!available)('the web UI in Chromium', { timeout: 60_000 }, () => {
  let ethos: RunningEthos;
  let browser: Browser;
  let seed: string;
  const contexts: { context: BrowserContext; problems: Problems }[] = [];
  /** Everything that must never appear in web storage or a URL. */
  const secrets = new Set<string>([ADMIN_PASSWORD, ALICE_PASSWORD]);
  const urls: string[] = [];
  let admin: Page;
  let alice: Page;
  let changeRequest = 0;

  /** A fresh browser context (its own cookies and storage) that records problems, URLs and CSRF tokens. */
  async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', locale: 'en-GB', timezoneId: 'UTC', ...options });
    context.setDefaultTimeout(10_000);
    const problems = await watchProblems(context, expectedConsole);
    context.on('request', (r) => urls.push(r.url()));
    context.on('response', (r) => {
      if (/\/api\/v1\/(me|auth\/login)$/.test(r.url()) && r.ok()) {
        void r
          .json()
          .then((b: { csrfToken?: string }) => b.csrfToken && secrets.add(b.csrfToken))
          .catch(() => undefined);
      }
    });
    contexts.push({ context, problems });
    return context;
  }

  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true });
  const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  /** Badges whose text is cut off ("TIE…"). */
  const truncatedBadges = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.mantine-Badge-label')].filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent));

  async function signIn(page: Page, user: string, password: string) {
    await page.getByRole('textbox', { name: 'User name', exact: true }).fill(user);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    ensureWebBuild();
    ethos = await startEthos(ADMIN_PASSWORD);
    seed = await apiToken(ethos.url, 'admin', ADMIN_PASSWORD);
    await callApi(ethos.url, seed, 'PUT', '/resources/Team/payments', { apiVersion: 'ethos/v1', kind: 'Team', metadata: { name: 'payments', owner: 'payments', title: 'Payments' }, spec: { members: [{ user: 'admin', role: 'maintainer' }] } });
    const services: [string, string, string, Record<string, unknown>][] = [
      ['checkout', 'payments', 'Checkout API', { tier: '2', runbook: 'https://wiki.example.com/runbooks/checkout', dependsOn: ['ledger'], links: [{ title: 'Dashboard', url: 'https://grafana.example.com/d/checkout' }] }],
      ['checkout-worker', 'payments', 'Checkout background jobs', { tier: '3' }],
      ['ledger', 'payments', 'Double-entry ledger', { tier: '1' }],
      ['finder', 'search', 'Search front end', { tier: '2' }],
      ['indexer', 'search', 'Index builder', { lifecycle: 'experimental' }],
      ['notify', 'platform', 'Email and chat notifications', { tier: '3', lifecycle: 'deprecated' }],
    ];
    // more than the catalog renders in its first pass (20 rows): the rest must follow
    for (let i = 1; i <= 24; i++) services.push([`worker-${String(i).padStart(2, '0')}`, 'platform', `Queue worker ${i}`, { tier: '3' }]);
    const teams = new Set(services.map((s) => s[1]));
    for (const team of teams) {
      if (team !== 'payments') await callApi(ethos.url, seed, 'PUT', `/resources/Team/${team}`, { apiVersion: 'ethos/v1', kind: 'Team', metadata: { name: team, owner: team }, spec: { members: [] } });
    }
    for (const [name, owner, title, spec] of services) {
      const doc = { apiVersion: 'ethos/v1', kind: 'Service', metadata: { name, owner, title, description: `${title}, owned by ${owner}.`, labels: { env: 'prod', domain: owner } }, spec: { lifecycle: 'production', ...spec } };
      await callApi(ethos.url, seed, 'PUT', `/resources/Service/${name}`, doc);
    }
    browser = await launchChromium();
    admin = await (await newContext()).newPage();
    alice = await (await newContext()).newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await ethos?.close();
  });

  afterEach(() => {
    const found = contexts.flatMap((c) => c.problems.list.splice(0));
    expect(found, 'console errors, uncaught exceptions or CSP violations').toEqual([]);
  });

  it('sends a visitor to sign-in and back; the session is an httpOnly cookie scripts cannot read', async () => {
    await admin.goto(`${ethos.url}/services`);
    await expect.poll(() => admin.url()).toBe(`${ethos.url}/sign-in?next=%2Fservices`);
    await heading(admin, 'Sign in to Ethos').waitFor();
    await screenshot(admin, 'sign-in');
    await signIn(admin, 'admin', 'not the password');
    await admin.getByRole('alert').getByText('Wrong user name or password').waitFor();
    await signIn(admin, 'admin', ADMIN_PASSWORD);
    await heading(admin, 'Services').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/services');

    const session = (await admin.context().cookies()).find((c) => c.name === 'ethos_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await admin.evaluate(() => document.cookie)).not.toContain('ethos_session');

    await nav(admin, 'Home').click();
    await heading(admin, 'Hello, admin').waitFor();
    await admin.getByRole('region', { name: 'Services of your teams' }).getByRole('link', { name: 'checkout', exact: true }).waitFor();
    await admin.getByRole('region', { name: 'Recent activity on your teams’ resources' }).getByText('Service/ledger').waitFor();
    await screenshot(admin, 'home');
  });

  it('an admin creates a user, who must choose a new password at the first sign-in', async () => {
    await nav(admin, 'Users').click();
    await heading(admin, 'Users').waitFor();
    await admin.getByRole('button', { name: 'New user' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'User name', exact: true }).fill('alice');
    await dialog.getByRole('textbox', { name: 'Display name', exact: true }).fill('Alice Martin');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const temporary = (await admin.getByTestId('secret-value').textContent())!.trim();
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    secrets.add(temporary);
    await admin.getByRole('table', { name: 'Users' }).getByText('Alice Martin').waitFor();
    await screenshot(admin, 'admin-users');

    await alice.goto(ethos.url);
    await heading(alice, 'Sign in to Ethos').waitFor();
    await signIn(alice, 'alice', temporary);
    await heading(alice, 'Choose a new password').waitFor();
    // nothing else opens before the new password is set
    await alice.goto(`${ethos.url}/services`);
    await heading(alice, 'Choose a new password').waitFor();
    expect(new URL(alice.url()).pathname).toBe('/change-password');
    await alice.getByRole('textbox', { name: 'Current password', exact: true }).fill(temporary);
    await alice.getByRole('textbox', { name: 'New password', exact: true }).fill(ALICE_PASSWORD);
    await alice.getByRole('textbox', { name: 'Repeat the new password', exact: true }).fill(ALICE_PASSWORD);
    await alice.getByRole('button', { name: 'Set new password' }).click();
    await heading(alice, 'Hello, Alice Martin').waitFor();
    await alice.getByText('You are not in a team yet.').waitFor();
  });

  it('searches the catalog and opens a service', async () => {
    await nav(alice, 'Services').click();
    const table = alice.getByRole('table', { name: 'Services' });
    await table.getByRole('link', { name: 'finder', exact: true }).waitFor();
    await table.getByRole('link', { name: 'worker-24', exact: true }).waitFor();
    expect(await table.getByRole('row').count()).toBe(31);
    await alice.getByRole('searchbox', { name: 'Search' }).fill('checkout');
    await expect.poll(() => new URL(alice.url()).searchParams.get('q')).toBe('checkout');
    await expect.poll(() => table.getByRole('link', { name: 'finder', exact: true }).count()).toBe(0);
    expect(await table.getByRole('row').count()).toBe(3);
    await table.getByRole('link', { name: 'checkout-worker', exact: true }).waitFor();
    await screenshot(alice, 'catalog');

    await table.getByRole('link', { name: 'checkout', exact: true }).click();
    await heading(alice, 'Checkout API (checkout)').waitFor();
    expect(new URL(alice.url()).pathname).toBe('/services/checkout');
    await alice.getByRole('link', { name: 'Dashboard' }).waitFor();
    expect(await alice.getByRole('link', { name: 'https://wiki.example.com/runbooks/checkout' }).getAttribute('href')).toBe('https://wiki.example.com/runbooks/checkout');
    await alice.getByRole('link', { name: 'ledger', exact: true }).waitFor();
    await expect.poll(() => alice.getByRole('tab').allTextContents()).toEqual(['Overview', 'History', 'Change requests']);
    await screenshot(alice, 'service');
  });

  it('a non-owner’s edit becomes a change request', async () => {
    await alice.getByRole('link', { name: 'Propose change' }).click();
    await heading(alice, 'Propose a change to Service/checkout').waitFor();
    await alice.getByRole('textbox', { name: 'Tier', exact: true }).fill('1');
    await alice.getByRole('textbox', { name: 'Why this change?', exact: true }).fill('checkout takes payments: tier 1');
    await alice.getByRole('button', { name: 'Propose change' }).click();
    await heading(alice, /^#\d+ checkout takes payments: tier 1$/).waitFor();
    changeRequest = Number(/\/change-requests\/(\d+)$/.exec(alice.url())?.[1]);
    expect(changeRequest).toBeGreaterThan(0);
    const diff = alice.getByRole('region', { name: /^Differences between/ });
    await expect.poll(() => diff.getByRole('row', { name: /tier: "1"/ }).textContent()).toMatch(/removed: +tier: "2".*added: +tier: "1"/);
    await alice.getByText('Members of payments review it.').waitFor();
    // the service is unchanged until an owner merges
    expect((await callApi(ethos.url, seed, 'GET', '/resources/Service/checkout')).spec.tier).toBe('2');
  });

  it('the owner’s header counts the notification; the inbox links to the change request', async () => {
    await nav(admin, 'Home').click();
    await admin.getByRole('banner').getByRole('link', { name: 'Inbox: 1 unread' }).click();
    await heading(admin, 'Inbox').waitFor();
    const notification = admin.getByRole('table', { name: 'Notifications' }).getByRole('row', { name: `Unread: alice proposes to update Service/checkout (#${changeRequest})` });
    await notification.waitFor();
    expect(await truncatedBadges(admin)).toEqual([]);
    await screenshot(admin, 'inbox');
    await notification.getByRole('link').click();
    await heading(admin, /^#\d+ checkout takes payments: tier 1$/).waitFor();
    expect(new URL(admin.url()).pathname).toBe(`/change-requests/${changeRequest}`);
    await admin.getByRole('banner').getByRole('link', { name: 'Inbox', exact: true }).waitFor();
  });

  it('an owner approves and merges it; History shows the new revision and its side-by-side diff', async () => {
    await nav(admin, 'Home').click();
    const inbox = admin.getByRole('region', { name: 'Waiting for your review' });
    await inbox.getByRole('link', { name: /checkout takes payments: tier 1/ }).click();
    await heading(admin, `#${changeRequest} checkout takes payments: tier 1`).waitFor();
    await admin.getByText('No approval yet from a member of payments').waitFor();
    await admin.getByRole('textbox', { name: 'Your review', exact: true }).fill('Agreed: it is on the payment path.');
    await admin.getByRole('button', { name: 'Approve' }).click();
    await admin.getByText('ready to merge').waitFor();
    await admin.getByRole('list', { name: 'Reviews' }).getByText('Agreed: it is on the payment path.').waitFor();
    await screenshot(admin, 'change-request-review');
    await admin.getByRole('button', { name: 'Merge' }).click();
    await admin.getByText('Merged by admin as').waitFor();
    // the toast stays clear of the header's controls (the account menu, the inbox)
    const toast = await admin.getByRole('alert').filter({ hasText: 'is now at revision 2' }).boundingBox();
    const header = await admin.getByRole('banner').boundingBox();
    expect(toast!.y, 'the toast covers the header').toBeGreaterThanOrEqual(header!.y + header!.height);

    await admin.getByRole('link', { name: 'revision 2' }).click();
    await heading(admin, 'Checkout API (checkout)').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/services/checkout/history');
    await admin.getByRole('tab', { name: 'History', selected: true }).waitFor();
    const revisions = admin.getByRole('table', { name: 'Revisions' });
    await revisions.getByRole('link', { name: `change request #${changeRequest}` }).waitFor();
    const diff = admin.getByRole('region', { name: /^Differences between/ });
    await expect.poll(() => diff.getByRole('row', { name: /tier: "1"/ }).textContent()).toMatch(/removed: +tier: "2".*added: +tier: "1"/);
    expect(await truncatedBadges(admin)).toEqual([]);
    // the line numbers take a narrow column, the two sides share the rest equally
    const widths = await diff.locator('tbody tr:not(:first-child)').first().locator('td').evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().width));
    expect(widths[0]).toBeLessThan(80);
    expect(Math.abs(widths[1]! - widths[3]!)).toBeLessThan(2);
    await screenshot(admin, 'history-diff');
    expect((await callApi(ethos.url, seed, 'GET', '/resources/Service/checkout')).metadata.revision).toBe(2);
  });

  it('a service that sends OTLP metrics gets a Metrics tab with a uPlot chart and a table of its series', async () => {
    const ingest = (await callApi(ethos.url, seed, 'POST', '/tokens', { name: 'collector', type: 'ingest', scopes: ['ingest'] })).token as string;
    secrets.add(ingest);
    // the last half hour, one export a minute: orders per region (cumulative) and memory in use
    const now = Date.now();
    const minutes = Array.from({ length: 31 }, (_, i) => ({ i, ns: `${BigInt(now - (30 - i) * 60_000) * 1_000_000n}` }));
    const attrs = (a: Record<string, string>) => Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));
    const orders = (region: string, perMinute: number) => minutes.map(({ i, ns }) => ({ timeUnixNano: ns, asInt: String(perMinute * i + (i % 3) * 7), attributes: attrs({ region }) }));
    const metrics = [
      { name: 'orders.total', description: 'Orders taken', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [...orders('eu', 120), ...orders('us', 60)] } },
      { name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: minutes.map(({ i, ns }) => ({ timeUnixNano: ns, asDouble: (300 + 20 * Math.sin(i / 4)) * 2 ** 20 })) } },
    ];
    const sent = await fetch(`${ethos.url}/v1/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceMetrics: [{ resource: { attributes: attrs({ 'service.name': 'ledger' }) }, scopeMetrics: [{ scope: { name: 'e2e' }, metrics }] }] }),
    });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({});

    await alice.goto(`${ethos.url}/services/ledger`);
    await heading(alice, 'Double-entry ledger (ledger)').waitFor();
    await alice.getByRole('tab', { name: 'Metrics' }).click();
    const list = alice.getByRole('table', { name: 'Metrics' });
    await list.getByRole('row', { name: /orders\.total counter/ }).waitFor();
    await list.getByRole('link', { name: 'orders.total' }).click();
    expect(new URL(alice.url()).searchParams.get('metric')).toBe('orders.total');
    await alice.getByRole('textbox', { name: 'Group by' }).fill('region');
    const legend = alice.getByRole('table', { name: 'Series of orders.total' });
    await legend.getByRole('row', { name: 'region=us' }).waitFor();
    await expect.poll(() => new URL(alice.url()).searchParams.get('by')).toBe('region');
    expect(await legend.locator('tbody tr').count()).toBe(2);
    // uPlot drew the lines: the canvas has coloured pixels
    const canvas = alice.locator('.uplot canvas');
    await canvas.waitFor();
    const painted = await canvas.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && !(d[i] === d[i + 1] && d[i + 1] === d[i + 2])) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(200);
    // the table follows the pointer: the value at the step under it
    const box = (await alice.locator('.uplot .u-over').boundingBox())!;
    await alice.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await legend.getByRole('columnheader', { name: /^At / }).waitFor();
    await alice.mouse.move(0, 0);
    await screenshot(alice, 'service-metrics');

    // the Metrics page from the navigation: a shared address opens the same chart
    const shared = alice.url().replace('/services/ledger/metrics?', '/telemetry/metrics?service=ledger&');
    await nav(alice, 'Metrics').click();
    await heading(alice, 'Metrics').waitFor();
    await alice.goto(shared);
    await alice.getByRole('table', { name: 'Series of orders.total' }).getByRole('row', { name: 'region=eu' }).waitFor();
    await alice.locator('.uplot canvas').waitFor();
    await screenshot(alice, 'metrics');

    // in dark mode the axes are drawn light on dark
    const dark = await (await newContext({ colorScheme: 'dark', storageState: await alice.context().storageState() })).newPage();
    await dark.goto(shared);
    await dark.getByRole('table', { name: 'Series of orders.total' }).getByRole('row', { name: 'region=eu' }).waitFor();
    await dark.locator('.uplot canvas').waitFor();
    await screenshot(dark, 'metrics-dark');
  });

  it('a service’s log line leads to its trace: a waterfall whose failed span shows its exception; the live tail adds new records', async () => {
    const ingest = (await callApi(ethos.url, seed, 'POST', '/tokens', { name: 'collector-logs', type: 'ingest', scopes: ['ingest'] })).token as string;
    secrets.add(ingest);
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const now = Date.now();
    const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
    const attrs = (a: Record<string, string>) => Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));
    const send = async (path: string, body: unknown) => {
      const res = await fetch(`${ethos.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    };
    const logs = (service: string, records: { at: number; severity: number; body: string; attributes?: Record<string, string>; span?: string }[]) =>
      send('/v1/logs', {
        resourceLogs: [
          {
            resource: { attributes: attrs({ 'service.name': service }) },
            scopeLogs: [{ scope: { name: 'e2e' }, logRecords: records.map((r) => ({ timeUnixNano: ns(r.at), severityNumber: r.severity, body: { stringValue: r.body }, attributes: attrs(r.attributes ?? {}), ...(r.span ? { traceId: trace, spanId: r.span } : {}) })) }],
          },
        ],
      });
    const spans = (service: string, list: { id: string; parent?: string; name: string; at: number; ms: number; extra?: Record<string, unknown> }[]) =>
      send('/v1/traces', {
        resourceSpans: [
          {
            resource: { attributes: attrs({ 'service.name': service }) },
            scopeSpans: [{ spans: list.map((s) => ({ traceId: trace, spanId: s.id, ...(s.parent ? { parentSpanId: s.parent } : {}), name: s.name, kind: 2, startTimeUnixNano: ns(s.at), endTimeUnixNano: ns(s.at + s.ms), ...s.extra })) }],
          },
        ],
      });
    await spans('checkout', [
      { id: '00f067aa0ba902b7', name: 'POST /orders', at: now - 5_000, ms: 240, extra: { attributes: attrs({ 'http.route': '/orders' }) } },
      { id: '00f067aa0ba902b8', parent: '00f067aa0ba902b7', name: 'POST ledger', at: now - 5_000 + 20, ms: 190 },
    ]);
    await spans('ledger', [
      {
        id: '53995c3f42cd8ad8',
        parent: '00f067aa0ba902b8',
        name: 'POST /entries',
        at: now - 5_000 + 30,
        ms: 170,
        extra: {
          status: { code: 2, message: 'account frozen' },
          events: [{ name: 'exception', timeUnixNano: ns(now - 5_000 + 150), attributes: attrs({ 'exception.type': 'LedgerError', 'exception.message': 'account 42 is frozen', 'exception.stacktrace': 'LedgerError: account 42 is frozen\n    at post (ledger/entries.ts:88:11)' }) }],
        },
      },
    ]);
    await logs('checkout', [
      { at: now - 6_000, severity: 9, body: 'order 1001 accepted', attributes: { region: 'eu' } },
      { at: now - 4_900, severity: 17, body: 'payment failed for order 1002', attributes: { provider: 'acme' }, span: '00f067aa0ba902b8' },
    ]);

    await alice.goto(`${ethos.url}/services/checkout`);
    await alice.getByRole('tab', { name: 'Logs' }).click();
    const list = alice.getByRole('list', { name: 'Log records' });
    await list.getByText('payment failed for order 1002').waitFor();
    expect(await truncatedBadges(alice)).toEqual([]);
    // the live tail: a record sent after the page opened comes on top
    await alice.getByRole('switch', { name: 'Live tail' }).click();
    await expect.poll(() => new URL(alice.url()).searchParams.get('live')).toBe('1');
    await logs('checkout', [{ at: Date.now(), severity: 13, body: 'refund 77 slow' }]);
    await expect.poll(() => list.locator('li pre').first().textContent(), { timeout: 8_000 }).toBe('refund 77 slow');
    await screenshot(alice, 'service-logs');
    await alice.getByRole('switch', { name: 'Live tail' }).click();

    await list.getByRole('link', { name: `Trace ${trace}` }).click();
    await heading(alice, 'checkout: POST /orders').waitFor();
    const rows = alice.getByRole('list', { name: 'Spans' }).getByRole('button');
    expect(await rows.allTextContents()).toEqual(['level 1, checkout POST /orders240 ms', 'level 2, checkout POST ledger190 ms', 'level 3, ledger POST /entrieserror170 ms']);
    // the log line's span is open; the keyboard moves to the next row and opens it
    expect(await rows.nth(1).getAttribute('aria-expanded')).toBe('true');
    await rows.nth(1).focus();
    await alice.keyboard.press('ArrowDown');
    expect(await rows.nth(2).evaluate((b) => b === document.activeElement)).toBe(true);
    await alice.keyboard.press('Enter');
    await expect.poll(() => rows.nth(2).getAttribute('aria-expanded')).toBe('true');
    await alice.getByText('LedgerError: account 42 is frozen', { exact: true }).first().waitFor();
    await alice.getByLabel('Stack trace').waitFor();
    // the bars sit on the trace's time line: the failed span starts after its caller and ends inside the trace
    const bars = await alice.getByRole('list', { name: 'Spans' }).locator('li button > span:nth-child(2) > span:first-child').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ left: Math.round(r.left), right: Math.round(r.right) })));
    expect(bars).toHaveLength(3);
    const [root, , failed] = bars as [{ left: number; right: number }, unknown, { left: number; right: number }];
    expect(failed.left).toBeGreaterThan(root.left);
    expect(failed.right).toBeLessThan(root.right);
    await screenshot(alice, 'trace');
    await nav(alice, 'Traces').click();
    await alice.getByRole('table', { name: 'Traces' }).getByRole('link', { name: 'checkout: POST /orders' }).waitFor();
    await screenshot(alice, 'traces');
    await alice.goBack();
    await heading(alice, 'checkout: POST /orders').waitFor();

    const dark = await (await newContext({ colorScheme: 'dark', storageState: await alice.context().storageState() })).newPage();
    await dark.goto(alice.url());
    await dark.getByLabel('Stack trace').waitFor();
    await screenshot(dark, 'trace-dark');
    await dark.goto(`${ethos.url}/telemetry/logs?trace=${trace}&range=7d`);
    await dark.getByRole('list', { name: 'Log records' }).getByText('payment failed for order 1002').waitFor();
    await screenshot(dark, 'logs-dark');
  });

  it('creates an API token, shown once, and revokes it', async () => {
    await alice.getByRole('button', { name: 'Account menu for alice' }).click();
    await alice.getByRole('menuitem', { name: 'API tokens' }).click();
    await heading(alice, 'API tokens').waitFor();
    // one page is current in the navigation: API tokens, not also its parent Profile and password
    await expect.poll(() => alice.getByRole('navigation', { name: 'Main navigation' }).locator('[aria-current="page"]').allTextContents()).toEqual(['API tokens']);
    await alice.getByText('No tokens yet').waitFor();
    await alice.getByRole('button', { name: 'New token' }).click();
    const dialog = alice.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('laptop CLI');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const token = (await alice.getByTestId('secret-value').textContent())!.trim();
    expect(token).toMatch(/^ethos_/);
    secrets.add(token);
    expect((await callApi(ethos.url, token, 'GET', '/me')).user.name).toBe('alice');
    await alice.getByRole('table', { name: 'API tokens' }).getByText('active').waitFor();
    await screenshot(alice, 'tokens');
    // the secret is gone from the page after a reload: it was shown once
    await alice.reload();
    await alice.getByRole('table', { name: 'API tokens' }).getByText('laptop CLI').waitFor();
    expect(await alice.getByTestId('secret-value').count()).toBe(0);
    expect(await alice.content()).not.toContain(token);

    await alice.getByRole('button', { name: 'Revoke token laptop CLI' }).click();
    await alice.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await alice.getByRole('table', { name: 'API tokens' }).getByText('revoked').waitFor();
    const after = await fetch(`${ethos.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
  });

  it('home and catalog fit a phone, with the navigation behind the menu button', async () => {
    const phone = await (await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await admin.context().storageState() })).newPage();
    const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await phone.goto(ethos.url);
    await heading(phone, 'Hello, admin').waitFor();
    await phone.getByRole('region', { name: 'Services of your teams' }).getByRole('link', { name: 'checkout', exact: true }).waitFor();
    // the closed navigation is off screen and out of the keyboard's reach: Tab never lands in it
    expect(await nav(phone, 'Services').isVisible()).toBe(false);
    for (let i = 0; i < 6; i++) {
      await phone.keyboard.press('Tab');
      expect(await phone.evaluate(() => !!document.activeElement?.closest('[aria-label="Main navigation"]'))).toBe(false);
    }
    expect(await overflow(), 'the page scrolls sideways').toBeLessThanOrEqual(0);
    expect(await truncatedBadges(phone)).toEqual([]);
    await screenshot(phone, 'home-phone');
    await phone.getByRole('button', { name: 'Open navigation' }).click();
    await nav(phone, 'Services').click();
    await phone.getByRole('table', { name: 'Services' }).getByRole('link', { name: 'finder', exact: true }).waitFor();
    // the navigation closes after a choice, and its links leave the keyboard's reach
    await nav(phone, 'Services').waitFor({ state: 'hidden' });
    expect(await overflow(), 'the page scrolls sideways').toBeLessThanOrEqual(0);
    // the table fits the screen: nothing to scroll sideways inside it either
    expect(await phone.getByRole('table', { name: 'Services' }).evaluate((t) => t.getBoundingClientRect().right)).toBeLessThanOrEqual(390);
    await phone.getByRole('table', { name: 'Services' }).getByRole('row', { name: /^indexer/ }).getByText('experimental').filter({ visible: true }).waitFor();
    expect(await truncatedBadges(phone)).toEqual([]);
    await screenshot(phone, 'catalog-phone');
  });

  it('home and catalog follow the system’s dark mode', async () => {
    const dark = await (await newContext({ colorScheme: 'dark', storageState: await admin.context().storageState() })).newPage();
    const background = () => dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number) as [number, number, number];
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    await dark.goto(ethos.url);
    await heading(dark, 'Hello, admin').waitFor();
    await dark.getByRole('region', { name: 'Services of your teams' }).getByRole('link', { name: 'checkout', exact: true }).waitFor();
    expect(luminance(await background())).toBeLessThan(0.2);
    await dark.getByRole('button', { name: 'Switch to light mode' }).waitFor();
    await screenshot(dark, 'home-dark');
    await nav(dark, 'Services').click();
    await dark.getByRole('table', { name: 'Services' }).getByRole('link', { name: 'finder', exact: true }).waitFor();
    expect(luminance(await background())).toBeLessThan(0.2);
    await screenshot(dark, 'catalog-dark');
  });

  it('serves React’s production build, although vitest runs the build with NODE_ENV=test', async () => {
    const html = await (await fetch(ethos.url)).text();
    const entry = /<script type="module"[^>]* src="([^"]+)"/.exec(html)?.[1];
    expect(entry).toBeTruthy();
    const js = await (await fetch(`${ethos.url}${entry}`)).text();
    // messages only React's development runtime carries, and the one only its production runtime does
    expect(js).not.toContain('Each child in a list should have a unique');
    expect(js).toContain('Minified React error');
  });

  it('a survey is answered from the personal link in a browser that is not signed in; the code never reaches the server in a URL', async () => {
    await callApi(ethos.url, seed, 'PUT', '/resources/Team/search', { apiVersion: 'ethos/v1', kind: 'Team', metadata: { name: 'search', owner: 'search' }, spec: { members: [{ user: 'admin' }] } });
    const survey = { apiVersion: 'ethos/v1', kind: 'Survey', metadata: { name: 'speak-up', owner: 'payments' }, spec: { title: 'Speaking up', targets: ['search'], freeText: { question: 'What would help?' }, anonymity: { minimumResponses: 3 } } };
    await callApi(ethos.url, seed, 'PUT', '/resources/Survey/speak-up', survey);
    await callApi(ethos.url, seed, 'POST', '/surveys/speak-up/rounds', { closesAt: new Date(Date.now() + 7 * 86400_000).toISOString() });
    const { items } = await callApi(ethos.url, seed, 'GET', '/me/survey-invitations');
    const code = items[0].code as string;
    expect(code).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const context = await newContext();
    const seen: string[] = [];
    context.on('request', (r) => seen.push(r.url()));
    const page = await context.newPage();
    await page.goto(`${ethos.url}/surveys/respond#code=${code}`);
    await heading(page, 'Speaking up').waitFor();
    const groups = page.getByRole('radiogroup');
    await expect.poll(() => groups.count()).toBe(7);
    for (let i = 0; i < 7; i++) await groups.nth(i).getByRole('radio', { name: 'Somewhat accurate' }).check();
    await page.getByRole('textbox', { name: 'What would help?' }).fill('Pairing on incidents.');
    await screenshot(page, 'survey-questionnaire');
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await heading(page, 'Thank you').waitFor();
    // the code leaves the address bar once used, and no request ever carried it in its URL
    expect(page.url()).not.toContain(code);
    expect(seen.some((u) => u.includes('/api/v1/survey-responses'))).toBe(true);
    for (const u of seen) expect(u.includes(code) || decodeURIComponent(u).includes(code), `the code in ${u}`).toBe(false);
    const again = await fetch(`${ethos.url}/api/v1/survey-responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, answers: {} }) });
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('SURVEY_ALREADY_ANSWERED');
  });

  it('keeps the session, CSRF token, API tokens and passwords out of web storage and URLs', async () => {
    for (const { context } of contexts) for (const c of await context.cookies()) if (c.name === 'ethos_session') secrets.add(c.value);
    expect(secrets.size).toBeGreaterThanOrEqual(7);
    for (const { context } of contexts) {
      for (const page of context.pages()) {
        const stored = await webStorage(page);
        for (const s of secrets) expect(stored.includes(s), `web storage of ${page.url()} holds a secret`).toBe(false);
      }
    }
    expect(urls.length).toBeGreaterThan(50);
    for (const u of urls) {
      const decoded = decodeURIComponent(u);
      for (const s of secrets) expect(decoded.includes(s) || u.includes(encodeURIComponent(s)), `a secret in the URL ${u}`).toBe(false);
    }
  });
});
