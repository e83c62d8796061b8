/**
 * Alert latency benchmark (issue 5): from the moment a breaching point is ingested to the moment a
 * webhook receiver on loopback gets the firing notification, for Ethos and for Prometheus 2.42 +
 * Alertmanager 0.25 from Debian (`apt-get install prometheus prometheus-alertmanager`), one after
 * the other, on the same gauge and an equivalent rule:
 *
 *   1. ethos          a real `ethos serve` (SQLite, loopback) at its out-of-box settings; the breaching
 *                     point is sent over OTLP/HTTP JSON; latency = arrival − the moment just before sending.
 *   2. prom-default   Prometheus scrapes the bench's /metrics at Debian's prometheus.yml intervals (15 s
 *                     scrape, 15 s evaluation) and alerts to Alertmanager at its defaults (group_wait 30s,
 *                     group_interval 5m); latency = arrival − the moment /metrics started serving the value.
 *   3. prom-tuned     the same with 1 s scrape, 1 s evaluation, group_wait 0s, group_interval 1s.
 *   4. ethos-scale    Ethos again, with 10,000 active series of background load and 1,000 more rules,
 *                     and its evaluation pass metrics (missed cycles) from /metrics. Load: 100 services
 *                     (10 teams × 10) × 5 metrics (2 counters, 3 gauges) × 20 instances, one sample per
 *                     series every `scale-every` seconds by Prometheus remote write (2,000 samples a
 *                     request, as Prometheus sends them, so each request carries every service). Rules:
 *                     10 per service (rate, increase, avg, max, min, last; over 1m or 5m; by instance or
 *                     not; one absence), none breaching; the trial rule's name sorts after theirs, so a
 *                     pass evaluates it last. Missed cycle: a rule evaluated more than 15 s (1.5 × the
 *                     10 s interval) after its previous evaluation (ethos_alert_rule_evaluations_late_total).
 *
 *   node bin/run-ts.js bench/alerting.bench.ts [--trials 100] [--spread 60] [--prom-trials 20]
 *        [--prom-spread 120] [--tuned-trials 100] [--tuned-spread 60] [--scale-series 10000]
 *        [--scale-every 1] [--scale-warmup 30] [--only ethos,prom-default,prom-tuned,ethos-scale]
 *
 * Trials: each trial is its own series (`bench_gauge{trial="<setup>-<n>"}`, normal value 1) and its
 * own notification group (Ethos: groupBy [alertname, trial]; Alertmanager: group_by [trial]); the
 * breaching value (100, threshold 50) comes at a uniformly random moment within `spread` seconds,
 * so trials overlap. The receiver runs in a worker thread (its own event loop) and records the
 * first firing notification of each trial (Alertmanager webhook payload version 4).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { compressSync } from 'snappy';
import { adminToken, benchArgs, log, machineLine, percentile, startEthos, waitFor } from './support.ts';

const args = benchArgs();
const TRIALS = Number(args.get('trials') ?? 100);
const SPREAD_S = Number(args.get('spread') ?? 60);
const PROM_TRIALS = Number(args.get('prom-trials') ?? 20);
const PROM_SPREAD_S = Number(args.get('prom-spread') ?? 120);
const TUNED_TRIALS = Number(args.get('tuned-trials') ?? 100);
const TUNED_SPREAD_S = Number(args.get('tuned-spread') ?? 60);
const SCALE_SERIES = Number(args.get('scale-series') ?? 10_000);
const SCALE_EVERY_S = Number(args.get('scale-every') ?? 1);
const SCALE_WARMUP_S = Number(args.get('scale-warmup') ?? 30);
const ONLY = new Set((args.get('only') ?? 'ethos,prom-default,prom-tuned,ethos-scale').split(','));
const PASSWORD = 'bench-admin-password';
const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const THRESHOLD = 50;
const NORMAL = 1;
const BREACH = 100;
/** The trials' rule; its name sorts after the scale run's `svc-*` rules, so each pass evaluates it last. */
const TRIAL_RULE = 'trial-gauge-high';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across threads. */
const wall = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the webhook receiver, in its own thread -----------------------------------------------------

