import { Anchor, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate, TimeAgo } from '../../app/ui/time.tsx';
import { incidentUrl } from '../incidents/incidents.api.ts';
import { useUrlText, withParams } from '../telemetry/url-params.ts';
import { PostmortemStatusBadge } from './postmortem-parts.tsx';
import { digestQuery, POSTMORTEM_STATUSES, postmortemFilter, postmortemListQuery, postmortemUrl, type Digest, type PostmortemSummary } from './postmortems.api.ts';

function PostmortemTable({ items, busy }: { items: PostmortemSummary[]; busy: boolean }) {
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table aria-label="Postmortems" highlightOnHover verticalSpacing={6} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Status</Table.Th>
            <Table.Th>Postmortem</Table.Th>
            <Table.Th>Team</Table.Th>
            <Table.Th>Incident</Table.Th>
            <Table.Th>Updated</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((p) => (
            <Table.Tr key={p.id}>
              <Table.Td>
                <PostmortemStatusBadge status={p.status} />
              </Table.Td>
              <Table.Td maw={420}>
                <Anchor component={Link} to={postmortemUrl(p.id)} size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  {p.title}
                </Anchor>
                {p.summary && (
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {p.summary}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{p.team}</Table.Td>
              <Table.Td>
                {p.incident === null ? (
                  '—'
                ) : (
                  <Anchor component={Link} to={incidentUrl(p.incident)} size="sm">
                    #{p.incident}
                  </Anchor>
                )}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <TimeAgo at={p.updatedAt} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Lesson({ label, text }: { label: string; text: string }) {
  if (!text.trim()) return null;
  return (
    <Text size="sm" lineClamp={3} style={{ whiteSpace: 'pre-wrap' }}>
      <b>{label}:</b> {text}
    </Text>
  );
}

/** Recently published postmortems with their lessons: what other teams learned. */
function DigestSection() {
  const found = useQuery(digestQuery(30));
  let body;
  if (found.isPending) body = <PageLoader label="Loading recent lessons" />;
  else if (found.error) body = <ErrorState error={found.error} retry={() => void found.refetch()} />;
  else if (!found.data.items.length) body = <EmptyState title="Nothing published in the last 30 days">Published postmortems and their lessons show up here for every team.</EmptyState>;
  else
    body = (
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {found.data.items.map((p: Digest['items'][number]) => (
          <Card withBorder key={p.id} component="article" aria-label={p.title}>
            <Stack gap={4}>
              <Anchor component={Link} to={postmortemUrl(p.id)} fw={600}>
                {p.title}
              </Anchor>
              <Text size="xs" c="dimmed">
                {p.team} · published {formatDate(p.publishedAt)} · action items {p.actionItems.done} of {p.actionItems.total} done
              </Text>
              <Lesson label="What went well" text={p.wentWell} />
              <Lesson label="What went wrong" text={p.wentWrong} />
              <Lesson label="Where we got lucky" text={p.whereWeGotLucky} />
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    );
  return (
    <section aria-label="Lessons from recent postmortems">
      <Title order={2} fz="lg" mb="sm">
        Lessons from recent postmortems
      </Title>
      {body}
    </section>
  );
}

/** Postmortems every team may read (and their own drafts), searchable; the digest of recent lessons below. */
export default function PostmortemsPage() {
  useDocumentTitle('Postmortems');
  const [params, setParams] = useSearchParams();
  const filter = postmortemFilter(params);
  const pager = useUrlPager();
  const [q, setQ] = useUrlText('q');
  const [team, setTeam] = useUrlText('team');
  const found = useQuery({ ...postmortemListQuery(filter), placeholderData: keepPreviousData });
  let body;
  if (found.isPending) body = <PageLoader label="Loading postmortems" />;
  else if (found.error) body = <ErrorState error={found.error} title="Postmortems could not be listed" retry={() => void found.refetch()} />;
  else if (!found.data.items.length)
    body = <EmptyState title="No postmortems">{filter.q ? 'Search looks in published postmortems: their title, summary, root causes and lessons.' : filter.team || filter.status ? 'Try other filters.' : 'Write one after an incident, or about a near miss.'}</EmptyState>;
  else
    body = (
      <>
        <PostmortemTable items={found.data.items} busy={found.isPlaceholderData} />
        <PagerControls pager={pager} nextCursor={found.data.nextCursor} loading={found.isFetching} label="Postmortem pages" />
      </>
    );
  return (
    <>
      <PageHeader
        title="Postmortems"
        subtitle="Blameless write-ups of what happened, why it made sense at the time, and what we change. Drafts are your team's; published ones are every team's to learn from."
        actions={
          <Group gap="xs">
            <Button size="xs" variant="default" component={Link} to="/action-items">
              Action items
            </Button>
            <Button size="xs" variant="light" component={Link} to="/postmortems/new">
              Write a postmortem
            </Button>
          </Group>
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }} role="search" aria-label="Filter postmortems">
          <TextInput label="Search" placeholder="Words in published postmortems" value={q} onChange={(e) => setQ(e.currentTarget.value)} autoComplete="off" />
          <TextInput label="Team" placeholder="Any team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <Select
            label="Status"
            placeholder="Any"
            clearable
            value={filter.status}
            onChange={(v) => setParams(withParams(params, { status: v, cursor: null }), { replace: true })}
            data={POSTMORTEM_STATUSES.map((s) => ({ value: s, label: s === 'in-review' ? 'in review' : s }))}
          />
        </SimpleGrid>
        {body}
        <DigestSection />
      </Stack>
    </>
  );
}
