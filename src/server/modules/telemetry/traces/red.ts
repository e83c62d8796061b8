import { SampleBatch, type MetricMeta, type MetricStore } from '../tsdb/metric-store.ts';
import { seriesKey, type MetricKind } from '../tsdb/series-key.ts';
import type { SpanRecord } from './trace-store.ts';

/** Bucket bounds (seconds) of the derived request-duration histogram. */
export const RED_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The metrics Ethos derives from server spans. */
export const RED_METRICS = { requests: 'red.requests', errors: 'red.errors', duration: 'red.duration' } as const;
/**
 * The shortest time between two writes of one route's totals (16 samples): a route that gets
 * requests all the time is written once a second, one that gets a request after a quiet second at once.
 */
export const RED_FLUSH_STEP_MS = 1000;

interface Totals {
  service: string;
  route: string;
  requests: number;
  errors: number;
  sum: number;
  buckets: number[];
  /** The series keys the totals are written to, built once. */
  series: { key: string; kind: MetricKind }[];
  /** The time of the last write. */
  flushedAt: number;
}

/** The keys of one route's RED series, in the order {@link valuesOf} gives their values. */
function seriesOf(service: string, route: string): Totals['series'] {
  const labels = { 'http.route': route };
  const out: Totals['series'] = [
    { key: seriesKey({ service, metric: RED_METRICS.requests, part: 'value', labels }), kind: 'counter' },
    { key: seriesKey({ service, metric: RED_METRICS.errors, part: 'value', labels }), kind: 'counter' },
  ];
  for (const b of [...RED_BUCKETS.map(String), '+Inf']) out.push({ key: seriesKey({ service, metric: RED_METRICS.duration, part: 'bucket', labels: { ...labels, le: b } }), kind: 'histogram' });
  out.push({ key: seriesKey({ service, metric: RED_METRICS.duration, part: 'count', labels }), kind: 'histogram' });
  out.push({ key: seriesKey({ service, metric: RED_METRICS.duration, part: 'sum', labels }), kind: 'histogram' });
  return out;
}

function valuesOf(t: Totals): number[] {
  return [t.requests, t.errors, ...t.buckets, t.requests, t.requests, t.sum];
}

function metaOf(service: string): MetricMeta[] {
  return [
    { service, metric: RED_METRICS.requests, kind: 'counter', unit: '{request}', description: 'requests served (from server spans)' },
    { service, metric: RED_METRICS.errors, kind: 'counter', unit: '{request}', description: 'requests that failed: span status error or HTTP 5xx (from server spans)' },
    { service, metric: RED_METRICS.duration, kind: 'histogram', unit: 's', description: 'request duration (from server spans)' },
  ];
}

/** Whether a server span failed: its status says error, or its HTTP status is 5xx. */
export function isErrorSpan(s: SpanRecord): boolean {
  if (s.status === 'error') return true;
  const code = Number(s.attributes['http.response.status_code'] ?? s.attributes['http.status_code'] ?? 0);
  return code >= 500;
}

/**
 * Rate, errors and duration per service and route, from SERVER spans, with no setup: running
 * totals in memory, written to the metrics store as counters and a histogram — right after the
 * spans that changed them are stored when the route's last write is {@link RED_FLUSH_STEP_MS}
 * old, else by the next periodic flush after that.
 * @remarks Totals since the last flush are lost if the process dies; the spans themselves are not.
 */
export class RedAggregator {
  private readonly totals = new Map<string, Totals>();
  private dirty = new Set<Totals>();
  /** Services whose metrics' unit and description were written (once per process). */
  private readonly described = new Set<string>();

  observe(spans: SpanRecord[]): void {
    for (const s of spans) {
      if (s.kind !== 'server') continue;
      const route = s.route ?? s.name;
      const key = `${s.service}\u0000${route}`;
      let t = this.totals.get(key);
      if (!t) this.totals.set(key, (t = { service: s.service, route, requests: 0, errors: 0, sum: 0, buckets: RED_BUCKETS.map(() => 0), series: seriesOf(s.service, route), flushedAt: -Infinity }));
      t.requests++;
      if (isErrorSpan(s)) t.errors++;
      const seconds = s.durationMs / 1000;
      t.sum += seconds;
      for (let i = 0; i < RED_BUCKETS.length; i++) if (seconds <= RED_BUCKETS[i]!) t.buckets[i]!++;
      this.dirty.add(t);
    }
  }

  /**
   * Writes the totals that changed since their last write (of these services only, if given),
   * stamped `now`, unless that write is less than `stepMs` old (they wait for a later flush; at
   * least 1 ms, as a second sample at one time would be taken for a retry and dropped). Returns
   * the services whose totals were written.
   */
  flush(store: MetricStore, now: number, opts: { services?: ReadonlySet<string>; stepMs?: number } = {}): string[] {
    if (!this.dirty.size) return [];
    const step = Math.max(1, opts.stepMs ?? RED_FLUSH_STEP_MS);
    const batch = new SampleBatch();
    const flushed = new Set<string>();
    for (const t of this.dirty) {
      if ((opts.services && !opts.services.has(t.service)) || now - t.flushedAt < step) continue;
      const values = valuesOf(t);
      for (let i = 0; i < values.length; i++) batch.add(store.seriesFor(t.series[i]!.key, t.series[i]!.kind), now, values[i]!);
      t.flushedAt = now;
      this.dirty.delete(t);
      flushed.add(t.service);
    }
    if (!flushed.size) return [];
    const meta = [...flushed].filter((s) => !this.described.has(s)).flatMap(metaOf);
    store.commit(batch, meta);
    for (const m of meta) this.described.add(m.service);
    return [...flushed];
  }
}
