import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMetricQuery, type MetricQuery } from './metric-query.ts';
import { MetricStore, type SampleInput } from './metric-store.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function gauge(metric: string, t: number, v: number, labels: Record<string, string> = {}): SampleInput {
  return { series: { service: 'checkout', metric, part: 'value', labels }, kind: 'gauge', t, v };
}

function samplesOf(store: MetricStore, metric: string, labels: Record<string, string> = {}): [number, number][] {
  const [ref] = store.findSeries('checkout', metric, { where: labels });
  const out: [number, number][] = [];
  if (ref) store.readSamples(ref.id, 0, Infinity, (t, v) => out.push([t, v]));
  return out;
}

const dirs: string[] = [];
const newDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ethos-tsdb-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the metrics store', () => {
  const open = (dir: string, extra: Partial<ConstructorParameters<typeof MetricStore>[0]> = {}) => new MetricStore({ dir, now: () => NOW, ...extra });

  it('keeps every accepted sample when the process dies without closing the store', () => {
    const dir = newDir();
    const a = open(dir, { chunkSamples: 50 });
    const samples = Array.from({ length: 500 }, (_, i) => gauge('cpu', NOW - 600_000 + i * 1000, i * 0.5, { core: String(i % 2) }));
    expect(a.append(samples).accepted).toBe(500);
    a.flush();
    // more after a flush, still only in the log and memory when the "crash" comes
    a.append([gauge('cpu', NOW - 1000, 99, { core: '0' })]);
    // no close(): a second store opens the same files as a restarted process would
    const b = open(dir);
    const core0 = samplesOf(b, 'cpu', { core: '0' });
    expect(core0).toHaveLength(251);
    expect(core0.at(-1)).toEqual([NOW - 1000, 99]);
    expect(samplesOf(b, 'cpu', { core: '1' }).map(([, v]) => v)).toEqual(samples.filter((_, i) => i % 2 === 1).map((s) => s.v));
    b.close();
  });

  it('reads a window the open chunk covers from memory, and one reaching further back from every chunk', () => {
    const dir = newDir();
    const store = open(dir, { chunkSamples: 10 });
    // 25 samples a second apart: two closed chunks (one written, one still in memory) and an open one
    store.append(Array.from({ length: 20 }, (_, i) => gauge('depth', NOW - 25_000 + i * 1000, i)));
    store.flush();
    store.append(Array.from({ length: 5 }, (_, i) => gauge('depth', NOW - 5000 + i * 1000, 20 + i)));
    const [ref] = store.findSeries('checkout', 'depth');
    const read = (from: number, to: number) => {
      const out: number[] = [];
      store.readSamples(ref!.id, from, to, (_, v) => out.push(v));
      return out;
    };
    // the open chunk starts at NOW - 5 s
    expect(store.chunksOf(ref!.id, NOW - 3000, NOW)).toHaveLength(1);
    expect(read(NOW - 3000, NOW)).toEqual([22, 23, 24]);
    expect(read(NOW - 5000, NOW)).toEqual([20, 21, 22, 23, 24]);
    expect(read(NOW - 7000, NOW)).toEqual([18, 19, 20, 21, 22, 23, 24]);
    expect(read(NOW - 30_000, NOW - 14_000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // a window after the newest sample: nothing
    expect(store.chunksOf(ref!.id, NOW, NOW + 60_000)).toEqual([]);
    store.close();
  });

  it('reads each sample once while a chunk goes from open (its snapshot written) to closed in memory to written', () => {
    const dir = newDir();
    const store = open(dir, { chunkSamples: 10 });
    let next = 0;
    const add = (count: number) => {
      store.append(Array.from({ length: count }, () => gauge('queue', NOW - 60_000 + next * 1000, next++)));
    };
    const all = () => samplesOf(store, 'queue').map(([, v]) => v);
    const upTo = (count: number) => Array.from({ length: count }, (_, i) => i);
    add(6);
    // the open chunk's snapshot goes to the database, and the chunk grows on in memory
    store.checkpoint();
    add(2);
    expect(all()).toEqual(upTo(8));
    // it closes (still in memory, its snapshot of 6 samples in the database) and a new one opens
    add(4);
    expect(all()).toEqual(upTo(12));
    // the closed chunk replaces its snapshot; the open one gets a snapshot of its own
    store.checkpoint();
    add(1);
    expect(all()).toEqual(upTo(13));
    store.flush();
    expect(all()).toEqual(upTo(13));
    store.close();
  });

  it('replays the log up to a torn last record and stores nothing twice after a checkpoint', () => {
    const dir = newDir();
    const a = open(dir);
    a.append([gauge('mem', NOW - 3000, 1), gauge('mem', NOW - 2000, 2)]);
    a.checkpoint();
    a.append([gauge('mem', NOW - 1000, 3)]);
    // a crash in the middle of writing a record leaves a partial one at the end of the log
    const wal = path.join(dir, 'wal');
    const last = fs.readdirSync(wal).sort().at(-1)!;
    fs.appendFileSync(path.join(wal, last), Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const b = open(dir);
    expect(samplesOf(b, 'mem')).toEqual([
      [NOW - 3000, 1],
      [NOW - 2000, 2],
      [NOW - 1000, 3],
    ]);
    // and again: the restart persisted the replay, the next start finds the same
    b.close();
    const c = open(dir);
    expect(samplesOf(c, 'mem')).toHaveLength(3);
    // the log segments of earlier runs are gone once persisted
    expect(fs.readdirSync(wal).length).toBeLessThanOrEqual(1);
    c.close();
  });

  it('adds delta samples to the running total, also across a restart', () => {
    const dir = newDir();
    const delta = (t: number, v: number): SampleInput => ({ series: { service: 'checkout', metric: 'orders', part: 'value', labels: {} }, kind: 'counter', t, v, delta: true });
    const a = open(dir);
    a.append([delta(NOW - 3000, 5), delta(NOW - 2000, 5)]);
    a.close();
    const b = open(dir);
    b.append([delta(NOW - 1000, 5)]);
    expect(samplesOf(b, 'orders').map(([, v]) => v)).toEqual([5, 10, 15]);
    b.close();
  });

  it('removes data past its retention, and no more than asked at a time', () => {
    const dir = newDir();
    let now = NOW;
    const store = new MetricStore({ dir, now: () => now, retentionMs: 3600_000, chunkSamples: 10 });
    store.append(Array.from({ length: 100 }, (_, i) => gauge('old', NOW - 3000_000 + i * 1000, i)));
    store.checkpoint();
    now = NOW + 3600_000;
    expect(store.removeExpired(3)).toBe(3);
    expect(store.removeExpired()).toBe(7);
    expect(samplesOf(store, 'old')).toEqual([]);
    store.close();
  });

  it('holds chunks in the database compactly on regular data', () => {
    const dir = newDir();
    const store = open(dir);
    const series = 50;
    const perSeries = 2000;
    for (let s = 0; s < series; s++) {
      const batch: SampleInput[] = [];
      for (let i = 0; i < perSeries; i++) batch.push(gauge('requests', NOW - 6 * 86400_000 + i * 15_000, s * 1000 + i * 3, { instance: String(s) }));
      store.append(batch);
    }
    store.checkpoint();
    const bytes = (store as unknown as { db: { prepare(sql: string): { get(): { b: number } } } }).db.prepare('SELECT SUM(length(data)) AS b FROM chunks').get().b;
    expect(bytes / (series * perSeries)).toBeLessThan(1.5);
    store.close();
  });
});

describe('queries and the decoded-chunk cache', () => {
  const meta = (metric: string, kind: 'gauge' | 'counter' = 'gauge') => [{ service: 'checkout', metric, kind, unit: '', description: '' }];
  const lastPerMinute = (store: MetricStore, metric: string, from: number) =>
    runMetricQuery(store, { service: 'checkout', metric, from, to: NOW, step: 60_000, fn: 'last' }).series[0]?.values.filter((v) => v !== null);

  it('a query sees the samples written after an earlier query kept the series\' chunks in memory', () => {
    const store = new MetricStore({ dir: newDir(), now: () => NOW, chunkSamples: 10 });
    const from = NOW - 3600_000;
    let next = 0;
    // a sample a minute, its value its number: one per step of the queries
    const add = (count: number) => store.append(Array.from({ length: count }, () => gauge('depth', from + 60_000 * ++next, next - 1)), meta('depth'));
    const upTo = (count: number) => Array.from({ length: count }, (_, i) => i);
    add(25);
    store.flush();
    // two chunks written, kept by the query; the open one (5 samples so far) is read as it is
    expect(lastPerMinute(store, 'depth', from)).toEqual(upTo(25));
    expect(store.decodedCache.chunks).toBe(2);
    // the open chunk fills up and closes (in memory), a new one opens
    add(10);
    expect(lastPerMinute(store, 'depth', from)).toEqual(upTo(35));
    store.flush();
    add(3);
    store.checkpoint();
    expect(lastPerMinute(store, 'depth', from)).toEqual(upTo(38));
    expect(lastPerMinute(store, 'depth', from)).toEqual(upTo(38));
    expect(store.decodedCache.chunks).toBe(3);
    store.close();
  });

  it('chunks removed by retention are neither answered nor kept in memory', () => {
    let now = NOW;
    const store = new MetricStore({ dir: newDir(), now: () => now, retentionMs: 3600_000, chunkSamples: 10 });
    store.append(Array.from({ length: 100 }, (_, i) => gauge('old', NOW - 3000_000 + i * 1000, i)), meta('old'));
    store.checkpoint();
    const query: MetricQuery = { service: 'checkout', metric: 'old', from: NOW - 3600_000, to: NOW, step: 60_000, fn: 'count' };
    expect(runMetricQuery(store, query).series[0]!.values.filter((v) => v !== null)).toHaveLength(3);
    expect(store.decodedCache.chunks).toBe(9);
    now = NOW + 3600_000;
    store.removeExpired();
    expect(store.decodedCache).toMatchObject({ bytes: 0, chunks: 0 });
    expect(runMetricQuery(store, query).series[0]!.values.every((v) => v === null)).toBe(true);
    store.close();
  });

  it('answers every query as a store without the cache does, with room for all chunks or for a few', () => {
    // six hours of samples: two gauges (jittered times) and two counters (even times, one
    // restarts), rolled up, the newest chunks closed in memory or still open
    const budgets = [0, 12 * 1024, 24 * 1024, 64 * 2 ** 20];
    const stores = budgets.map((decodedCacheBytes) => new MetricStore({ dir: newDir(), now: () => NOW, chunkSamples: 40, decodedCacheBytes }));
    const counter = (t: number, v: number, pod: string): SampleInput => ({ series: { service: 'checkout', metric: 'requests', part: 'value', labels: { pod } }, kind: 'counter', t, v });
    const from = NOW - 6 * 3600_000;
    for (let batch = 0; batch < 12; batch++) {
      const samples: SampleInput[] = [];
      for (let i = batch * 60; i < (batch + 1) * 60; i++) {
        const t = from + i * 30_000;
        for (const pod of ['a', 'b']) {
          samples.push(gauge('depth', t + ((i * 7919) % 9) - 4, Math.round(100 * (20 + 10 * Math.sin(i / (pod === 'a' ? 11 : 29)))) / 100, { pod }));
          samples.push(counter(t, pod === 'b' && i >= 400 ? (i - 400) * 3 : i * (i % 4) + i, pod));
        }
      }
      for (const store of stores) {
        store.append(samples, [...meta('depth'), ...meta('requests', 'counter')]);
        if (batch < 10) store.flush();
        if (batch === 8) while (store.rollup(1e9));
      }
    }
    const queries: MetricQuery[] = [];
    for (const [f, t] of [[from, NOW], [NOW - 2 * 3600_000 - 7000, NOW - 1800_000]] as const) {
      for (const step of [15_000, 60_000, 290_000, 300_000]) {
        for (const fn of ['avg', 'max', 'last', 'count', 'sum'] as const) queries.push({ service: 'checkout', metric: 'depth', from: f, to: t, step, fn, by: ['pod'] });
        for (const fn of ['rate', 'increase'] as const) queries.push({ service: 'checkout', metric: 'requests', from: f, to: t, step, fn });
      }
    }
    // each query twice in a row (the second finds what the first kept), the whole list twice
    for (let round = 0; round < 4; round++) {
      for (const q of queries) {
        const [plain, ...cached] = stores.map((store) => runMetricQuery(store, q));
        expect(plain!.series.flatMap((s) => s.values).filter((v) => v !== null).length).toBeGreaterThan(5);
        for (const c of cached) expect(c).toEqual(plain);
      }
      if (round % 2 === 0) queries.reverse();
    }
    const caches = stores.map((store) => store.decodedCache);
    expect(caches[0]).toEqual({ bytes: 0, chunks: 0, hits: 0 });
    caches.forEach((c, i) => expect(c.bytes).toBeLessThanOrEqual(budgets[i]!));
    // the small ones were full, and served chunks too
    for (const c of caches.slice(1)) expect(c.hits).toBeGreaterThan(20);
    expect(caches[1]!.bytes).toBeGreaterThan(8 * 1024);
    expect(caches[3]!.chunks).toBeGreaterThan(caches[2]!.chunks);
    for (const store of stores) store.close();
  });
});
