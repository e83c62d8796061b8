import { keepPreviousData, queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { NotificationView, Page } from '../../app/types.ts';

/** Every inbox query starts with this key: marking read refreshes them all. */
const inboxKey = ['inbox'] as const;

/** Which notifications the inbox page lists. */
export interface InboxFilter {
  unread: boolean;
  cursor?: string;
}

/** The inbox page's filter as its address says (`/inbox?show=unread&cursor=…`). */
export function inboxFilter(search: URLSearchParams): InboxFilter {
  return { unread: search.get('show') === 'unread', cursor: search.get('cursor') ?? undefined };
}

/** One page of the caller's notifications, newest first (shared by the page and the route's prefetch). */
export function inboxQuery(filter: InboxFilter) {
  return queryOptions({
    queryKey: [...inboxKey, 'list', filter],
    queryFn: ({ signal }) => api<Page<NotificationView>>('/inbox', { query: { unread: filter.unread ? 'true' : undefined, cursor: filter.cursor, limit: 25 }, signal }),
  });
}

export function useInbox(filter: InboxFilter) {
  return useQuery({ ...inboxQuery(filter), placeholderData: keepPreviousData, staleTime: 0 });
}

/**
 * How many notifications are unread, for the header's badge. Others' reviews and merges arrive
 * behind the user's back, so it asks again every minute and when the window regains focus.
 */
export function useUnreadCount() {
  return useQuery({
    queryKey: [...inboxKey, 'count'],
    queryFn: ({ signal }) => api<{ unread: number }>('/inbox/count', { signal }),
    select: (answer) => answer.unread,
    refetchInterval: 60_000,
    refetchOnWindowFocus: true,
  });
}

/** Marks notifications (some ids, or all) read, then refreshes the list and the badge. */
export async function markRead(queryClient: QueryClient, which: number[] | 'all'): Promise<void> {
  await api('/inbox/read', { method: 'POST', body: which === 'all' ? { all: true } : { ids: which } });
  await queryClient.invalidateQueries({ queryKey: inboxKey });
}
