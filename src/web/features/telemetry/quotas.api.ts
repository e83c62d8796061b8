import { queryOptions } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { QuotaViewDto } from '../../../shared/telemetry.schema.ts';

/*
 * feature.ts imports this module for its prefetches, so it ships in the app's entry script: only
 * the query and constants live here; the hooks and components load with the pages (quota-usage.tsx).
 */

export type QuotaView = QuotaViewDto;

/** Teams per page of the usage overview. */
export const USAGE_PAGE_SIZE = 25;

/** A team's limits, where they come from, and its usage now (GET /api/v1/telemetry/quotas/{team}). */
export function quotaQuery(team: string) {
  return queryOptions({
    queryKey: ['telemetry', 'quota', team.toLowerCase()],
    queryFn: ({ signal }) => api<QuotaView>(`/telemetry/quotas/${encodeURIComponent(team)}`, { signal }),
  });
}

/** The address of a team's usage page. */
export const teamUsageUrl = (team: string) => `/telemetry/usage/${encodeURIComponent(team)}`;
