import type { SampleInput } from '../tsdb/metric-store.ts';
import type { MetricKind, SeriesPart } from '../tsdb/series-key.ts';
import { attributesOf, int64, type ExportMetricsServiceRequest, type Int64, type KeyValue } from './otlp-types.ts';

/** Resource attributes kept on every series of a service (the rest describe hosts and processes). */
const KEPT_RESOURCE_ATTRIBUTES: Record<string, string> = {
  'service.version': 'service.version',
  'deployment.environment': 'deployment.environment',
  'deployment.environment.name': 'deployment.environment',
};

/** Attributes beyond these limits are cut: a label is for grouping, not for payloads. */
const MAX_ATTRIBUTES = 32;
const MAX_VALUE_LENGTH = 512;

/** What OTLP calls a data point's "no recorded value" flag (a staleness marker). */
const FLAG_NO_RECORDED_VALUE = 1;
const TEMPORALITY_DELTA = 1;
/** Exponential histograms are stored at this scale at most: bucket bounds 2^(1/8) apart (about 9 %). */
const MAX_EXP_SCALE = 3;

/** The metric data of one service in a request. */
export interface ServiceMetrics {
  service: string;
  samples: SampleInput[];
  meta: { service: string; metric: string; kind: MetricKind; unit: string; description: string }[];
  /** OTLP data points (a histogram point is one, however many samples it gives). */
  points: number;
  /** Points rejected before storage, by reason. */
  rejected: Map<string, number>;
}

/** The name a resource gives its service; OpenTelemetry SDKs default to `unknown_service`. */
export function serviceNameOf(attributes: KeyValue[] | null | undefined): string {
  const attrs = attributesOf(attributes);
  return (attrs['service.name'] ?? '').trim() || 'unknown_service';
}

function nanosToMs(ns: Int64): number {
  return Math.floor(int64(ns) / 1e6);
}

/** A bound as a label value, short and stable (1e-3 rather than 0.0010000000000000002). */
export function formatBound(b: number): string {
  return b === Infinity ? '+Inf' : String(Number(b.toPrecision(6)));
}

function cleanLabels(attrs: Record<string, string>, base: Record<string, string>): Record<string, string> | null {
  const names = Object.keys(attrs);
  if (names.length > MAX_ATTRIBUTES) return null;
  const out: Record<string, string> = { ...base };
  for (const n of names) {
    const v = attrs[n]!;
    out[n] = v.length > MAX_VALUE_LENGTH ? v.slice(0, MAX_VALUE_LENGTH) : v;
  }
  return out;
}

/**
 * Turns an OTLP metrics request into samples, grouped by service: gauges and non-monotonic sums as
 * gauges; monotonic sums as counters; histograms as cumulative `le` buckets with `sum` and `count`
 * (exponential ones at a bounded scale); summaries as quantiles with `sum` and `count`. Delta
 * temporality is marked so that the store adds it to the series' running total.
 */
