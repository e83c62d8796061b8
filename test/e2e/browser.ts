/**
 * Support for the browser tests: Debian's Chromium driven by playwright-core, a real Ethos server
 * listening on loopback with a fresh SQLite database, the built web UI, and the checks every page
 * must pass (no console error, no CSP violation).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildApp, type EthosApp } from '../../src/server/app.ts';
import { systemClock } from '../../src/server/platform/clock.ts';
import { openDatabase, type Db } from '../../src/server/platform/db.ts';
import { createMetrics } from '../../src/server/platform/metrics.ts';
import { migrateToLatest } from '../../src/server/platform/migrations/index.ts';

/** Where Debian's `chromium` package puts the browser; the tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the screenshots go (gitignored), kept as test artifacts. */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** Whether this run is CI, where a missing browser is a failure rather than a skip. */
export const inCI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/** The flags every launch uses: headless, no sandbox (CI runs as root), nothing phoning home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Whether the browser is installed. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Starts Chromium.
 * @remarks `launch()` gives every browser a fresh, temporary user-data directory (and removes it
 * on close): no profile, cookie or storage survives from one run to the next.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Builds the web UI into dist/web unless the build is current (the same check as `npm start`).
 * The script builds for production whatever NODE_ENV vitest passes on.
 */
export function ensureWebBuild(): void {
  const res = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.js'), '--if-stale', '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  if (res.status !== 0) throw new Error(`building the web UI failed (${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
}

/** A real Ethos server on a random loopback port. */
export interface RunningEthos {
  app: EthosApp;
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** Starts Ethos in this process on a fresh SQLite file, serving dist/web; `admin` has `adminPassword`. */
export async function startEthos(adminPassword: string): Promise<RunningEthos> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-e2e-'));
  const db = openDatabase(path.join(dir, 'ethos.db'));
  await migrateToLatest(db);
  const app = await buildApp({ db, clock: systemClock, secretKey: Buffer.alloc(32, 5), metrics: createMetrics() });
  await app.services.identity.bootstrapAdmin(adminPassword);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    app,
    db,
    url,
    async close() {
      await app.close();
      await db.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the API with a bearer token; throws unless the answer is 2xx. */
export async function callApi(base: string, token: string, method: string, pathname: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}/api/v1${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Signs in through the API (not the UI) and mints a token: for seeding data. */
export async function apiToken(base: string, username: string, password: string): Promise<string> {
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!login.ok) throw new Error(`login ${username}: ${login.status}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${base}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'e2e seed', scopes: ['read', 'write'] }),
  });
  if (res.status !== 201) throw new Error(`token for ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** What went wrong in a browser context: console errors, uncaught exceptions, CSP violations. */
export interface Problems {
  list: string[];
}

/**
 * Records every console error, uncaught exception and Content-Security-Policy violation of the
 * context's pages. `expected` admits console lines the app causes on purpose (a 401 from
 * `GET /api/v1/me` when nobody is signed in is how the app learns it).
 */
export async function watchProblems(context: BrowserContext, expected: (text: string, url: string) => boolean): Promise<Problems> {
  const problems: Problems = { list: [] };
  // Chromium also prints CSP violations on the console; the event says which directive and what
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`));
  });
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      const where = msg.location().url;
      if (msg.type() === 'warning' && !/Content.Security.Policy|CSP/i.test(msg.text())) return;
      if (expected(msg.text(), where)) return;
      problems.list.push(`${page.url()}: console ${msg.type()}: ${msg.text()} (${where})`);
    });
    page.on('pageerror', (err) => problems.list.push(`${page.url()}: uncaught ${err.name}: ${err.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return problems;
}

/** Saves a screenshot of the whole page under test-results/screenshots. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  // wait for fonts and the last paint, so the picture shows what a user sees
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Everything the page keeps in localStorage and sessionStorage, as one string. */
export function webStorage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i)!)}`).join('\n');
    return `${dump(localStorage)}\n${dump(sessionStorage)}`;
  });
}
