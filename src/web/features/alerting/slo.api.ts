import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { ResourceView } from '../../app/types.ts';
import type { SLO_KIND as SloKind, SloHistory, SloHistoryRange, SloStatus, SloSummary } from '../../../shared/alerting.schema.ts';

/*
 * feature.ts imports this module for its prefetches and the service tab's check, so it ships in the
 * app's entry script: only queries and constants live here (types come from the shared schema
 * without importing zod); tables, charts and words load with the pages.
 */

export const SLO_KIND: typeof SloKind = 'Slo';
export type { SloHistory, SloHistoryRange, SloStatus, SloSummary };

/** How often SLO figures ask again (their alerts change state as they are evaluated). */
export const SLO_REFRESH_MS = 30_000;

/** Which SLOs a list shows, as its address says (`/slos?team=payments&service=checkout&cursor=…`). */
export interface SloFilter {
  team: string | null;
  service: string | null;
  cursor: string | null;
}

/** The filter from the query string; `service` fixes the service (the service page's tab). */
export function sloFilter(search: URLSearchParams, service?: string): SloFilter {
  return {
    team: search.get('team')?.trim() || null,
    service: service ?? (search.get('service')?.trim() || null),
    cursor: search.get('cursor') || null,
  };
}

/** Every SLO query starts with this key. */
export const slosKey = ['alerting', 'slos'] as const;

/** A page of SLOs by name, each with its SLI, budget and open alerts. */
export function sloListQuery(f: SloFilter) {
  return queryOptions({
    queryKey: [...slosKey, 'list', f],
    queryFn: ({ signal }) => api<{ items: SloSummary[]; nextCursor: string | null }>('/slos', { query: { owner: f.team, service: f.service, cursor: f.cursor, limit: 50 }, signal }),
  });
}

/** One SLO's standing now: SLI, budget, burn rates from 5m to 3d and open alerts. */
export function sloStatusQuery(name: string) {
  return queryOptions({
    queryKey: [...slosKey, 'status', name],
    queryFn: ({ signal }) => api<SloStatus>(`/slos/${encodeURIComponent(name)}/status`, { signal }),
  });
}

/** The ranges an SLO page's charts offer besides the SLO's own window (the default, which the address leaves out). */
export const SLO_SHORT_RANGES: SloHistoryRange[] = ['6h', '1d', '7d'];

/** The charts' range as the address says (`?range=7d`); null: the SLO's window. */
export function sloRange(search: URLSearchParams): SloHistoryRange | null {
  const asked = search.get('range') as SloHistoryRange | null;
  return asked && SLO_SHORT_RANGES.includes(asked) ? asked : null;
}

/** One SLO's budget left and 1h/6h burn rates over a range (null: its window). */
export function sloHistoryQuery(name: string, range: SloHistoryRange | null) {
  return queryOptions({
    queryKey: [...slosKey, 'history', name, range],
    queryFn: ({ signal }) => api<SloHistory>(`/slos/${encodeURIComponent(name)}/history`, { query: { range }, signal }),
  });
}

/** The SLOs of a service (its tab); the tab's list then comes from the cache. */
export const serviceSlosQuery = (service: ResourceView) => sloListQuery({ team: null, service: service.metadata.name, cursor: null });

/** Whether a service has an SLO (the service page's SLOs tab). */
export async function serviceHasSlos(service: ResourceView, qc: QueryClient): Promise<boolean> {
  return (await qc.fetchQuery(serviceSlosQuery(service))).items.length > 0;
}

/** Where an SLO is shown. */
export const sloUrl = (name: string) => `/slos/${encodeURIComponent(name)}`;
