import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { buildApp, type AppDeps, type EthosApp } from './app.ts';
import { ManualClock } from './platform/clock.ts';
import { openDatabase, type Db } from './platform/db.ts';
import { createMetrics } from './platform/metrics.ts';
import { migrateToLatest } from './platform/migrations/index.ts';

if (process.env.ETHOS_REQUIRE_POSTGRES && !process.env.ETHOS_TEST_DATABASE_URL) {
  throw new Error('ETHOS_REQUIRE_POSTGRES is set but ETHOS_TEST_DATABASE_URL is not: the PostgreSQL suites must run');
}

/** The databases storage and API suites run on: SQLite always, PostgreSQL when configured. */
export const databases: ('sqlite' | 'postgres')[] = process.env.ETHOS_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * Opens a fresh, migrated database of the given kind; `drop` removes it. `connect` opens another
 * handle on it, as a second replica would (on SQLite, whose database is in memory, the same
 * handle: Ethos runs one replica per SQLite database).
 */
export async function openTestDatabase(kind: 'sqlite' | 'postgres'): Promise<{ db: Db; drop(): Promise<void>; connect(): Db }> {
  if (kind === 'sqlite') {
    const db = openDatabase(':memory:');
    await migrateToLatest(db);
    return { db, drop: () => db.close(), connect: () => db };
  }
  const adminUrl = process.env.ETHOS_TEST_DATABASE_URL!;
  const name = `ethos_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = openDatabase(url.toString());
  await migrateToLatest(db);
  const others: Db[] = [];
  return {
    db,
    connect() {
      const other = openDatabase(url.toString());
      others.push(other);
      return other;
    },
    async drop() {
      for (const other of others) await other.close();
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A running test application with helpers to act as different users. */
export interface TestContext {
  app: EthosApp;
  db: Db;
  clock: ManualClock;
  close(): Promise<void>;
  /** Creates a user (admins: `admin: true`) and returns a bearer token with the given scopes. */
  user(name: string, opts?: { admin?: boolean; scopes?: ('read' | 'write' | 'ingest')[] }): Promise<string>;
  /** Sends a request; `as` is a bearer token. */
  req(method: string, url: string, opts?: { as?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, any> }>;
}

export const ADMIN_PASSWORD = 'admin-password-for-tests';

/** Builds an app on a fresh database with a manual clock and a signed-in admin token. */
export async function createTestContext(kind: 'sqlite' | 'postgres', extra: Partial<AppDeps> = {}): Promise<TestContext & { admin: string }> {
  const { db, drop } = await openTestDatabase(kind);
  const clock = new ManualClock('2026-06-01T12:00:00.000Z');
  const app = await buildApp({ db, clock, secretKey: Buffer.alloc(32, 9), metrics: createMetrics(), ...extra });
  await app.services.identity.bootstrapAdmin(ADMIN_PASSWORD);
  const req: TestContext['req'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.as) headers.authorization = `Bearer ${opts.as}`;
    const res = await app.inject({ method: method as 'GET', url, headers, ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });
    let body: any = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      // not JSON (metrics)
    }
    return { status: res.statusCode, body, headers: res.headers };
  };
  const login = await req('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const adminTok = await req('POST', '/api/v1/tokens', { headers: { cookie, 'x-csrf-token': login.body.csrfToken }, body: { name: 'admin', scopes: ['read', 'write', 'ingest'] } });
  const admin = adminTok.body.token as string;
  const ctx = {
    app,
    db,
    clock,
    admin,
    req,
    async close() {
      await app.close();
      await drop();
    },
    async user(name: string, opts: { admin?: boolean; scopes?: ('read' | 'write' | 'ingest')[] } = {}) {
      const password = `${name}-password-123`;
      const created = await req('POST', '/api/v1/users', { as: admin, body: { name, admin: !!opts.admin, password } });
      if (created.status !== 201) throw new Error(`creating ${name}: ${JSON.stringify(created.body)}`);
      // users created by an admin must change their password: do it, then mint a token
      const l1 = await req('POST', '/api/v1/auth/login', { body: { username: name, password } });
      const c1 = String(l1.headers['set-cookie']).split(';')[0]!;
      const newPassword = `Fresh-Passw0rd-${password.length}`;
      const ch = await req('POST', '/api/v1/me/password', { headers: { cookie: c1, 'x-csrf-token': l1.body.csrfToken }, body: { currentPassword: password, newPassword } });
      if (ch.status !== 204) throw new Error(`password change for ${name}: ${JSON.stringify(ch.body)}`);
      const l2 = await req('POST', '/api/v1/auth/login', { body: { username: name, password: newPassword } });
      const c2 = String(l2.headers['set-cookie']).split(';')[0]!;
      const tok = await req('POST', '/api/v1/tokens', { headers: { cookie: c2, 'x-csrf-token': l2.body.csrfToken }, body: { name: 't', scopes: opts.scopes ?? ['read', 'write'] } });
      if (tok.status !== 201) throw new Error(`token for ${name}: ${JSON.stringify(tok.body)}`);
      return tok.body.token as string;
    },
  };
  return ctx;
}

/** A Team document. */
export function teamDoc(name: string, members: { user: string; role?: 'maintainer' | 'member' }[] = [], extra: Record<string, unknown> = {}) {
  return { apiVersion: 'ethos/v1', kind: 'Team', metadata: { name, owner: name, ...extra }, spec: { members } };
}

/** A Service document. */
export function serviceDoc(name: string, owner: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return { apiVersion: 'ethos/v1', kind: 'Service', metadata: { name, owner, ...metadata }, spec: { lifecycle: 'production', ...spec } };
}
