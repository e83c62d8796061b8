/**
 * Metrics ingest benchmark: the same Prometheus remote-write load sent to a real `ethos serve`
 * (SQLite, loopback) and, when it is installed (`apt-get install prometheus`), to Prometheus with
 * --web.enable-remote-write-receiver, one after the other. Then Ethos alone: its OTLP protobuf
 * endpoint on the equivalent load, disk per point, and range queries over a day of data.
 *
 *   node bin/run-ts.js bench/ingest.bench.ts [--series 100000] [--rounds 120] [--concurrency 4]
 *        [--day-series 2000] [--only ethos|prometheus]
 *
 * Load: `series` series × 10 labels (__name__, cluster, env, instance, job, pod, region, team,
 * version, zone; `job` is one of 10 services), half counters and half slowly varying gauges, one
 * sample per series per round, rounds 15 s apart; 2,000 samples per request (Prometheus's default
 * max_samples_per_send), snappy-compressed, `concurrency` requests in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { compressSync } from 'snappy';
import { createRequire } from 'node:module';
import { adminToken, benchArgs, duBytes, log, machineLine, percentile, rssOf, startEthos, waitFor } from './support.ts';

const args = benchArgs();
const SERIES = Number(args.get('series') ?? 100_000);
const ROUNDS = Number(args.get('rounds') ?? 120);
const CONCURRENCY = Number(args.get('concurrency') ?? 4);
const DAY_SERIES = Number(args.get('day-series') ?? 2000);
const ONLY = args.get('only');
const PER_REQUEST = 2000;
const PASSWORD = 'bench-admin-password';
const PROMETHEUS = '/usr/bin/prometheus';

// ---- the load, encoded by hand as remote-write protobuf --------------------------------------

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

function labelsOf(i: number): [string, string][] {
  const counter = i % 2 === 0;
  return [
    ['__name__', counter ? `bench_requests_${i % 50}_total` : `bench_queue_depth_${i % 50}`],
    ['cluster', `c${i % 3}`],
    ['env', 'production'],
    ['instance', `host-${i % 500}:9100`],
    ['job', `bench-svc-${i % 10}`],
    ['pod', `pod-${i}`],
    ['region', `r${i % 5}`],
    ['team', `t${i % 10}`],
    ['version', `v${i % 2}`],
    ['zone', `z${Math.floor(i / 1000) % 2}`],
  ];
}

/** The day-long series: two metrics of one service, DAY_SERIES / 2 series each. */
function dayLabelsOf(i: number): [string, string][] {
  const l = labelsOf(i);
  l[0] = ['__name__', i % 2 === 0 ? 'bench_requests_0_total' : 'bench_queue_depth_1'];
  l[4] = ['job', 'bench-day'];
  return l;
}

/** The encoded Label fields of each series (field 1 of TimeSeries), computed once. */
function encodedLabels(n: number, of: (i: number) => [string, string][] = labelsOf): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.concat(of(i).map(([k, v]) => field(0x0a, Buffer.concat([field(0x0a, Buffer.from(k)), field(0x12, Buffer.from(v))])))));
}

function valueOf(i: number, round: number): number {
  // counters grow by a few per round; gauges wander slowly, to two decimals
  return i % 2 === 0 ? 1000 + i + round * ((i % 7) + 1) : Math.round((100 + 10 * Math.sin((round + i) / 40)) * 100) / 100;
}

function sample(v: number, t: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0x09;
  b.writeDoubleLE(v, 1);
  return Buffer.concat([b, Buffer.from([0x10, ...varint(t)])]);
}

/** One remote-write request: series [from, to) with the samples `samplesOf(i)`, snappy-compressed. */
function request(labels: Buffer[], from: number, to: number, samplesOf: (i: number) => [number, number][]): Buffer {
  const parts: Buffer[] = [];
  for (let i = from; i < to; i++) {
    const ts = Buffer.concat([labels[i]!, ...samplesOf(i).map(([t, v]) => field(0x12, sample(v, t)))]);
    parts.push(field(0x0a, ts));
  }
  return compressSync(Buffer.concat(parts));
}

