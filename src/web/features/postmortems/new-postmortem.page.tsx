import { Anchor, Button, Card, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { useMe } from '../../app/session.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { incidentQuery, incidentUrl, type IncidentDetail } from '../incidents/incidents.api.ts';
import { postmortemUrl, refreshPostmortems, type PostmortemDetail } from './postmortems.api.ts';

function StartForm({ incident }: { incident: IncidentDetail | null }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const teams = me.teams.map((t) => t.team);
  const ownTeam = incident && teams.includes(incident.owner) ? incident.owner : null;
  const [team, setTeam] = useState<string | null>(ownTeam ?? teams[0] ?? null);
  const [title, setTitle] = useState('');
  const start = useMutation({
    mutationFn: () => api<PostmortemDetail>('/postmortems', { method: 'POST', body: { ...(incident ? { incident: incident.id } : {}), ...(team ? { team } : {}), ...(title.trim() ? { title: title.trim() } : {}) } }),
    onSuccess: async (pm) => {
      await refreshPostmortems(queryClient);
      void navigate(`${postmortemUrl(pm.id)}?edit=1`);
    },
  });
  const existing = start.error instanceof ApiError && start.error.code === 'POSTMORTEM_EXISTS' ? (start.error.details as { postmortem?: number } | undefined)?.postmortem : undefined;
  if (!teams.length && !me.user.admin) return <EmptyState title="You are not in a team">A postmortem belongs to a team: join one first.</EmptyState>;
  return (
    <Card
      withBorder
      component="form"
      aria-label="Start a postmortem"
      maw={640}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        start.mutate();
      }}
    >
      <Stack gap="sm">
        {incident ? (
          <Text size="sm">
            About{' '}
            <Anchor component={Link} to={incidentUrl(incident.id)}>
              incident #{incident.id} {incident.title}
            </Anchor>
            : its impact, resolution, times and timeline are taken over; you edit them after.
          </Text>
        ) : (
          <Text size="sm">A standalone postmortem (a near miss, a slow-burning problem). To write one about an incident, start from the incident’s page.</Text>
        )}
        <Select label="Team" description="Its members write and publish it" required={!incident} value={team} onChange={setTeam} data={teams} allowDeselect={false} searchable />
        <TextInput label="Title" description={incident ? 'Default: the incident’s title' : undefined} required={!incident} value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={200} />
        {start.error && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(start.error)}{' '}
            {existing !== undefined && (
              <Anchor component={Link} to={postmortemUrl(existing)}>
                Open it
              </Anchor>
            )}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={start.isPending} disabled={!team || (!incident && !title.trim())}>
            Start postmortem
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Starts a postmortem: about an incident (`?incident=12`) or standalone; the editor opens next. */
export default function NewPostmortemPage() {
  useDocumentTitle('Write a postmortem');
  const [params] = useSearchParams();
  const incidentId = Number(params.get('incident'));
  const fromIncident = Number.isSafeInteger(incidentId) && incidentId > 0;
  const incident = useQuery({ ...incidentQuery(fromIncident ? incidentId : 0), enabled: fromIncident });
  let body;
  if (!fromIncident) body = <StartForm incident={null} />;
  else if (incident.isPending) body = <PageLoader label="Loading the incident" />;
  else if (incident.error) body = <ErrorState error={incident.error} title="The incident could not be loaded" />;
  else body = <StartForm incident={incident.data} />;
  return (
    <>
      <PageHeader title="Write a postmortem" subtitle="Describe what happened and why it made sense at the time; look for what in the system to change, not for whom to blame." />
      {body}
    </>
  );
}
