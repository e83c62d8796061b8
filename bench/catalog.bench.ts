/**
 * Catalog benchmark: starts a real `ethos serve` on loopback, loads 2,000 teams and 100,000
 * services through the API, then measures list latency with an owner filter, a label selector
 * and a text query, `ethos apply` of 10,000 documents, and 200 concurrent writers.
 *
 *   node bin/run-ts.js bench/catalog.bench.ts [--db sqlite|postgres] [--services 100000] [--teams 2000]
 *
 * PostgreSQL: set ETHOS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
 * a fresh database is created and dropped.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { adminToken, log, startEthos } from './support.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const dbKind = args.get('db') ?? 'sqlite';
const SERVICES = Number(args.get('services') ?? 100_000);
const TEAMS = Number(args.get('teams') ?? 2_000);
const SAMPLES = Number(args.get('samples') ?? 300);
const PORT = 4700 + Math.floor(Math.random() * 200);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'bench-admin-password';
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


function team(i: number) {
  return { apiVersion: 'ethos/v1', kind: 'Team', metadata: { name: `team-${i}`, owner: `team-${i}` }, spec: { members: [] } };
}

function service(i: number, prefix = 'svc') {
  const w1 = words[i % words.length]!;
  const w2 = words[(i * 7) % words.length]!;
  return {
    apiVersion: 'ethos/v1',
    kind: 'Service',
    metadata: {
      name: `${prefix}-${String(i).padStart(6, '0')}`,
      owner: `team-${i % TEAMS}`,
      title: `${w1} ${w2} ${i}`,
      description: `Handles ${w1} for the ${w2} domain (unit ${i}).`,
      labels: { tier: `t${i % 5}`, region: `r${i % 20}`, shard: `s${i % 1000}` },
    },
    spec: { lifecycle: i % 3 === 0 ? 'production' : 'experimental', tier: String(i % 4), dependsOn: [] },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(label: string, urls: () => string, token: string) {
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < 20; i++) await api('GET', urls(), token);
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    const res = await api('GET', urls(), token);
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(res.body)}`);
    items += res.body.items.length;
  }
  times.sort((a, b) => a - b);
  log(`${dbKind} list ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, mean items/page ${(items / SAMPLES).toFixed(1)} (${SAMPLES} sequential requests, limit 50)`);
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-bench-'));
  const env: Record<string, string> = { ETHOS_DATA_DIR: dataDir };
  let dropPg: (() => Promise<void>) | null = null;
  if (dbKind === 'postgres') {
    const adminUrl = process.env.ETHOS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const name = `ethos_bench_${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    env.ETHOS_DATABASE_URL = url.toString();
    dropPg = async () => {
      const d = new pg.Client({ connectionString: adminUrl });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    };
  }
  const server = await startEthos({ port: PORT, password: PASSWORD, env });
  try {
    const token = await adminToken(BASE, PASSWORD);
    log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, database ${dbKind}`);

    // load: teams, then services, through POST /api/v1/apply in batches of 1000
    let t0 = performance.now();
    for (let i = 0; i < TEAMS; i += 1000) {
      const docs = Array.from({ length: Math.min(1000, TEAMS - i) }, (_, k) => team(i + k));
      const r = await api('POST', '/api/v1/apply', token, { documents: docs });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    }
    for (let i = 0; i < SERVICES; i += 1000) {
      const docs = Array.from({ length: Math.min(1000, SERVICES - i) }, (_, k) => service(i + k));
      const r = await api('POST', '/api/v1/apply', token, { documents: docs });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body).slice(0, 500));
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    log(`${dbKind} load ${TEAMS} teams + ${SERVICES} services via POST /api/v1/apply (batches of 1000): ${loadSeconds.toFixed(1)} s (${Math.round(SERVICES / loadSeconds)} docs/s)`);

    let k = 0;
    await measure('owner filter', () => `/api/v1/resources/Service?owner=team-${(k++ * 37) % TEAMS}&limit=50`, token);
    await measure('label selector region=rN', () => `/api/v1/resources/Service?label=region=r${k++ % 20}&limit=50`, token);
    await measure('label selector shard=sN (100 matches)', () => `/api/v1/resources/Service?label=shard=s${k++ % 1000}&limit=50`, token);
    await measure('two labels region+tier', () => `/api/v1/resources/Service?label=region=r${k % 20}&label=tier=t${k++ % 5}&limit=50`, token);
    await measure('text query, common word', () => `/api/v1/resources/Service?q=${words[k++ % words.length]}&limit=50`, token);
    await measure('text query, rare (one match)', () => `/api/v1/resources/Service?q=svc-0${String((k++ * 7919) % SERVICES).padStart(5, '0')}&limit=50`, token);
    await measure('text query, no match', () => `/api/v1/resources/Service?q=zzqx${k++}&limit=50`, token);
    await measure('owner + label + text', () => `/api/v1/resources/Service?owner=team-${k % TEAMS}&label=tier=t${k++ % 5}&q=unit&limit=50`, token);

    // ethos apply of 10,000 documents from files, through the CLI
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-apply-'));
    for (let f = 0; f < 10; f++) {
      const docs = Array.from({ length: 1000 }, (_, j) => service(f * 1000 + j, 'applied'));
      fs.writeFileSync(path.join(dir, `services-${f}.yaml`), docs.map((d) => stringify(d)).join('---\n'));
    }
    const cliEnv = { ...process.env, ETHOS_URL: BASE, ETHOS_TOKEN: token };
    t0 = performance.now();
    const first = spawnSync(process.execPath, ['bin/ethos.js', 'apply', '-f', dir], { env: cliEnv, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    const firstSeconds = (performance.now() - t0) / 1000;
    if (first.status !== 0) throw new Error(`ethos apply failed: ${first.stderr.slice(0, 2000)}`);
    const created = (first.stdout.match(/: created/g) ?? []).length;
    log(`${dbKind} ethos apply -f <10 files, 10,000 new services>: ${firstSeconds.toFixed(2)} s (${created} created)`);
    t0 = performance.now();
    const second = spawnSync(process.execPath, ['bin/ethos.js', 'apply', '-f', dir], { env: cliEnv, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    const secondSeconds = (performance.now() - t0) / 1000;
    const unchanged = (second.stdout.match(/: unchanged/g) ?? []).length;
    log(`${dbKind} ethos apply of the same 10,000 again: ${secondSeconds.toFixed(2)} s (${unchanged} unchanged)`);

    // 200 concurrent clients writing distinct resources
    t0 = performance.now();
    const writes = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const doc = service(500_000 + i, 'conc');
        const a = await api('PUT', `/api/v1/resources/Service/${doc.metadata.name}`, token, doc);
        const b = await api('PUT', `/api/v1/resources/Service/${doc.metadata.name}`, token, { ...doc, spec: { ...doc.spec, tier: 'x' } }, { 'if-match': '"1"' });
        return [a.status, b.status];
      }),
    );
    const errors = writes.flat().filter((s) => s >= 300).length;
    let lost = 0;
    for (let i = 0; i < 200; i++) {
      const name = service(500_000 + i, 'conc').metadata.name;
      const revs = await api('GET', `/api/v1/resources/Service/${name}/revisions`, token);
      if (revs.body.items.length !== 2) lost++;
    }
    log(`${dbKind} 200 concurrent clients, create + If-Match update each: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${errors} errors, ${lost} resources missing a revision`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (dropPg) await dropPg();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