// ---- sending ------------------------------------------------------------------------------------

/**
 * Sends rounds of requests the way Prometheus's remote-write shards do: CONCURRENCY shards, each
 * owning a fixed share of each round's requests (so of the series) and sending them in order.
 */
async function send(url: string, rounds: Buffer[][], headers: Record<string, string>): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, shard) => {
      for (const round of rounds) {
        for (let j = shard; j < round.length; j += CONCURRENCY) {
          const body = round[j]!;
          for (let attempt = 0; ; attempt++) {
            const s = performance.now();
            const res = await fetch(url, { method: 'POST', headers, body: body as unknown as BodyInit });
            const text = await res.text();
            if (res.status === 204 || res.status === 200) {
              latencies.push(performance.now() - s);
              break;
            }
            if ((res.status === 429 || res.status === 503) && attempt < 50) {
              await new Promise((r) => setTimeout(r, 100));
              continue;
            }
            throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
          }
        }
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

const REMOTE_WRITE_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', 'user-agent': 'ethos-bench' };

/** The rounds of the main load, pre-encoded so that the sender's own work is not measured. */
function mainLoad(labels: Buffer[], start: number): Buffer[][] {
  const rounds: Buffer[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = start + r * 15_000;
    const reqs: Buffer[] = [];
    for (let from = 0; from < SERIES; from += PER_REQUEST) reqs.push(request(labels, from, Math.min(SERIES, from + PER_REQUEST), (i) => [[t, valueOf(i, r)]]));
    rounds.push(reqs);
  }
  return rounds;
}

async function runLoad(name: string, url: string, headers: Record<string, string>, rounds: Buffer[][], pid: number) {
  const rssEmpty = rssOf(pid);
  const first = await send(url, [rounds[0]!], headers);
  const rssOne = rssOf(pid);
  const rest = await send(url, rounds.slice(1), headers);
  // both runtimes collect garbage and hand memory back in the background: read after 15 s idle
  await new Promise((r) => setTimeout(r, 15_000));
  const rssAll = rssOf(pid);
  const restPoints = SERIES * (ROUNDS - 1);
  log(`${name}: first round (creates ${SERIES} series): ${(SERIES / first.seconds).toFixed(0)} points/s (${first.seconds.toFixed(2)} s)`);
  log(`${name}: ${ROUNDS - 1} more rounds, ${restPoints} points: ${(restPoints / rest.seconds).toFixed(0)} points/s acknowledged (${rest.seconds.toFixed(1)} s); request latency p50 ${percentile(rest.latencies, 50).toFixed(1)} ms, p99 ${percentile(rest.latencies, 99).toFixed(1)} ms`);
  log(`${name}: RSS empty ${(rssEmpty / 2 ** 20).toFixed(0)} MiB, after round 1 ${(rssOne / 2 ** 20).toFixed(0)} MiB, after all ${(rssAll / 2 ** 20).toFixed(0)} MiB: ${((rssOne - rssEmpty) / SERIES).toFixed(0)} bytes per series after round 1, ${((rssAll - rssEmpty) / SERIES).toFixed(0)} after ${ROUNDS} rounds and 15 s idle`);
  return { pointsPerSecond: restPoints / rest.seconds, bytesPerSeries: (rssAll - rssEmpty) / SERIES };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

async function benchEthos(labels: Buffer[], rounds: Buffer[][], start: number) {
  const port = 4900 + Math.floor(Math.random() * 200);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-ingest-'));
  const server = await startEthos({ port, password: PASSWORD, env: { ETHOS_DATA_DIR: dataDir } });
  try {
    const ingest = await adminToken(base, PASSWORD, { name: 'collector', type: 'ingest', scopes: ['ingest'] });
    const reader = await adminToken(base, PASSWORD, { name: 'reader', scopes: ['read'] });
    const headers = { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${ingest}` };
    const result = await runLoad('Ethos remote-write', `${base}/prometheus/api/v1/write`, headers, rounds, server.pid!);
    const text = await (await fetch(`${base}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    log(`Ethos after the load: V8 heap used ${gauge('ethos_process_nodejs_heap_size_used_bytes').toFixed(0)} MiB of ${gauge('ethos_process_nodejs_heap_size_total_bytes').toFixed(0)} MiB, external ${gauge('ethos_process_nodejs_external_memory_bytes').toFixed(0)} MiB`);

    // the same points over OTLP/HTTP protobuf: gauges and cumulative sums, 2,000 points per request
    const otlp = await otlpLoad(labels, start + ROUNDS * 15_000);
    const sent = await send(`${base}/v1/metrics`, otlp.rounds, { 'content-type': 'application/x-protobuf', authorization: `Bearer ${ingest}` });
    log(`Ethos OTLP/HTTP protobuf: ${otlp.points} points in ${otlp.rounds.flat().length} requests of ${PER_REQUEST}: ${(otlp.points / sent.seconds).toFixed(0)} points/s acknowledged (${sent.seconds.toFixed(1)} s)`);

    await dayOfData(base, ingest, reader, labels);
    await stop(server);
    const telemetry = path.join(dataDir, 'telemetry');
    const db = fs.statSync(path.join(telemetry, 'metrics.db')).size;
    const total = SERIES * ROUNDS + otlp.points + DAY_SERIES * 5760;
    log(`Ethos disk after a clean stop (everything in metrics.db, the log emptied): metrics.db ${(db / 2 ** 20).toFixed(1)} MiB for ${total} points: ${(db / total).toFixed(2)} bytes per point (all of ${(duBytes(telemetry) / 2 ** 20).toFixed(1)} MiB in telemetry/)`);
    // the raw samples apart from the rollups computed from them (dbstat: the pages of each table and index)
    const stat = new BetterSqlite3(path.join(telemetry, 'metrics.db'), { readonly: true });
    const pages = new Map((stat.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]).map((r) => [r.name, r.bytes]));
    stat.close();
    const rollupBytes = (pages.get('rollups') ?? 0) + (pages.get('rollups_max_t') ?? 0);
    const rawBytes = [...pages].filter(([n]) => !n.startsWith('rollup') && n !== 'rollup_progress').reduce((a, [, b]) => a + b, 0);
    log(`Ethos disk by table: raw samples (chunks, series, symbols, metrics and their indexes) ${(rawBytes / 2 ** 20).toFixed(1)} MiB: ${(rawBytes / total).toFixed(2)} bytes per point; 1-minute and 1-hour rollups of the day's ${DAY_SERIES} series ${(rollupBytes / 2 ** 20).toFixed(1)} MiB; free pages ${((db - rawBytes - rollupBytes) / 2 ** 20).toFixed(1)} MiB`);
    return result;
  } finally {
    if (server.exitCode === null) await stop(server, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The main load's series as OTLP (the same series): one resource per service, five more rounds. */
async function otlpLoad(labels: Buffer[], t: number): Promise<{ rounds: Buffer[][]; points: number }> {
  const require = createRequire(import.meta.url);
  const proto = require('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto;
  const Req = proto.collector.metrics.v1.ExportMetricsServiceRequest;
  void labels;
  const out: Buffer[][] = [];
  let points = 0;
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    const bodies: Buffer[] = [];
    out.push(bodies);
    const ns = BigInt(t + r * 15_000) * 1_000_000n;
    for (let from = 0; from < SERIES; from += PER_REQUEST) {
      const byService = new Map<string, { name: string; counter: boolean; attrs: [string, string][]; v: number }[]>();
      for (let i = from; i < Math.min(SERIES, from + PER_REQUEST); i++) {
        const l = labelsOf(i);
        const service = l.find(([k]) => k === 'job')![1];
        const list = byService.get(service) ?? [];
        list.push({ name: l[0]![1], counter: i % 2 === 0, attrs: l.filter(([k]) => k !== '__name__' && k !== 'job'), v: valueOf(i, ROUNDS + r) });
        byService.set(service, list);
      }
      const resourceMetrics = [...byService].map(([service, list]) => ({
        // the same services, metrics and attributes as the remote-write series: the same series, newer points
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [
          {
            metrics: list.map((p) => {
              const dp = { timeUnixNano: ns.toString(), asDouble: p.v, attributes: p.attrs.map(([key, v]) => ({ key, value: { stringValue: v } })) };
              return p.counter ? { name: p.name, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [dp] } } : { name: p.name, gauge: { dataPoints: [dp] } };
            }),
          },
        ],
      }));
      bodies.push(Buffer.from(Req.encode(Req.fromObject({ resourceMetrics })).finish()));
      points += Math.min(SERIES, from + PER_REQUEST) - from;
    }
  }
  return { rounds: out, points };
}

/** A day of 15 s samples for DAY_SERIES series, then the range queries of the issue. */
async function dayOfData(base: string, ingest: string, reader: string, labels: Buffer[]) {
  const perDay = 5760;
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const start = end - perDay * 15_000;
  void labels;
  const dayLabels = encodedLabels(DAY_SERIES, dayLabelsOf);
  const bodies: Buffer[][] = [];
  // 20 series × 100 samples per request: a backfill's shape
  for (let from = 0; from < perDay; from += 100) {
    const round: Buffer[] = [];
    bodies.push(round);
    for (let s = 0; s < DAY_SERIES; s += 20) {
      round.push(
        request(dayLabels, s, Math.min(DAY_SERIES, s + 20), (i) =>
          Array.from({ length: Math.min(100, perDay - from) }, (_, k): [number, number] => [start + (from + k) * 15_000, valueOf(i, from + k)]),
        ),
      );
    }
  }
  const headers = { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${ingest}` };
  const sent = await send(`${base}/prometheus/api/v1/write`, bodies, headers);
  log(`Ethos: a day of 15 s samples for ${DAY_SERIES} series (${DAY_SERIES * perDay} points) loaded in ${sent.seconds.toFixed(1)} s`);

  const q = async (label: string, url: string) => {
    const times: number[] = [];
    let series = 0;
    // the first run reads what no query read before (the decoded-chunk cache does not hold it)
    let first = 0;
    for (let i = 0; i < 23; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${reader}` } });
      const body = (await res.json()) as { series?: unknown[]; error?: unknown };
      if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`);
      if (i === 0) first = performance.now() - t0;
      if (i >= 3) times.push(performance.now() - t0);
      series = body.series!.length;
    }
    times.sort((a, b) => a - b);
    log(`Ethos query ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (20 runs after 3; the first ${first.toFixed(1)} ms; ${series} result series)`);
  };
  // the store settles first: the backfilled day is rolled up (as it would be minutes after a backfill)
  const t0 = performance.now();
  for (;;) {
    const status = (await (await fetch(`${base}/api/v1/telemetry/storage`, { headers: { authorization: `Bearer ${reader}` } })).json()) as { rollupBacklog: number; rollups: { completeTo: number | null }[] };
    const done = status.rollups[0]?.completeTo ?? 0;
    if (done >= end - 2 * 3600_000 - 15 * 60_000 && status.rollupBacklog === 0) {
      log(`Ethos: 1-minute rollups done up to ${new Date(done).toISOString()} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      break;
    }
    if (performance.now() - t0 > 600_000) throw new Error('rollups did not catch up in 10 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const range = `from=${start}&to=${end}&step=60`;
  const day = '/api/v1/telemetry/services/bench-day/metrics';
  await q('24 h at 1 min step, one series (gauge, avg)', `${day}/bench_queue_depth_1/query?${range}&fn=avg&where=pod=pod-1`);
  await q('24 h at 1 min step, one series (counter, rate)', `${day}/bench_requests_0_total/query?${range}&fn=rate&where=pod=pod-0`);
  await q(`24 h at 1 min step, sum over ${DAY_SERIES / 2} series (gauge)`, `${day}/bench_queue_depth_1/query?${range}&fn=sum`);
  await q(`24 h at 1 min step, rate summed over ${DAY_SERIES / 2} series (counter)`, `${day}/bench_requests_0_total/query?${range}&fn=rate`);

  // 1-minute steps keep reading raw samples while they are kept; 5-minute and longer steps read the rollups
  const range5 = `from=${start}&to=${end}&step=300`;
  // a step of 290 s is not a whole number of minutes: the same query from raw samples, to compare
  await q(`24 h at 290 s step, sum over ${DAY_SERIES / 2} series (gauge), raw samples`, `${day}/bench_queue_depth_1/query?from=${start}&to=${end}&step=290&fn=sum`);
  await q(`24 h at 5 min step, sum over ${DAY_SERIES / 2} series (gauge), from rollups`, `${day}/bench_queue_depth_1/query?${range5}&fn=sum`);
  await q(`24 h at 5 min step, rate summed over ${DAY_SERIES / 2} series (counter), from rollups`, `${day}/bench_requests_0_total/query?${range5}&fn=rate`);
  await q(`30 days at 1 h step, sum over ${DAY_SERIES / 2} series (gauge), from rollups`, `${day}/bench_queue_depth_1/query?from=${end - 30 * 86_400_000}&to=${end}&step=3600&fn=sum`);
}

async function benchPrometheus(rounds: Buffer[][]) {
  if (!fs.existsSync(PROMETHEUS)) {
    log('Prometheus: not installed (apt-get install prometheus): skipped');
    return null;
  }
  const version = spawnText(PROMETHEUS, ['--version']).split('\n')[0];
  const port = 9300 + Math.floor(Math.random() * 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-ingest-'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const child = spawn(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitFor(`http://127.0.0.1:${port}/-/ready`);
    log(`Prometheus: ${version}`);
    return await runLoad('Prometheus remote-write', `http://127.0.0.1:${port}/api/v1/write`, REMOTE_WRITE_HEADERS, rounds, child.pid!);
  } finally {
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function spawnText(cmd: string, a: string[]): string {
  const r = require('node:child_process').spawnSync(cmd, a, { encoding: 'utf8' }) as { stdout: string; stderr: string };
  return `${r.stdout}${r.stderr}`.trim();
}
const require = createRequire(import.meta.url);

async function main() {
  log(machineLine());
  log(`load: ${SERIES} series × 10 labels, ${ROUNDS} rounds 15 s apart, ${PER_REQUEST} samples per request, ${CONCURRENCY} requests in flight`);
  const labels = encodedLabels(Math.max(SERIES, DAY_SERIES));
  const start = Math.floor(Date.now() / 15_000) * 15_000 - (ROUNDS + 10) * 15_000;
  let t0 = performance.now();
  const rounds = mainLoad(labels, start);
  const bytes = rounds.flat().reduce((a, b) => a + b.length, 0);
  log(`encoded ${rounds.flat().length} requests (${(bytes / 2 ** 20).toFixed(0)} MiB snappy) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  const prom = ONLY === 'ethos' ? null : await benchPrometheus(rounds);
  const ethos = ONLY === 'prometheus' ? null : await benchEthos(labels, rounds, start);
  if (prom && ethos) {
    log(`remote-write points/s, Ethos / Prometheus: ${(ethos.pointsPerSecond / prom.pointsPerSecond).toFixed(2)}`);
    log(`memory per series, Ethos / Prometheus: ${(ethos.bytesPerSeries / prom.bytesPerSeries).toFixed(2)}`);
  }
  log(`load average at the end: ${os.loadavg()[0]!.toFixed(2)}`);
}

await main();
