import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { SpanView, TraceSummaryView } from '../../../shared/telemetry.schema.ts';
import { RANGES, type Range } from './telemetry.api.ts';

export type { SpanView, TraceSummaryView };
export type SpanStatus = SpanView['status'];

export const STATUSES: SpanStatus[] = ['error', 'ok', 'unset'];

/** What a trace search asks for, as its address says (`?service=checkout&route=/pay&minDuration=250&status=error&range=6h`). */
export interface TraceFilter {
  service: string | null;
  route: string | null;
  /** Milliseconds; null: any. */
  minDuration: number | null;
  status: SpanStatus | null;
  range: Range;
}

/** The filter from the query string; `service` fixes the service (a service page's tab). Unknown values fall back to the defaults. */
export function traceFilter(search: URLSearchParams, service?: string): TraceFilter {
  const min = Number(search.get('minDuration') ?? '');
  const status = search.get('status');
  const range = search.get('range');
  return {
    service: service ?? (search.get('service')?.trim() || null),
    route: search.get('route')?.trim() || null,
    minDuration: search.get('minDuration') && Number.isFinite(min) && min >= 0 ? min : null,
    status: (STATUSES as string[]).includes(status ?? '') ? (status as SpanStatus) : null,
    range: (RANGES as readonly string[]).includes(range ?? '') ? (range as Range) : '1h',
  };
}

/** Traces matching a filter, newest first (at most 50). */
export function traceSearchQuery(f: TraceFilter) {
  return queryOptions({
    queryKey: ['telemetry', 'traces', f],
    queryFn: ({ signal }) =>
      api<{ items: TraceSummaryView[] }>('/telemetry/traces', { query: { service: f.service, route: f.route, minDuration: f.minDuration, status: f.status, from: `now-${f.range}`, to: 'now', limit: 50 }, signal }),
  });
}

/** The search's results; the previous ones stay on screen while another search loads. */
export function useTraceSearch(f: TraceFilter) {
  return useQuery({ ...traceSearchQuery(f), placeholderData: keepPreviousData });
}

/** Every span of one trace, by start time. */
export function traceQuery(traceId: string) {
  return queryOptions({
    queryKey: ['telemetry', 'trace', traceId.toLowerCase()],
    queryFn: ({ signal }) => api<{ traceId: string; spans: SpanView[] }>(`/telemetry/traces/${encodeURIComponent(traceId)}`, { signal }),
    // a trace does not change once its spans are in; a late span shows on the next visit
    staleTime: 60_000,
  });
}

/** One trace's spans; nothing is asked while `enabled` is false (an address that is no trace id). */
export function useTrace(traceId: string, enabled = true) {
  return useQuery({ ...traceQuery(traceId), enabled });
}

/** Whether a service has a trace of the last 7 days (the service page's Traces tab). */
export function serviceHasTracesQuery(service: string) {
  return queryOptions({
    queryKey: ['telemetry', 'has-traces', service],
    queryFn: async ({ signal }) => (await api<{ items: TraceSummaryView[] }>('/telemetry/traces', { query: { service, from: 'now-7d', limit: 1 }, signal })).items.length > 0,
  });
}

/** The address of a trace's page, optionally with one span open. */
export function traceUrl(traceId: string, spanId?: string | null): string {
  return `/telemetry/traces/${encodeURIComponent(traceId)}${spanId ? `?span=${encodeURIComponent(spanId)}` : ''}`;
}
