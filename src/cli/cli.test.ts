import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EthosApp } from '../server/app.ts';
import { systemClock } from '../server/platform/clock.ts';
import { openDatabase, type Db } from '../server/platform/db.ts';
import { createMetrics } from '../server/platform/metrics.ts';
import { migrateToLatest } from '../server/platform/migrations/index.ts';

const BIN = fileURLToPath(new URL('../../bin/ethos.js', import.meta.url));
const ADMIN_PASSWORD = 'admin-password-1';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let db: Db;
let app: EthosApp;
let url: string;
let tmp: string;
let adminConfig: string;
let bobConfig: string;

/**
 * Runs `node bin/ethos.js` as a child process. It never sees this process' ETHOS_* variables:
 * only `env`, a private HOME and, unless overridden, the admin's config file.
 */
function ethos(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: tmp, ETHOS_CONFIG: adminConfig, ...opts.env };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return new Promise((resolve, reject) => {
    // async on purpose: the server answering the CLI runs in this very process
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs the CLI as the admin, authenticated through ETHOS_URL / ETHOS_TOKEN. */
async function asAdmin(args: string[]): Promise<Run> {
  const { token } = JSON.parse(await fs.readFile(adminConfig, 'utf8')) as { token: string };
  return ethos(args, { env: { ETHOS_URL: url, ETHOS_TOKEN: token } });
}

async function write(file: string, text: string): Promise<string> {
  const full = path.join(tmp, file);
  await fs.mkdir(path.dirname(full), { recursive: true });
  await fs.writeFile(full, text);
  return full;
}

async function apiGet(pathname: string, token: string) {
  const res = await app.inject({ method: 'GET', url: pathname, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json() as any };
}

const adminToken = async () => (JSON.parse(await fs.readFile(adminConfig, 'utf8')) as { token: string }).token;

const TEAM = `apiVersion: ethos/v1
kind: Team
metadata:
  name: payments
  title: Payments
spec:
  members:
    - user: admin
      role: maintainer
`;

const service = (name: string, title: string) => `apiVersion: ethos/v1
kind: Service
metadata:
  name: ${name}
  owner: payments
  title: ${title}
  labels:
    tier: critical
spec:
  lifecycle: production
`;

beforeAll(async () => {
  db = openDatabase(':memory:');
  await migrateToLatest(db);
  app = await buildApp({ db, clock: systemClock, secretKey: Buffer.alloc(32, 7), metrics: createMetrics() });
  await app.services.identity.bootstrapAdmin(ADMIN_PASSWORD);
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-'));
  adminConfig = path.join(tmp, 'admin', 'config.json');
  bobConfig = path.join(tmp, 'bob', 'config.json');
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('the ethos CLI against a running server', { timeout: 60_000 }, () => {
  it('login saves a token in a config file only its owner can read, and later verbs use it', async () => {
    const login = await ethos(['login', '--url', url, '--username', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`signed in to ${url} as admin`);
    expect((await fs.stat(adminConfig)).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await fs.readFile(adminConfig, 'utf8'));
    expect(config).toMatchObject({ url, token: expect.stringMatching(/^ethos_/) });
    expect((await apiGet('/api/v1/me', config.token)).body.scopes.sort()).toEqual(['read', 'write']);

    // no ETHOS_URL, no ETHOS_TOKEN: the saved server and token
    const get = await ethos(['get', 'team', '-o', 'json']);
    expect(get.stderr).toBe('');
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual([]);
  });

  it('a wrong password fails with the server\'s message and saves nothing', async () => {
    const other = path.join(tmp, 'nobody', 'config.json');
    const run = await ethos(['login', '--url', url, '--username', 'admin', '--password-stdin'], { input: 'not-the-password\n', env: { ETHOS_CONFIG: other } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('wrong user name or password');
    await expect(fs.stat(other)).rejects.toThrow();
  });

  it('apply of a directory creates a team and two services, and applying it again changes nothing', async () => {
    await write('catalog/team.yaml', TEAM);
    await write('catalog/services/all.yaml', `${service('checkout', 'Checkout')}---\n${service('ledger', 'Ledger')}`);
    await write('catalog/README.md', '# not a document\n');

    const first = await ethos(['apply', '-f', path.join(tmp, 'catalog')]);
    expect(first.code).toBe(0);
    const outcomes = first.stdout.split('\n').filter((l) => /^\w+\/[\w.-]+: /.test(l));
    expect(outcomes).toEqual(['Team/payments: created', 'Service/checkout: created', 'Service/ledger: created']);
    expect(first.stdout).toContain('+  title: Checkout');

    const [second, list, one] = await Promise.all([
      ethos(['apply', '-f', path.join(tmp, 'catalog')]),
      ethos(['get', 'services', '--label', 'tier=critical']),
      ethos(['get', 'Service', 'checkout']),
    ]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('Team/payments: unchanged\nService/checkout: unchanged\nService/ledger: unchanged\n');
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+OWNER\s+TITLE\s+REVISION\s+UPDATED$/);
    expect(list.stdout).toMatch(/checkout\s+payments\s+Checkout\s+1/);
    expect(list.stdout).toMatch(/ledger\s+payments\s+Ledger\s+1/);
    expect(one.stdout).toContain('kind: Service');
    expect(one.stdout).toContain('owner: payments');
  });

  it('apply of a file with a YAML syntax error names the file and line, and sends nothing', async () => {
    // line 15 is the broken one: a value that is itself a mapping, on one line
    const bad = await write('bad.yaml', `${service('orphan', 'Orphan')}---\napiVersion: ethos/v1\nkind: Service\nmetadata:\n  name: broken: yes\n  owner: payments\n`);
    const run = await ethos(['apply', '-f', bad]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${bad}:15:`);
    expect(run.stderr).toContain('nothing was sent');
    expect((await apiGet('/api/v1/resources/Service/orphan', await adminToken())).status).toBe(404);
  });

  it('diff prints what apply would change, without writing', async () => {
    const changed = await write('changed/ledger.yaml', service('ledger', 'General Ledger'));
    const run = await ethos(['diff', '-f', changed]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('-  title: Ledger\n+  title: General Ledger');
    expect(run.stdout).not.toContain('Service/ledger: ');
    expect((await apiGet('/api/v1/resources/Service/ledger', await adminToken())).body.metadata.title).toBe('Ledger');
  });

  it('user create prints a temporary password, which must be changed at the first login', async () => {
    const created = await asAdmin(['user', 'create', 'bob', '--email', 'bob@acme.dev', '--display-name', 'Bob']);
    expect(created.code).toBe(0);
    const temporary = created.stdout.trim();
    expect(temporary).toMatch(/^\S{10,}$/);
    expect(created.stderr).toContain('created user bob');

    const refused = await ethos(['login', '--url', url, '--username', 'bob', '--password-stdin'], { input: `${temporary}\n`, env: { ETHOS_CONFIG: bobConfig } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the password of bob is temporary and must be changed first');
    await expect(fs.stat(bobConfig)).rejects.toThrow();

    const login = await ethos(['login', '--url', url, '--username', 'bob', '--password-stdin', '--new-password-stdin'], {
      input: `${temporary}\nnew-secret-pass-1\n`,
      env: { ETHOS_CONFIG: bobConfig },
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('as bob');
    expect((await fs.stat(bobConfig)).mode & 0o777).toBe(0o600);
  });

  it('a non-owner\'s apply becomes a change request that an owner approves and merges', async () => {
    const proposal = await write('bob/checkout.yaml', service('checkout', 'Checkout v2'));
    const proposed = await ethos(['apply', '-f', proposal, '-m', 'rename checkout'], { env: { ETHOS_CONFIG: bobConfig } });
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toContain('Service/checkout: proposed (change request #1)\n');
    expect(proposed.stdout).toContain('+  title: Checkout v2');

    const [inbox, show] = await Promise.all([ethos(['cr', 'list', '--to-review']), ethos(['cr', 'show', '1'])]);
    expect(inbox.stdout).toMatch(/#1\s+open\s+update\s+Service\/checkout\s+payments\s+bob/);
    expect(show.stdout).toContain('#1 update Service/checkout (owner: payments): open');
    expect(show.stdout).toContain('mergeable: no');
    expect(show.stdout).toContain('+  title: Checkout v2');

    const early = await ethos(['cr', 'merge', '1']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('[CHANGE_REQUEST_NOT_APPROVED]');

    const review = await ethos(['cr', 'review', '1', '--approve', '-m', 'looks good']);
    expect(review.code).toBe(0);
    expect(review.stdout).toBe('#1: approved (it can be merged now)\n');
    const merge = await ethos(['cr', 'merge', '1']);
    expect(merge.code).toBe(0);
    expect(merge.stdout).toBe('#1: merged into Service/checkout as revision 2\n');
    expect((await apiGet('/api/v1/resources/Service/checkout', await adminToken())).body.metadata.title).toBe('Checkout v2');
  });

  it('history lists the revisions of a resource and rollback returns to one', async () => {
    const history = await ethos(['history', 'service', 'checkout']);
    expect(history.code).toBe(0);
    const rows = history.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^REVISION\s+TIME\s+AUTHOR\s+SOURCE\s+MESSAGE$/);
    expect(rows[1]).toMatch(/^2\s+\S+Z\s+bob\s+change-request #1\s+rename checkout/);
    expect(rows[2]).toMatch(/^1\s+\S+Z\s+admin\s+apply/);

    const rollback = await ethos(['rollback', 'service', 'checkout', '1']);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toBe('Service/checkout: rolled back to revision 1 as revision 3\n');
    expect((await apiGet('/api/v1/resources/Service/checkout', await adminToken())).body.metadata.title).toBe('Checkout');
  });

  it('token create prints the secret once, and token revoke stops it working', async () => {
    const created = await ethos(['token', 'create', '--name', 'ci', '--scope', 'read', '--scope', 'write', '--expires', '30d']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^ethos_\S+$/);
    const id = /created token (tok_\S+)/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();
    expect((await apiGet('/api/v1/me', secret)).status).toBe(200);

    const [revoke, list] = await Promise.all([ethos(['token', 'revoke', id!]), ethos(['token', 'list', '-o', 'json'])]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toBe(`revoked ${id}\n`);
    expect(JSON.parse(list.stdout).map((t: { name: string }) => t.name)).toContain('ci');
    expect((await apiGet('/api/v1/me', secret)).status).toBe(401);
  });

  it('import-backstage creates users, teams and services, and importing again changes nothing', async () => {
    await write(
      'backstage/catalog-info.yaml',
      `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: team
  profile: { displayName: Platform }
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: carol
spec:
  profile: { displayName: Carol, email: carol@acme.dev }
  memberOf: [group:default/platform]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: gateway
  annotations:
    backstage.io/source-location: url:https://github.com/acme/gateway/
spec:
  type: service
  owner: group:default/platform
  lifecycle: alpha
  dependsOn: [component:default/checkout]
`,
    );
    await write('backstage/chart/templates/deployment.yaml', 'metadata:\n  name: {{ .Release.Name }}\n  bad: [\n');
    const dir = path.join(tmp, 'backstage');
    const first = await ethos(['import-backstage', dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^user\/carol: created \(temporary password: \S+\)$/m);
    expect(first.stdout).toContain('Team/platform: created\n');
    expect(first.stdout).toContain('Service/gateway: created\n');
    expect(first.stderr).toContain('deployment.yaml is not valid YAML; skipped');
    const gateway = (await apiGet('/api/v1/resources/Service/gateway', await adminToken())).body;
    expect(gateway.spec).toMatchObject({ lifecycle: 'experimental', dependsOn: ['checkout'], repository: 'https://github.com/acme/gateway/' });

    const second = await ethos(['import-backstage', dir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('user/carol: exists\nTeam/platform: unchanged\nService/gateway: unchanged\n');
  });

  it('an API error is reported with its message and code, with a non-zero exit', async () => {
    const run = await ethos(['cr', 'close', '99']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('ethos: no change request #99 [CHANGE_REQUEST_NOT_FOUND]\n');
  });
  it('metrics lists what a service sent and prints a metric per step, grouped', async () => {
    const minted = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken()}` }, body: JSON.stringify({ name: 'otel', type: 'ingest', scopes: ['ingest'] }) });
    const { token } = (await minted.json()) as { token: string };
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const points = [3, 2, 1].flatMap((ago, i) => ['a', 'b'].map((pool) => ({ timeUnixNano: `${BigInt(now - ago * 60_000) * 1_000_000n}`, asDouble: (pool === 'a' ? 10 : 20) + i, attributes: [{ key: 'pool', value: { stringValue: pool } }] })));
    const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-svc' } }] }, scopeMetrics: [{ metrics: [{ name: 'conn.open', unit: '{connection}', gauge: { dataPoints: points } }] }] }] };
    const sent = await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect(sent.status).toBe(200);

    const list = await ethos(['metrics', 'cli-svc']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^METRIC\s+KIND\s+UNIT\s+SERIES/);
    expect(list.stdout).toMatch(/conn\.open\s+gauge\s+\{connection\}\s+2/);

    const q = await ethos(['metrics', 'cli-svc', 'conn.open', '--from', 'now-5m', '--step', '60', '--by', 'pool']);
    expect(q.code).toBe(0);
    expect(q.stdout).toContain('conn.open (gauge), avg per 60 s');
    expect(q.stdout).toMatch(/TIME\s+POOL=A\s+POOL=B/);
    const rows = q.stdout.split('\n').filter((l) => /^\d{4}-/.test(l)).map((l) => l.split(/\s+/).slice(1));
    expect(rows.filter((r) => r[0] !== '-')).toEqual([['10', '20'], ['11', '21'], ['12', '22']]);

    const json = await ethos(['metrics', 'cli-svc', 'conn.open', '--fn', 'sum', '--from', 'now-5m', '--step', '60', '-o', 'json']);
    expect(JSON.parse(json.stdout).series[0].values.filter((v: number | null) => v !== null)).toEqual([30, 32, 34]);
    const instant = await ethos(['metrics', 'cli-svc', 'conn.open', '--fn', 'max', '--from', 'now-5m', '--instant', '--by', 'pool']);
    expect(instant.stdout).toContain('conn.open (gauge), max over the range');
    expect(instant.stdout.split('\n').filter((l) => /^\d{4}-/.test(l)).map((l) => l.split(/\s+/).slice(1))).toEqual([['12', '22']]);

    const missing = await ethos(['metrics', 'no-such-svc']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no metrics from "no-such-svc" yet');
  });
  it('logs prints a service\'s records oldest first, filtered, and --follow prints new ones as they come', async () => {
    const minted = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken()}` }, body: JSON.stringify({ name: 'otel-logs', type: 'ingest', scopes: ['ingest'] }) });
    const { token } = (await minted.json()) as { token: string };
    const send = (records: { body: string; severityNumber: number }[]) =>
      fetch(`${url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-logs' } }] }, scopeLogs: [{ logRecords: records.map((r, i) => ({ ...r, timeUnixNano: `${BigInt(Date.now() - 1000 + i) * 1_000_000n}`, body: { stringValue: r.body } })) }] }] }),
      });
    expect((await send([{ body: 'starting up', severityNumber: 9 }, { body: 'disk almost full', severityNumber: 13 }])).status).toBe(200);

    const all = await ethos(['logs', 'cli-logs']);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(1, 3))).toEqual([
      ['INFO', 'starting up'],
      ['WARN', 'disk almost full'],
    ]);
    expect((await ethos(['logs', 'cli-logs', '--severity', 'warn'])).stdout).not.toContain('starting up');
    const bad = await ethos(['logs', 'cli-logs', '--severity', 'loud']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--severity must be one of');

    const { token: cliToken } = JSON.parse(await fs.readFile(adminConfig, 'utf8')) as { token: string };
    const child = spawn(process.execPath, [BIN, 'logs', 'cli-logs', '--follow', '--interval', '1'], { env: { PATH: process.env.PATH ?? '', HOME: tmp, ETHOS_URL: url, ETHOS_TOKEN: cliToken }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !out.includes('disk almost full'); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await send([{ body: 'a new line while following', severityNumber: 17 }])).status).toBe(200);
      for (let i = 0; i < 100 && !out.includes('a new line while following'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/ERROR\s+a new line while following/);
      expect(out.match(/starting up/g)).toHaveLength(1);
    } finally {
      child.kill();
    }
  });
  it('exceptions lists a service\'s exception groups and shows one with its stack trace', async () => {
    const minted = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken()}` }, body: JSON.stringify({ name: 'otel-exc', type: 'ingest', scopes: ['ingest'] }) });
    const { token } = (await minted.json()) as { token: string };
    const attrs = [
      { key: 'exception.type', value: { stringValue: 'RangeError' } },
      { key: 'exception.message', value: { stringValue: 'quantity must be positive' } },
      { key: 'exception.stacktrace', value: { stringValue: 'RangeError: quantity must be positive\n    at addToCart (/app/src/cart.js:10:5)' } },
    ];
    const sent = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-exc' } }] }, scopeLogs: [{ logRecords: [1, 2].map((i) => ({ timeUnixNano: `${BigInt(Date.now() - i * 1000) * 1_000_000n}`, severityNumber: 17, body: { stringValue: 'cart failed' }, attributes: attrs })) }] }] }),
    });
    expect(sent.status).toBe(200);
    const list = await ethos(['exceptions', 'cli-exc']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+COUNT\s+LAST SEEN/);
    const row = list.stdout.split('\n')[1]!;
    expect(row).toMatch(/^\d+\s+unresolved\s+2\s+/);
    expect(row).toContain('RangeError: quantity must be positive');
    const id = row.split(/\s+/)[0]!;
    const shown = await ethos(['exceptions', 'cli-exc', id]);
    expect(shown.stdout).toContain('at addToCart (/app/src/cart.js:10:5)');
    const resolved = await ethos(['exceptions', 'cli-exc', id, '--status', 'resolved']);
    expect(resolved.stdout).toContain('status resolved');
  });
  it('quotas lists teams\' telemetry usage against their limits; quotas set changes them for admins only', async () => {
    const minted = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken()}` }, body: JSON.stringify({ name: 'otel-quotas', type: 'ingest', scopes: ['ingest'] }) });
    const { token } = (await minted.json()) as { token: string };
    // three series of checkout, which payments owns
    const points = ['a', 'b', 'c'].map((pod) => ({ timeUnixNano: `${BigInt(Date.now() - 1000) * 1_000_000n}`, asDouble: 1, attributes: [{ key: 'pod', value: { stringValue: pod } }] }));
    const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [{ name: 'mem', gauge: { dataPoints: points } }] }] }] };
    expect((await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })).status).toBe(200);

    const set = await ethos(['quotas', 'set', 'payments', '--active-series', '4', '--spans-per-second', '500']);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout.split('\n').slice(0, 4)).toEqual([
      expect.stringMatching(/^MEASURE\s+USED\s+LIMIT\s+USE\s+LIMIT SET BY$/),
      expect.stringMatching(/^active series\s+3\s+4\s+75%\s+admin$/),
      expect.stringMatching(/^log records\/s\s+0\s+100000\s+0%\s+default$/),
      expect.stringMatching(/^spans\/s\s+0\s+500\s+0%\s+admin$/),
    ]);

    const list = await ethos(['quotas']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^TEAM\s+ACTIVE SERIES\s+LOG RECORDS\/S\s+SPANS\/S\s+LIMITS\n/);
    expect(list.stdout).toMatch(/\npayments\s+3\/4 \(75%\)\s+0\/100000 \(0%\)\s+0\/500 \(0%\)\s+admin\n/);
    expect(list.stdout).toMatch(/\nplatform\s+0\/1000000 \(0%\)\s+0\/100000 \(0%\)\s+0\/100000 \(0%\)\s+default\n/);

    const reset = await ethos(['quotas', 'set', 'payments', '--spans-per-second', 'default', '-o', 'json']);
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ team: 'payments', limits: { activeSeries: 4, spansPerSecond: 100_000 }, overrides: { activeSeries: 4, logRecordsPerSecond: null, spansPerSecond: null }, usage: { activeSeries: 3 } });

    const refused = await ethos(['quotas', 'set', 'payments', '--active-series', '1000'], { env: { ETHOS_CONFIG: bobConfig } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('ethos: only an administrator may do this [FORBIDDEN]\n');
    const asBob = await ethos(['quotas', 'payments', '-o', 'json'], { env: { ETHOS_CONFIG: bobConfig } });
    expect(asBob.stderr).toBe('');
    expect(asBob.code).toBe(0);
    expect(JSON.parse(asBob.stdout).limits.activeSeries).toBe(4);

    const nothing = await ethos(['quotas', 'set', 'payments']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('give at least one of --active-series, --log-records-per-second, --spans-per-second');
    const negative = await ethos(['quotas', 'set', 'payments', '--active-series', '-3']);
    expect(negative.code).not.toBe(0);
    expect(negative.stderr).toContain('expected a whole number, or "default"');
  });
});
