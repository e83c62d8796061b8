import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricStore, type SampleInput } from './metric-store.ts';
import { planSources, runMetricQuery, type MetricQuery, type QueryResult } from './metric-query.ts';
import { bucketsFromSamples, decodeRollup, encodeRollup, mergeBuckets } from './rollup.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-05-31T00:00:00Z');
const NOW = Date.parse('2026-06-01T12:00:00Z');
const STEP = 15_000;
const META = [
  { service: 'shop', metric: 'queue', kind: 'gauge' as const, unit: '', description: '' },
  { service: 'shop', metric: 'requests', kind: 'counter' as const, unit: '', description: '' },
];

/** 36 hours of 15 s samples: two gauges (pods a and b) and a counter that restarts once. */
function dataset(): SampleInput[][] {
  const batches: SampleInput[][] = [];
  let counter = 0;
  for (let t = START; t < NOW - 60_000; t += 100 * STEP) {
    const batch: SampleInput[] = [];
    for (let u = t; u < Math.min(t + 100 * STEP, NOW - 60_000); u += STEP) {
      const i = (u - START) / STEP;
      for (const pod of ['a', 'b']) {
        batch.push({ series: { service: 'shop', metric: 'queue', part: 'value', labels: { pod } }, kind: 'gauge', t: u, v: Math.round(100 * (50 + 20 * Math.sin(i / (pod === 'a' ? 30 : 70)))) / 100 });
      }
      // the process restarts at 18:07:30 on the first day: the counter starts again from 0
      counter = u === Date.parse('2026-05-31T18:07:30Z') ? 3 : counter + (i % 5) + 1;
      batch.push({ series: { service: 'shop', metric: 'requests', part: 'value', labels: {} }, kind: 'counter', t: u, v: counter });
    }
    batches.push(batch);
  }
  return batches;
}

function expectSameValues(a: QueryResult, b: QueryResult): void {
  expect(a.times).toEqual(b.times);
  expect(a.series.map((s) => s.labels)).toEqual(b.series.map((s) => s.labels));
  let compared = 0;
  a.series.forEach((s, k) => {
    s.values.forEach((v, i) => {
      const w = b.series[k]!.values[i]!;
      if (w === null) expect(v, `${a.fn} step ${a.step} at ${new Date(a.times[i]!).toISOString()}`).toBeNull();
      else {
        expect(v, `${a.fn} step ${a.step} at ${new Date(a.times[i]!).toISOString()}: raw ${w}`).not.toBeNull();
        expect(v!).toBeCloseTo(w, 6);
        compared++;
      }
    });
  });
  expect(compared).toBeGreaterThan(10);
}