export function metricsToSamples(req: ExportMetricsServiceRequest): ServiceMetrics[] {
  const byService = new Map<string, ServiceMetrics>();
  let point = 0;
  for (const rm of req.resourceMetrics ?? []) {
    const resourceAttrs = attributesOf(rm.resource?.attributes);
    const service = (resourceAttrs['service.name'] ?? '').trim() || 'unknown_service';
    let group = byService.get(service);
    if (!group) byService.set(service, (group = { service, samples: [], meta: [], points: 0, rejected: new Map() }));
    const g = group;
    const base: Record<string, string> = {};
    for (const [from, to] of Object.entries(KEPT_RESOURCE_ATTRIBUTES)) if (resourceAttrs[from]) base[to] = resourceAttrs[from];
    const rejectPoint = (reason: string) => g.rejected.set(reason, (g.rejected.get(reason) ?? 0) + 1);

    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const metric = (m.name ?? '').trim();
        const add = (kind: MetricKind, part: SeriesPart, labels: Record<string, string>, t: number, v: number, delta: boolean, p: number) =>
          g.samples.push({ series: { service, metric, part, labels }, kind, t, v, delta, point: p });
        const each = <P extends { attributes?: KeyValue[] | null; timeUnixNano?: Int64; flags?: number | null }>(
          kind: MetricKind,
          points: P[] | null | undefined,
          fn: (p: P, labels: Record<string, string>, t: number, id: number) => void,
        ) => {
          if (!points?.length) return;
          if (!metric) {
            g.points += points.length;
            rejectPoint('metric without a name');
            return;
          }
          g.meta.push({ service, metric, kind, unit: m.unit ?? '', description: m.description ?? '' });
          for (const p of points) {
            g.points++;
            const id = point++;
            if (((p.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0) continue;
            const labels = cleanLabels(attributesOf(p.attributes), base);
            if (!labels) {
              rejectPoint(`more than ${MAX_ATTRIBUTES} attributes`);
              continue;
            }
            fn(p, labels, nanosToMs(p.timeUnixNano), id);
          }
        };

        if (m.gauge) {
          each('gauge', m.gauge.dataPoints, (p, labels, t, id) => add('gauge', 'value', labels, t, p.value === 'asInt' ? int64(p.asInt) : (p.asDouble ?? 0), false, id));
        } else if (m.sum) {
          const monotonic = !!m.sum.isMonotonic;
          const delta = m.sum.aggregationTemporality === TEMPORALITY_DELTA;
          const kind: MetricKind = monotonic ? 'counter' : 'gauge';
          each(kind, m.sum.dataPoints, (p, labels, t, id) => add(kind, 'value', labels, t, p.value === 'asInt' ? int64(p.asInt) : (p.asDouble ?? 0), delta, id));
        } else if (m.histogram) {
          const delta = m.histogram.aggregationTemporality === TEMPORALITY_DELTA;
          each('histogram', m.histogram.dataPoints, (p, labels, t, id) => {
            const bounds = p.explicitBounds ?? [];
            const counts = p.bucketCounts ?? [];
            let cumulative = 0;
            for (let i = 0; i < bounds.length && i < counts.length; i++) {
              cumulative += int64(counts[i]);
              add('histogram', 'bucket', { ...labels, le: formatBound(bounds[i]!) }, t, cumulative, delta, id);
            }
            const count = int64(p.count);
            add('histogram', 'bucket', { ...labels, le: '+Inf' }, t, count, delta, id);
            add('histogram', 'count', labels, t, count, delta, id);
            if (typeof p.sum === 'number') add('histogram', 'sum', labels, t, p.sum, delta, id);
          });
        } else if (m.exponentialHistogram) {
          const delta = m.exponentialHistogram.aggregationTemporality === TEMPORALITY_DELTA;
          each('histogram', m.exponentialHistogram.dataPoints, (p, labels, t, id) => {
            for (const [le, c] of exponentialBuckets(p)) add('histogram', 'bucket', { ...labels, le }, t, c, delta, id);
            const count = int64(p.count);
            add('histogram', 'count', labels, t, count, delta, id);
            if (typeof p.sum === 'number') add('histogram', 'sum', labels, t, p.sum, delta, id);
          });
        } else if (m.summary) {
          each('summary', m.summary.dataPoints, (p, labels, t, id) => {
            for (const q of p.quantileValues ?? []) add('summary', 'quantile', { ...labels, quantile: String(q.quantile ?? 0) }, t, q.value ?? 0, false, id);
            add('summary', 'count', labels, t, int64(p.count), false, id);
            if (typeof p.sum === 'number') add('summary', 'sum', labels, t, p.sum, false, id);
          });
        }
      }
    }
  }
  return [...byService.values()];
}

/**
 * The cumulative buckets of an exponential histogram point as `[le, count]`, at most at scale
 * MAX_EXP_SCALE; the zero bucket and negative values count at `le="0"`, the total at `+Inf`.
 */
export function exponentialBuckets(p: {
  scale?: number | null;
  zeroCount?: Int64;
  count?: Int64;
  positive?: { offset?: number | null; bucketCounts?: Int64[] | null } | null;
  negative?: { bucketCounts?: Int64[] | null } | null;
}): [string, number][] {
  const scale = p.scale ?? 0;
  const target = Math.min(scale, MAX_EXP_SCALE);
  const shift = scale - target;
  let below = int64(p.zeroCount);
  for (const c of p.negative?.bucketCounts ?? []) below += int64(c);
  const merged = new Map<number, number>();
  const offset = p.positive?.offset ?? 0;
  (p.positive?.bucketCounts ?? []).forEach((c, i) => {
    const n = int64(c);
    if (!n) return;
    // floor division by 2^shift, also for negative indexes
    const index = Math.floor((offset + i) / 2 ** shift);
    merged.set(index, (merged.get(index) ?? 0) + n);
  });
  const out: [string, number][] = [['0', below]];
  let cumulative = below;
  for (const index of [...merged.keys()].sort((a, b) => a - b)) {
    cumulative += merged.get(index)!;
    out.push([formatBound(2 ** ((index + 1) * 2 ** -target)), cumulative]);
  }
  out.push(['+Inf', Math.max(int64(p.count), cumulative)]);
  return out;
}
