import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../../app/api.ts';
import { useMe } from '../../app/session.tsx';
import { LifecycleBadge, TierBadge } from '../../app/ui/badges.tsx';
import { AppLink, changeRequestUrl, resourceUrl, serviceUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import type { ActivityEntry } from '../../app/types.ts';
import { useResourceList } from '../catalog/catalog.api.ts';
import { ChangeRequestTable } from '../changes/change-request-list.tsx';
import { OverdueActionItems } from '../postmortems/overdue-action-items.tsx';

function Section({ title, more, children }: { title: string; more?: { to: string; label: string }; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg">
          {title}
        </Title>
        {more && (
          <Anchor component={Link} to={more.to} size="sm">
            {more.label}
          </Anchor>
        )}
      </Group>
      {children}
    </Card>
  );
}

function MyServices({ teams }: { teams: string[] }) {
  const list = useResourceList('Service', { owner: teams, limit: 10 });
  if (list.isPending) return <PageLoader label="Loading services" />;
  if (list.error) return <ErrorState error={list.error} retry={() => void list.refetch()} />;
  if (!list.data.items.length) {
    return (
      <EmptyState title="Your teams own no services yet">
        <Anchor component={Link} to="/resources/Service/new">
          Register a service
        </Anchor>{' '}
        or push an ethos.yaml with ethos apply.
      </EmptyState>
    );
  }
  return (
    <Table aria-label="Services of my teams">
      <Table.Tbody>
        {list.data.items.map((s) => (
          <Table.Tr key={s.metadata.name}>
            <Table.Td>
              <AppLink to={serviceUrl(s.metadata.name)} fw={500}>
                {s.metadata.name}
              </AppLink>
              <Text size="xs" c="dimmed">
                {s.metadata.owner}
              </Text>
            </Table.Td>
            <Table.Td>
              <Group gap={4} justify="flex-end" wrap="nowrap">
                <LifecycleBadge lifecycle={s.spec.lifecycle} />
                <TierBadge tier={s.spec.tier} />
              </Group>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Activity() {
  const feed = useQuery({ queryKey: ['activity'], queryFn: () => api<{ items: ActivityEntry[] }>('/activity', { query: { limit: 15 } }) });
  if (feed.isPending) return <PageLoader label="Loading activity" />;
  if (feed.error) return <ErrorState error={feed.error} retry={() => void feed.refetch()} />;
  if (!feed.data.items.length) return <EmptyState title="No activity yet">Changes to your teams’ resources show up here.</EmptyState>;
  return (
    <Stack gap="xs" component="ol" style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Recent activity">
      {feed.data.items.map((a) => (
        <li key={`${a.kind}/${a.name}/${a.revision}`}>
          <Text size="sm">
            <strong>{a.author}</strong> {a.deleted ? 'deleted' : a.revision === 1 ? 'created' : 'changed'}{' '}
            <AppLink to={resourceUrl(a.kind, a.name)}>
              {a.kind}/{a.name}
            </AppLink>{' '}
            (revision {a.revision}
            {a.changeRequest ? (
              <>
                , <AppLink to={changeRequestUrl(a.changeRequest)}>#{a.changeRequest}</AppLink>
              </>
            ) : null}
            )
          </Text>
          <Text size="xs" c="dimmed" lineClamp={1}>
            <TimeAgo at={a.createdAt} />
            {a.message ? ` — ${a.message}` : ''}
          </Text>
        </li>
      ))}
    </Stack>
  );
}

/** Home: my teams, their services, change requests to review and mine, recent activity. */
export default function HomePage() {
  useDocumentTitle('Home');
  const me = useMe();
  const teams = me.teams.map((t) => t.team);
  const ownerQuery = teams.map((t) => `owner=${encodeURIComponent(t)}`).join('&');
  return (
    <>
      <PageHeader
        title={`Hello, ${me.user.displayName || me.user.name}`}
        subtitle={
          teams.length ? (
            <Group gap={6}>
              <span>Your teams:</span>
              {me.teams.map((t) => (
                <Badge key={t.team} component={Link} to={teamUrl(t.team)} variant="light" style={{ cursor: 'pointer' }} tt="none">
                  {t.team}
                  {t.role === 'maintainer' ? ' · maintainer' : ''}
                </Badge>
              ))}
            </Group>
          ) : (
            'You are not in a team yet.'
          )
        }
      />
      {!teams.length && (
        <Card withBorder mb="md">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">Teams own services and everything else in Ethos. Create a team (you become its maintainer), or ask a maintainer of your team to add you.</Text>
            <Group>
              <Button component={Link} to="/teams/new">
                Create team
              </Button>
              <Button component={Link} to="/teams" variant="default">
                Browse teams
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Section title="Waiting for your review" more={{ to: '/change-requests?view=inbox', label: 'All to review' }}>
          <ChangeRequestTable filter={{ toReview: true, state: 'open', limit: 10 }} compact empty={<EmptyState title="Nothing waits for your review" />} />
        </Section>
        {teams.length > 0 && (
          <Section title="Services of your teams" more={{ to: `/services?${ownerQuery}`, label: 'All in the catalog' }}>
            <MyServices teams={teams} />
          </Section>
        )}
        <Section title="Your open change requests" more={{ to: '/change-requests?view=outbox', label: 'All yours' }}>
          <ChangeRequestTable filter={{ mine: true, state: 'open', limit: 10 }} compact empty={<EmptyState title="You have no open change requests">Propose a change from any service or team page.</EmptyState>} />
        </Section>
        {teams.length > 0 && (
          <Section title="Overdue action items" more={{ to: '/action-items?overdue=1', label: 'All action items' }}>
            <OverdueActionItems teams={teams} />
          </Section>
        )}
        {teams.length > 0 && (
          <Section title="Recent activity on your teams’ resources">
            <Activity />
          </Section>
        )}
      </SimpleGrid>
    </>
  );
}
