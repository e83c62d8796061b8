import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import { POSTMORTEM_STATUSES } from '../../../shared/postmortem-sections.ts';
import type {
  ActionItem,
  ActionItemStats,
  ActionItemStatus,
  ActionItemType,
  Digest,
  PostmortemDetail,
  PostmortemRevision,
  PostmortemStatus,
  PostmortemSummary,
} from '../../../shared/postmortem.schema.ts';

/*
 * feature.ts imports this module for its prefetches, so it ships in the app's entry script: only
 * queries and constants live here (types come from the shared schema, constants from postmortem-sections.ts: no zod).
 */

export type { ActionItem, ActionItemStats, ActionItemStatus, ActionItemType, Digest, PostmortemDetail, PostmortemRevision, PostmortemStatus, PostmortemSummary };

export { ACTION_ITEM_STATUSES, ACTION_ITEM_TYPES, POSTMORTEM_SECTIONS, POSTMORTEM_STATUSES, SECTION_LABELS } from '../../../shared/postmortem-sections.ts';
export const ACTION_ITEM_STATUS_LABELS: Record<ActionItemStatus, string> = { open: 'open', 'in-progress': 'in progress', done: 'done', 'wont-do': 'won’t do' };

/** Which postmortems a list shows, as its address says (`/postmortems?q=pool&team=payments&status=draft`). */
export interface PostmortemFilter {
  q: string | null;
  team: string | null;
  status: PostmortemStatus | null;
  cursor: string | null;
}

export function postmortemFilter(search: URLSearchParams): PostmortemFilter {
  const status = search.get('status') ?? '';
  return {
    q: search.get('q')?.trim() || null,
    team: search.get('team')?.trim() || null,
    status: (POSTMORTEM_STATUSES as readonly string[]).includes(status) ? (status as PostmortemStatus) : null,
    cursor: search.get('cursor') || null,
  };
}

/** Every postmortem and action item query starts with this key: a change refreshes them all. */
export const postmortemsKey = ['postmortems'] as const;

export function postmortemListQuery(f: PostmortemFilter) {
  return queryOptions({
    queryKey: [...postmortemsKey, 'list', f],
    queryFn: ({ signal }) => api<{ items: PostmortemSummary[]; nextCursor: string | null }>('/postmortems', { query: { q: f.q, team: f.team, status: f.status, cursor: f.cursor, limit: 50 }, signal }),
  });
}

export function postmortemQuery(id: number) {
  return queryOptions({ queryKey: [...postmortemsKey, 'one', id], queryFn: ({ signal }) => api<PostmortemDetail>(`/postmortems/${id}`, { signal }) });
}

export function revisionsQuery(id: number) {
  return queryOptions({ queryKey: [...postmortemsKey, 'revisions', id], queryFn: ({ signal }) => api<{ items: PostmortemRevision[] }>(`/postmortems/${id}/revisions`, { signal }) });
}

/** The postmortem of an incident, if there is one the user may read. */
export function incidentPostmortemQuery(incident: number) {
  return queryOptions({
    queryKey: [...postmortemsKey, 'incident', incident],
    queryFn: async ({ signal }) => (await api<{ items: PostmortemSummary[] }>('/postmortems', { query: { incident, limit: 1 }, signal })).items[0] ?? null,
  });
}

export function digestQuery(days = 30) {
  return queryOptions({ queryKey: [...postmortemsKey, 'digest', days], queryFn: ({ signal }) => api<Digest>('/postmortems/digest', { query: { days, limit: 10 }, signal }) });
}

/** The names the blameless check flags; they change rarely. */
export function namesQuery() {
  return queryOptions({ queryKey: [...postmortemsKey, 'names'], queryFn: ({ signal }) => api<{ names: string[] }>('/postmortems/names', { signal }), staleTime: 5 * 60_000 });
}

/** Which action items a list shows (`/action-items?team=payments&overdue=1`). */
export interface ActionItemFilter {
  teams: string[];
  overdue: boolean;
  unfinished: boolean;
  cursor: string | null;
}

export function actionItemFilter(search: URLSearchParams): ActionItemFilter {
  return { teams: search.getAll('team').filter(Boolean), overdue: search.get('overdue') === '1', unfinished: search.get('all') !== '1', cursor: search.get('cursor') || null };
}

export function actionItemListQuery(f: ActionItemFilter, limit = 50) {
  return queryOptions({
    queryKey: [...postmortemsKey, 'actions', f, limit],
    queryFn: ({ signal }) =>
      api<{ items: ActionItem[]; nextCursor: string | null }>('/action-items', {
        query: { team: f.teams, overdue: f.overdue ? 'true' : null, status: f.unfinished && !f.overdue ? 'unfinished' : null, cursor: f.cursor, limit },
        signal,
      }),
  });
}

export function actionStatsQuery(team: string) {
  return queryOptions({ queryKey: [...postmortemsKey, 'stats', team], queryFn: ({ signal }) => api<ActionItemStats>('/action-items/stats', { query: { team }, signal }) });
}

/** After a change to a postmortem or an action item: every list, count and page asks again. */
export function refreshPostmortems(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: postmortemsKey });
}

export const postmortemUrl = (id: number) => `/postmortems/${id}`;
export const actionItemsUrl = (team?: string) => (team ? `/action-items?team=${encodeURIComponent(team)}` : '/action-items');

/** "80 %" from a rate, or "—" when there is none. */
export function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)} %`;
}
