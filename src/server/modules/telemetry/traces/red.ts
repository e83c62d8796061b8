import type { MetricStore, SampleInput } from '../tsdb/metric-store.ts';
import type { SpanRecord } from './trace-store.ts';

/** Bucket bounds (seconds) of the derived request-duration histogram. */
export const RED_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The metrics Ethos derives from server spans. */
export const RED_METRICS = { requests: 'red.requests', errors: 'red.errors', duration: 'red.duration' } as const;

interface Totals {
  service: string;
  route: string;
  requests: number;
  errors: number;
  sum: number;
  buckets: number[];
}

/** Whether a server span failed: its status says error, or its HTTP status is 5xx. */
export function isErrorSpan(s: SpanRecord): boolean {
  if (s.status === 'error') return true;
  const code = Number(s.attributes['http.response.status_code'] ?? s.attributes['http.status_code'] ?? 0);
  return code >= 500;
}

/**
 * Rate, errors and duration per service and route, from SERVER spans, with no setup: running
 * totals in memory, written to the metrics store as counters and a histogram at each flush (the
 * store's maintenance, every few seconds).
 * @remarks Totals since the last flush are lost if the process dies; the spans themselves are not.
 */
export class RedAggregator {
  private readonly totals = new Map<string, Totals>();
  private dirty = new Set<Totals>();

  observe(spans: SpanRecord[]): void {
    for (const s of spans) {
      if (s.kind !== 'server') continue;
      const route = s.route ?? s.name;
      const key = `${s.service}\u0000${route}`;
      let t = this.totals.get(key);
      if (!t) this.totals.set(key, (t = { service: s.service, route, requests: 0, errors: 0, sum: 0, buckets: RED_BUCKETS.map(() => 0) }));
      t.requests++;
      if (isErrorSpan(s)) t.errors++;
      const seconds = s.durationMs / 1000;
      t.sum += seconds;
      for (let i = 0; i < RED_BUCKETS.length; i++) if (seconds <= RED_BUCKETS[i]!) t.buckets[i]!++;
      this.dirty.add(t);
    }
  }

  /** Writes the totals that changed since the last flush, stamped `now`. */
  flush(store: MetricStore, now: number): number {
    if (!this.dirty.size) return 0;
    const samples: SampleInput[] = [];
    const meta = new Map<string, { service: string; metric: string; kind: 'counter' | 'histogram'; unit: string; description: string }>();
    for (const t of this.dirty) {
      const labels = { 'http.route': t.route };
      const add = (metric: string, kind: 'counter' | 'histogram', part: 'value' | 'bucket' | 'sum' | 'count', extra: Record<string, string>, v: number) =>
        samples.push({ series: { service: t.service, metric, part, labels: { ...labels, ...extra } }, kind, t: now, v });
      add(RED_METRICS.requests, 'counter', 'value', {}, t.requests);
      add(RED_METRICS.errors, 'counter', 'value', {}, t.errors);
      RED_BUCKETS.forEach((b, i) => add(RED_METRICS.duration, 'histogram', 'bucket', { le: String(b) }, t.buckets[i]!));
      add(RED_METRICS.duration, 'histogram', 'bucket', { le: '+Inf' }, t.requests);
      add(RED_METRICS.duration, 'histogram', 'count', {}, t.requests);
      add(RED_METRICS.duration, 'histogram', 'sum', {}, t.sum);
      meta.set(`${t.service}/r`, { service: t.service, metric: RED_METRICS.requests, kind: 'counter', unit: '{request}', description: 'requests served (from server spans)' });
      meta.set(`${t.service}/e`, { service: t.service, metric: RED_METRICS.errors, kind: 'counter', unit: '{request}', description: 'requests that failed: span status error or HTTP 5xx (from server spans)' });
      meta.set(`${t.service}/d`, { service: t.service, metric: RED_METRICS.duration, kind: 'histogram', unit: 's', description: 'request duration (from server spans)' });
    }
    this.dirty = new Set();
    store.append(samples, [...meta.values()]);
    return samples.length;
  }
}
