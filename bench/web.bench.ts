/**
 * Web UI benchmark: starts a real `ethos serve` on loopback, loads 2,000 teams and 100,000
 * services through the API, then measures in headless Debian Chromium (playwright-core):
 * the JavaScript the sign-in and home pages load, and how long the catalog and a service page
 * take from navigation until their content is visible.
 *
 *   node bin/run-ts.js bench/web.bench.ts [--services 100000] [--teams 2000] [--runs 15]
 *
 * Needs /usr/bin/chromium (apt-get install chromium); builds the web UI first when it is stale.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { adminToken, log, startEthos } from './support.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SERVICES = Number(args.get('services') ?? 100_000);
const TEAMS = Number(args.get('teams') ?? 2_000);
const RUNS = Math.max(10, Number(args.get('runs') ?? 15));
const PORT = 4900 + Math.floor(Math.random() * 200);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'bench-admin-password';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const words = ['checkout', 'payments', 'search', 'ledger', 'billing', 'profile', 'inventory', 'shipping', 'catalog', 'pricing', 'fraud', 'notify'];


async function api(method: string, url: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${BASE}${url}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}


/** Team i; the admin maintains team-0, so the home page has services and activity to show. */
function team(i: number) {
  return { apiVersion: 'ethos/v1', kind: 'Team', metadata: { name: `team-${i}`, owner: `team-${i}` }, spec: { members: i === 0 ? [{ user: 'admin', role: 'maintainer' }] : [] } };
}

function service(i: number) {
  const w1 = words[i % words.length]!;
  const w2 = words[(i * 7) % words.length]!;
  return {
    apiVersion: 'ethos/v1',
    kind: 'Service',
    metadata: {
      name: `svc-${String(i).padStart(6, '0')}`,
      owner: `team-${i % TEAMS}`,
      title: `${w1} ${w2} ${i}`,
      description: `Handles ${w1} for the ${w2} domain (unit ${i}).`,
      labels: { tier: `t${i % 5}`, region: `r${i % 20}`, shard: `s${i % 1000}` },
    },
    spec: { lifecycle: i % 3 === 0 ? 'production' : 'experimental', tier: String(i % 4), dependsOn: i > 0 ? [`svc-${String(i - 1).padStart(6, '0')}`] : [] },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

function newContext(browser: Browser, storageState?: Awaited<ReturnType<BrowserContext['storageState']>>) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, storageState });
}

/** The scripts a page loaded: what the browser received (encoded) and what the same files weigh when served gzip'd. */
async function scriptBytes(page: Page, open: () => Promise<void>) {
  const scripts: { url: string; encoded: number; encoding: string }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (res) => {
    if (!/\.m?js(\?|$)/.test(new URL(res.url()).pathname) && !/javascript/.test(res.headers()['content-type'] ?? '')) return;
    pending.push(
      res
        .request()
        .sizes()
        .then((s) => void scripts.push({ url: res.url(), encoded: s.responseBodySize, encoding: res.headers()['content-encoding'] ?? 'identity' })),
    );
  });
  await open();
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  let gzip = 0;
  for (const s of scripts) {
    // what a browser that accepts only gzip gets (files under 1 KiB are not compressed by the build);
    // fetch decodes the body, so the bytes on the wire are the Content-Length the server sent
    const res = await fetch(s.url, { headers: { 'accept-encoding': 'gzip' } });
    const body = await res.arrayBuffer();
    gzip += Number(res.headers.get('content-length') ?? body.byteLength);
  }
  const encodings = [...new Set(scripts.map((s) => s.encoding))].join(', ');
  return { files: scripts.length, received: scripts.reduce((n, s) => n + s.encoded, 0), encodings, gzip };
}

/**
 * Arms a watch for `selector`: an observer notes the time (performance.now(), so milliseconds
 * since the document's navigation started) of the frame after the selector first matches.
 */
const WATCH = (selector: string) => `
  (() => {
    window.__ethosSeenAt = undefined;
    const observer = new MutationObserver(() => {
      if (window.__ethosSeenAt !== undefined || !document.querySelector(${JSON.stringify(selector)})) return;
      window.__ethosSeenAt = null;
      observer.disconnect();
      requestAnimationFrame(() => (window.__ethosSeenAt = performance.now()));
    });
    observer.observe(document, { childList: true, subtree: true, characterData: true });
  })();`;

async function seenAt(page: Page): Promise<number> {
  await page.waitForFunction(() => typeof (window as { __ethosSeenAt?: number | null }).__ethosSeenAt === 'number', undefined, { timeout: 30_000 });
  return page.evaluate(() => (window as unknown as { __ethosSeenAt: number }).__ethosSeenAt);
}

/** A full page load of `url`: milliseconds from the navigation's start until the selector shows. */
async function fullLoad(page: Page, url: string): Promise<number> {
  await page.goto(`${BASE}${url}`, { waitUntil: 'commit' });
  return seenAt(page);
}

/** What a click on one of the app's links does: push the address, the router renders it without a reload. */
async function inAppNavigation(page: Page, selector: string, url: string): Promise<number> {
  await page.evaluate(WATCH(selector));
  const start = await page.evaluate((to) => {
    const t = performance.now();
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
    return t;
  }, url);
  return (await seenAt(page)) - start;
}