const RECEIVER = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const wall = () => performance.timeOrigin + performance.now();
const first = new Map();
const startsAt = new Map();
let requests = 0, firingAlerts = 0, badVersion = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = wall();
    requests++;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      if (body.version !== '4') badVersion++;
      for (const a of body.alerts || []) {
        const trial = a.labels && a.labels.trial;
        if (a.status !== 'firing' || !trial) continue;
        firingAlerts++;
        if (!first.has(trial)) {
          first.set(trial, at);
          startsAt.set(trial, Date.parse(a.startsAt));
        }
      }
    } catch {
      badVersion++;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m.type === 'arrivals') parentPort.postMessage({ id: m.id, arrivals: Object.fromEntries(first), startsAt: Object.fromEntries(startsAt), requests, firingAlerts, badVersion });
});
`;

interface Arrivals {
  arrivals: Record<string, number>;
  /** The firing alert's startsAt: when the rule evaluation that fired it began (Ethos and Prometheus). */
  startsAt: Record<string, number>;
  requests: number;
  firingAlerts: number;
  badVersion: number;
}

async function startReceiver(): Promise<{ port: number; arrivals(): Promise<Arrivals>; close(): Promise<number> }> {
  const worker = new Worker(RECEIVER, { eval: true });
  const { port } = await new Promise<{ port: number }>((resolve) => worker.once('message', resolve));
  let next = 0;
  return {
    port,
    arrivals() {
      const id = ++next;
      return new Promise((resolve) => {
        const on = (m: Arrivals & { id: number }) => {
          if (m.id !== id) return;
          worker.off('message', on);
          resolve(m);
        };
        worker.on('message', on);
        worker.postMessage({ type: 'arrivals', id });
      });
    },
    close: () => worker.terminate(),
  };
}

// ---- trials and statistics ---------------------------------------------------------------------

interface TrialResult {
  name: string;
  latencies: number[];
  missing: number;
  trials: number;
  loadStart: number;
  loadEnd: number;
  notes: string[];
}

/**
 * Runs trials: trial i breaches at `startWall + offsets[i]` (via `breach`, which returns the moment
 * the latency counts from); then waits for every trial's first firing notification, at most
 * `graceMs` after the last breach.
 */
async function runTrials(receiver: Awaited<ReturnType<typeof startReceiver>>, names: string[], startWall: number, offsets: number[], graceMs: number, breach: (trial: string) => Promise<number>): Promise<{ latencies: number[]; missing: number; sendErrors: number; toStart: number[]; fromStart: number[] }> {
  const startedAt = new Map<string, number>();
  let sendErrors = 0;
  await Promise.all(
    names.map(async (trial, i) => {
      await sleep(Math.max(0, startWall + offsets[i]! - wall()));
      try {
        startedAt.set(trial, await breach(trial));
      } catch (err) {
        sendErrors++;
        log(`  trial ${trial}: ${(err as Error).message}`);
      }
    }),
  );
  const deadline = performance.now() + graceMs;
  let got: Arrivals;
  for (;;) {
    got = await receiver.arrivals();
    if (names.every((n) => got.arrivals[n] !== undefined) || performance.now() > deadline) break;
    await sleep(50);
  }
  const latencies: number[] = [];
  const toStart: number[] = [];
  const fromStart: number[] = [];
  let missing = 0;
  for (const n of names) {
    const at = got.arrivals[n];
    const from = startedAt.get(n);
    if (at === undefined || from === undefined) missing++;
    else {
      latencies.push(at - from);
      const start = got.startsAt[n];
      if (start !== undefined && Number.isFinite(start)) {
        toStart.push(start - from);
        fromStart.push(at - start);
      }
    }
  }
  log(`  ${names.length} trials over ${((wall() - startWall) / 1000).toFixed(0)} s; ${missing} without a notification`);
  toStart.sort((a, b) => a - b);
  fromStart.sort((a, b) => a - b);
  return { latencies: latencies.sort((a, b) => a - b), missing, sendErrors, toStart, fromStart };
}

/** Where the time goes: breach → the firing alert's startsAt, and startsAt → arrival (medians and p99). */
function breakdown(r: { toStart: number[]; fromStart: number[] }, startLabel: string): string {
  if (!r.toStart.length) return 'no startsAt to split the latency by';
  return `breach → ${startLabel} (the alert's startsAt, ms precision): median ${fmt(percentile(r.toStart, 50))}, p99 ${fmt(percentile(r.toStart, 99))}; ${startLabel} → received: median ${fmt(percentile(r.fromStart, 50))}, p99 ${fmt(percentile(r.fromStart, 99))}`;
}

