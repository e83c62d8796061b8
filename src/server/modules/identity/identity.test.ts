import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../platform/crypto.ts';
import { ADMIN_PASSWORD, createTestContext, databases, teamDoc, type TestContext } from '../../test-support.ts';

function cookieOf(res: { headers: Record<string, any> }): string {
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe.each(databases)('auth on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  const logLines: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    t = await createTestContext(dbKind, {
      logger: { level: 'trace', stream, redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'] },
      metricsToken: undefined,
    });
  });
  afterAll(() => t.close());

  const login = (username: string, password: string) => t.req('POST', '/api/v1/auth/login', { body: { username, password } });

  it('sign-in sets an httpOnly SameSite session cookie; writes with it need the CSRF header', async () => {
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const cookie = cookieOf(res);
    const me = await t.req('GET', '/api/v1/me', { headers: { cookie } });
    expect(me.body).toMatchObject({ user: { name: 'admin', admin: true }, via: 'session', csrfToken: res.body.csrfToken });
    const noCsrf = await t.req('POST', '/api/v1/tokens', { headers: { cookie }, body: { name: 'x' } });
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'AUTH_CSRF']);
    const withCsrf = await t.req('POST', '/api/v1/tokens', { headers: { cookie, 'x-csrf-token': res.body.csrfToken }, body: { name: 'x' } });
    expect(withCsrf.status).toBe(201);
    const out = await t.req('POST', '/api/v1/auth/logout', { headers: { cookie, 'x-csrf-token': res.body.csrfToken } });
    expect(out.status).toBe(204);
    expect((await t.req('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });

  it('wrong passwords fail, and repeated failures are rate-limited with Retry-After', async () => {
    await t.user('frank');
    for (let i = 0; i < 10; i++) expect((await login('frank', 'wrong-password')).body.error.code).toBe('AUTH_FAILED');
    const limited = await login('frank', 'wrong-password');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // the window passes and sign-in works again
    t.clock.advance(16 * 60_000);
    expect((await login('frank', 'wrong-password')).status).toBe(401);
  });

  it('a user created by an admin must change the temporary password before anything else', async () => {
    const created = await t.req('POST', '/api/v1/users', { as: t.admin, body: { name: 'gina', email: 'gina@example.test' } });
    expect(created.status).toBe(201);
    const temp = created.body.temporaryPassword as string;
    expect(temp.length).toBeGreaterThanOrEqual(16);
    const l = await login('gina', temp);
    expect(l.body.user.mustChangePassword).toBe(true);
    const cookie = cookieOf(l);
    const h = { cookie, 'x-csrf-token': l.body.csrfToken };
    const blocked = await t.req('GET', '/api/v1/resources/Service', { headers: h });
    expect(blocked.body.error.code).toBe('AUTH_PASSWORD_CHANGE_REQUIRED');
    const short = await t.req('POST', '/api/v1/me/password', { headers: h, body: { currentPassword: temp, newPassword: 'short' } });
    expect(short.body.error.code).toBe('VALIDATION_FAILED');
    const wrong = await t.req('POST', '/api/v1/me/password', { headers: h, body: { currentPassword: 'nope', newPassword: 'a-much-better-password' } });
    expect(wrong.body.error.code).toBe('PASSWORD_INVALID');
    expect((await t.req('POST', '/api/v1/me/password', { headers: h, body: { currentPassword: temp, newPassword: 'a-much-better-password' } })).status).toBe(204);
    expect((await t.req('GET', '/api/v1/resources/Service', { headers: h })).status).toBe(200);
    expect((await login('gina', temp)).status).toBe(401);
  });

  it('the bootstrap admin must change a generated password but not one from ETHOS_ADMIN_PASSWORD', async () => {
    const other = await createTestContext(dbKind);
    try {
      expect((await other.app.services.identity.bootstrapAdmin('again')).created).toBe(false);
      const me = await other.req('GET', '/api/v1/me', { as: other.admin });
      expect(me.body.user.mustChangePassword).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('sessions end after the idle timeout and after the absolute lifetime', async () => {
    const l = await login('admin', ADMIN_PASSWORD);
    const cookie = cookieOf(l);
    t.clock.advance(7 * 3600_000);
    expect((await t.req('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    t.clock.advance(8 * 3600_000 + 1000);
    expect((await t.req('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(401);
    const l2 = await login('admin', ADMIN_PASSWORD);
    const c2 = cookieOf(l2);
    // active every 7 hours, the session still ends 7 days after sign-in
    for (let i = 0; i < 23; i++) {
      t.clock.advance(7 * 3600_000);
      expect((await t.req('GET', '/api/v1/me', { headers: { cookie: c2 } })).status).toBe(200);
    }
    t.clock.advance(7 * 3600_000);
    expect((await t.req('GET', '/api/v1/me', { headers: { cookie: c2 } })).status).toBe(401);
  });

  it('tokens are shown once, stored only as SHA-256, expire, and stop working when revoked', async () => {
    const created = await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'ci', scopes: ['read'], expiresAt: new Date(t.clock.now().getTime() + 60_000).toISOString() } });
    const secret = created.body.token as string;
    expect(secret).toMatch(/^ethos_[A-Za-z0-9_-]{43}$/);
    const rows = await t.db.kysely.selectFrom('tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows.map((r) => r.token_hash)).toContain(sha256(secret));
    const list = await t.req('GET', '/api/v1/tokens', { as: t.admin });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect((await t.req('GET', '/api/v1/resources/Service', { as: secret })).status).toBe(200);
    const write = await t.req('PUT', '/api/v1/resources/Team/x', { as: secret, body: {} });
    expect(write.body.error.code).toBe('AUTH_SCOPE');
    t.clock.advance(61_000);
    expect((await t.req('GET', '/api/v1/resources/Service', { as: secret })).status).toBe(401);

    const other = (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'ci2', scopes: ['read'] } })).body;
    expect((await t.req('DELETE', `/api/v1/tokens/${other.id}`, { as: t.admin })).status).toBe(204);
    const revoked = await t.req('GET', '/api/v1/resources/Service', { as: other.token });
    expect([revoked.status, revoked.body.error.code]).toEqual([401, 'AUTH_FAILED']);
    expect((await t.req('GET', '/api/v1/resources/Service', { as: 'ethos_not-a-real-token' })).status).toBe(401);
  });

  it('a disabled user cannot sign in and their tokens stop working; an admin reset forces a new password', async () => {
    const tok = await t.user('hank');
    await t.req('PATCH', '/api/v1/users/hank', { as: t.admin, body: { disabled: true } });
    expect((await t.req('GET', '/api/v1/me', { as: tok })).status).toBe(401);
    expect((await login('hank', 'Fresh-Passw0rd-18')).status).toBe(401);
    await t.req('PATCH', '/api/v1/users/hank', { as: t.admin, body: { disabled: false } });
    const reset = await t.req('PATCH', '/api/v1/users/hank', { as: t.admin, body: { resetPassword: true } });
    const l = await login('hank', reset.body.temporaryPassword);
    expect(l.body.user.mustChangePassword).toBe(true);
    const self = await t.req('PATCH', '/api/v1/users/admin', { as: t.admin, body: { disabled: true } });
    expect(self.body.error.code).toBe('FORBIDDEN');
    const dup = await t.req('POST', '/api/v1/users', { as: t.admin, body: { name: 'HANK' } });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'USER_EXISTS']);
  });

  describe('editing your own profile', () => {
    let ivy: string;
    const meOf = async (token: string) => (await t.req('GET', '/api/v1/me', { as: token })).body.user;
    /** A user as an admin sees it, email included. */
    const userAsAdmin = async (name: string) => (await t.req('GET', `/api/v1/users?q=${name}`, { as: t.admin })).body.items.find((u: { name: string }) => u.name === name);

    beforeAll(async () => {
      ivy = await t.user('ivy');
      await t.user('jo');
    });

    it('a user changes their own display name and email, sees them in GET /me, and the change is audited', async () => {
      const res = await t.req('PATCH', '/api/v1/me', { as: ivy, body: { displayName: '  Ivy Ng ', email: 'ivy@example.test' } });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ name: 'ivy', displayName: 'Ivy Ng', email: 'ivy@example.test', admin: false });
      expect(await meOf(ivy)).toMatchObject({ displayName: 'Ivy Ng', email: 'ivy@example.test' });

      // a field left out stays; null removes one
      await t.req('PATCH', '/api/v1/me', { as: ivy, body: { email: null } });
      expect(await meOf(ivy)).toMatchObject({ displayName: 'Ivy Ng', email: null });
      await t.req('PATCH', '/api/v1/me', { as: ivy, body: { email: 'ivy@example.test' } });

      const audit = await t.req('GET', '/api/v1/audit?actor=ivy&action=user.update', { as: t.admin });
      expect(audit.body.items.map((e: { targetName: string; details: unknown }) => [e.targetName, e.details])).toEqual([
        ['ivy', { email: 'ivy@example.test' }],
        ['ivy', { email: null }],
        ['ivy', { displayName: 'Ivy Ng', email: 'ivy@example.test' }],
      ]);
    });

    it("changes only the caller's record: someone else's stays as it was", async () => {
      const other = await t.req('PATCH', '/api/v1/users/jo', { as: ivy, body: { displayName: 'Not Jo' } });
      expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
      const named = await t.req('PATCH', '/api/v1/me', { as: ivy, body: { name: 'jo', displayName: 'Not Jo' } });
      expect([named.status, named.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
      await t.req('PATCH', '/api/v1/me', { as: ivy, body: { displayName: 'Ivy N.' } });
      expect(await userAsAdmin('jo')).toMatchObject({ displayName: null, email: null });
      expect(await userAsAdmin('ivy')).toMatchObject({ displayName: 'Ivy N.' });
    });

    it('emails stay visible only to admins and the user', async () => {
      const jo = await t.user('jo2');
      const seenBy = async (token: string) => (await t.req('GET', '/api/v1/users?q=ivy', { as: token })).body.items[0].email;
      expect([await seenBy(ivy), await seenBy(t.admin), await seenBy(jo)]).toEqual(['ivy@example.test', 'ivy@example.test', null]);
    });

    it('a bad email or display name is refused with 400 and changes nothing', async () => {
      const before = await meOf(ivy);
      for (const body of [
        { displayName: 'Someone Else', email: 'not-an-email' },
        { email: `${'a'.repeat(250)}@example.test` },
        { displayName: 'x'.repeat(201) },
        { displayName: '   ' },
        { email: 42 },
      ]) {
        const res = await t.req('PATCH', '/api/v1/me', { as: ivy, body });
        expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
      }
      const bad = await t.req('PATCH', '/api/v1/me', { as: ivy, body: { email: 'not-an-email' } });
      expect(bad.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['/email']);
      expect(await meOf(ivy)).toEqual(before);
    });

    it('a session needs the CSRF header; read-only, service-account and must-change-password callers are refused', async () => {
      const l = await login('ivy', 'Fresh-Passw0rd-16');
      const cookie = cookieOf(l);
      const noCsrf = await t.req('PATCH', '/api/v1/me', { headers: { cookie }, body: { displayName: 'By Cookie' } });
      expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'AUTH_CSRF']);
      expect((await meOf(ivy)).displayName).toBe('Ivy N.');
      const withCsrf = await t.req('PATCH', '/api/v1/me', { headers: { cookie, 'x-csrf-token': l.body.csrfToken }, body: { displayName: 'By Cookie' } });
      expect([withCsrf.status, withCsrf.body.user.displayName]).toEqual([200, 'By Cookie']);

      const reader = await t.user('reader', { scopes: ['read'] });
      const readOnly = await t.req('PATCH', '/api/v1/me', { as: reader, body: { displayName: 'Reader' } });
      expect([readOnly.status, readOnly.body.error.code]).toEqual([403, 'AUTH_SCOPE']);
      expect((await meOf(reader)).displayName).toBeNull();

      await t.req('PUT', '/api/v1/resources/Team/ivy-team', { as: ivy, body: teamDoc('ivy-team', [{ user: 'ivy', role: 'maintainer' }]) });
      const teamToken = (await t.req('POST', '/api/v1/tokens', { as: ivy, body: { name: 'deploy', type: 'team', team: 'ivy-team', scopes: ['read', 'write'] } })).body.token;
      const sa = await t.req('PATCH', '/api/v1/me', { as: teamToken, body: { displayName: 'Robot' } });
      expect([sa.status, sa.body.error.code]).toEqual([403, 'FORBIDDEN']);
      expect((await meOf(ivy)).displayName).toBe('By Cookie');

      const reset = await t.req('PATCH', '/api/v1/users/jo', { as: t.admin, body: { resetPassword: true } });
      const jo = await login('jo', reset.body.temporaryPassword);
      const blocked = await t.req('PATCH', '/api/v1/me', { headers: { cookie: cookieOf(jo), 'x-csrf-token': jo.body.csrfToken }, body: { displayName: 'Jo' } });
      expect([blocked.status, blocked.body.error.code]).toEqual([403, 'AUTH_PASSWORD_CHANGE_REQUIRED']);
    });
  });

  it('public endpoints answer without auth; everything else needs it', async () => {
    expect((await t.req('GET', '/healthz')).status).toBe(200);
    expect((await t.req('GET', '/readyz')).status).toBe(200);
    const openapi = await t.req('GET', '/api/v1/openapi.json');
    expect(openapi.status).toBe(200);
    for (const p of ['/api/v1/resources/{kind}/{name}', '/api/v1/change-requests/{id}/merge', '/api/v1/apply', '/api/v1/tokens', '/api/v1/audit']) {
      expect(Object.keys(openapi.body.paths)).toContain(p);
    }
    const metrics = await t.req('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('ethos_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/api/v1/openapi.json"');
    for (const url of ['/api/v1/resources/Service', '/api/v1/users', '/api/v1/change-requests', '/api/v1/audit', '/api/v1/inbox']) {
      expect((await t.req('GET', url)).status).toBe(401);
    }
  });

  it('ETHOS_METRICS_TOKEN protects /metrics', async () => {
    const other = await createTestContext(dbKind, { metricsToken: 'm-secret' });
    try {
      expect((await other.req('GET', '/metrics')).status).toBe(401);
      expect((await other.req('GET', '/metrics', { headers: { authorization: 'Bearer m-secret' } })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('logs never contain passwords, tokens or session cookies', async () => {
    const l = await login('admin', ADMIN_PASSWORD);
    await t.req('GET', '/api/v1/me', { headers: { cookie: cookieOf(l) } });
    const tok = await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'log-check' } });
    await t.req('GET', '/api/v1/me', { as: tok.body.token });
    const all = logLines.join('\n');
    expect(all).toContain('incoming request');
    for (const secret of [ADMIN_PASSWORD, tok.body.token, cookieOf(l).split('=')[1]!, t.admin]) expect(all).not.toContain(secret);
  });
});
