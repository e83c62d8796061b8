import { Anchor, Badge, Button, Card, Group, List, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { canWrite, useMe } from '../../app/session.tsx';
import { editUrl, historyUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { SECRET_SET, type ResourceView } from '../../app/types.ts';
import type { ContactPointSpec, NotificationPolicySpec } from '../../../shared/alerting.schema.ts';
import { useUrlText } from '../telemetry/url-params.ts';
import { alertingResourcesQuery, CONTACT_POINT_KIND, newResourceUrl, NOTIFICATION_POLICY_KIND } from './alerting.api.ts';
import { inhibitText, routeText } from './policy-words.ts';
import { TestNotificationButton } from './test-notification.tsx';

/** A secret as the API gives it: set (never shown) or not. */
const secret = (v: string | undefined) => (v === undefined ? null : v === SECRET_SET ? '•••••••• (secret)' : v);

/** Where a contact point sends, with its secrets masked: "url •••••••• (secret)", "to oncall@example.com". */
export function contactTarget(spec: Partial<ContactPointSpec>): string {
  if (spec.type === 'email') return `to ${(spec.to ?? []).join(', ') || '—'}`;
  const parts = [];
  if (spec.type === 'pagerduty') parts.push(`routing key ${secret(spec.routingKey) ?? '—'}`);
  if (spec.url !== undefined) parts.push(`url ${secret(spec.url)}`);
  return parts.join(', ') || '—';
}

/** Edit (or propose a change) and History of a resource. */
function ResourceLinks({ r, mine }: { r: ResourceView; mine: boolean }) {
  const name = r.metadata.name;
  return (
    <Group gap={4} wrap="nowrap">
      <Button component={Link} to={editUrl(r.kind, name)} size="compact-xs" variant="subtle" aria-label={`${mine ? 'Edit' : 'Propose a change to'} ${r.kind} ${name}`}>
        {mine ? 'Edit' : 'Propose a change'}
      </Button>
      <Button component={Link} to={historyUrl(r.kind, name)} size="compact-xs" variant="subtle" aria-label={`History of ${r.kind} ${name}`}>
        History
      </Button>
    </Group>
  );
}

function ContactPoints({ items, mine }: { items: ResourceView[]; mine: boolean }) {
  if (!items.length) return <Text size="sm" c="dimmed">No contact point.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table aria-label="Contact points" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Contact point</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((cp) => {
            const spec = cp.spec as Partial<ContactPointSpec>;
            return (
              <Table.Tr key={cp.metadata.name}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {cp.metadata.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" size="sm" className="keep-width">
                    {spec.type}
                  </Badge>
                </Table.Td>
                <Table.Td style={{ wordBreak: 'break-word' }}>
                  <Text size="sm">{contactTarget(spec)}</Text>
                  {spec.sendResolved === false && (
                    <Text size="xs" c="dimmed">
                      not told of resolved alerts
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Stack gap={4} align="flex-start">
                    <ResourceLinks r={cp} mine={mine} />
                    {mine && <TestNotificationButton owner={cp.metadata.owner} name={cp.metadata.name} />}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Policy({ policy, mine }: { policy: ResourceView; mine: boolean }) {
  const spec = policy.spec as Partial<NotificationPolicySpec>;
  return (
    <Card withBorder padding="sm" aria-label={`Notification policy ${policy.metadata.name}`} component="section">
      <Group justify="space-between" mb={4}>
        <Group gap="xs">
          <Text fw={600} size="sm">
            {policy.metadata.name}
          </Text>
          {spec.organisationDefault && (
            <Badge color="grape" variant="light" size="sm">
              organisation default
            </Badge>
          )}
        </Group>
        <ResourceLinks r={policy} mine={mine} />
      </Group>
      <Text size="xs" c="dimmed">
        Routes, in order (the first that matches an alert routes it):
      </Text>
      <List type="ordered" size="sm" spacing={2} aria-label="Routes">
        {(spec.routes ?? []).map((r, i) => (
          <List.Item key={i}>{routeText(r)}</List.Item>
        ))}
      </List>
      {!!spec.inhibitRules?.length && (
        <>
          <Text size="xs" c="dimmed" mt={6}>
            Inhibitions (a firing alert mutes others):
          </Text>
          <List size="sm" spacing={2} aria-label="Inhibitions">
            {spec.inhibitRules.map((r, i) => (
              <List.Item key={i}>{inhibitText(r)}</List.Item>
            ))}
          </List>
        </>
      )}
      {!!spec.timeIntervals?.length && (
        <Text size="xs" c="dimmed" mt={6}>
          Time intervals: {spec.timeIntervals.map((t) => `${t.name} (${t.weekdays?.length ? t.weekdays.join(', ') : 'every day'}${t.times?.length ? ` ${t.times.map((x) => `${x.start}–${x.end}`).join(', ')}` : ''} ${t.location ?? 'UTC'})`).join('; ')}
        </Text>
      )}
    </Card>
  );
}

/** One team's contact points and notification policies. */
function TeamRouting({ team, contactPoints, policies }: { team: string; contactPoints: ResourceView[]; policies: ResourceView[] }) {
  const me = useMe();
  const mine = canWrite(me, team);
  return (
    <Card withBorder component="section" aria-label={`Routing of ${team}`}>
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="lg">
          <Anchor component={Link} to={teamUrl(team)} inherit>
            {team}
          </Anchor>
        </Title>
        <Group gap="xs">
          <Button component={Link} to={newResourceUrl(CONTACT_POINT_KIND, { owner: team, spec: { type: 'webhook' } })} size="xs" variant="light">
            {mine ? 'New contact point' : 'Propose a contact point'}
          </Button>
          <Button component={Link} to={newResourceUrl(NOTIFICATION_POLICY_KIND, { name: team, owner: team })} size="xs" variant="light">
            {mine ? 'New policy' : 'Propose a policy'}
          </Button>
        </Group>
      </Group>
      <Stack gap="sm">
        <ContactPoints items={contactPoints} mine={mine} />
        {policies.length ? (
          policies.map((p) => <Policy key={p.metadata.name} policy={p} mine={mine} />)
        ) : (
          <Text size="sm" c="dimmed">
            No notification policy: {team}’s alerts go to the organisation default policy, if there is one.
          </Text>
        )}
      </Stack>
    </Card>
  );
}

const byName = (a: ResourceView, b: ResourceView) => a.metadata.name.localeCompare(b.metadata.name);

/**
 * Contact points and notification policies, per team (`/alerts/routing?team=payments`): where each
 * team's alerts go, with each policy's routes in words.
 */
export default function RoutingPage() {
  useDocumentTitle('Contact points and policies');
  const me = useMe();
  const [team, setTeam] = useUrlText('team');
  const contactPoints = useQuery(alertingResourcesQuery(CONTACT_POINT_KIND));
  const policies = useQuery(alertingResourcesQuery(NOTIFICATION_POLICY_KIND));
  const filter = team.trim().toLowerCase();

  let body;
  if (contactPoints.isPending || policies.isPending) body = <PageLoader label="Loading contact points and policies" />;
  else if (contactPoints.error || policies.error) body = <ErrorState error={contactPoints.error ?? policies.error} title="Contact points and policies could not be listed" />;
  else {
    // one section per team that has either, your teams first
    const teams = new Map<string, string>();
    for (const r of [...contactPoints.data.items, ...policies.data.items]) teams.set(r.metadata.owner.toLowerCase(), r.metadata.owner);
    const yours = new Set(me.teams.map((t) => t.team.toLowerCase()));
    const shown = [...teams.entries()]
      .filter(([key]) => !filter || key === filter)
      .sort(([a], [b]) => Number(yours.has(b)) - Number(yours.has(a)) || a.localeCompare(b));
    const of = (items: ResourceView[], key: string) => items.filter((r) => r.metadata.owner.toLowerCase() === key).sort(byName);
    body = shown.length ? (
      <SimpleGrid cols={1} spacing="md">
        {shown.map(([key, name]) => (
          <TeamRouting key={key} team={name} contactPoints={of(contactPoints.data.items, key)} policies={of(policies.data.items, key)} />
        ))}
      </SimpleGrid>
    ) : (
      <EmptyState title={filter ? `${team.trim()} has no contact point or policy` : 'No contact points or policies yet'}>
        A team’s contact points say where to send (a webhook, Slack, email, PagerDuty, Microsoft Teams); its notification policy says which of its alerts go to which, grouped and repeated how.
      </EmptyState>
    );
  }

  const owner = team.trim() || me.teams[0]?.team;
  return (
    <>
      <PageHeader
        title="Contact points and policies"
        subtitle="Where each team’s alerts are sent. Secrets (addresses, keys) are never shown."
        actions={
          <>
            <Button component={Link} to="/alerts" variant="default" size="xs">
              Alerts
            </Button>
            <Button component={Link} to="/alerts/deliveries" variant="default" size="xs">
              Deliveries
            </Button>
            <Button component={Link} to={newResourceUrl(CONTACT_POINT_KIND, { owner, spec: { type: 'webhook' } })} variant="light" size="xs">
              New contact point
            </Button>
            <Button component={Link} to={newResourceUrl(NOTIFICATION_POLICY_KIND, { name: owner, owner })} variant="light" size="xs">
              New policy
            </Button>
          </>
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} role="search" aria-label="Filter teams">
          <TextInput label="Team" placeholder="Every team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        </SimpleGrid>
        {body}
      </Stack>
    </>
  );
}
