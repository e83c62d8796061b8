import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { calendarQuery, CALENDAR_DAYS, onCallQuery, type OnCallNow } from './oncall.api.ts';
import { calendarDays, whenIn } from './oncall-words.ts';

/** Who holds each rotation now, until when, and who is next. */
export function OnCallNowTable({ schedule }: { schedule: OnCallNow }) {
  const tz = schedule.timeZone;
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table aria-label={`On call now: ${schedule.schedule}`} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rotation</Table.Th>
            <Table.Th>Level</Table.Th>
            <Table.Th>On call</Table.Th>
            <Table.Th>Until</Table.Th>
            <Table.Th>Next</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {schedule.rotations.map((r) => (
            <Table.Tr key={r.rotation}>
              <Table.Td>{r.rotation}</Table.Td>
              <Table.Td>{r.level ?? '—'}</Table.Td>
              <Table.Td>
                <Group gap={6}>
                  <Text size="sm" fw={500}>
                    {r.current?.user ?? 'nobody'}
                  </Text>
                  {r.current?.override && (
                    <Badge size="xs" variant="light" color="grape">
                      override
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>{r.current?.user ? whenIn(r.current.to, tz) : '—'}</Table.Td>
              <Table.Td>{r.next[0] ? `${r.next[0].user ?? 'nobody'} from ${whenIn(r.next[0].from, tz)}` : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The next two weeks of a schedule, a row per day and a column per rotation. */
function CalendarTable({ schedule }: { schedule: OnCallNow }) {
  const cal = useQuery(calendarQuery(schedule.schedule));
  if (cal.isPending) return <PageLoader label="Loading the calendar" />;
  if (cal.isError) return <ErrorState error={cal.error} retry={() => void cal.refetch()} title="The calendar did not load" />;
  const rotations = schedule.rotations.map((r) => r.rotation);
  const days = calendarDays(cal.data.shifts, cal.data.timeZone);
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table aria-label={`Calendar: ${schedule.schedule}`} withColumnBorders>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Day</Table.Th>
            {rotations.map((r) => (
              <Table.Th key={r}>{r}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {days.map((d) => (
            <Table.Tr key={d.key}>
              <Table.Td>{d.label}</Table.Td>
              {rotations.map((r) => (
                <Table.Td key={r}>
                  <Stack gap={0}>
                    {d.entries
                      .filter((e) => e.rotation === r && e.user !== null)
                      .map((e, i) => (
                        <Text key={i} size="sm" c={e.override ? 'grape' : undefined}>
                          {e.user} <Text span size="xs" c="dimmed">{e.text}{e.override ? ', override' : ''}</Text>
                        </Text>
                      ))}
                  </Stack>
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The On-call page: per team and schedule, who is on call now and the next two weeks. */
export default function OnCallPage() {
  useDocumentTitle('On call');
  const [search] = useSearchParams();
  const team = search.get('team');
  const now = useQuery(onCallQuery(team));
  return (
    <>
      <PageHeader title="On call" subtitle={team ? `Schedules of team ${team}` : 'Every team’s on-call schedules: who is on call now and the next two weeks'} />
      {now.isPending ? (
        <PageLoader />
      ) : now.isError ? (
        <ErrorState error={now.error} retry={() => void now.refetch()} />
      ) : !now.data.items.length ? (
        <EmptyState title="No on-call schedule yet">A team describes its rotations, overrides and escalation in an OnCallSchedule resource (see the alerting docs).</EmptyState>
      ) : (
        <Stack gap="lg">
          {now.data.items.map((s) => (
            <Card withBorder key={`${s.team}/${s.schedule}`}>
              <Group justify="space-between" mb="sm">
                <Title order={2} fz="lg">
                  {s.schedule}
                </Title>
                <Text size="sm" c="dimmed">
                  team{' '}
                  <Anchor component={Link} to={`/teams/${encodeURIComponent(s.team)}`}>
                    {s.team}
                  </Anchor>{' '}
                  · times in {s.timeZone}
                </Text>
              </Group>
              <OnCallNowTable schedule={s} />
              <Title order={3} fz="md" mt="md" mb="xs">
                Next {CALENDAR_DAYS} days
              </Title>
              <CalendarTable schedule={s} />
            </Card>
          ))}
        </Stack>
      )}
    </>
  );
}
