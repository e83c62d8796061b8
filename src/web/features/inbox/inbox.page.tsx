import { Alert, Badge, Button, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../app/api.ts';
import { AppLink, changeRequestUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import type { NotificationView } from '../../app/types.ts';
import { inboxFilter, markRead, useInbox, useUnreadCount } from './inbox.api.ts';

const EVENTS: Record<string, string> = {
  'change_request.opened': 'Change request opened',
  'change_request.approve': 'Approved',
  'change_request.request_changes': 'Changes requested',
  'change_request.comment': 'Comment',
  'change_request.merged': 'Merged',
  'change_request.closed': 'Closed',
};

/** What kind of event a notification reports, in words ("change_request.merged" → "Merged"). */
function eventLabel(type: string): string {
  return EVENTS[type] ?? type.replace(/^.*\./, '').replace(/_/g, ' ');
}

/** One notification; opening an unread one's link marks it read. */
function NotificationRow({ n, onRead, busy }: { n: NotificationView; onRead(): void; busy: boolean }) {
  const weight = n.read ? 400 : 600;
  return (
    <Table.Tr aria-label={`${n.read ? '' : 'Unread: '}${n.summary}`}>
      <Table.Td>
        {n.changeRequest === null ? (
          <Text size="sm" fw={weight}>
            {n.summary}
          </Text>
        ) : (
          <AppLink to={changeRequestUrl(n.changeRequest)} fw={weight} size="sm" onClick={n.read ? undefined : onRead}>
            {n.summary}
          </AppLink>
        )}
        <Text size="xs" c="dimmed">
          {eventLabel(n.type)}, <TimeAgo at={n.createdAt} />
        </Text>
      </Table.Td>
      <Table.Td w="1%" ta="right">
        {n.read ? (
          <Text size="xs" c="dimmed">
            read
          </Text>
        ) : (
          // as wide as its content: the column is only as wide as the cells ask, and a badge would shrink to "UN…"
          <Group gap="xs" justify="flex-end" wrap="nowrap" style={{ minWidth: 'max-content' }}>
            <Badge size="sm" variant="light">
              unread
            </Badge>
            <Button size="compact-xs" variant="subtle" onClick={onRead} disabled={busy} aria-label={`Mark read: ${n.summary}`}>
              Mark read
            </Button>
          </Group>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** The user's notifications: change requests opened on their teams' resources, reviews, merges, closings. */
export default function InboxPage() {
  useDocumentTitle('Inbox');
  const [params, setParams] = useSearchParams();
  const pager = useUrlPager();
  const filter = inboxFilter(params);
  const list = useInbox(filter);
  const unread = useUnreadCount();
  const queryClient = useQueryClient();
  // the request goes on when a click on a notification leaves the page; markRead refreshes the badge itself
  const read = useMutation({ mutationFn: (which: number[] | 'all') => markRead(queryClient, which) });
  const show = (value: string) => {
    const p = new URLSearchParams(params);
    if (value === 'unread') p.set('show', 'unread');
    else p.delete('show');
    p.delete('cursor');
    setParams(p);
  };

  let body;
  if (list.isPending) body = <PageLoader label="Loading notifications" />;
  else if (list.error) body = <ErrorState error={list.error} retry={() => void list.refetch()} />;
  else if (!list.data.items.length) {
    body = filter.unread ? (
      <EmptyState title="You have read everything">New notifications appear here.</EmptyState>
    ) : (
      <EmptyState title="No notifications yet">You are told here when someone proposes a change to your teams’ resources, and when your change requests are reviewed, merged or closed.</EmptyState>
    );
  } else {
    body = (
      <Stack gap={0}>
        <Table.ScrollContainer minWidth={0}>
          <Table aria-label="Notifications" highlightOnHover style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
            <Table.Tbody>
              {list.data.items.map((n) => (
                <NotificationRow key={n.id} n={n} busy={read.isPending} onRead={() => read.mutate([n.id])} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label="Notification pages" />
      </Stack>
    );
  }

  return (
    <>
      <PageHeader
        title="Inbox"
        subtitle="What happens to change requests on your teams’ resources, and to the ones you opened. Each notification links to its change request."
        actions={
          <Button variant="default" onClick={() => read.mutate('all')} loading={read.isPending && read.variables === 'all'} disabled={!unread.data}>
            Mark all as read
          </Button>
        }
      />
      <SegmentedControl
        aria-label="Which notifications"
        mb="md"
        value={filter.unread ? 'unread' : 'all'}
        onChange={show}
        data={[
          { value: 'all', label: 'All' },
          { value: 'unread', label: unread.data ? `Unread (${unread.data})` : 'Unread' },
        ]}
      />
      {read.error && (
        <Alert color="red" role="alert" title="Not marked read" mb="sm">
          {errorMessage(read.error)}
        </Alert>
      )}
      {body}
    </>
  );
}
