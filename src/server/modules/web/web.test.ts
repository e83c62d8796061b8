import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestContext, type TestContext } from '../../test-support.ts';
import { NONCE_PLACEHOLDER } from './index.ts';

const INDEX = `<!doctype html><html><head><meta name="csp-nonce" content="${NONCE_PLACEHOLDER}"><script type="module" src="/assets/main-abc123.js"></script></head><body><div id="root"></div></body></html>`;
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});\n`;
const PRELOADS = {
  routes: [
    { path: '/sign-in', files: ['assets/sign-in.page-1.js', 'assets/Paper-2.js'] },
    { path: '/change-password', files: ['assets/change-password.page-7.js'] },
    { path: '/services/:name/:tab?', files: ['assets/service.page-3.js', 'assets/Tabs-4.js'] },
    { path: '/teams/:name', files: ['assets/team.page-5.js'] },
    { path: '/teams/new', files: ['assets/create-team.page-6.js', '../../etc/passwd'] },
  ],
};
const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

function nonceOf(body: string): string {
  return /<meta name="csp-nonce" content="([^"]+)">/.exec(body)?.[1] ?? '';
}

describe('the web UI', () => {
  let dir: string;
  let t: TestContext & { admin: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ethos-web-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), INDEX);
    await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(path.join(dir, 'assets', 'main-abc123.js'), SCRIPT);
    await writeFile(path.join(dir, 'assets', 'main-abc123.js.gz'), gzipSync(SCRIPT));
    await writeFile(path.join(dir, 'route-preload.json'), JSON.stringify(PRELOADS));
    t = await createTestContext('sqlite', { webRoot: dir });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the app at / with a strict CSP whose style nonce is in the page, never cached', async () => {
    const res = await t.req('GET', '/', { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    const nonce = nonceOf(res.body);
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const again = await t.req('GET', '/', { headers: html });
    expect(nonceOf(again.body)).not.toBe(nonce);
  });

  it('answers deep links of the app with index.html so a reload keeps the page', async () => {
    for (const url of ['/services/checkout', '/change-requests/12?tab=diff', '/admin/audit']) {
      const res = await t.req('GET', url, { headers: html });
      expect(res.status, url).toBe(200);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toBeDefined();
    }
  });

  it("names the page's scripts in the HTML for a signed-in user, and the sign-in or password page's otherwise", async () => {
    const preloads = (body: string) => [...body.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)">/g)].map((m) => m[1]);
    const signIn = async (username: string, password: string) =>
      String((await t.req('POST', '/api/v1/auth/login', { body: { username, password } })).headers['set-cookie']).split(';')[0]!;
    const session = { ...html, cookie: await signIn('admin', ADMIN_PASSWORD) };
    const page = await t.req('GET', '/services/checkout', { headers: session });
    expect(preloads(page.body)).toEqual(['/assets/service.page-3.js', '/assets/Tabs-4.js']);
    // the app may then ask for the page's data at once; the question of who is signed in is already under way
    expect(page.body).toContain('<meta name="ethos-session" content="present">');
    expect(page.body).toContain('<link rel="preload" href="/api/v1/me" as="fetch" crossorigin="anonymous"');
    expect(preloads((await t.req('GET', '/services/checkout/history?x=1', { headers: session })).body)).toEqual(['/assets/service.page-3.js', '/assets/Tabs-4.js']);
    // a static segment wins over a parameter; files outside the build's assets are never named
    expect(preloads((await t.req('GET', '/teams/new', { headers: session })).body)).toEqual(['/assets/create-team.page-6.js']);
    expect(preloads((await t.req('GET', '/teams/platform', { headers: session })).body)).toEqual(['/assets/team.page-5.js']);
    expect(preloads((await t.req('GET', '/nowhere/at/all', { headers: session })).body)).toEqual([]);

    // no session, or one that ended: the sign-in page, and no hint
    for (const headers of [html, { ...html, cookie: 'ethos_session=not-a-session' }]) {
      const out = await t.req('GET', '/services/checkout', { headers });
      expect(preloads(out.body)).toEqual(['/assets/sign-in.page-1.js', '/assets/Paper-2.js']);
      expect(out.body).not.toContain('ethos-session');
    }
    // a user who must first choose a new password is sent to that page: its code, and no hint
    await t.req('POST', '/api/v1/users', { as: t.admin, body: { name: 'newbie', password: 'temporary-password-1' } });
    const newbie = await t.req('GET', '/services/checkout', { headers: { ...html, cookie: await signIn('newbie', 'temporary-password-1') } });
    expect(preloads(newbie.body)).toEqual(['/assets/change-password.page-7.js']);
    expect(newbie.body).not.toContain('ethos-session');
  });

  it('serves hashed assets with a long immutable cache, compressed when the client accepts it', async () => {
    const plain = await t.req('GET', '/assets/main-abc123.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toMatch(/javascript/);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe(SCRIPT);
    const gz = await t.app.inject({ method: 'GET', url: '/assets/main-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toMatch(/javascript/);
    expect(gz.rawPayload.length).toBeLessThan(SCRIPT.length);
  });

  it('serves other files of the build with a short cache', async () => {
    const res = await t.req('GET', '/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('gives a 404, not the app, for missing assets and files, and nothing outside the build', async () => {
    expect((await t.req('GET', '/assets/gone-123.js')).status).toBe(404);
    expect((await t.req('GET', '/missing.png', { headers: html })).status).toBe(404);
    const escape = await t.req('GET', '/assets/..%2f..%2fpackage.json');
    expect([403, 404]).toContain(escape.status);
    expect(JSON.stringify(escape.body)).not.toContain('ethos-web');
  });

  it('keeps API and protocol paths JSON: unknown ones are a JSON 404, even for a browser', async () => {
    for (const url of ['/api/v1/nope', '/api', '/v1/metrics', '/metricsx/../api/v1/x']) {
      const res = await t.req('GET', url, { headers: html });
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.body.error.code, url).toBe('NOT_FOUND');
    }
    const me = await t.req('GET', '/api/v1/me', { headers: html });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('AUTH_REQUIRED');
    expect((await t.req('GET', '/healthz', { headers: html })).body).toEqual({ status: 'ok' });
    expect((await t.req('GET', '/api/v1/openapi.json')).body.openapi).toBe('3.0.3');
  });

  it('answers clients that do not want HTML, and writes, with the JSON 404', async () => {
    const json = await t.req('GET', '/services', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(json.body.error.code).toBe('NOT_FOUND');
    const post = await t.req('POST', '/services', { headers: html, body: {} });
    expect(post.status).toBe(404);
  });
});

describe('the web UI before it is built', () => {
  let t: TestContext & { admin: string };
  beforeAll(async () => {
    t = await createTestContext('sqlite', { webRoot: path.join(tmpdir(), 'ethos-web-never-built') });
  });
  afterAll(() => t.close());

  it('says how to build it, and the API keeps working', async () => {
    const res = await t.req('GET', '/catalog', { headers: html });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('npm run build');
    expect((await t.req('GET', '/api/v1/me', { as: t.admin })).status).toBe(200);
    expect((await t.req('GET', '/api/v1/nope', { headers: html })).body.error.code).toBe('NOT_FOUND');
    expect((await t.req('GET', '/healthz')).status).toBe(200);
  });
});
