import { Anchor, Badge, Button, Code, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import { useUrlText, withParams } from '../telemetry/url-params.ts';
import { ALERTS_REFRESH_MS, deliveriesKey, deliveryFilter, deliveryListQuery, DELIVERY_STATES, type DeliveryState, type DeliveryView } from './alerting.api.ts';

const STATE_COLORS: Record<DeliveryState, string> = { dead: 'red', pending: 'yellow', delivering: 'blue', delivered: 'green', skipped: 'gray' };
const STATE_LABELS: Record<DeliveryState, string> = { dead: 'Dead', pending: 'Pending', delivering: 'Delivering', delivered: 'Delivered', skipped: 'Skipped' };

/** A dead delivery, or one backing off after a failed attempt, can be sent again now. */
const retryable = (d: DeliveryView) => d.state === 'dead' || (d.state === 'pending' && d.attempts > 0);

/** Sends a delivery again now with a fresh set of attempts (members of the contact point's team; admins any). */
function RetryButton({ delivery }: { delivery: DeliveryView }) {
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: () => api<DeliveryView>(`/alerting/deliveries/${delivery.id}/retry`, { method: 'POST' }),
    onSuccess: async (d) => {
      await queryClient.invalidateQueries({ queryKey: deliveriesKey });
      notifications.show({ color: 'green', title: 'Queued again', message: `Delivery ${d.id} to ${d.contactPoint.name} is ${d.state}: it is sent within seconds.` });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not retried', message: errorMessage(err) }),
  });
  return (
    <Button size="compact-xs" variant="light" loading={retry.isPending} onClick={() => retry.mutate()} aria-label={`Retry delivery ${delivery.id}`}>
      Retry
    </Button>
  );
}

/** The receiver's last answer: "HTTP 404" and the error, or — before any attempt — nothing. */
function LastAnswer({ d }: { d: DeliveryView }) {
  if (d.lastStatus === null && !d.lastError) return <Text size="sm">—</Text>;
  return (
    <Stack gap={0}>
      {d.lastStatus !== null && (
        <Text size="sm" fw={500}>
          HTTP {d.lastStatus}
        </Text>
      )}
      {d.lastError && (
        <Text size="xs" c="dimmed" style={{ wordBreak: 'break-word' }}>
          {d.lastError}
        </Text>
      )}
    </Stack>
  );
}

function DeliveryTable({ items }: { items: DeliveryView[] }) {
  const me = useMe();
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table aria-label="Deliveries" verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Contact point</Table.Th>
            <Table.Th>Group</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th ta="right">Attempts</Table.Th>
            <Table.Th>Last answer</Table.Th>
            <Table.Th>Queued</Table.Th>
            <Table.Th>Last attempt</Table.Th>
            <Table.Th>Next attempt / delivered</Table.Th>
            <Table.Th>
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.id} aria-label={`Delivery ${d.id}`}>
              <Table.Td>
                <Anchor component={Link} to={`/alerts/routing?team=${encodeURIComponent(d.contactPoint.owner)}`} size="sm">
                  {d.contactPoint.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {d.contactPoint.owner}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {Object.entries(d.groupLabels).map(([k, v]) => (
                    <Code key={k}>
                      {k}={v}
                    </Code>
                  ))}
                </Group>
                <Text size="xs" c="dimmed">
                  {d.notificationStatus}, {d.alerts} alert{d.alerts === 1 ? '' : 's'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge color={STATE_COLORS[d.state]} variant="light" size="sm" className="keep-width">
                  {d.state}
                </Badge>
              </Table.Td>
              <Table.Td ta="right">{d.attempts}</Table.Td>
              <Table.Td maw={320}>
                <LastAnswer d={d} />
              </Table.Td>
              <Table.Td>
                <TimeAgo at={d.createdAt} />
              </Table.Td>
              <Table.Td>{d.lastAttemptAt ? <TimeAgo at={d.lastAttemptAt} /> : '—'}</Table.Td>
              <Table.Td>{d.deliveredAt ? <TimeAgo at={d.deliveredAt} /> : d.nextAttemptAt ? <TimeAgo at={d.nextAttemptAt} /> : '—'}</Table.Td>
              <Table.Td>{retryable(d) && canWrite(me, d.contactPoint.owner) && <RetryButton delivery={d} />}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * The notification outbox (`/alerts/deliveries?state=dead&team=payments&contactPoint=hook`): by
 * default the dead letters — deliveries that gave up —, with the receiver's last answer and Retry.
 * Admins see every team's; others their teams'.
 */
export default function DeliveriesPage() {
  useDocumentTitle('Deliveries');
  const [params, setParams] = useSearchParams();
  const [team, setTeam] = useUrlText('team');
  const [contactPoint, setContactPoint] = useUrlText('contactPoint');
  const pager = useUrlPager();
  const filter = deliveryFilter(params);
  const list = useQuery({ ...deliveryListQuery(filter), refetchInterval: ALERTS_REFRESH_MS });
  const setState = (state: string) => setParams(withParams(params, { state: state === 'dead' ? null : state, cursor: null }), { replace: true });

  let body;
  if (list.isPending) body = <PageLoader label="Loading deliveries" />;
  else if (list.error) body = <ErrorState error={list.error} title="Deliveries could not be listed" retry={() => void list.refetch()} />;
  else if (!list.data.items.length)
    body =
      filter.state === 'dead' ? (
        <EmptyState title="No dead letters">Every notification was delivered, or is still being tried. A delivery that gives up — after its last attempt, or at once on an answer that will not change, such as HTTP 404 — shows here, with Retry.</EmptyState>
      ) : (
        <EmptyState title="No deliveries">Try another state or team.</EmptyState>
      );
  else
    body = (
      <>
        <DeliveryTable items={list.data.items} />
        <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label="Pages of deliveries" />
      </>
    );

  return (
    <>
      <PageHeader
        title="Deliveries"
        subtitle="Each notification sent to a contact point goes through a durable outbox: tried again with backoff until the receiver takes it, or dead once it gives up."
        actions={
          <Button component={Link} to="/alerts/routing" variant="default" size="xs">
            Contact points and policies
          </Button>
        }
      />
      <Stack gap="sm">
        <SegmentedControl
          aria-label="State"
          value={filter.state ?? 'all'}
          onChange={setState}
          data={[...DELIVERY_STATES.map((s) => ({ value: s, label: STATE_LABELS[s] })), { value: 'all', label: 'All' }]}
          style={{ alignSelf: 'flex-start' }}
        />
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} role="search" aria-label="Filter deliveries">
          <TextInput label="Team" placeholder="Any team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <TextInput
            label="Contact point"
            placeholder="Every one"
            description={team.trim() ? undefined : 'With a team'}
            disabled={!team.trim()}
            value={contactPoint}
            onChange={(e) => setContactPoint(e.currentTarget.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </SimpleGrid>
        {body}
      </Stack>
    </>
  );
}