const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function summary(r: TrialResult): string {
  const l = r.latencies;
  if (!l.length) return `${r.name}: no latency measured`;
  const mean = l.reduce((a, b) => a + b, 0) / l.length;
  return `${r.name}: min ${fmt(l[0]!)}, median ${fmt(percentile(l, 50))}, mean ${fmt(mean)}, p90 ${fmt(percentile(l, 90))}, p99 ${fmt(percentile(l, 99))}, max ${fmt(l.at(-1)!)} (${l.length} of ${r.trials} trials${r.missing ? `, ${r.missing} missing` : ''}; load average ${r.loadStart.toFixed(2)} → ${r.loadEnd.toFixed(2)})`;
}

// ---- Ethos ----------------------------------------------------------------------------------------

async function api(base: string, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const doc = (kind: string, name: string, owner: string, spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind, metadata: { name, owner }, spec });

async function put(base: string, token: string, d: ReturnType<typeof doc>): Promise<void> {
  const r = await api(base, token, 'PUT', `/api/v1/resources/${d.kind}/${d.metadata.name}`, d);
  if (r.status !== 200 && r.status !== 201) throw new Error(`PUT ${d.kind}/${d.metadata.name}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function applyAll(base: string, token: string, docs: ReturnType<typeof doc>[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 250) {
    const r = await api(base, token, 'POST', '/api/v1/apply', { documents: docs.slice(i, i + 250) });
    if (r.status !== 200) throw new Error(`apply: ${r.status} ${JSON.stringify(r.body).slice(0, 1000)}`);
    const failed = (r.body.results as { kind: string; name: string; error: { message: string } | null }[]).find((x) => x.error);
    if (failed) throw new Error(`apply ${failed.kind}/${failed.name}: ${failed.error!.message}`);
  }
}

/** The trials' team, service, webhook contact point, policy (default timings) and rule. */
async function ethosTrialResources(base: string, token: string, receiverPort: number): Promise<void> {
  await put(base, token, doc('Team', 'bench', 'bench', { members: [] }));
  await put(base, token, doc('Service', 'bench-trials', 'bench', { lifecycle: 'production' }));
  await put(base, token, doc('ContactPoint', 'bench-hook', 'bench', { type: 'webhook', url: `http://127.0.0.1:${receiverPort}/hook` }));
  // default groupWait (0s), groupInterval (1m), repeatInterval (4h); one group per trial
  await put(base, token, doc('NotificationPolicy', 'bench', 'bench', { routes: [{ contactPoints: ['bench-hook'], groupBy: ['alertname', 'trial'] }] }));
  await put(
    base,
    token,
    doc('AlertRule', TRIAL_RULE, 'bench', {
      service: 'bench-trials',
      severity: 'page',
      condition: { type: 'metric', metric: 'bench_gauge', fn: 'last', window: '1m', by: ['trial'], op: '>', threshold: THRESHOLD },
      for: '0s',
      annotations: { summary: 'bench_gauge of {{ $labels.trial }} is {{ $value }}' },
    }),
  );
}

/** An OTLP/HTTP JSON request with one gauge point per trial. */
function otlpGauge(points: { trial: string; value: number }[], t: number): string {
  const ns = `${BigInt(Math.floor(t)) * 1_000_000n}`;
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench-trials' } }] },
        scopeMetrics: [
          {
            metrics: [{ name: 'bench_gauge', gauge: { dataPoints: points.map((p) => ({ timeUnixNano: ns, asDouble: p.value, attributes: [{ key: 'trial', value: { stringValue: p.trial } }] })) } }],
          },
        ],
      },
    ],
  });
}

