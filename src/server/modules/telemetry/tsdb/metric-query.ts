import { AppError } from '../../../platform/errors.ts';
import type { MetricStore, RollupCoverage, SeriesRef } from './metric-store.ts';
import { decodeRollup, type Buckets } from './rollup.ts';
import { ensureRoom, type SampleBuffers } from './decoded-chunks.ts';
import type { MetricKind, SeriesPart } from './series-key.ts';

/** How a query turns samples into one value per step. */
export const QUERY_FUNCTIONS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99'] as const;
export type QueryFunction = (typeof QUERY_FUNCTIONS)[number];

export interface MetricQuery {
  service: string;
  metric: string;
  /** Milliseconds since the epoch, inclusive. */
  from: number;
  to: number;
  /** Milliseconds. */
  step: number;
  /** One step from `from` to `to` (`step` is ignored): a value per series over the whole range. */
  instant?: boolean;
  fn?: QueryFunction;
  /** Attributes to group by (one result series per combination); none: one series in all. */
  by?: string[];
  /** Only series with these attribute values. */
  where?: Record<string, string>;
}

export interface QueryResult {
  metric: string;
  kind: MetricKind;
  fn: QueryFunction;
  step: number;
  /** The end of each step, in milliseconds. */
  times: number[];
  series: { labels: Record<string, string>; values: (number | null)[] }[];
}

/** Most steps one query may return per series (like Prometheus's 11,000). */
export const MAX_POINTS = 11_000;
/** Most stored series one query may read. */
export const MAX_SERIES_READ = 20_000;
/** How far before the first step a counter's previous sample is looked for. */
const LOOKBACK_MS = 5 * 60_000;
/** How far back a rate's window may reach beyond the first step (four intervals of a slow exporter). */
const WINDOW_LOOKBACK_MS = 10 * 60_000;

/** The rollup columns (count, sum, min, max, last) each gauge function reads. */
const GAUGE_COLUMNS_FOR: Partial<Record<QueryFunction, number[]>> = { min: [2], max: [3], last: [4] };

/** The default function of a kind: counters and histograms as a rate, gauges as an average. */
export function defaultFunction(kind: MetricKind): QueryFunction {
  return kind === 'gauge' ? 'avg' : kind === 'summary' ? 'p50' : 'rate';
}

/**
 * Which stored data answers which times of a query: rollups whose resolution divides the step
 * (so every bucket falls inside one step), the coarsest for the oldest times, each up to where it
 * is complete; raw samples after the last of them. Where raw samples are still kept
 * (after `rawFrom`), a level is used only for steps of at least five of its buckets: below that,
 * reading its columns costs about what decoding the raw samples does.
 */
export function planSources(coverage: RollupCoverage[], step: number, instant = false, rawFrom = -Infinity): { rollups: RollupCoverage[]; rawFrom: number } {
  // an instant query's one step need not be aligned: a level whose buckets are at most 1/60 of it
  // (its first bucket may reach a little before the range)
  const fits = (res: number) => (instant ? res * 60 <= step : step % res === 0);
  const usable = coverage
    .filter((c) => fits(c.resolution))
    .map((c) => ({ ...c, to: step >= 5 * c.resolution ? c.to : Math.min(c.to, rawFrom) }))
    .filter((c) => c.to > c.from)
    .sort((a, b) => b.resolution - a.resolution);
  const rollups: RollupCoverage[] = [];
  let cursor = -Infinity;
  for (const c of usable) {
    if (c.to <= cursor) continue;
    rollups.push({ resolution: c.resolution, from: Math.max(cursor, c.from), to: c.to });
    cursor = c.to;
  }
  return { rollups, rawFrom: cursor };
}

function groupKey(labels: Record<string, string>, by: string[]): [string, Record<string, string>] {
  const picked: Record<string, string> = {};
  for (const b of by) picked[b] = labels[b] ?? '';
  return [JSON.stringify(by.map((b) => picked[b])), picked];
}

