import { Anchor, Badge, Breadcrumbs, Button, Card, Group, List, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../app/api.ts';
import { features } from '../../app/features.ts';
import { roleIn, useMe } from '../../app/session.tsx';
import { LifecycleBadge, TierBadge } from '../../app/ui/badges.tsx';
import { AppLink, editUrl, ExternalLink, historyUrl, resourceUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useLocalPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import type { TeamSpec } from '../../app/types.ts';
import { useResource, useResourceList } from './catalog.api.ts';

/** The sections other features add to the page, each loaded on first use. */
const sections = features
  .flatMap((f) => f.teamSections ?? [])
  .sort((a, b) => a.order - b.order)
  .map((s) => ({ ...s, Component: lazy(s.load) }));

/** Resources of one kind that the team owns, a page at a time. */
function Owned({ team, kind }: { team: string; kind: string }) {
  const pager = useLocalPager();
  const list = useResourceList(kind, { owner: [team], cursor: pager.cursor, limit: 25 });
  const plural = kind === 'Service' ? 'Services' : `${kind} resources`;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg">
          {plural}
        </Title>
        {kind === 'Service' && (
          <Anchor component={Link} to={`/services?owner=${encodeURIComponent(team)}`} size="sm">
            Open in the catalog
          </Anchor>
        )}
      </Group>
      {list.isPending ? (
        <PageLoader />
      ) : list.error ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : !list.data.items.length ? (
        <Text size="sm" c="dimmed">
          The team owns no {plural.toLowerCase()}.
        </Text>
      ) : (
        <>
          <Table aria-label={`${plural} owned by ${team}`}>
            <Table.Tbody>
              {list.data.items.map((r) => (
                <Table.Tr key={r.metadata.name}>
                  <Table.Td>
                    <AppLink to={resourceUrl(kind, r.metadata.name)}>{r.metadata.name}</AppLink>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end">
                      <LifecycleBadge lifecycle={r.spec.lifecycle} />
                      <TierBadge tier={r.spec.tier} />
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label={`${plural} pages`} />
        </>
      )}
    </Card>
  );
}

/** A team: members with roles, contacts, and everything it owns. */
export default function TeamPage() {
  const { name = '' } = useParams();
  useDocumentTitle(name);
  const me = useMe();
  const team = useResource('Team', name);
  const kinds = useQuery({ queryKey: ['kinds'], queryFn: () => api<{ items: string[] }>('/kinds'), staleTime: Infinity });

  if (team.isPending) return <PageLoader label="Loading the team" />;
  if (team.error) {
    const missing = team.error instanceof ApiError && team.error.code === 'RESOURCE_NOT_FOUND';
    return <ErrorState error={team.error} title={missing ? `There is no team “${name}”` : undefined} retry={missing ? undefined : () => void team.refetch()} />;
  }
  const t = team.data;
  const spec = t.spec as Partial<TeamSpec>;
  const members = spec.members ?? [];
  const role = roleIn(me, t.metadata.name);
  const writer = role !== null || me.user.admin;

  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to="/teams" size="sm">
          Teams
        </Anchor>
        <Text size="sm">{t.metadata.name}</Text>
      </Breadcrumbs>
      <PageHeader
        title={t.metadata.title ? `${t.metadata.title} (${t.metadata.name})` : t.metadata.name}
        subtitle={role ? `You are a ${role} of this team.` : 'You are not a member of this team: your edits become change requests for its members to review.'}
        actions={
          <>
            <Button component={Link} to={historyUrl('Team', t.metadata.name)} variant="default">
              History
            </Button>
            <Button component={Link} to={editUrl('Team', t.metadata.name)}>
              {writer ? 'Edit team' : 'Propose change'}
            </Button>
          </>
        }
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack>
          <Card withBorder>
            <Title order={2} fz="lg" mb="sm">
              Members
            </Title>
            {members.length ? (
              <Table aria-label="Members">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>User</Table.Th>
                    <Table.Th>Role</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {members.map((m) => (
                    <Table.Tr key={m.user}>
                      <Table.Td>{m.user}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={m.role === 'maintainer' ? 'blue' : 'gray'}>
                          {m.role ?? 'member'}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : (
              <EmptyState title="No members">Maintainers add members with “Edit team”.</EmptyState>
            )}
          </Card>
          <Card withBorder>
            <Title order={2} fz="lg" mb="sm">
              Contact
            </Title>
            {t.metadata.description && (
              <Text size="sm" className="pre-wrap" mb="sm">
                {t.metadata.description}
              </Text>
            )}
            <dl className="facts">
              <dt>Email</dt>
              <dd>{spec.email ? <ExternalLink href={`mailto:${spec.email}`}>{spec.email}</ExternalLink> : '—'}</dd>
              <dt>Chat</dt>
              <dd>{spec.chat ?? '—'}</dd>
            </dl>
            {!!spec.links?.length && (
              <List spacing={4} size="sm" mt="sm">
                {spec.links.map((l, i) => (
                  <List.Item key={i}>
                    <ExternalLink href={l.url}>{l.title}</ExternalLink>
                  </List.Item>
                ))}
              </List>
            )}
          </Card>
          {sections.map((s) => (
            <Suspense key={s.id} fallback={<PageLoader />}>
              <s.Component team={t} />
            </Suspense>
          ))}
        </Stack>
        <Stack>
          {kinds.isPending ? (
            <PageLoader />
          ) : kinds.error ? (
            <ErrorState error={kinds.error} />
          ) : (
            kinds.data.items.filter((k) => k !== 'Team').map((k) => <Owned key={k} team={t.metadata.name} kind={k} />)
          )}
        </Stack>
      </SimpleGrid>
    </>
  );
}