describe('rollups', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'ethos-rollup-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('encodes buckets compactly and reads back the columns asked for', () => {
    const ts = Float64Array.from({ length: 240 }, (_, i) => START + (i + 1) * STEP);
    const vs = Float64Array.from({ length: 240 }, (_, i) => 40 + (i % 9));
    const b = bucketsFromSamples(ts, vs, 240, START, START + 3600_000, 60_000, false, NaN);
    expect(b.n).toBe(60);
    // the first bucket ends at START + 1 min and holds the samples after START up to it
    expect([b.t[0], b.cols[0]![0], b.cols[1]![0], b.cols[2]![0], b.cols[3]![0], b.cols[4]![0]]).toEqual([START + 60_000, 4, 40 + 41 + 42 + 43, 40, 43, 43]);
    const bytes = encodeRollup(b);
    expect(bytes.length).toBeLessThan(60 * 5 * 2);
    const all = decodeRollup(bytes);
    expect(Array.from(all.cols[1]!.subarray(0, 60))).toEqual(Array.from(b.cols[1]!.subarray(0, 60)));
    const onlyMax = decodeRollup(bytes, [3]);
    expect(Array.from(onlyMax.cols[3]!.subarray(0, 60))).toEqual(Array.from(b.cols[3]!.subarray(0, 60)));
    expect(onlyMax.cols[1]![5]).toBe(0);
    expect(() => decodeRollup(bytes.subarray(0, 20))).toThrow(RangeError);
  });

  it('counts a counter’s growth across a restart, and merges minutes into hours', () => {
    const ts = Float64Array.from([10_000, 30_000, 50_000, 70_000, 90_000, 130_000]);
    const vs = Float64Array.from([5, 7, 2, 6, 10, 11]);
    // 3 before the range: growth into the first bucket from it; the drop to 2 is a restart
    const b = bucketsFromSamples(ts, vs, 6, 0, 180_000, 60_000, true, 3);
    expect(Array.from(b.t.subarray(0, b.n))).toEqual([60_000, 120_000, 180_000]);
    expect(Array.from(b.cols[0]!.subarray(0, b.n))).toEqual([2 + 2 + 2, 4 + 4, 1]);
    expect(Array.from(b.cols[1]!.subarray(0, b.n))).toEqual([2, 10, 11]);
    const hour = mergeBuckets([b], 0, 3600_000, 3600_000)!;
    expect([hour.n, hour.t[0], hour.cols[0]![0], hour.cols[1]![0]]).toEqual([1, 3600_000, 15, 11]);
  });

  it('reads rollups for coarse steps and for times whose raw samples are gone, raw samples otherwise', () => {
    const coverage = [
      { resolution: 60_000, from: 0, to: 5_000_000 },
      { resolution: 3600_000, from: -1e9, to: 3_600_000 },
    ];
    // 1-minute steps: minutes only where raw samples are gone (before 2,000,000), raw after
    expect(planSources(coverage, 60_000, false, 2_000_000)).toEqual({ rollups: [{ resolution: 60_000, from: 0, to: 2_000_000 }], rawFrom: 2_000_000 });
    // 5-minute steps: minutes wherever complete
    expect(planSources(coverage, 300_000, false, 2_000_000)).toEqual({ rollups: [{ resolution: 60_000, from: 0, to: 5_000_000 }], rawFrom: 5_000_000 });
    // 5-hour steps: hours for the oldest times, then minutes, then raw samples
    expect(planSources(coverage, 5 * 3600_000, false, 2_000_000)).toEqual({
      rollups: [
        { resolution: 3600_000, from: -1e9, to: 3_600_000 },
        { resolution: 60_000, from: 3_600_000, to: 5_000_000 },
      ],
      rawFrom: 5_000_000,
    });
    // a step that is not a whole number of minutes reads raw samples only
    expect(planSources(coverage, 90_000, false, 2_000_000)).toEqual({ rollups: [], rawFrom: -Infinity });
  });

  it('answers queries from rollups as raw samples would, before and after the raw samples expire', () => {
    let now = NOW;
    const rolled = new MetricStore({ dir: newDir(), now: () => now });
    const raw = new MetricStore({ dir: newDir(), now: () => now, rollups: [] });
    for (const batch of dataset()) {
      expect(rolled.append(batch, META).accepted).toBe(batch.length);
      raw.append(batch, META);
    }
    // a slice at a time: with no time budget, each call rolls up one series
    let calls = 0;
    while (rolled.rollup(0)) calls++;
    expect(calls).toBeGreaterThan(10);
    const [minute, hour] = rolled.rollupCoverage();
    // windows of 2 h ending 15 minutes before now are done; hours up to the last whole day
    expect(minute!.to).toBe(Date.parse('2026-06-01T10:00:00Z'));
    expect(hour!.to).toBe(Date.parse('2026-06-01T00:00:00Z'));

    const range = { service: 'shop', from: START, to: NOW - 60_000 };
    const cases: Omit<MetricQuery, 'service' | 'from' | 'to'>[] = [
      { metric: 'queue', step: 60_000, fn: 'avg', by: ['pod'] },
      { metric: 'queue', step: 60_000, fn: 'sum' },
      { metric: 'queue', step: 300_000, fn: 'min' },
      { metric: 'queue', step: 300_000, fn: 'max', by: ['pod'] },
      { metric: 'queue', step: 60_000, fn: 'last', by: ['pod'] },
      { metric: 'queue', step: 3600_000, fn: 'avg' },
      { metric: 'requests', step: 60_000, fn: 'rate' },
      { metric: 'requests', step: 60_000, fn: 'increase' },
      { metric: 'requests', step: 3600_000, fn: 'increase' },
      { metric: 'requests', step: 3600_000, fn: 'rate' },
    ];
    const before = cases.map((c) => {
      const a = runMetricQuery(rolled, { ...range, ...c });
      expectSameValues(a, runMetricQuery(raw, { ...range, ...c }));
      return a;
    });
    // a series backfilled into windows already rolled up: they are rolled up again
    const late: SampleInput[] = [];
    for (let u = Date.parse('2026-05-31T03:00:00Z'); u <= Date.parse('2026-05-31T05:00:00Z'); u += STEP) {
      late.push({ series: { service: 'shop', metric: 'queue', part: 'value', labels: { pod: 'c' } }, kind: 'gauge', t: u, v: (u / STEP) % 17 });
    }
    expect(rolled.append(late, META).accepted).toBe(late.length);
    raw.append(late, META);
    // until their windows are rolled up again, queries read those times from raw samples
    expect(rolled.rollupCoverage()[0]!.to).toBe(Date.parse('2026-05-31T02:00:00Z'));
    for (const c of cases.slice(0, 6)) expectSameValues(runMetricQuery(rolled, { ...range, ...c }), runMetricQuery(raw, { ...range, ...c }));
    while (rolled.rollup(0));
    expect(rolled.rollupCoverage()[0]!.to).toBe(minute!.to);
    for (const c of cases.slice(0, 6)) expectSameValues(runMetricQuery(rolled, { ...range, ...c }), runMetricQuery(raw, { ...range, ...c }));
    before.splice(0, 6, ...cases.slice(0, 6).map((c) => runMetricQuery(rolled, { ...range, ...c })));
    expect(before[0]!.series.map((s) => s.labels.pod)).toEqual(['a', 'b', 'c']);

    // the restart's step counts the growth before and after it, not a drop
    const hourly = runMetricQuery(rolled, { ...range, metric: 'requests', step: 3600_000, fn: 'increase' });
    expect(hourly.series[0]!.values[hourly.times.indexOf(Date.parse('2026-05-31T19:00:00Z'))]).toBeGreaterThan(700);

    // eight days later the raw samples are gone; the rollups still answer
    now = NOW + 8 * DAY;
    while (rolled.removeExpired() > 0);
    const [ref] = rolled.findSeries('shop', 'requests');
    let left = 0;
    rolled.readSamples(ref!.id, 0, Infinity, () => left++);
    expect(left).toBe(0);
    cases.forEach((c, k) => {
      const after = runMetricQuery(rolled, { ...range, ...c });
      // the steps after the rolled-up windows were answered from raw samples, now expired
      const cut = after.times.findIndex((t) => t > minute!.to);
      // (read from the rollups now: the same values, up to the rounding of sums)
      expectSameValues({ ...after, times: after.times.slice(0, cut), series: after.series.map((s) => ({ ...s, values: s.values.slice(0, cut) })) }, { ...before[k]!, times: before[k]!.times.slice(0, cut), series: before[k]!.series.map((s) => ({ ...s, values: s.values.slice(0, cut) })) });
      expect(after.series.every((s) => s.values.slice(cut + 1).every((v) => v === null))).toBe(true);
    });
    // steps finer than a minute have nothing to read
    const fine = runMetricQuery(rolled, { ...range, metric: 'queue', step: 15_000, fn: 'avg', from: START, to: START + 3600_000 });
    expect(fine.series.flatMap((s) => s.values).every((v) => v === null)).toBe(true);
    rolled.close();
    raw.close();
  });

  it('keeps its progress across a restart and removes buckets past their retention', () => {
    const dir = newDir();
    let now = NOW;
    const a = new MetricStore({ dir, now: () => now });
    for (const batch of dataset()) a.append(batch, META);
    while (a.rollup(5));
    const coverage = a.rollupCoverage();
    a.close();
    const b = new MetricStore({ dir, now: () => now });
    expect(b.rollupCoverage()).toEqual(coverage);
    // nothing left to do: the first call says so
    expect(b.rollup(1000)).toBe(false);
    const [ref] = b.findSeries('shop', 'requests');
    expect(b.rollupsOf(ref!.id, 60_000, START, NOW).length).toBeGreaterThan(10);
    // 36 days later the 1-minute buckets have expired, the hourly ones remain
    now = NOW + 36 * DAY;
    while (b.removeExpired() > 0);
    expect(b.rollupsOf(ref!.id, 60_000, START, NOW)).toHaveLength(0);
    expect(b.rollupsOf(ref!.id, 3600_000, START, NOW)).toHaveLength(1);
    const daily = runMetricQuery(b, { service: 'shop', metric: 'queue', from: START, to: START + DAY, step: 3600_000, fn: 'max' });
    // 25 steps: the first ends at START and holds its sample
    expect(daily.series[0]!.values.filter((v) => v !== null)).toHaveLength(25);
    expect(Math.max(...daily.series[0]!.values.map(Number))).toBe(70);
    b.close();
  });
});
