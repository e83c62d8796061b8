import { Anchor, Badge, Breadcrumbs, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Timeline, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { AppLink, serviceUrl, teamUrl } from '../../app/ui/links.tsx';
import { NotFound } from '../../app/ui/not-found.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { TextPostForm } from '../../app/ui/text-post-form.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate, TimeAgo } from '../../app/ui/time.tsx';
import { IncidentPostmortem } from '../postmortems/incident-postmortem.tsx';
import { duration, IncidentSeverityBadge, IncidentStatusBadge } from './incident-badges.tsx';
import { incidentQuery, incidentsKey, INCIDENTS_REFRESH_MS, INCIDENT_STATUSES, type IncidentDetail, type IncidentEvent, type IncidentStatus } from './incidents.api.ts';

/** One timeline entry in words: "alice set the status to identified". */
export function eventText(e: IncidentEvent): string {
  const who = e.actor ?? 'Ethos';
  const alert = typeof e.details.alertname === 'string' ? e.details.alertname : 'an alert';
  switch (e.type) {
    case 'opened':
      return e.actor ? `${who} opened the incident` : `Opened by ${e.text?.replace(/^opened by /, '') ?? 'an alert'}`;
    case 'alert-fired':
      return `Alert ${alert} fired`;
    case 'alert-resolved':
      return `Alert ${alert} resolved`;
    case 'acknowledged':
      return `${who} acknowledged the alert ${alert}`;
    case 'note':
      return `${who} noted`;
    case 'status':
      return `${who} set the status to ${e.text ?? ''}`;
    case 'commander':
      return e.text ? `${who} made ${e.text} the commander` : `${who} removed the commander`;
    case 'impact':
      return `${who} described the impact`;
    case 'resolution':
      return `${who} described the resolution`;
    case 'title':
      return `${who} renamed the incident`;
    case 'resolved':
      return `${who} resolved the incident`;
    default:
      return e.type;
  }
}

/** What an entry says below its headline (a note, the impact, the resolution, a new title, an alert's summary). */
const eventBody = (e: IncidentEvent) => (e.type === 'status' || e.type === 'commander' || e.type === 'opened' ? null : e.text);

const EVENT_COLORS: Partial<Record<IncidentEvent['type'], string>> = { 'alert-fired': 'red', 'alert-resolved': 'green', resolved: 'green', opened: 'red', acknowledged: 'blue', note: 'gray' };

function IncidentTimeline({ events }: { events: IncidentEvent[] }) {
  return (
    <section aria-label="Timeline">
      <Title order={2} fz="md" mb="xs">
        Timeline
      </Title>
      <Timeline bulletSize={12} lineWidth={2} active={events.length}>
        {events.map((e) => (
          <Timeline.Item key={e.id} color={EVENT_COLORS[e.type] ?? 'blue'} title={eventText(e)} data-event={e.type}>
            <Text size="xs" c="dimmed">
              <time dateTime={e.at}>{formatDate(e.at)}</time>
            </Text>
            {eventBody(e) && (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {eventBody(e)}
              </Text>
            )}
          </Timeline.Item>
        ))}
      </Timeline>
    </section>
  );
}

