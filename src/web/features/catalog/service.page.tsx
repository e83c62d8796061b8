import { Anchor, Breadcrumbs, Button, Card, Group, List, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQueries, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { features } from '../../app/features.ts';
import type { ServiceTab } from '../../app/feature.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { Labels, LifecycleBadge, TierBadge } from '../../app/ui/badges.tsx';
import { AppLink, editUrl, ExternalLink, serviceUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import { NotFound } from '../../app/ui/not-found.tsx';
import { ApiError } from '../../app/api.ts';
import type { ResourceView, ServiceSpec } from '../../app/types.ts';
import { useResource } from './catalog.api.ts';

/** The tabs other features contribute, each loaded on first use. */
const registered: (ServiceTab & { Component: LazyExoticComponent<ComponentType<{ service: ResourceView }>> })[] = features
  .flatMap((f) => f.serviceTabs ?? [])
  .sort((a, b) => a.order - b.order)
  .map((t) => ({ ...t, Component: lazy(t.load) }));
/** The tabs that ask the server whether they have anything to show. */
const checked = registered.filter((t) => t.hasContent);

/** Which of the checked tabs have something to show for the service (asked once it is loaded). */
function useTabsWithContent(service: ResourceView | undefined): Set<string> {
  const queryClient = useQueryClient();
  return useQueries({
    queries: checked.map((t) => ({
      queryKey: ['service-tab', t.id, service?.metadata.name.toLowerCase()],
      queryFn: () => t.hasContent!(service!, queryClient),
      enabled: !!service,
    })),
    combine: (answers) => new Set(checked.filter((_, i) => answers[i]?.data === true).map((t) => t.id)),
  });
}

function Overview({ service }: { service: ResourceView }) {
  const spec = service.spec as Partial<ServiceSpec>;
  const links = spec.links ?? [];
  const deps = spec.dependsOn ?? [];
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
      <Card withBorder>
        <Title order={2} fz="lg" mb="sm">
          About
        </Title>
        <Stack gap="sm">
          {service.metadata.description ? (
            <Text size="sm" className="pre-wrap">
              {service.metadata.description}
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              No description yet.
            </Text>
          )}
          <dl className="facts">
            <dt>Owner</dt>
            <dd>
              <AppLink to={teamUrl(service.metadata.owner)}>{service.metadata.owner}</AppLink>
            </dd>
            <dt>Lifecycle</dt>
            <dd>{spec.lifecycle ?? '—'}</dd>
            <dt>Tier</dt>
            <dd>{spec.tier ?? '—'}</dd>
            <dt>System</dt>
            <dd>{spec.system ?? '—'}</dd>
            <dt>Repository</dt>
            <dd>{spec.repository ? <ExternalLink href={spec.repository} /> : '—'}</dd>
            <dt>Runbook</dt>
            <dd>{spec.runbook ? <ExternalLink href={spec.runbook} /> : '—'}</dd>
            <dt>Revision</dt>
            <dd>
              {service.metadata.revision}, updated {formatDate(service.metadata.updatedAt)}
            </dd>
          </dl>
          <div>
            <Text size="sm" fw={600} mb={4}>
              Labels
            </Text>
            {Object.keys(service.metadata.labels ?? {}).length ? (
              <Labels labels={service.metadata.labels} />
            ) : (
              <Text size="sm" c="dimmed">
                No labels.
              </Text>
            )}
          </div>
        </Stack>
      </Card>
      <Stack>
        <Card withBorder>
          <Title order={2} fz="lg" mb="sm">
            Links
          </Title>
          {links.length ? (
            <List spacing={4} size="sm">
              {links.map((l, i) => (
                <List.Item key={i}>
                  <ExternalLink href={l.url}>{l.title}</ExternalLink>
                </List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm" c="dimmed">
              No links. Dashboards, docs and on-call pages belong here.
            </Text>
          )}
        </Card>
        <Card withBorder>
          <Title order={2} fz="lg" mb="sm">
            Depends on
          </Title>
          {deps.length ? (
            <List spacing={4} size="sm">
              {deps.map((d) => (
                <List.Item key={d}>
                  <AppLink to={serviceUrl(d)}>{d}</AppLink>
                </List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm" c="dimmed">
              No dependencies recorded.
            </Text>
          )}
        </Card>
      </Stack>
    </SimpleGrid>
  );
}

/** A service: overview, and the tabs features add (history, change requests …). */
export default function ServicePage() {
  const { name = '', tab = 'overview' } = useParams();
  useDocumentTitle(name);
  const me = useMe();
  const navigate = useNavigate();
  const service = useResource('Service', name);
  const withContent = useTabsWithContent(service.data);
  const tabs = service.data ? registered.filter((t) => (!t.visible || t.visible(service.data, me)) && (!t.hasContent || withContent.has(t.id) || t.id === tab)) : [];

  if (service.isPending) return <PageLoader label="Loading the service" />;
  if (service.error) {
    if (service.error instanceof ApiError && service.error.code === 'RESOURCE_NOT_FOUND') {
      return (
        <Stack>
          <ErrorState error={service.error} title={`There is no service “${name}”`} />
          <Group>
            <Button component={Link} to="/services" variant="light">
              Back to the catalog
            </Button>
            <Button component={Link} to={`/resources/Service/${encodeURIComponent(name)}/history`} variant="subtle">
              Its history, if it was deleted
            </Button>
          </Group>
        </Stack>
      );
    }
    return <ErrorState error={service.error} retry={() => void service.refetch()} />;
  }
  const s = service.data;
  const active = tab === 'overview' || tabs.some((t) => t.id === tab) ? tab : null;
  if (!active) return <NotFound />;
  const writer = canWrite(me, s.metadata.owner);

  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to="/services" size="sm">
          Services
        </Anchor>
        <Text size="sm">{s.metadata.name}</Text>
      </Breadcrumbs>
      <PageHeader
        title={s.metadata.title ? `${s.metadata.title} (${s.metadata.name})` : s.metadata.name}
        subtitle={
          <Group gap="xs">
            <span>
              Owned by <AppLink to={teamUrl(s.metadata.owner)}>{s.metadata.owner}</AppLink>
            </span>
            <LifecycleBadge lifecycle={s.spec.lifecycle} />
            <TierBadge tier={s.spec.tier} />
          </Group>
        }
        actions={
          <Button component={Link} to={editUrl('Service', s.metadata.name)}>
            {writer ? 'Edit' : 'Propose change'}
          </Button>
        }
      />
      <Tabs value={active} onChange={(v) => v && void navigate(v === 'overview' ? serviceUrl(s.metadata.name) : `${serviceUrl(s.metadata.name)}/${v}`)} keepMounted={false}>
        <Tabs.List mb="md" aria-label="Service sections">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          {tabs.map((t) => (
            <Tabs.Tab key={t.id} value={t.id}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Overview service={s} />
        </Tabs.Panel>
        {tabs.map((t) => (
          <Tabs.Panel key={t.id} value={t.id}>
            <Suspense fallback={<PageLoader />}>
              <t.Component service={s} />
            </Suspense>
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  );
}
