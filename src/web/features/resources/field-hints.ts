import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { Page, ResourceList, UserView } from '../../app/types.ts';

/** What a name field refers to: a user, or a resource of a kind. */
export type Suggest = { user: true } | { kind: string };

/**
 * Fields of a kind's spec that name users or other resources, by spec path (`*` for any list
 * index): the editor suggests existing names for them. A new kind adds its entry here.
 */
const HINTS: Record<string, Record<string, Suggest>> = {
  Team: { 'members.*.user': { user: true } },
  Service: { dependsOn: { kind: 'Service' } },
};

/** The suggestion source of a field, if it names something. */
export function hintFor(kind: string, specPath: string): Suggest | undefined {
  return HINTS[kind]?.[specPath.replace(/\.\d+(?=\.|$)/g, '.*')];
}

/** Existing names that match what was typed (10 at most). */
export function useSuggestions(suggest: Suggest | undefined, search: string) {
  return useQuery({
    queryKey: ['suggest', suggest, search],
    enabled: !!suggest,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      if (suggest && 'user' in suggest) return (await api<Page<UserView>>('/users', { query: { q: search || undefined, limit: 10 }, signal })).items.map((u) => u.name);
      return (await api<ResourceList>(`/resources/${encodeURIComponent((suggest as { kind: string }).kind)}`, { query: { q: search || undefined, limit: 10 }, signal })).items.map((r) => r.metadata.name);
    },
  });
}