async function measurePage(browser: Browser, session: Awaited<ReturnType<BrowserContext['storageState']>>, label: string, selector: string, urls: () => string) {
  const results: Record<string, number[]> = { 'cold cache, full load': [], 'warm cache, full load': [], 'in-app navigation from home': [] };
  // cold: a new context (empty HTTP cache) per run
  for (let i = 0; i < RUNS; i++) {
    const context = await newContext(browser, session);
    const page = await context.newPage();
    await page.addInitScript(WATCH(selector));
    results['cold cache, full load']!.push(await fullLoad(page, urls()));
    await context.close();
  }
  // warm: one context, a full load per run; the hashed assets come from the HTTP cache
  const context = await newContext(browser, session);
  const page = await context.newPage();
  await page.addInitScript(WATCH(selector));
  await fullLoad(page, urls());
  for (let i = 0; i < RUNS; i++) results['warm cache, full load']!.push(await fullLoad(page, urls()));
  // in-app: the home page is open, the user follows a link to the page
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${BASE}/`);
    await page.getByRole('heading', { level: 1, name: /^Hello/ }).waitFor();
    await page.waitForLoadState('networkidle');
    results['in-app navigation from home']!.push(await inAppNavigation(page, selector, urls()));
  }
  await context.close();
  for (const [how, times] of Object.entries(results)) {
    log(`${label}, ${how}: median ${median(times).toFixed(0)} ms, max ${max(times).toFixed(0)} ms (${times.length} runs)`);
  }
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
  const build = spawnSync(process.execPath, ['scripts/build-web.js', '--if-stale', '--quiet'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (build.status !== 0) throw new Error('building the web UI failed');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-bench-web-'));
  const server = await startEthos({ port: PORT, password: PASSWORD, env: { ETHOS_DATA_DIR: dataDir } });
  let browser: Browser | null = null;
  try {
    const token = await adminToken(BASE, PASSWORD);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, Chromium ${browser.version()}, database sqlite; load average ${os.loadavg()[0]!.toFixed(2)}`);

    // load: teams, then services, through POST /api/v1/apply in batches of 1000
    const t0 = performance.now();
    for (let i = 0; i < TEAMS; i += 1000) {
      const r = await api('POST', '/api/v1/apply', token, { documents: Array.from({ length: Math.min(1000, TEAMS - i) }, (_, k) => team(i + k)) });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    }
    for (let i = 0; i < SERVICES; i += 1000) {
      const r = await api('POST', '/api/v1/apply', token, { documents: Array.from({ length: Math.min(1000, SERVICES - i) }, (_, k) => service(i + k)) });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body).slice(0, 500));
    }
    log(`load ${TEAMS} teams + ${SERVICES} services via POST /api/v1/apply (batches of 1000): ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // (a) JavaScript of the sign-in page, cold cache; then sign in through the form
    const signInContext = await newContext(browser);
    const signInPage = await signInContext.newPage();
    const signIn = await scriptBytes(signInPage, async () => {
      await signInPage.goto(`${BASE}/sign-in`);
      await signInPage.getByRole('heading', { level: 1, name: 'Sign in to Ethos' }).waitFor();
    });
    log(`sign-in page JavaScript: ${(signIn.gzip / 1024).toFixed(1)} KiB gzip in ${signIn.files} files (the browser received ${(signIn.received / 1024).toFixed(1)} KiB, ${signIn.encodings})`);
    await signInPage.getByRole('textbox', { name: 'User name', exact: true }).fill('admin');
    await signInPage.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
    await signInPage.getByRole('button', { name: 'Sign in' }).click();
    await signInPage.getByRole('heading', { level: 1, name: 'Hello, admin' }).waitFor();
    const session = await signInContext.storageState();
    await signInContext.close();

    // the home page, signed in, cold cache
    const homeContext = await newContext(browser, session);
    const homePage = await homeContext.newPage();
    const home = await scriptBytes(homePage, async () => {
      await homePage.goto(`${BASE}/`);
      await homePage.getByRole('heading', { level: 1, name: 'Hello, admin' }).waitFor();
      await homePage.getByRole('table', { name: 'Services of my teams' }).waitFor();
    });
    log(`home page JavaScript (signed in): ${(home.gzip / 1024).toFixed(1)} KiB gzip in ${home.files} files (the browser received ${(home.received / 1024).toFixed(1)} KiB, ${home.encodings})`);
    await homeContext.close();

    // (b) the catalog: the first rows of the service table
    let n = 0;
    const rows = 'table[aria-label="Services"] tbody tr';
    await measurePage(browser, session, `catalog /services (${SERVICES} services), until the first rows show`, rows, () => '/services');
    await measurePage(browser, session, 'catalog /services?q=<common word>, until the first rows show', rows, () => `/services?q=${words[n++ % words.length]}`);

    // (c) a service page: its overview (the About card) under the service's title
    let k = 1;
    const pick = () => (k = (k * 7919 + 104_729) % SERVICES);
    await measurePage(browser, session, 'service page /services/<name>, until its overview shows', '[role="tabpanel"] h2', () => `/services/svc-${String(pick()).padStart(6, '0')}`);
    // timings suffer when something else runs on the machine: say how busy it was
    log(`load average at the end: ${os.loadavg()[0]!.toFixed(2)} (1 min), ${os.loadavg()[1]!.toFixed(2)} (5 min)`);
  } finally {
    await browser?.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
