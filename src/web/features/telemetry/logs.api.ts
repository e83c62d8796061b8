import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { LogRecordView, SeverityLevel } from '../../../shared/telemetry.schema.ts';
import { RANGES, type Range } from './telemetry.api.ts';

export type { LogRecordView };

/** The levels the severity filter offers (at least this one), lowest first. */
export const LEVELS: SeverityLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Records per request: a page of the list, or what one poll of the live tail takes at most. */
export const LOG_PAGE = 100;

/**
 * What a log search asks for, as its address says
 * (`?service=checkout&q=payment failed&severity=warn&range=6h&where=region=eu&trace=…&live=1`).
 */
export interface LogFilter {
  /** One service; null: all (the Logs page without a pick). */
  service: string | null;
  q: string;
  severity: SeverityLevel | null;
  range: Range;
  where: string[];
  trace: string | null;
}

/** The filter from the query string; `service` fixes the service (a service page's tab). Unknown values fall back to the defaults. */
export function logFilter(search: URLSearchParams, service?: string): LogFilter {
  const severity = search.get('severity');
  const range = search.get('range');
  const trace = search.get('trace');
  return {
    service: service ?? (search.get('service')?.trim() || null),
    q: search.get('q')?.trim() ?? '',
    severity: (LEVELS as string[]).includes(severity ?? '') ? (severity as SeverityLevel) : null,
    range: (RANGES as readonly string[]).includes(range ?? '') ? (range as Range) : '1h',
    where: search.getAll('where').filter((w) => w.indexOf('=') > 0),
    trace: trace && /^[0-9a-fA-F]{32}$/.test(trace) ? trace.toLowerCase() : null,
  };
}

/** The API's query parameters for a filter. */
function logParams(f: LogFilter) {
  return { service: f.service, q: f.q, severity: f.severity, from: `now-${f.range}`, to: 'now', where: f.where, trace: f.trace };
}

interface LogPage {
  items: LogRecordView[];
  nextBefore: number | null;
}

/** The records matching a filter, newest first, a page at a time ("Load older" asks with `before`). */
export function logSearchQuery(f: LogFilter) {
  return infiniteQueryOptions({
    queryKey: ['telemetry', 'logs', f],
    queryFn: ({ signal, pageParam }) => api<LogPage>('/telemetry/logs', { query: { ...logParams(f), limit: LOG_PAGE, before: pageParam }, signal }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
}

/** Records newer than `after` (oldest first): one poll of the live tail. */
export function fetchNewerLogs(f: LogFilter, after: number, signal?: AbortSignal): Promise<LogPage> {
  return api<LogPage>('/telemetry/logs', { query: { ...logParams(f), limit: LOG_PAGE, after }, signal });
}

/** Whether a service has any log record of the last 7 days (the service page's Logs tab). */
export function serviceHasLogsQuery(service: string) {
  return queryOptions({
    queryKey: ['telemetry', 'has-logs', service],
    queryFn: async ({ signal }) => (await api<LogPage>('/telemetry/logs', { query: { service, from: 'now-7d', limit: 1 }, signal })).items.length > 0,
  });
}
