import { Anchor, Badge, Group, Select, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { checkBlamelessLanguage } from '../../../shared/blameless.ts';
import { api, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { ExternalLink, teamUrl } from '../../app/ui/links.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { ACTION_ITEM_STATUS_LABELS, ACTION_ITEM_STATUSES, actionStatsQuery, percent, postmortemUrl, refreshPostmortems, type ActionItem, type ActionItemStatus, type PostmortemStatus } from './postmortems.api.ts';

const STATUS_COLORS: Record<PostmortemStatus, [color: string, variant: 'filled' | 'light' | 'outline']> = {
  draft: ['gray', 'outline'],
  'in-review': ['yellow', 'light'],
  published: ['green', 'light'],
};

/** A postmortem's status. */
export function PostmortemStatusBadge({ status }: { status: PostmortemStatus }) {
  const [color, variant] = STATUS_COLORS[status];
  return (
    <Badge color={color} variant={variant} size="sm" className="keep-width">
      {status === 'in-review' ? 'in review' : status}
    </Badge>
  );
}

const ITEM_COLORS: Record<ActionItemStatus, string> = { open: 'blue', 'in-progress': 'cyan', done: 'green', 'wont-do': 'gray' };

/** An action item's status, and "overdue" when it is. */
export function ActionItemStatusBadge({ item }: { item: Pick<ActionItem, 'status' | 'overdue'> }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={ITEM_COLORS[item.status]} variant="light" size="sm" className="keep-width">
        {ACTION_ITEM_STATUS_LABELS[item.status]}
      </Badge>
      {item.overdue && (
        <Badge color="red" variant="filled" size="sm" className="keep-width">
          overdue
        </Badge>
      )}
    </Group>
  );
}

/**
 * The blameless language check's advice on one text, as it is typed: each phrase or name found
 * and a systems-focused wording to try. Advice only: nothing is refused.
 */
export function BlamelessHints({ text, names, label }: { text: string; names: readonly string[]; label: string }) {
  const found = checkBlamelessLanguage(text, names);
  return (
    <Stack gap={4} aria-label={`Blameless hints: ${label}`} role="note" aria-live="polite">
      {found.length === 0 ? (
        <Text size="xs" c="dimmed">
          {text.trim() ? 'No blaming language found.' : ''}
        </Text>
      ) : (
        found.map((f) => (
          <Text size="xs" key={`${f.start}:${f.end}:${f.phrase}`} data-finding={f.kind}>
            <Text span fw={600} c="orange.7">
              “{f.match}”
            </Text>{' '}
            — {f.suggestion}
          </Text>
        ))
      )}
    </Stack>
  );
}

/** The owner team's members change an item's status here; others see it. */
function ItemStatus({ item }: { item: ActionItem }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (status: ActionItemStatus) => api<ActionItem>(`/action-items/${item.id}`, { method: 'PATCH', body: { status } }),
    onSuccess: async (updated) => {
      await refreshPostmortems(queryClient);
      notifications.show({ color: 'green', title: 'Saved', message: `Action item #${updated.id} is ${ACTION_ITEM_STATUS_LABELS[updated.status]}.` });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(err) }),
  });
  if (!canWrite(me, item.team)) return <ActionItemStatusBadge item={item} />;
  return (
    <Group gap={4} wrap="nowrap">
      <Select
        size="xs"
        w={130}
        aria-label={`Status of action item #${item.id}`}
        value={item.status}
        data={ACTION_ITEM_STATUSES.map((s) => ({ value: s, label: ACTION_ITEM_STATUS_LABELS[s] }))}
        allowDeselect={false}
        disabled={change.isPending}
        onChange={(v) => v && v !== item.status && change.mutate(v as ActionItemStatus)}
      />
      {item.overdue && (
        <Badge color="red" variant="filled" size="sm" className="keep-width">
          overdue
        </Badge>
      )}
    </Group>
  );
}

/** Action items in a table: due date, status (changeable by the owner team), type, title, team and postmortem. */
export function ActionItemTable({ items, label = 'Action items', showPostmortem = true }: { items: ActionItem[]; label?: string; showPostmortem?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label={label} verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Due</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Action item</Table.Th>
            <Table.Th>Team</Table.Th>
            {showPostmortem && <Table.Th>Postmortem</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((a) => (
            <Table.Tr key={a.id} data-overdue={a.overdue || undefined}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" c={a.overdue ? 'red' : undefined} fw={a.overdue ? 600 : undefined}>
                  {a.dueDate}
                </Text>
              </Table.Td>
              <Table.Td>
                <ItemStatus item={a} />
              </Table.Td>
              <Table.Td>{a.type}</Table.Td>
              <Table.Td maw={360} style={{ wordBreak: 'break-word' }}>
                <Text size="sm">
                  #{a.id} {a.title}
                </Text>
                {a.trackerUrl && <ExternalLink href={a.trackerUrl}>tracker</ExternalLink>}
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} to={teamUrl(a.team)} size="sm">
                  {a.team}
                </Anchor>
              </Table.Td>
              {showPostmortem && (
                <Table.Td maw={240}>
                  {a.postmortem === null ? (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  ) : (
                    <Anchor component={Link} to={postmortemUrl(a.postmortem)} size="sm">
                      #{a.postmortem} {a.postmortemTitle}
                    </Anchor>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** How a team gets its action items done: completion and on-time rates, overdue and open counts. */
export function CompletionRate({ team }: { team: string }) {
  const stats = useQuery(actionStatsQuery(team));
  if (stats.isPending) return <PageLoader label={`Loading ${team}’s completion rate`} />;
  if (stats.error) return <ErrorState error={stats.error} retry={() => void stats.refetch()} />;
  const s = stats.data;
  return (
    <Stack gap={2} aria-label={`Completion rate of ${team}`}>
      <Group gap="xs" align="baseline">
        <Text fw={700} fz="xl">
          {percent(s.completionRate)}
        </Text>
        <Text size="sm" c="dimmed">
          done ({s.done} of {s.total - s.wontDo}
          {s.wontDo ? `; ${s.wontDo} won’t do` : ''})
        </Text>
      </Group>
      <Text size="sm">
        {percent(s.onTimeRate)} on time ({s.doneOnTime} of {s.done}) · <b style={{ color: s.overdue ? 'var(--mantine-color-red-7)' : undefined }}>{s.overdue} overdue</b> · {s.open} open
      </Text>
    </Stack>
  );
}