function LinkedAlerts({ incident }: { incident: IncidentDetail }) {
  return (
    <section aria-label="Linked alerts">
      <Title order={2} fz="md" mb="xs">
        Alerts
      </Title>
      {incident.alerts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No alert joined this incident.
        </Text>
      ) : (
        <Table aria-label="Linked alerts" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Alert</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Joined</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {incident.alerts.map((a) => (
              <Table.Tr key={`${a.rule}/${a.fingerprint}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/alerts?service=${encodeURIComponent(incident.service)}&resolved=1`} size="sm">
                    {a.alertname}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={a.state === 'firing' ? 'red' : 'green'}>
                    {a.state}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <TimeAgo at={a.linkedAt} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}

/** Status, commander, impact and resolution, for members of the owning team: one Save, one timeline entry per change. */
function IncidentForm({ incident }: { incident: IncidentDetail }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<IncidentStatus>(incident.status);
  const [commander, setCommander] = useState(incident.commander ?? '');
  const [impact, setImpact] = useState(incident.impact ?? '');
  const [resolution, setResolution] = useState(incident.resolution ?? '');
  const patch: Record<string, unknown> = {};
  if (status !== incident.status) patch.status = status;
  if (commander.trim() !== (incident.commander ?? '')) patch.commander = commander.trim() || null;
  if (impact.trim() && impact.trim() !== (incident.impact ?? '')) patch.impact = impact.trim();
  if (resolution.trim() && resolution.trim() !== (incident.resolution ?? '')) patch.resolution = resolution.trim();
  const needsResolution = status === 'resolved' && !resolution.trim();
  const save = useMutation({
    mutationFn: () => api<IncidentDetail>(`/incidents/${incident.id}`, { method: 'PATCH', body: patch }),
    onSuccess: (updated) => {
      queryClient.setQueryData(incidentQuery(incident.id).queryKey, updated);
      void queryClient.invalidateQueries({ queryKey: [...incidentsKey, 'list'] });
      notifications.show({ color: 'green', title: 'Saved', message: `Incident #${updated.id} is ${updated.status}.` });
    },
  });
  return (
    <Card
      withBorder
      component="form"
      aria-label="Lead the incident"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select label="Status" value={status} onChange={(v) => v && setStatus(v as IncidentStatus)} data={INCIDENT_STATUSES} allowDeselect={false} />
          <TextInput label="Commander" placeholder="Who leads the response" value={commander} onChange={(e) => setCommander(e.currentTarget.value)} maxLength={200} autoComplete="off" />
        </SimpleGrid>
        <Textarea label="Impact" description="What users notice" autosize minRows={2} value={impact} onChange={(e) => setImpact(e.currentTarget.value)} maxLength={5000} />
        <Textarea
          label="Resolution"
          description="What restored the service (needed to resolve)"
          autosize
          minRows={2}
          value={resolution}
          onChange={(e) => setResolution(e.currentTarget.value)}
          maxLength={5000}
          error={needsResolution ? 'Say what restored the service to resolve the incident' : undefined}
        />
        {save.error && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(save.error)}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!Object.keys(patch).length || needsResolution}>
            Save
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function NoteBox({ id }: { id: number }) {
  const queryClient = useQueryClient();
  return (
    <TextPostForm
      formLabel="Add a note"
      label="Note"
      placeholder="What you tried, what you learned"
      maxLength={10_000}
      button="Add note"
      send={async (text) => queryClient.setQueryData(incidentQuery(id).queryKey, await api<IncidentDetail>(`/incidents/${id}/notes`, { method: 'POST', body: { text } }))}
    />
  );
}

/** One incident: what it is, who leads it, its timeline (oldest first) and its alerts; members lead it here. */
export default function IncidentPage() {
  const { id: raw = '' } = useParams();
  const id = Number(raw);
  const valid = Number.isSafeInteger(id) && id > 0;
  const found = useQuery({ ...incidentQuery(valid ? id : 0), enabled: valid, refetchInterval: INCIDENTS_REFRESH_MS });
  const me = useMe();
  useDocumentTitle(found.data ? `#${found.data.id} ${found.data.title}` : 'Incident');
  if (!valid || (found.error instanceof ApiError && found.error.code === 'INCIDENT_NOT_FOUND')) return <NotFound />;
  if (found.isPending) return <PageLoader label="Loading the incident" />;
  if (found.error) return <ErrorState error={found.error} title="The incident could not be loaded" retry={() => void found.refetch()} />;
  const incident = found.data;
  const mine = canWrite(me, incident.owner);
  return (
    <>
      <Breadcrumbs mb="xs">
        <AppLink to="/incidents">Incidents</AppLink>
        <Text size="sm">#{incident.id}</Text>
      </Breadcrumbs>
      <PageHeader title={`#${incident.id} ${incident.title}`}>
        <Group gap="xs">
          <IncidentStatusBadge status={incident.status} />
          <IncidentSeverityBadge severity={incident.severity} />
          <Text size="sm">
            <Anchor component={Link} to={serviceUrl(incident.service)}>
              {incident.service}
            </Anchor>
            {incident.owner && (
              <>
                {' · '}
                <Anchor component={Link} to={teamUrl(incident.owner)}>
                  {incident.owner}
                </Anchor>
              </>
            )}
          </Text>
        </Group>
        <Text size="sm" c="dimmed">
          Started {formatDate(incident.startedAt)} · {incident.resolvedAt ? `resolved ${formatDate(incident.resolvedAt)} after ${duration(incident.startedAt, incident.resolvedAt)}` : `open for ${duration(incident.startedAt, null)}`} · opened by{' '}
          {incident.openedBy === 'alert' ? 'an alert' : incident.openedBy} · commander: {incident.commander ?? 'none'}
        </Text>
        <IncidentPostmortem incident={incident.id} canWrite={mine} />
      </PageHeader>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
        <Stack gap="lg">
          {mine ? (
            <IncidentForm key={incident.updatedAt} incident={incident} />
          ) : (
            <Stack gap={4}>
              <Text size="sm">
                <b>Impact:</b> {incident.impact ?? '—'}
              </Text>
              <Text size="sm">
                <b>Resolution:</b> {incident.resolution ?? '—'}
              </Text>
              <Text size="xs" c="dimmed">
                Members of {incident.owner || 'the owning team'} lead this incident.
              </Text>
            </Stack>
          )}
          <LinkedAlerts incident={incident} />
        </Stack>
        <Stack gap="md">
          <IncidentTimeline events={incident.events} />
          {mine && <NoteBox id={incident.id} />}
        </Stack>
      </SimpleGrid>
    </>
  );
}
