/**
 * Notification outbox benchmark: webhook deliveries per second through the durable outbox, on a
 * real Ethos database (migrated, WAL SQLite file in a temporary directory, or a fresh PostgreSQL
 * database), to a real HTTP receiver on loopback running in its own thread.
 *
 *   node bin/run-ts.js bench/outbox.bench.ts [--db sqlite|postgres] [--notifications 20000] [--groups 2000]
 *                                            [--concurrency 32] [--rate 1000] [--seconds 10]
 *
 * Two phases:
 * - backlog: `notifications` notifications over `groups` alert groups are enqueued first, then the
 *   outbox loop drains them (each group's notifications in order, so at most one per group in flight);
 * - live: while the loop runs, a producer enqueues `rate` notifications per second (batches every
 *   20 ms, each notification its own group) for `seconds`; enqueue → receipt latency is measured.
 * The receiver counts every request by its Idempotency-Key: duplicates = requests − distinct keys.
 *
 * PostgreSQL: set ETHOS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
 * a fresh database is created and dropped.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { contactPointSpecSchema } from '../src/shared/alerting.schema.ts';
import { systemClock } from '../src/server/platform/clock.ts';
import { openDatabase, type Db } from '../src/server/platform/db.ts';
import { migrateToLatest } from '../src/server/platform/migrations/index.ts';
import { createOutbox, type OutboxItem } from '../src/server/modules/alerting/outbox.ts';
import { benchArgs, log, machineLine, percentile } from './support.ts';

const args = benchArgs();
const dbKind = args.get('db') ?? 'sqlite';
const NOTIFICATIONS = Number(args.get('notifications') ?? 20_000);
const GROUPS = Number(args.get('groups') ?? 2_000);
const CONCURRENCY = Number(args.get('concurrency') ?? 32);
const RATE = Number(args.get('rate') ?? 1_000);
const SECONDS = Number(args.get('seconds') ?? 10);

// The receiver runs in a worker thread so that it does not share the outbox's event loop.
const RECEIVER = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const seen = new Map();
let requests = 0;
const latencies = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests++;
    const key = req.headers['idempotency-key'];
    seen.set(key, (seen.get(key) || 0) + 1);
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const at = Number(body.commonAnnotations.enqueuedAt);
    if (at) latencies.push(Date.now() - at);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ requests, distinct: seen.size });
  if (m === 'latencies') { parentPort.postMessage({ latencies: latencies.splice(0) }); }
});
`;

function ask<T>(worker: Worker, message: string): Promise<T> {
  return new Promise((resolve) => {
    worker.once('message', (m: T) => resolve(m));
    worker.postMessage(message);
  });
}

async function openBenchDatabase(): Promise<{ db: Db; label: string; drop(): Promise<void> }> {
  if (dbKind === 'postgres') {
    const adminUrl = process.env.ETHOS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const name = `ethos_bench_${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = openDatabase(url.toString());
    await migrateToLatest(db);
    return {
      db,
      label: 'PostgreSQL (loopback)',
      async drop() {
        await db.close();
        const d = new pg.Client({ connectionString: adminUrl });
        await d.connect();
        await d.query(`drop database if exists ${name} with (force)`);
        await d.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-outbox-bench-'));
  const db = openDatabase(path.join(dir, 'ethos.db'));
  await migrateToLatest(db);
  return { db, label: 'SQLite (WAL file)', drop: async () => { await db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

function notificationItem(key: string, group: number, enqueuedAt?: number): OutboxItem {
  const service = `svc-${group}`;
  const labels = { alertname: 'HighLatency', service, severity: 'page', instance: `${service}-0`, env: 'production' };
  return {
    contactPoint: { owner: 'payments', name: 'bench-hook' },
    idempotencyKey: key,
    notification: {
      groupKey: `{}/{service="${service}"}:{alertname="HighLatency"}`,
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: { summary: `p99 latency of ${service} above 2 s`, description: 'p99 over the last 5 minutes is 2.31 s (threshold 2 s)' },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: `http://ethos.test/alerts/rules/${service}-latency`,
          fingerprint: randomBytes(8).toString('hex'),
        },
      ],
      groupLabels: { alertname: 'HighLatency', service },
      commonLabels: labels,
      commonAnnotations: enqueuedAt ? { enqueuedAt: String(enqueuedAt) } : {},
      externalURL: 'http://ethos.test',
    },
  };
}

async function main() {
  log(machineLine());
  const receiver = new Worker(RECEIVER, { eval: true });
  const { port } = await new Promise<{ port: number }>((resolve) => receiver.once('message', resolve));
  const { db, label, drop } = await openBenchDatabase();
  const spec = contactPointSpecSchema.parse({ type: 'webhook', url: `http://127.0.0.1:${port}/alerts` });
  const outbox = createOutbox({ db: db.kysely, clock: systemClock, loadContactPoint: async () => spec, concurrency: CONCURRENCY });
  log(`database: ${label}; concurrency ${CONCURRENCY}; receiver: node:http on 127.0.0.1 in a worker thread`);

  // backlog
  const perGroup = Math.ceil(NOTIFICATIONS / GROUPS);
  const items: OutboxItem[] = [];
  for (let i = 0; i < perGroup; i++) for (let g = 0; g < GROUPS && items.length < NOTIFICATIONS; g++) items.push(notificationItem(`backlog-${g}-${i}`, g));
  let t0 = performance.now();
  for (let i = 0; i < items.length; i += 500) await outbox.enqueue(items.slice(i, i + 500));
  const enqueueS = (performance.now() - t0) / 1000;
  log(`backlog: enqueued ${items.length} notifications over ${GROUPS} groups in ${enqueueS.toFixed(2)} s (${Math.round(items.length / enqueueS)}/s)`);
  t0 = performance.now();
  outbox.start();
  for (;;) {
    const { requests } = await ask<{ requests: number }>(receiver, 'count');
    if (requests >= items.length) break;
    if (performance.now() - t0 > 600_000) throw new Error(`backlog not drained: ${requests}/${items.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const drainS = (performance.now() - t0) / 1000;
  // let the last batch's status updates land before counting
  for (let i = 0; i < 100 && (await outbox.stats()).delivering + (await outbox.stats()).pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
  const afterBacklog = await ask<{ requests: number; distinct: number }>(receiver, 'count');
  log(`backlog: delivered ${afterBacklog.distinct} in ${drainS.toFixed(2)} s = ${Math.round(afterBacklog.distinct / drainS)} deliveries/s; requests ${afterBacklog.requests}, duplicates ${afterBacklog.requests - afterBacklog.distinct}`);
  await ask(receiver, 'latencies');

  // live
  const batch = Math.max(1, Math.round(RATE / 50));
  let produced = 0;
  t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let tick = t0;
  while (performance.now() < end) {
    const now = Date.now();
    const live: OutboxItem[] = [];
    for (let i = 0; i < batch; i++) live.push(notificationItem(`live-${produced + i}`, GROUPS + produced + i, now));
    produced += batch;
    await outbox.enqueue(live);
    tick += 20;
    const wait = tick - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const expected = items.length + produced;
  for (;;) {
    const { requests } = await ask<{ requests: number }>(receiver, 'count');
    if (requests >= expected) break;
    if (performance.now() - end > 120_000) throw new Error(`live phase not drained: ${requests}/${expected}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const liveS = (performance.now() - t0) / 1000;
  await outbox.stop();
  const final = await ask<{ requests: number; distinct: number }>(receiver, 'count');
  const { latencies } = await ask<{ latencies: number[] }>(receiver, 'latencies');
  latencies.sort((a, b) => a - b);
  log(
    `live: ${produced} notifications offered at ${RATE}/s for ${SECONDS} s, all delivered ${liveS.toFixed(2)} s after the first = ${Math.round(produced / liveS)} deliveries/s; ` +
      `enqueue → receipt p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms`,
  );
  const stats = await outbox.stats();
  log(`total: ${final.requests} requests, ${final.distinct} distinct keys, duplicates ${final.requests - final.distinct}, lost ${expected - final.distinct}; outbox pending ${stats.pending}, dead ${stats.dead}`);
  await receiver.terminate();
  await drop();
}

await main();
