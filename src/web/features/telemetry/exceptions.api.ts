import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../app/api.ts';
import type { ResourceView } from '../../app/types.ts';
import type { EXCEPTION_RULES_KIND as RulesKind, ExceptionRulesSpec } from '../../../shared/exception-rules.schema.ts';

/** The kind's name, typed from the shared schema but without importing it: that module brings zod into the entry script. */
export const EXCEPTION_RULES_KIND: typeof RulesKind = 'ExceptionRules';
import type { ExceptionGroupView, MetricQueryResult } from '../../../shared/telemetry.schema.ts';

export type { ExceptionGroupView };
export type ExceptionStatus = ExceptionGroupView['status'];
/** A group with its occurrences per minute (the detail's answer). */
export type ExceptionDetail = ExceptionGroupView & { counts: { minute: number; count: number }[] };

export const EXCEPTION_STATUSES: ExceptionStatus[] = ['unresolved', 'resolved', 'ignored'];

/** What the exception list asks for, as its address says (`?service=checkout&status=unresolved`). */
export interface ExceptionFilter {
  service: string | null;
  status: ExceptionStatus | null;
}

/** The filter from the query string; `service` fixes the service (a service page's tab). */
export function exceptionFilter(search: URLSearchParams, service?: string): ExceptionFilter {
  const status = search.get('status');
  return {
    service: service ?? (search.get('service')?.trim() || null),
    status: (EXCEPTION_STATUSES as string[]).includes(status ?? '') ? (status as ExceptionStatus) : null,
  };
}

/** Exception groups seen in the last 7 days, most recently seen first. */
export function exceptionListQuery(f: ExceptionFilter, limit = 100) {
  return queryOptions({
    queryKey: ['telemetry', 'exceptions', f, limit],
    queryFn: ({ signal }) => api<{ items: ExceptionGroupView[] }>('/telemetry/exceptions', { query: { service: f.service, status: f.status, from: 'now-7d', limit }, signal }),
  });
}

/** The list; the previous answer stays on screen while another filter loads. */
export function useExceptionList(f: ExceptionFilter, limit = 100) {
  return useQuery({ ...exceptionListQuery(f, limit), placeholderData: keepPreviousData, refetchInterval: 30_000 });
}

/** One group with its occurrences per minute over the last 24 hours. */
export function exceptionQuery(id: number) {
  return queryOptions({
    queryKey: ['telemetry', 'exception', id],
    queryFn: ({ signal }) => api<ExceptionDetail>(`/telemetry/exceptions/${id}`, { query: { from: 'now-24h' }, signal }),
  });
}

export function useException(id: number, enabled = true) {
  return useQuery({ ...exceptionQuery(id), enabled });
}

/** Resolves, ignores or reopens a group; every cached list and the group are asked again. */
export function useSetExceptionStatus(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (status: ExceptionStatus) => api<ExceptionGroupView>(`/telemetry/exceptions/${id}`, { method: 'PATCH', body: { status } }),
    onSuccess: async () => {
      await Promise.all([qc.invalidateQueries({ queryKey: ['telemetry', 'exception', id] }), qc.invalidateQueries({ queryKey: ['telemetry', 'exceptions'] })]);
    },
  });
}

/** Whether a service has an exception group seen in the last 7 days (the service page's Exceptions tab). */
export function serviceHasExceptionsQuery(service: string) {
  return queryOptions({
    queryKey: ['telemetry', 'has-exceptions', service],
    queryFn: async ({ signal }) => (await api<{ items: ExceptionGroupView[] }>('/telemetry/exceptions', { query: { service, from: 'now-7d', limit: 1 }, signal })).items.length > 0,
  });
}

/** A service's fingerprint rules: the ExceptionRules resource named after it, or null when it has none. */
export function exceptionRulesQuery(service: string) {
  return queryOptions({
    queryKey: ['telemetry', 'exception-rules', service.toLowerCase()],
    queryFn: async ({ signal }) => {
      try {
        return await api<ResourceView & { spec: ExceptionRulesSpec }>(`/resources/${EXCEPTION_RULES_KIND}/${encodeURIComponent(service)}`, { signal });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  });
}

export function useExceptionRules(service: string) {
  return useQuery(exceptionRulesQuery(service));
}

/** The address of a group's page. */
export const exceptionUrl = (id: number) => `/telemetry/exceptions/${id}`;

const MINUTE = 60_000;

/** Occurrences per minute as a chart's data: every minute from the first to the last, zero where none. */
export function occurrenceSeries(counts: ExceptionDetail['counts']): MetricQueryResult {
  const minutes = counts.map((c) => c.minute);
  const first = Math.min(...minutes);
  const last = Math.max(...minutes);
  const byMinute = new Map(counts.map((c) => [c.minute, c.count]));
  const times: number[] = [];
  for (let m = first; m <= last; m += MINUTE) times.push(m);
  return { metric: 'occurrences', kind: 'counter', fn: 'increase', step: MINUTE, times, series: [{ labels: {}, values: times.map((m) => byMinute.get(m) ?? 0) }] };
}
