import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { MetricInfo, MetricQueryResult } from '../../../shared/telemetry.schema.ts';

export type { MetricInfo, MetricQueryResult };
export type MetricKind = MetricInfo['kind'];
export type QueryFunction = MetricQueryResult['fn'];

/** The time ranges a chart offers, ending now; the value is what the API's `from` takes after `now-`. */
/** Ranges of raw data (logs, traces: kept 7 days by default). */
export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;
/** Ranges of metrics, which 1-minute and 1-hour rollups keep far longer. */
export const METRIC_RANGES = [...RANGES, '30d', '90d'] as const;
export type Range = (typeof METRIC_RANGES)[number];
const DEFAULT_RANGE: Range = '1h';

/** The functions that apply to each kind of metric, the default (the server's) first. */
export const FUNCTIONS: Record<MetricKind, QueryFunction[]> = {
  gauge: ['avg', 'min', 'max', 'sum', 'count', 'last'],
  counter: ['rate', 'increase', 'last'],
  histogram: ['rate', 'p50', 'p90', 'p95', 'p99', 'avg'],
  summary: ['p50', 'p90', 'p95', 'p99', 'avg', 'rate'],
};

/** What a chart shows, as its address says (`?service=…&metric=…&range=6h&fn=p95&by=http.route`). */
export interface MetricView {
  metric: string | null;
  range: Range;
  /** The function the address asks for; null: the metric kind's default. */
  fn: QueryFunction | null;
  /** Attributes to group by, comma-separated as typed. */
  by: string;
}

/** The chart's settings from the query string; unknown values fall back to the defaults. */
export function metricView(search: URLSearchParams): MetricView {
  const range = search.get('range');
  const fn = search.get('fn');
  return {
    metric: search.get('metric') || null,
    range: (METRIC_RANGES as readonly string[]).includes(range ?? '') ? (range as Range) : DEFAULT_RANGE,
    fn: Object.values(FUNCTIONS).some((fns) => fns.includes(fn as QueryFunction)) ? (fn as QueryFunction) : null,
    by: search.get('by')?.trim() ?? '',
  };
}

/** The function a chart of this metric uses: the one asked for when it applies to the kind, else the kind's default. */
export function functionFor(kind: MetricKind, asked: QueryFunction | null): QueryFunction {
  const fns = FUNCTIONS[kind];
  return asked && fns.includes(asked) ? asked : fns[0]!;
}

const RANGE_MS: Record<Range, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 };

/**
 * The step a chart asks for, in seconds; undefined leaves it to the server (about 240 steps).
 * @remarks A rate, an increase or a percentile counts what a counter gained within each step, so a
 * step shorter than the interval between samples (SDKs export every 60 s by default) holds either
 * the whole gain or nothing: such charts use steps of at least a minute. Gauges keep the finer step.
 */
export function stepFor(kind: MetricKind, fn: QueryFunction, range: Range): number | undefined {
  const fromIncreases = kind !== 'gauge' && fn !== 'last';
  return fromIncreases && RANGE_MS[range] / 240 < 60_000 ? 60 : undefined;
}

/** Services that have sent metrics. */
export const telemetryServicesQuery = queryOptions({
  queryKey: ['telemetry', 'services'],
  queryFn: ({ signal }) => api<{ items: string[] }>('/telemetry/services', { signal }),
  select: (answer) => answer.items,
});

export function useTelemetryServices() {
  return useQuery(telemetryServicesQuery);
}

/** A service's metrics (shared by the list, the service tab's visibility check and the route's prefetch). */
export function metricListQuery(service: string) {
  return queryOptions({
    queryKey: ['telemetry', 'metrics', service],
    queryFn: ({ signal }) => api<{ items: MetricInfo[] }>(`/telemetry/services/${encodeURIComponent(service)}/metrics`, { signal }),
  });
}

export function useMetricList(service: string | null) {
  return useQuery({ ...metricListQuery(service ?? ''), enabled: !!service, select: (answer) => answer.items });
}

/** What one chart asks the server for. */
export interface ChartSettings {
  range: Range;
  fn: QueryFunction;
  by: string;
  step?: number;
  /** One value per series over the whole range (step ignored). */
  instant?: boolean;
}

/** A metric over the view's range, per step, one series per group. */
export function metricQuery(service: string, metric: string, { range, fn, by, step, instant }: ChartSettings) {
  return queryOptions({
    queryKey: ['telemetry', 'query', service, metric, range, fn, by, step, !!instant],
    queryFn: ({ signal }) =>
      api<MetricQueryResult>(`/telemetry/services/${encodeURIComponent(service)}/metrics/${encodeURIComponent(metric)}/query`, {
        query: { from: `now-${range}`, to: 'now', fn, by, ...(instant ? { instant: 'true' } : { step }) },
        signal,
      }),
  });
}

/**
 * The chart's data: the metric's previous answer stays on screen while another range or function
 * loads (another metric's would mislead), and the chart asks again every half minute while shown.
 */
export function useMetricQuery(service: string, metric: string, settings: ChartSettings) {
  return useQuery({
    ...metricQuery(service, metric, settings),
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[2] === service && previousQuery.queryKey[3] === metric ? previous : undefined),
    refetchInterval: 30_000,
  });
}