async function sendOtlp(base: string, ingest: string, body: string): Promise<void> {
  const res = await fetch(`${base}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`OTLP: ${res.status} ${text.slice(0, 300)}`);
  const partial = JSON.parse(text) as { partialSuccess?: { rejectedDataPoints?: number | string; errorMessage?: string } };
  if (Number(partial.partialSuccess?.rejectedDataPoints ?? 0) > 0) throw new Error(`OTLP rejected: ${partial.partialSuccess?.errorMessage}`);
}

/**
 * The Ethos trials: every trial's series gets its normal value every 10 s (one request for all,
 * like an exporter) until its breach; the breaching point goes alone in its own request.
 */
async function ethosTrials(base: string, ingest: string, receiver: Awaited<ReturnType<typeof startReceiver>>, prefix: string, n: number, spreadMs: number) {
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const breachAt = new Map<string, number>();
  const breached = new Set<string>();
  const pushNormal = async () => {
    // not for trials that breach within a second: a normal point must never land after the breach
    const now = wall();
    const points = names.filter((t) => !breached.has(t) && (breachAt.get(t) ?? Infinity) > now + 1000).map((trial) => ({ trial, value: NORMAL }));
    if (points.length) await sendOtlp(base, ingest, otlpGauge(points, Date.now()));
  };
  const start = wall() + 2000;
  const offsets = names.map(() => Math.random() * spreadMs);
  names.forEach((t, i) => breachAt.set(t, start + offsets[i]!));
  await pushNormal();
  const normalTimer = setInterval(() => void pushNormal().catch((err) => log(`  normal push: ${(err as Error).message}`)), 10_000);
  const ackMs: number[] = [];
  try {
    const result = await runTrials(receiver, names, start, offsets, 30_000, async (trial) => {
      breached.add(trial);
      const body = otlpGauge([{ trial, value: BREACH }], Date.now());
      const sentAt = wall();
      await sendOtlp(base, ingest, body);
      ackMs.push(wall() - sentAt);
      return sentAt;
    });
    ackMs.sort((a, b) => a - b);
    return { ...result, ackP50: percentile(ackMs, 50), ackP99: percentile(ackMs, 99) };
  } finally {
    clearInterval(normalTimer);
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function withEthos<T>(fn: (ctx: { base: string; admin: string; ingest: string; pid: number }) => Promise<T>): Promise<T> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-alerting-bench-'));
  const server = await startEthos({ port, password: PASSWORD, env: { ETHOS_DATA_DIR: dataDir } });
  try {
    const admin = await adminToken(base, PASSWORD, { name: 'bench', scopes: ['read', 'write'] });
    const ingest = await adminToken(base, PASSWORD, { name: 'collector', type: 'ingest', scopes: ['ingest'] });
    return await fn({ base, admin, ingest, pid: server.pid! });
  } finally {
    await stopChild(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchEthos(receiver: Awaited<ReturnType<typeof startReceiver>>): Promise<TrialResult> {
  return withEthos(async ({ base, admin, ingest }) => {
    await ethosTrialResources(base, admin, receiver.port);
    log(`ethos: out-of-box settings; ${TRIALS} trials over ${SPREAD_S} s; breaching point over OTLP/HTTP JSON; policy groupBy [alertname, trial], default timings (groupWait 0s)`);
    const loadStart = os.loadavg()[0]!;
    const r = await ethosTrials(base, ingest, receiver, 'e', TRIALS, SPREAD_S * 1000);
    const notes = [`breach request acknowledged: p50 ${fmt(r.ackP50)}, p99 ${fmt(r.ackP99)}`, breakdown(r, 'rule evaluation')];
    if (r.sendErrors) notes.push(`${r.sendErrors} breach requests failed`);
    return { name: 'Ethos, out of box', latencies: r.latencies, missing: r.missing, trials: TRIALS, loadStart, loadEnd: os.loadavg()[0]!, notes };
  });
}

// ---- Ethos at scale -------------------------------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function field(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, ...varint(body.length)]), body]);
}

const SCALE_TEAMS = 10;
const SCALE_SERVICES_PER_TEAM = 10;
const SCALE_RULES_PER_SERVICE = 10;
const SCALE_METRICS = ['http_requests_total', 'http_errors_total', 'queue_depth', 'cpu_usage', 'memory_bytes'] as const;
const scaleService = (i: number) => `svc-${Math.floor(i / SCALE_SERVICES_PER_TEAM)}-${i % SCALE_SERVICES_PER_TEAM}`;
const SCALE_SERVICE_COUNT = SCALE_TEAMS * SCALE_SERVICES_PER_TEAM;

/** Series i: one of 100 services (job), one of 5 metrics, an instance; labels in Prometheus's (sorted) order. */
function scaleLabels(i: number): [string, string][] {
  const service = i % SCALE_SERVICE_COUNT;
  const k = Math.floor(i / SCALE_SERVICE_COUNT);
  return [
    ['__name__', SCALE_METRICS[k % SCALE_METRICS.length]!],
    ['env', 'production'],
    ['instance', `i-${Math.floor(k / SCALE_METRICS.length)}`],
    ['job', scaleService(service)],
  ];
}

function scaleValue(i: number, round: number): number {
  const metric = SCALE_METRICS[Math.floor(i / SCALE_SERVICE_COUNT) % SCALE_METRICS.length]!;
  if (metric.endsWith('_total')) return 1000 + round * ((i % 7) + 1);
  if (metric === 'memory_bytes') return 2e8 + (i % 100) * 1e6;
  return Math.round((50 + 10 * Math.sin((round + i) / 20)) * 100) / 100;
}

/** The 10 rules of each service: rates, increases, averages, maxima, by instance or not, an absence; none breaches. */
function scaleRules(): ReturnType<typeof doc>[] {
  const conds: Record<string, unknown>[] = [
    { type: 'metric', metric: 'http_requests_total', fn: 'rate', window: '5m', op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'http_errors_total', fn: 'rate', window: '5m', by: ['instance'], op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'http_errors_total', fn: 'increase', window: '1m', op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'queue_depth', fn: 'avg', window: '5m', by: ['instance'], op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'queue_depth', fn: 'max', window: '1m', op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'cpu_usage', fn: 'last', window: '1m', by: ['instance'], op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'cpu_usage', fn: 'avg', window: '5m', op: '>', threshold: 1e9 },
    { type: 'metric', metric: 'memory_bytes', fn: 'max', window: '5m', by: ['instance'], op: '>', threshold: 1e12 },
    { type: 'metric', metric: 'memory_bytes', fn: 'min', window: '1m', op: '<', threshold: 0 },
    { type: 'absence', metric: 'http_requests_total', for: '2m' },
  ];
  const out: ReturnType<typeof doc>[] = [];
  for (let s = 0; s < SCALE_SERVICE_COUNT; s++) {
    for (let r = 0; r < SCALE_RULES_PER_SERVICE; r++) {
      out.push(doc('AlertRule', `${scaleService(s)}-r${r}`, `team-${Math.floor(s / SCALE_SERVICES_PER_TEAM)}`, { service: scaleService(s), severity: r % 3 === 0 ? 'page' : 'ticket', condition: conds[r % conds.length]!, for: r % 2 ? '1m' : '0s' }));
    }
  }
  return out;
}

const REMOTE_WRITE_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', 'user-agent': 'ethos-bench' };

/** Remote-write load: every series once per round, 2,000 samples per request, one request at a time. */
function startScaleLoad(base: string, ingest: string, series: number, everyMs: number) {
  const labels = Array.from({ length: series }, (_, i) => Buffer.concat(scaleLabels(i).map(([k, v]) => field(0x0a, Buffer.concat([field(0x0a, Buffer.from(k)), field(0x12, Buffer.from(v))])))));
  const latencies: number[] = [];
  let rounds = 0;
  let late = 0;
  let stopped = false;
  const headers = { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${ingest}` };
  const round = async (r: number) => {
    const t = Date.now();
    for (let from = 0; from < series; from += 2000) {
      const parts: Buffer[] = [];
      for (let i = from; i < Math.min(series, from + 2000); i++) {
        const s = Buffer.alloc(9);
        s[0] = 0x09;
        s.writeDoubleLE(scaleValue(i, r), 1);
        parts.push(field(0x0a, Buffer.concat([labels[i]!, field(0x12, Buffer.concat([s, Buffer.from([0x10, ...varint(t)])]))])));
      }
      const body = compressSync(Buffer.concat(parts));
      const s0 = performance.now();
      const res = await fetch(`${base}/prometheus/api/v1/write`, { method: 'POST', headers, body: body as unknown as BodyInit });
      const text = await res.text();
      if (res.status !== 204 && res.status !== 200) throw new Error(`remote write: ${res.status} ${text.slice(0, 300)}`);
      latencies.push(performance.now() - s0);
    }
    rounds++;
  };
  let failure: unknown = null;
  const done = (async () => {
    let next = performance.now();
    for (let r = 0; !stopped; r++) {
      await round(r);
      next += everyMs;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else {
        late++;
        next = performance.now();
      }
    }
  })().catch((err) => {
    failure = err;
  });
  return {
    async stop() {
      stopped = true;
      await done;
      if (failure) throw failure;
      latencies.sort((a, b) => a - b);
      return { rounds, lateRounds: late, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    },
  };
}

/** The evaluator's counters and pass histogram from Ethos's /metrics. */
async function evalMetrics(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const buckets: [number, number][] = [];
  for (const m of text.matchAll(/^ethos_alert_evaluation_pass_duration_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  return {
    passes: value('ethos_alert_evaluation_pass_duration_seconds_count'),
    passSeconds: value('ethos_alert_evaluation_pass_duration_seconds_sum'),
    buckets,
    evaluations: value('ethos_alert_rule_evaluations_total'),
    late: value('ethos_alert_rule_evaluations_late_total'),
    rules: value('ethos_alert_rules'),
  };
}

/** Pass durations between two readings: count, mean, and the bucket bounds of p50, p99 and the largest. */
function passSummary(a: Awaited<ReturnType<typeof evalMetrics>>, b: Awaited<ReturnType<typeof evalMetrics>>, seconds: number): string {
  const passes = b.passes - a.passes;
  const delta = b.buckets.map(([le, c], i) => [le, c - (a.buckets[i]?.[1] ?? 0)] as [number, number]);
  const bound = (q: number) => {
    const hit = delta.find(([, c]) => c >= q * passes);
    return hit ? (Number.isFinite(hit[0]) ? `≤ ${fmt(hit[0] * 1000)}` : '> 10 s') : '?';
  };
  const largest = delta.find(([, c]) => c >= passes);
  const prevLe = largest ? delta[delta.indexOf(largest) - 1]?.[0] : undefined;
  const evaluations = b.evaluations - a.evaluations;
  return (
    `${passes} evaluation passes in ${seconds.toFixed(0)} s, mean ${fmt(((b.passSeconds - a.passSeconds) / passes) * 1000)}, p50 ${bound(0.5)}, p99 ${bound(0.99)}, ` +
    `largest ${largest ? `${prevLe !== undefined ? `${fmt(prevLe * 1000)}–` : '≤ '}${Number.isFinite(largest[0]) ? fmt(largest[0] * 1000) : '∞'}` : '?'}; ` +
    `${evaluations} rule evaluations (${(evaluations / seconds).toFixed(0)}/s, ${b.rules} rules); late evaluations (missed cycles, > 15 s since the previous): ${b.late - a.late}`
  );
}

/** CPU seconds (user + system) a process has used (Linux). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, in clock ticks (USER_HZ: 100 on Linux)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function benchEthosScale(receiver: Awaited<ReturnType<typeof startReceiver>>): Promise<TrialResult> {
  return withEthos(async ({ base, admin, ingest, pid }) => {
    await ethosTrialResources(base, admin, receiver.port);
    const teams = Array.from({ length: SCALE_TEAMS }, (_, t) => doc('Team', `team-${t}`, `team-${t}`, { members: [] }));
    const services = Array.from({ length: SCALE_SERVICE_COUNT }, (_, s) => doc('Service', scaleService(s), `team-${Math.floor(s / SCALE_SERVICES_PER_TEAM)}`, { lifecycle: 'production' }));
    await applyAll(base, admin, [...teams, ...services]);
    // the load first, so the rules find their metrics (as rules written for running services do)
    const load = startScaleLoad(base, ingest, SCALE_SERIES, SCALE_EVERY_S * 1000);
    log(`ethos-scale: background load ${SCALE_SERIES} series (${SCALE_SERVICE_COUNT} services × ${SCALE_METRICS.length} metrics × ${SCALE_SERIES / SCALE_SERVICE_COUNT / SCALE_METRICS.length} instances) by remote write every ${SCALE_EVERY_S} s`);
    await sleep(Math.max(5000, 2 * SCALE_EVERY_S * 1000));
    let t0 = performance.now();
    const rules = scaleRules();
    await applyAll(base, admin, rules);
    log(`ethos-scale: ${SCALE_TEAMS} teams × ${SCALE_SERVICES_PER_TEAM} services × ${SCALE_RULES_PER_SERVICE} rules = ${rules.length} rules (+ the trial rule, evaluated last in each pass: rules go in name order) applied in ${((performance.now() - t0) / 1000).toFixed(1)} s; warming up ${SCALE_WARMUP_S} s`);
    try {
      await sleep(SCALE_WARMUP_S * 1000);
      const before = await evalMetrics(base);
      const cpu0 = cpuSeconds(pid);
      t0 = performance.now();
      const loadStart = os.loadavg()[0]!;
      const r = await ethosTrials(base, ingest, receiver, 's', TRIALS, SPREAD_S * 1000);
      const after = await evalMetrics(base);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = (cpuSeconds(pid) - cpu0) / seconds;
      const lr = await load.stop();
      const listed = await api(base, admin, 'GET', '/api/v1/alerts?state=pending&state=firing&state=nodata&state=error&state=resolved&limit=1000');
      const states = new Map<string, number>();
      for (const a of listed.body.items as { rule: string; state: string; annotations: Record<string, string> }[]) {
        if (a.rule === TRIAL_RULE) continue;
        states.set(a.state, (states.get(a.state) ?? 0) + 1);
      }
      const notes = [
        `alerts of the ${rules.length} background rules: ${states.size ? [...states].map(([k, v]) => `${v} ${k}`).join(', ') : 'none'}`,
        `breach request acknowledged: p50 ${fmt(r.ackP50)}, p99 ${fmt(r.ackP99)}`,
        breakdown(r, 'rule evaluation'),
        passSummary(before, after, seconds),
        `Ethos process CPU during the trials: ${(cpu * 100).toFixed(0)} % of one core`,
        `background load: ${lr.rounds} rounds of ${SCALE_SERIES} samples, remote-write request p50 ${fmt(lr.p50)}, p99 ${fmt(lr.p99)}; rounds that could not keep the interval: ${lr.lateRounds}`,
      ];
      if (r.sendErrors) notes.push(`${r.sendErrors} breach requests failed`);
      return { name: `Ethos, ${SCALE_SERIES} series + ${rules.length} rules`, latencies: r.latencies, missing: r.missing, trials: TRIALS, loadStart, loadEnd: os.loadavg()[0]!, notes };
    } finally {
      await load.stop().catch(() => undefined);
    }
  });
}

// ---- Prometheus + Alertmanager --------------------------------------------------------------------

function version(cmd: string): string {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.split('\n')[0]!.trim();
}

async function benchPrometheus(receiver: Awaited<ReturnType<typeof startReceiver>>, mode: 'default' | 'tuned'): Promise<TrialResult | null> {
  if (!fs.existsSync(PROMETHEUS) || !fs.existsSync(ALERTMANAGER)) {
    log('Prometheus or Alertmanager not installed (apt-get install prometheus prometheus-alertmanager): skipped');
    return null;
  }
  const tuned = mode === 'tuned';
  const n = tuned ? TUNED_TRIALS : PROM_TRIALS;
  const spreadMs = (tuned ? TUNED_SPREAD_S : PROM_SPREAD_S) * 1000;
  const prefix = tuned ? 'pt' : 'pd';
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const values = new Map(names.map((t) => [t, NORMAL]));

  // the exporter: bench_gauge per trial, in Prometheus's text format
  const exporter = http.createServer((req, res) => {
    let body = '# HELP bench_gauge A gauge that breaches its threshold once per trial.\n# TYPE bench_gauge gauge\n';
    for (const [t, v] of values) body += `bench_gauge{trial="${t}"} ${v}\n`;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body);
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const exporterPort = (exporter.address() as net.AddressInfo).port;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `prom-alerting-${mode}-`));
  const promPort = await freePort();
  const amPort = await freePort();
  // Debian's /etc/prometheus/prometheus.yml: 15 s scrape and evaluation, the 'monitor' external label
  const interval = tuned ? '1s' : '15s';
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\n  external_labels:\n    monitor: 'example'\n` +
      `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:${amPort}']\n` +
      `rule_files: ['rules.yml']\n` +
      `scrape_configs:\n  - job_name: bench\n    static_configs:\n      - targets: ['127.0.0.1:${exporterPort}']\n`,
  );
  fs.writeFileSync(path.join(dir, 'rules.yml'), `groups:\n  - name: bench\n    rules:\n      - alert: BenchGaugeHigh\n        expr: bench_gauge > ${THRESHOLD}\n        for: 0s\n        labels:\n          severity: page\n        annotations:\n          summary: 'bench_gauge of {{ $labels.trial }} is {{ $value }}'\n`);
  // Alertmanager's defaults (Debian's alertmanager.yml says the same): group_wait 30s, group_interval 5m
  const timing = tuned ? '  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 4h\n' : '  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 4h\n';
  fs.writeFileSync(path.join(dir, 'alertmanager.yml'), `route:\n  receiver: bench\n  group_by: ['trial']\n${timing}receivers:\n  - name: bench\n    webhook_configs:\n      - url: 'http://127.0.0.1:${receiver.port}/hook'\n        send_resolved: true\n`);

  const children: ChildProcess[] = [];
  try {
    // --cluster.listen-address= : a single Alertmanager, not gossiping on 0.0.0.0:9094 (changes no timing)
    children.push(spawn(ALERTMANAGER, [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] }));
    await waitFor(`http://127.0.0.1:${amPort}/-/ready`);
    children.push(spawn(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] }));
    await waitFor(`http://127.0.0.1:${promPort}/-/ready`);
    // until every trial's series is scraped and Prometheus knows its Alertmanager
    for (let i = 0; ; i++) {
      const q = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=count(bench_gauge)`)).json()) as { data: { result: { value: [number, string] }[] } };
      const ams = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/alertmanagers`)).json()) as { data: { activeAlertmanagers: unknown[] } };
      if (Number(q.data.result[0]?.value[1] ?? 0) === n && ams.data.activeAlertmanagers.length > 0) break;
      if (i > 600) throw new Error('Prometheus did not scrape the exporter');
      await sleep(100);
    }
    // a further evaluation cycle so the rule has run on the normal values
    await sleep(tuned ? 2000 : 16_000);
    log(`prom-${mode}: ${version(PROMETHEUS)}; ${version(ALERTMANAGER)}; scrape and evaluation every ${interval}, ${tuned ? 'group_wait 0s, group_interval 1s' : 'group_wait 30s, group_interval 5m'}, group_by [trial]; ${n} trials over ${spreadMs / 1000} s`);
    const loadStart = os.loadavg()[0]!;
    const r = await runTrials(receiver, names, wall(), names.map(() => Math.random() * spreadMs), tuned ? 30_000 : 120_000, async (trial) => {
      values.set(trial, BREACH);
      return wall();
    });
    return { name: tuned ? 'Prometheus + Alertmanager, tuned' : 'Prometheus + Alertmanager, Debian defaults', latencies: r.latencies, missing: r.missing, trials: n, loadStart, loadEnd: os.loadavg()[0]!, notes: [breakdown(r, 'rule evaluation')] };
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    exporter.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main -----------------------------------------------------------------------------------------

async function main() {
  log(machineLine());
  const receiver = await startReceiver();
  const results: TrialResult[] = [];
  const run = async (name: string, fn: () => Promise<TrialResult | null>) => {
    if (!ONLY.has(name)) return;
    log(`${name}: starting (load average ${os.loadavg()[0]!.toFixed(2)})`);
    const r = await fn();
    if (!r) return;
    results.push(r);
    log(summary(r));
    for (const note of r.notes) log(`  ${note}`);
  };
  await run('ethos', () => benchEthos(receiver));
  await run('prom-default', () => benchPrometheus(receiver, 'default'));
  await run('prom-tuned', () => benchPrometheus(receiver, 'tuned'));
  await run('ethos-scale', () => benchEthosScale(receiver));
  const got = await receiver.arrivals();
  log(`receiver: ${got.requests} notifications, ${got.firingAlerts} firing alerts in them, ${got.badVersion} not version 4`);

  log('');
  log('| setup | median | p90 | p99 | max | trials | load average |');
  log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const l = r.latencies;
    if (!l.length) continue;
    log(`| ${r.name} | ${fmt(percentile(l, 50))} | ${fmt(percentile(l, 90))} | ${fmt(percentile(l, 99))} | ${fmt(l.at(-1)!)} | ${l.length}${r.missing ? ` (+${r.missing} missing)` : ''} | ${r.loadStart.toFixed(2)}–${r.loadEnd.toFixed(2)} |`);
  }
  const by = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  const ethos = by('Ethos, out');
  const tuned = by('Prometheus + Alertmanager, tuned');
  const scale = by(`Ethos, ${SCALE_SERIES}`);
  if (ethos?.latencies.length) log(`Ethos out of box: p99 ${fmt(percentile(ethos.latencies, 99))} (target < 1 s: ${percentile(ethos.latencies, 99) < 1000 && !ethos.missing ? 'met' : 'NOT met'})`);
  if (ethos?.latencies.length && tuned?.latencies.length) {
    const met = percentile(ethos.latencies, 99) <= percentile(tuned.latencies, 50);
    log(`Ethos p99 ${fmt(percentile(ethos.latencies, 99))} vs tuned Prometheus + Alertmanager median ${fmt(percentile(tuned.latencies, 50))}: ${met ? 'met' : 'NOT met'}`);
  }
  if (scale?.latencies.length) log(`Ethos at scale: p99 ${fmt(percentile(scale.latencies, 99))} (target < 1 s${tuned?.latencies.length ? ` and ≤ ${fmt(percentile(tuned.latencies, 50))}` : ''})`);
  log(`load average at the end: ${os.loadavg()[0]!.toFixed(2)}`);
  await receiver.close();
}

await main();
