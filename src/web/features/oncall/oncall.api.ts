import { queryOptions } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { Calendar, OnCallList, OnCallNow, Shift } from '../../../shared/oncall.schema.ts';

/*
 * feature.ts imports this module for its prefetches, so it ships in the app's entry script: only
 * queries live here (types come from the shared schema without importing it).
 */

export type { Calendar, OnCallList, OnCallNow, Shift };

/** How many days the calendar shows. */
export const CALENDAR_DAYS = 14;
/** How often "on call now" asks again (handoffs happen while the page is open). */
export const ONCALL_REFRESH_MS = 60_000;

export const onCallKey = ['oncall'] as const;

/** Who is on call now, per schedule (of one team, or every team's). */
export function onCallQuery(team: string | null) {
  return queryOptions({
    queryKey: [...onCallKey, 'now', { team }],
    queryFn: ({ signal }) => api<OnCallList>('/oncall', { query: { team }, signal }),
    refetchInterval: ONCALL_REFRESH_MS,
  });
}

/** A schedule's shifts over the next CALENDAR_DAYS days, from the server's now. */
export function calendarQuery(schedule: string) {
  return queryOptions({
    queryKey: [...onCallKey, 'calendar', schedule],
    queryFn: ({ signal }) => api<Calendar>(`/oncall/${encodeURIComponent(schedule)}/calendar`, { signal }),
    refetchInterval: ONCALL_REFRESH_MS,
  });
}
