import { Anchor, Badge, Button, Code, Group, SimpleGrid, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { ConfirmButton } from '../../app/ui/confirm.tsx';
import { editUrl, historyUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import type { ResourceView } from '../../app/types.ts';
import type { SilenceSpec } from '../../../shared/alerting.schema.ts';
import { useUrlText, withParams } from '../telemetry/url-params.ts';
import { alertingResourcesQuery, alertsKey, newResourceUrl, SILENCE_FOR_MS, SILENCE_KIND } from './alerting.api.ts';
import { expiredSpec, silenceTimes, type SilenceStatus } from './silence-words.ts';

const STATUS_COLORS: Record<SilenceStatus, string> = { active: 'blue', pending: 'yellow', expired: 'gray' };
const RANK: Record<SilenceStatus, number> = { active: 0, pending: 1, expired: 2 };

/** Ends a silence now: writes it with `endsAt` = now (guarded by its revision), so its alerts are told again. */
function ExpireButton({ silence }: { silence: ResourceView }) {
  const queryClient = useQueryClient();
  const name = silence.metadata.name;
  const expire = useMutation({
    mutationFn: () => {
      const { revision, createdAt: _c, updatedAt: _u, ...metadata } = silence.metadata;
      return api<ResourceView>(`/resources/${SILENCE_KIND}/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: { apiVersion: silence.apiVersion, kind: silence.kind, metadata, spec: expiredSpec(silence) },
        query: { message: 'expired' },
        headers: { 'if-match': `"${revision}"` },
      });
    },
    onSuccess: async () => {
      await Promise.all([queryClient.invalidateQueries({ queryKey: ['resources', SILENCE_KIND] }), queryClient.invalidateQueries({ queryKey: alertsKey })]);
      notifications.show({ color: 'green', title: 'Silence expired', message: `${name} no longer mutes its alerts.` });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not expired', message: errorMessage(err) }),
  });
  return (
    <ConfirmButton
      size="compact-xs"
      color="orange"
      title={`Expire ${name}?`}
      message="It ends now: the alerts it mutes are notified again. It stays in the list as expired, with its history."
      confirmLabel="Expire"
      loading={expire.isPending}
      onConfirm={() => expire.mutate()}
      aria-label={`Expire ${name}`}
    >
      Expire
    </ConfirmButton>
  );
}

/** Silences, a row each: status, matchers, start, end, comment; members of the owning team expire them. */
function SilenceTable({ silences }: { silences: ResourceView[] }) {
  const me = useMe();
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table aria-label="Silences" verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Silence</Table.Th>
            <Table.Th>Team</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Matchers</Table.Th>
            <Table.Th>Starts</Table.Th>
            <Table.Th>Ends</Table.Th>
            <Table.Th>Comment</Table.Th>
            <Table.Th>
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {silences.map((s) => {
            const spec = s.spec as Partial<SilenceSpec>;
            const { startsAt, endsAt, status } = silenceTimes(s);
            const mine = canWrite(me, s.metadata.owner);
            return (
              <Table.Tr key={s.metadata.name}>
                <Table.Td>
                  <Anchor component={Link} to={historyUrl(SILENCE_KIND, s.metadata.name)} size="sm" fw={500}>
                    {s.metadata.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={teamUrl(s.metadata.owner)} size="sm">
                    {s.metadata.owner}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLORS[status]} variant="light" size="sm" className="keep-width">
                    {status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {(spec.matchers ?? []).map((m) => (
                      <Code key={m}>{m}</Code>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <TimeAgo at={startsAt} />
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <TimeAgo at={endsAt} />
                </Table.Td>
                <Table.Td maw={280} style={{ wordBreak: 'break-word' }}>
                  <Text size="sm">{spec.comment}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {mine && status !== 'expired' && <ExpireButton silence={s} />}
                    <Button component={Link} to={editUrl(SILENCE_KIND, s.metadata.name)} size="compact-xs" variant="subtle" aria-label={`${mine ? 'Edit' : 'Propose a change to'} ${s.metadata.name}`}>
                      {mine ? 'Edit' : 'Propose a change'}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * Silences of every team (`/alerts/silences?team=payments&expired=1`): active and pending ones, and
 * expired ones on request. A silence is a resource of its team: its members create and expire it.
 */
export default function SilencesPage() {
  useDocumentTitle('Silences');
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [team, setTeam] = useUrlText('team');
  const teamFilter = params.get('team')?.trim().toLowerCase() || null;
  const showExpired = params.get('expired') === '1';
  const list = useQuery(alertingResourcesQuery(SILENCE_KIND));
  const newSilence = () =>
    void navigate(newResourceUrl(SILENCE_KIND, { owner: params.get('team')?.trim() || me.teams[0]?.team, spec: { matchers: [], endsAt: new Date(Date.now() + SILENCE_FOR_MS).toISOString() } }));

  let body;
  if (list.isPending) body = <PageLoader label="Loading silences" />;
  else if (list.error) body = <ErrorState error={list.error} title="Silences could not be listed" retry={() => void list.refetch()} />;
  else {
    const now = Date.now();
    const rows = list.data.items
      .filter((s) => !teamFilter || s.metadata.owner.toLowerCase() === teamFilter)
      .map((s) => ({ s, ...silenceTimes(s, now) }))
      .filter((r) => showExpired || r.status !== 'expired')
      .sort((a, b) => RANK[a.status] - RANK[b.status] || Date.parse(b.endsAt) - Date.parse(a.endsAt));
    body = rows.length ? (
      <SilenceTable silences={rows.map((r) => r.s)} />
    ) : (
      <EmptyState title={showExpired ? 'No silences' : 'No active or pending silence'}>A silence stops notifications of the alerts its matchers pick, from its start to its end. Silence an alert from the Alerts page, or create one here.</EmptyState>
    );
  }

  return (
    <>
      <PageHeader
        title="Silences"
        subtitle="Silences mute the notifications of a team’s alerts whose labels match, for a while; the alerts still show, marked silenced."
        actions={
          <>
            <Button component={Link} to="/alerts" variant="default" size="xs">
              Alerts
            </Button>
            <Button onClick={newSilence} variant="light" size="xs">
              New silence
            </Button>
          </>
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} role="search" aria-label="Filter silences">
          <TextInput label="Team" placeholder="Any team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        </SimpleGrid>
        <Switch label="Show expired silences" checked={showExpired} onChange={(e) => setParams(withParams(params, { expired: e.currentTarget.checked ? '1' : null }), { replace: true })} />
        {body}
      </Stack>
    </>
  );
}
