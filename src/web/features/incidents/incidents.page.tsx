import { Anchor, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { serviceUrl } from '../../app/ui/links.tsx';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import { useUrlText, withParams } from '../telemetry/url-params.ts';
import { duration, IncidentSeverityBadge, IncidentStatusBadge } from './incident-badges.tsx';
import { incidentFilter, incidentListQuery, incidentsKey, INCIDENTS_REFRESH_MS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, incidentUrl, type IncidentDetail, type IncidentView } from './incidents.api.ts';

const STATUS_OPTIONS = [{ value: 'open', label: 'open (not resolved)' }, ...INCIDENT_STATUSES.map((s) => ({ value: s, label: s }))];

/** Opens an incident by hand: service, title, severity and what users notice (members of the service's team). */
function OpenIncidentForm({ onClose, service: initialService }: { onClose(): void; service: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [service, setService] = useState(initialService);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<string>('page');
  const [impact, setImpact] = useState('');
  const open = useMutation({
    mutationFn: () => api<IncidentDetail>('/incidents', { method: 'POST', body: { service: service.trim(), title: title.trim(), severity, ...(impact.trim() ? { impact: impact.trim() } : {}) } }),
    onSuccess: async (incident) => {
      await queryClient.invalidateQueries({ queryKey: incidentsKey });
      void navigate(incidentUrl(incident.id));
    },
  });
  return (
    <Card withBorder component="form" aria-label="Open an incident" onSubmit={(e: FormEvent) => {
        e.preventDefault();
        open.mutate();
      }}>
      <Stack gap="sm">
        <Title order={2} fz="md">
          Open an incident
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Service" required value={service} onChange={(e) => setService(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={200} />
          <Select label="Severity" value={severity} onChange={(v) => setSeverity(v ?? 'page')} data={INCIDENT_SEVERITIES} allowDeselect={false} />
        </SimpleGrid>
        <Textarea label="Impact" description="What users notice" autosize minRows={2} value={impact} onChange={(e) => setImpact(e.currentTarget.value)} maxLength={5000} />
        {open.error && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(open.error)}
          </Text>
        )}
        <Group gap="xs">
          <Button type="submit" loading={open.isPending} disabled={!service.trim() || !title.trim()}>
            Open incident
          </Button>
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function IncidentTable({ items, busy }: { items: IncidentView[]; busy: boolean }) {
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table aria-label="Incidents" highlightOnHover verticalSpacing={6} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Status</Table.Th>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Incident</Table.Th>
            <Table.Th>Service</Table.Th>
            <Table.Th>Commander</Table.Th>
            <Table.Th>Started</Table.Th>
            <Table.Th>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => (
            <Table.Tr key={i.id}>
              <Table.Td>
                <IncidentStatusBadge status={i.status} />
              </Table.Td>
              <Table.Td>
                <IncidentSeverityBadge severity={i.severity} />
              </Table.Td>
              <Table.Td maw={380}>
                <Anchor component={Link} to={incidentUrl(i.id)} size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  #{i.id} {i.title}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} to={serviceUrl(i.service)} size="sm">
                  {i.service}
                </Anchor>
              </Table.Td>
              <Table.Td>{i.commander ?? '—'}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <TimeAgo at={i.startedAt} />
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{duration(i.startedAt, i.resolvedAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * Incidents of every service, open ones first, then newest first; filtered by status, severity,
 * service and team in the address (`/incidents?status=open&severity=page&service=checkout`).
 */
export default function IncidentsPage() {
  useDocumentTitle('Incidents');
  const [params, setParams] = useSearchParams();
  const filter = incidentFilter(params);
  const pager = useUrlPager();
  const [service, setService] = useUrlText('service');
  const [team, setTeam] = useUrlText('team');
  const [opening, setOpening] = useState(params.get('open') === '1');
  const set = (changes: Record<string, string | null>) => setParams(withParams(params, { ...changes, cursor: null }), { replace: true });
  const found = useQuery({ ...incidentListQuery(filter), placeholderData: keepPreviousData, refetchInterval: INCIDENTS_REFRESH_MS });
  let body;
  if (found.isPending) body = <PageLoader label="Loading incidents" />;
  else if (found.error) body = <ErrorState error={found.error} title="Incidents could not be listed" retry={() => void found.refetch()} />;
  else if (!found.data.items.length) body = <EmptyState title="No incidents">{filter.status || filter.severity || filter.service || filter.team ? 'Try other filters.' : 'A firing page alert opens one for its service; you can open one by hand.'}</EmptyState>;
  else
    body = (
      <>
        <IncidentTable items={found.data.items} busy={found.isPlaceholderData} />
        <PagerControls pager={pager} nextCursor={found.data.nextCursor} loading={found.isFetching} label="Incident pages" />
      </>
    );
  return (
    <>
      <PageHeader
        title="Incidents"
        subtitle="A firing page alert opens an incident for its service, or joins its open one. People lead it, note what they learn and resolve it: an incident never resolves by itself."
        actions={
          !opening && (
            <Button size="xs" variant="light" onClick={() => setOpening(true)}>
              Open an incident
            </Button>
          )
        }
      />
      <Stack gap="sm">
        {opening && (
          <OpenIncidentForm
            service={filter.service ?? ''}
            onClose={() => setOpening(false)}
          />
        )}
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} role="search" aria-label="Filter incidents">
          <Select label="Status" placeholder="Any, open first" clearable value={filter.status} onChange={(v) => set({ status: v })} data={STATUS_OPTIONS} />
          <Select label="Severity" placeholder="Any" clearable value={filter.severity} onChange={(v) => set({ severity: v })} data={INCIDENT_SEVERITIES} />
          <TextInput label="Service" placeholder="Any service" value={service} onChange={(e) => setService(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <TextInput label="Team" placeholder="Any team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        </SimpleGrid>
        {body}
      </Stack>
    </>
  );
}
