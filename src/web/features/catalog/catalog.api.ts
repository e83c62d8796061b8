import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { ResourceList, ResourceView } from '../../app/types.ts';

/** Filters of a resource list (GET /api/v1/resources/{kind}). */
export interface ListFilter {
  q?: string;
  owner?: string[];
  label?: string[];
  cursor?: string;
  limit?: number;
}

/** The query of one page of resources of a kind (shared by the hook and the route's prefetch). */
export function resourceListQuery(kind: string, filter: ListFilter) {
  return queryOptions({
    queryKey: ['resources', kind, 'list', filter],
    queryFn: ({ signal }) => api<ResourceList>(`/resources/${encodeURIComponent(kind)}`, { query: { ...filter, limit: filter.limit ?? 50 }, signal }),
  });
}

/** One page of resources of a kind: one request per page, the previous page shown while the next loads. */
export function useResourceList(kind: string, filter: ListFilter, enabled = true) {
  return useQuery({ ...resourceListQuery(kind, filter), placeholderData: keepPreviousData, enabled });
}

/** The catalog's filter as its address says (`/services?q=…&owner=…&label=…&cursor=…`). */
export function catalogFilter(search: URLSearchParams): ListFilter {
  return { q: search.get('q') || undefined, owner: search.getAll('owner'), label: search.getAll('label'), cursor: search.get('cursor') ?? undefined };
}

/** The query of one resource (shared by the hook and the route's prefetch). */
export function resourceQuery(kind: string, name: string) {
  return queryOptions({
    queryKey: ['resources', kind, 'one', name.toLowerCase()],
    queryFn: ({ signal }) => api<ResourceView>(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`, { signal }),
  });
}

/** One resource. */
export function useResource(kind: string, name: string) {
  return useQuery(resourceQuery(kind, name));
}

/** Team names matching what the user typed, for owner pickers. */
export function useTeamSuggestions(search: string, enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['resources', 'Team', 'suggest', search],
    queryFn: ({ signal }) => api<ResourceList>('/resources/Team', { query: { q: search || undefined, limit: 20 }, signal }),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    select: (page) => page.items.map((t) => t.metadata.name),
  });
}
