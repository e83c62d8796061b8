import type { MetricQueryResult } from './telemetry.api.ts';

/** The metrics Ethos derives from a service's server spans (see docs/telemetry.md). */
export const RED = { requests: 'red.requests', errors: 'red.errors', duration: 'red.duration' } as const;

/** One route's figures over a time range. */
export interface RouteStats {
  route: string;
  requests: number;
  perSecond: number;
  /** Failed requests as a share of all, 0–100; null without requests. */
  errorPercent: number | null;
  /** Seconds; null without a measured step. */
  p95: number | null;
}

const routeOf = (labels: Record<string, string>) => labels['http.route'] ?? '';
const sum = (values: (number | null)[]) => values.reduce<number>((a, v) => a + (v ?? 0), 0);

/**
 * Per route: requests and errors over the range, requests per second over it, and p95 latency —
 * from instant queries (one value per route over the whole range), so the p95 is that of every
 * request in the range, not a blend of the steps' p95s.
 */
export function routeStats(requests: MetricQueryResult, errors: MetricQueryResult | undefined, p95: MetricQueryResult | undefined, rangeSeconds: number): RouteStats[] {
  const errorsBy = new Map((errors?.series ?? []).map((s) => [routeOf(s.labels), sum(s.values)]));
  const p95By = new Map((p95?.series ?? []).map((s) => [routeOf(s.labels), s.values.at(-1) ?? null]));
  return requests.series
    .map((s) => {
      const route = routeOf(s.labels);
      const total = sum(s.values);
      const failed = errorsBy.get(route) ?? 0;
      return { route, requests: total, perSecond: total / rangeSeconds, errorPercent: total > 0 ? (100 * failed) / total : null, p95: p95By.get(route) ?? null };
    })
    .filter((r) => r.requests > 0);
}

/** Errors as a percentage of requests per step, aligned by step time; null where there were no requests. */
export function errorRatio(requests: MetricQueryResult, errors: MetricQueryResult): MetricQueryResult {
  const failed = new Map<number, number>();
  for (const s of errors.series) s.values.forEach((v, i) => failed.set(errors.times[i]!, (failed.get(errors.times[i]!) ?? 0) + (v ?? 0)));
  const total = requests.times.map((_, i) => requests.series.reduce<number | null>((a, s) => (s.values[i] === null ? a : (a ?? 0) + s.values[i]!), null));
  const values = requests.times.map((t, i) => (total[i] ? (100 * (failed.get(t) ?? 0)) / total[i]! : null));
  return { ...requests, metric: 'error ratio', series: [{ labels: {}, values }] };
}

/** Several queries of one metric (p50, p95, p99) as one chart, a series each, labelled by function. */
export function combineSeries(results: MetricQueryResult[]): MetricQueryResult {
  const [first] = results;
  const times = first?.times ?? [];
  return {
    ...first!,
    times,
    series: results.flatMap((r) => {
      const at = new Map(r.times.map((t, i) => [t, i]));
      return r.series.map((s) => ({ labels: { ...s.labels, fn: r.fn }, values: times.map((t) => (at.has(t) ? (s.values[at.get(t)!] ?? null) : null)) }));
    }),
  };
}
