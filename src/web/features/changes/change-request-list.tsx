import { Group, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '../../app/api.ts';
import { StateBadge } from '../../app/ui/badges.tsx';
import { AppLink, changeRequestUrl, resourceUrl } from '../../app/ui/links.tsx';
import { PagerControls, type Pager } from '../../app/ui/pager.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import type { ChangeRequestView, Page } from '../../app/types.ts';

/** Filters of GET /api/v1/change-requests. */
export interface ChangeRequestFilter {
  toReview?: boolean;
  mine?: boolean;
  state?: 'open' | 'merged' | 'closed';
  kind?: string;
  name?: string;
  owner?: string;
  limit?: number;
  cursor?: string;
}

export function useChangeRequests(filter: ChangeRequestFilter) {
  return useQuery({
    queryKey: ['change-requests', 'list', filter],
    queryFn: ({ signal }) =>
      api<Page<ChangeRequestView>>('/change-requests', {
        query: { ...filter, toReview: filter.toReview ? 'true' : undefined, mine: filter.mine ? 'true' : undefined, limit: filter.limit ?? 25 },
        signal,
      }),
    placeholderData: keepPreviousData,
    // what waits for a review changes behind the reviewer's back: ask again on every visit
    staleTime: 0,
  });
}

/** The first line of a message, as a title. */
export function titleOf(cr: ChangeRequestView): string {
  const first = cr.message.split('\n')[0]?.trim();
  return first || `${cr.operation} ${cr.kind}/${cr.name}`;
}

/** Change requests as a table; `empty` explains an empty list. */
export function ChangeRequestTable({ filter, pager, empty, compact = false }: { filter: ChangeRequestFilter; pager?: Pager; empty: ReactNode; compact?: boolean }) {
  const list = useChangeRequests({ ...filter, cursor: pager?.cursor });
  if (list.isPending) return <PageLoader label="Loading change requests" />;
  if (list.error) return <ErrorState error={list.error} retry={() => void list.refetch()} />;
  if (!list.data.items.length) return <>{empty}</>;
  return (
    <Stack gap={0}>
      <Table.ScrollContainer minWidth={compact ? 0 : 680}>
        <Table highlightOnHover aria-label="Change requests" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
          {!compact && (
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Change request</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Author</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Updated</Table.Th>
              </Table.Tr>
            </Table.Thead>
          )}
          <Table.Tbody>
            {list.data.items.map((cr) => (
              <Table.Tr key={cr.id}>
                <Table.Td maw={420}>
                  <AppLink to={changeRequestUrl(cr.id)} fw={500}>
                    #{cr.id} {titleOf(cr)}
                  </AppLink>
                  {compact && (
                    <Text size="xs" c="dimmed">
                      {cr.operation} {cr.kind}/{cr.name} by {cr.author}, <TimeAgo at={cr.updatedAt} />
                    </Text>
                  )}
                </Table.Td>
                {!compact && (
                  <>
                    <Table.Td>
                      <Text size="sm">
                        {cr.operation}{' '}
                        <AppLink to={resourceUrl(cr.kind, cr.name)}>
                          {cr.kind}/{cr.name}
                        </AppLink>
                      </Text>
                      <Text size="xs" c="dimmed">
                        owned by {cr.owner}
                      </Text>
                    </Table.Td>
                    <Table.Td>{cr.author}</Table.Td>
                  </>
                )}
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <StateBadge state={cr.state} />
                    {cr.stale && cr.state === 'open' && (
                      <Text span size="xs" c="orange" fw={600}>
                        stale
                      </Text>
                    )}
                    {cr.mergeable && (
                      <Text span size="xs" c="green" fw={600}>
                        ready
                      </Text>
                    )}
                  </Group>
                </Table.Td>
                {!compact && (
                  <Table.Td>
                    <TimeAgo at={cr.updatedAt} />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pager && <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label="Change request pages" />}
    </Stack>
  );
}