/**
 * Evaluates a metric query: per step (the interval ending at each step time), gauges by
 * avg/min/max/last of their samples, counters (and a histogram's count) by increase or rate with
 * counter resets handled, histogram quantiles from the increase of their buckets; then across the
 * series of a group by the same function (sum adds, count counts series, rate/increase add).
 */
export function runMetricQuery(store: MetricStore, q: MetricQuery): QueryResult {
  const kind = store.metricKind(q.service, q.metric);
  if (!kind) throw new AppError('TELEMETRY_METRIC_NOT_FOUND', `the service "${q.service}" has no metric "${q.metric}"`);
  const fn = q.fn ?? defaultFunction(kind);
  const by = q.by ?? [];
  if (!(q.to > q.from)) throw new AppError('VALIDATION_FAILED', '"to" must be after "from"');
  const step = q.instant ? q.to - q.from : q.step;
  if (!(step >= 1000)) throw new AppError('VALIDATION_FAILED', q.instant ? 'an instant query needs a range of at least 1 second' : 'step must be at least 1 second');
  // steps end on multiples of the step; the last one holds `to` (the current, partial step); an
  // instant query has one step, ending at `to`
  const first = q.instant ? q.to : Math.ceil(q.from / step) * step;
  const n = q.instant ? 1 : Math.round((Math.ceil(q.to / step) * step - first) / step) + 1;
  if (n > MAX_POINTS) throw new AppError('TELEMETRY_QUERY_TOO_LARGE', `the range holds ${n} steps; at most ${MAX_POINTS}: choose a larger step`);
  const times = Array.from({ length: Math.max(n, 0) }, (_, i) => first + i * step);
  const start = first - step;
  const last = Math.min(times.at(-1) ?? first, q.to);

  const quantile = /^p(\d\d)$/.exec(fn);
  let parts: SeriesPart[];
  if (quantile) {
    if (kind === 'histogram') parts = ['bucket'];
    else if (kind === 'summary') parts = ['quantile'];
    else throw new AppError('VALIDATION_FAILED', `${fn} needs a histogram or a summary; "${q.metric}" is a ${kind}`);
  } else if (fn === 'rate' || fn === 'increase') {
    if (kind === 'gauge') throw new AppError('VALIDATION_FAILED', `${fn} needs a counter or a histogram; "${q.metric}" is a gauge: use avg, min, max, sum, count or last`);
    // a histogram filtered by `le` reads that bucket: the requests no slower than its bound
    parts = kind === 'counter' ? ['value'] : kind === 'histogram' && q.where?.le !== undefined ? ['bucket'] : ['count'];
  } else {
    // a histogram's or summary's average is its sum's increase over its count's
    parts = kind === 'histogram' || kind === 'summary' ? ['sum', 'count'] : ['value'];
  }
  const where = { ...q.where };
  if (quantile && kind === 'summary') where.quantile = String(Number(quantile[1]) / 100);
  const refs = store.findSeries(q.service, q.metric, { parts, where });
  if (refs.length > MAX_SERIES_READ) throw new AppError('TELEMETRY_QUERY_TOO_LARGE', `the query matches ${refs.length} series; at most ${MAX_SERIES_READ}: filter with "where"`);

  const groups = new Map<string, { labels: Record<string, string>; refs: SeriesRef[] }>();
  for (const ref of refs) {
    const [key, labels] = groupKey(ref.identity.labels, by);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, refs: [] }));
    g.refs.push(ref);
  }

  // one pair of buffers for every series' samples, grown as needed: a query over 1,000 series
  // decodes millions of samples without allocating per chunk
  const buf: SampleBuffers = { t: new Float64Array(4096), v: new Float64Array(4096) };
  const plan = planSources(store.rollupCoverage(), step, q.instant, store.rawFrom);
  /** Reused for every rollup decoded (five columns: a gauge's). */
  const rollupScratch: Buckets = { cumulative: false, n: 0, t: new Float64Array(256), cols: Array.from({ length: 5 }, () => new Float64Array(256)) };
  /**
   * Calls `fn` with each rollup bucket of a series ending in (lo, hi], in time order, the columns
   * `cols` decoded; returns the time after which raw samples take over.
   */
  const bucketsOf = (id: number, lo: number, hi: number, cols: readonly number[], fn: (t: number, c: Float64Array[], i: number) => void): number => {
    for (const r of plan.rollups) {
      const from = Math.max(r.from, lo);
      const to = Math.min(r.to, hi);
      if (to <= from) continue;
      for (const blob of store.rollupsOf(id, r.resolution, from, to)) {
        const b = decodeRollup(blob, cols, rollupScratch);
        for (let i = 0; i < b.n; i++) {
          const t = b.t[i]!;
          if (t > from && t <= to) fn(t, b.cols, i);
        }
      }
    }
    return Math.max(plan.rawFrom, lo);
  };

  /** Steps in which any series of a group had a sample: the others have no value (null). */
  let seen = new Uint8Array(n);
  /**
   * How much a cumulative series grew (a drop is a restart: counting starts again from zero) in
   * the interval ending at each step: the step itself for `increase` (the steps add up to the
   * whole), else a window of at least four of the series' sample intervals — a counter exported
   * every 60 s read at 15 s steps would otherwise show all of a minute's growth in one step and
   * none in the three others. A rate divides by the time between the samples it measured from.
   */
  // the per-series answers of `increases`, reused unless the caller keeps them (a histogram's buckets)
  const sharedInc = new Float64Array(n);
  const sharedWindow = new Float64Array(n);
  const increases = (id: number, keep = false): { inc: Float64Array; window: Float64Array } => {
    const lo = start - LOOKBACK_MS - WINDOW_LOOKBACK_MS;
    // rollup buckets first: their growth, and the last raw value, from which raw samples carry on
    // (kept in an object: the loops below keep their counters in locals, which no closure shares)
    const rolledUp = { k: 0, prev: NaN, total: 0 };
    const rawFrom = bucketsOf(id, lo - 1, last, [0, 1], (t, cols, i) => {
      ensureRoom(buf, rolledUp.k + 1);
      rolledUp.total += cols[0]![i]!;
      rolledUp.prev = cols[1]![i]!;
      buf.t[rolledUp.k] = t;
      buf.v[rolledUp.k] = rolledUp.total;
      rolledUp.k++;
    });
    const rolled = rolledUp.k;
    let prev = rolledUp.prev;
    let total = rolledUp.total;
    const size = store.readRaw(id, rawFrom, last, buf, rolled);
    const ts = buf.t;
    const vs = buf.v;
    // in place: vs becomes the running growth of the samples in range, which then move up to
    // follow the rolled-up buckets
    let j = rolled;
    const end = rolled + size;
    while (j < end && (ts[j]! < lo || ts[j]! <= rawFrom)) j++;
    const inRange = j;
    if (j < end && ts[j]! <= last) {
      // the first sample grows from the last rolled-up value, if any
      const v = vs[j]!;
      if (!Number.isNaN(prev)) total += v >= prev ? v - prev : v;
      prev = v;
      vs[j++] = total;
    }
    for (; j < end; j++) {
      if (ts[j]! > last) break;
      const v = vs[j]!;
      total += v >= prev ? v - prev : v;
      prev = v;
      vs[j] = total;
    }
    if (inRange > rolled) {
      ts.copyWithin(rolled, inRange, j);
      vs.copyWithin(rolled, inRange, j);
    }
    const k = rolled + j - inRange;
    const inc = keep ? new Float64Array(n) : sharedInc.fill(0);
    const window = keep ? new Float64Array(n) : sharedWindow.fill(0);
    if (k < 2) return { inc, window };
    // the interval of the raw samples (a bucket's growth needs no wider window than the step)
    const interval = k - rolled >= 2 ? (ts[k - 1]! - ts[rolled]!) / (k - rolled - 1) : 0;
    const w = fn === 'increase' ? step : Math.max(step, 4 * interval);
    const stepSeen = seen;
    // two indexes walk forward with the steps: the last sample at or before the step's end, and
    // the last at or before the window's start (-1: none yet); a window of one step starts where
    // the step before ended, so the second index is the first's at the step before
    const stepWindow = w === step;
    let e = -1;
    let b = -1;
    if (stepWindow) while (e + 1 < k && ts[e + 1]! <= first - step) e++;
    for (let i = 0; i < n; i++) {
      const stepEnd = times[i]!;
      const before = e;
      while (e + 1 < k && ts[e + 1]! <= stepEnd) e++;
      if (e < 1) continue;
      if (stepWindow) b = before;
      else while (b + 1 < k && ts[b + 1]! <= stepEnd - w) b++;
      // the series began inside the window: its growth counts from its first sample
      const from = b < 0 ? 0 : b;
      if (e <= from) continue;
      stepSeen[i] = 1;
      inc[i] = vs[e]! - vs[from]!;
      // the time the growth was measured over: a rate is exact for a steady counter, also where it starts
      window[i] = ts[e]! - ts[from]!;
    }
    return { inc, window };
  };

  const series: QueryResult['series'] = [];
  for (const g of groups.values()) {
    const values: (number | null)[] = new Array(n).fill(null);
    seen = new Uint8Array(n);
    if (quantile && kind === 'histogram') {
      const byLe = new Map<string, Float64Array>();
      for (const ref of g.refs) {
        const le = ref.identity.labels.le ?? '+Inf';
        const acc = byLe.get(le);
        const { inc } = increases(ref.id, !acc);
        if (acc) for (let i = 0; i < n; i++) acc[i]! += inc[i]!;
        else byLe.set(le, inc);
      }
      const bounds = [...byLe.keys()].map((le) => ({ le: le === '+Inf' ? Infinity : Number(le), counts: byLe.get(le)! })).sort((a, b) => a.le - b.le);
      const qv = Number(quantile[1]) / 100;
      for (let i = 0; i < n; i++) if (seen[i]) values[i] = bucketQuantile(qv, bounds.map((b) => [b.le, b.counts[i]!]));
    } else if (fn === 'rate' || fn === 'increase') {
      const total = new Float64Array(n);
      for (const ref of g.refs) {
        const { inc, window } = increases(ref.id);
        // a rate per series (its own window), then added up; an increase is per step already
        for (let i = 0; i < n; i++) if (window[i]) total[i]! += fn === 'rate' ? inc[i]! / (window[i]! / 1000) : inc[i]!;
      }
      for (let i = 0; i < n; i++) if (seen[i]) values[i] = total[i]!;
    } else if ((kind === 'histogram' || kind === 'summary') && !quantile) {
      const sum = new Float64Array(n);
      const count = new Float64Array(n);
      for (const ref of g.refs) {
        const { inc } = increases(ref.id);
        const into = ref.identity.part === 'sum' ? sum : count;
        for (let i = 0; i < n; i++) into[i]! += inc[i]!;
      }
      for (let i = 0; i < n; i++) if (count[i]! > 0) values[i] = sum[i]! / count[i]!;
    } else {
      // gauges: each series' samples per step, then across the group's series
      const acc = new Float64Array(n).fill(NaN);
      const seen = new Uint32Array(n);
      const agg = new Float64Array(n);
      const cnt = new Uint32Array(n);
      const lo = start + 1;
      for (const ref of g.refs) {
        agg.fill(fn === 'min' ? Infinity : fn === 'max' ? -Infinity : 0);
        cnt.fill(0);
        // rollup buckets first (only the columns the function needs), then raw samples
        const rawFrom = bucketsOf(ref.id, lo - 1, last, GAUGE_COLUMNS_FOR[fn] ?? [0, 1], (t, cols, i) => {
          const b = Math.ceil((t - first) / step);
          if (fn === 'min') agg[b] = Math.min(agg[b]!, cols[2]![i]!);
          else if (fn === 'max') agg[b] = Math.max(agg[b]!, cols[3]![i]!);
          else if (fn === 'last') agg[b] = cols[4]![i]!;
          else {
            agg[b]! += cols[1]![i]!;
            cnt[b]! += cols[0]![i]! - 1;
          }
          cnt[b]!++;
        });
        const size = store.readRaw(ref.id, Math.max(lo, rawFrom), last, buf);
        const ts = buf.t;
        const vs = buf.v;
        let j = 0;
        while (j < size && (ts[j]! < lo || ts[j]! <= rawFrom)) j++;
        if (j < size) {
          // the step of each sample, walked forward (samples are in time order): the smallest b
          // whose step end (first + b × step) is at or after the sample; one loop per function
          // (the step's aggregate and count are kept in locals, stored when the next step begins)
          let b = Math.ceil((ts[j]! - first) / step);
          let stepEnd = first + b * step;
          let a = agg[b]!;
          let c = cnt[b]!;
          if (fn === 'min' || fn === 'max') {
            const min = fn === 'min';
            for (; j < size; j++) {
              const t = ts[j]!;
              if (t > last) break;
              if (t > stepEnd) {
                agg[b] = a;
                cnt[b] = c;
                do stepEnd = first + ++b * step;
                while (t > stepEnd);
                a = agg[b]!;
                c = cnt[b]!;
              }
              const v = vs[j]!;
              if (min ? v < a : v > a) a = v;
              c++;
            }
            agg[b] = a;
            cnt[b] = c;
          } else if (fn === 'last') {
            for (; j < size; j++) {
              const t = ts[j]!;
              if (t > last) break;
              while (t > stepEnd) stepEnd = first + ++b * step;
              agg[b] = vs[j]!;
              cnt[b]!++;
            }
          } else {
            for (; j < size; j++) {
              const t = ts[j]!;
              if (t > last) break;
              if (t > stepEnd) {
                agg[b] = a;
                cnt[b] = c;
                do stepEnd = first + ++b * step;
                while (t > stepEnd);
                a = agg[b]!;
                c = cnt[b]!;
              }
              a += vs[j]!;
              c++;
            }
            agg[b] = a;
            cnt[b] = c;
          }
        }
        for (let i = 0; i < n; i++) {
          if (!cnt[i]) continue;
          const v = fn === 'min' || fn === 'max' || fn === 'last' ? agg[i]! : agg[i]! / cnt[i]!;
          const a = acc[i]!;
          seen[i]!++;
          if (Number.isNaN(a)) acc[i] = v;
          else if (fn === 'min') acc[i] = Math.min(a, v);
          else if (fn === 'max') acc[i] = Math.max(a, v);
          else acc[i] = a + v;
        }
      }
      for (let i = 0; i < n; i++) {
        if (!seen[i]) continue;
        // a summary's quantile series cannot be combined exactly: their average stands for them
        values[i] = fn === 'count' ? seen[i]! : fn === 'avg' || fn === 'last' || quantile ? acc[i]! / seen[i]! : acc[i]!;
      }
    }
    series.push({ labels: g.labels, values });
  }
  series.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
  return { metric: q.metric, kind, fn, step, times, series };
}

/**
 * The q-quantile of a histogram given its cumulative buckets `[upper bound, count]` (sorted, the
 * last being +Inf): linear interpolation inside the bucket where the rank falls, the lowest
 * bucket starting at 0; a rank in the +Inf bucket gives the highest finite bound. Null when empty.
 */
export function bucketQuantile(q: number, buckets: [number, number][]): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      if (count === prevCount) return bound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}
