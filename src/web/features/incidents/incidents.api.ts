import { queryOptions } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { IncidentDetail, IncidentEvent, IncidentSeverity, IncidentStatus, IncidentView } from '../../../shared/incident.schema.ts';

/*
 * feature.ts imports this module for its prefetches, so it ships in the app's entry script: only
 * queries and constants live here (types come from the shared schema without importing zod).
 */

export type { IncidentDetail, IncidentEvent, IncidentStatus, IncidentView };

export const INCIDENT_STATUSES: IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];
export const INCIDENT_SEVERITIES: IncidentSeverity[] = ['page', 'ticket', 'info'];

/** How often incident lists and pages ask again (alerts join them as they fire). */
export const INCIDENTS_REFRESH_MS = 10_000;

/** Which incidents a list shows, as its address says (`/incidents?status=open&severity=page&service=checkout&cursor=…`). */
export interface IncidentFilter {
  /** A status, `open` (all but resolved) or null (every status, open ones first). */
  status: IncidentStatus | 'open' | null;
  severity: IncidentSeverity | null;
  service: string | null;
  team: string | null;
  cursor: string | null;
}

/** The filter from the query string. */
export function incidentFilter(search: URLSearchParams): IncidentFilter {
  const status = search.get('status') ?? '';
  const severity = search.get('severity') ?? '';
  return {
    status: status === 'open' || (INCIDENT_STATUSES as string[]).includes(status) ? (status as IncidentFilter['status']) : null,
    severity: (INCIDENT_SEVERITIES as string[]).includes(severity) ? (severity as IncidentSeverity) : null,
    service: search.get('service')?.trim() || null,
    team: search.get('team')?.trim() || null,
    cursor: search.get('cursor') || null,
  };
}

/** Every incident query starts with this key: a change refreshes them all. */
export const incidentsKey = ['incidents'] as const;

/** A page of incidents: open ones first, then newest first. */
export function incidentListQuery(f: IncidentFilter) {
  return queryOptions({
    queryKey: [...incidentsKey, 'list', f],
    queryFn: ({ signal }) =>
      api<{ items: IncidentView[]; nextCursor: string | null }>('/incidents', {
        query: { status: f.status, severity: f.severity, service: f.service, owner: f.team, cursor: f.cursor, limit: 50 },
        signal,
      }),
  });
}

/** One incident with its timeline and linked alerts. */
export function incidentQuery(id: number) {
  return queryOptions({
    queryKey: [...incidentsKey, 'one', id],
    queryFn: ({ signal }) => api<IncidentDetail>(`/incidents/${id}`, { signal }),
  });
}

/** A service's open incidents (its Alerts tab links to them). */
export function openIncidentsOfQuery(service: string) {
  return queryOptions({ ...incidentListQuery({ status: 'open', severity: null, service, team: null, cursor: null }) });
}

export const incidentUrl = (id: number) => `/incidents/${id}`;
