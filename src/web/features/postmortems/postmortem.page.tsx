import { Alert, Anchor, Breadcrumbs, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Timeline, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { POSTMORTEM_SECTIONS, SECTION_LABELS } from '../../../shared/postmortem-sections.ts';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { AppLink, ExternalLink, teamUrl } from '../../app/ui/links.tsx';
import { NotFound } from '../../app/ui/not-found.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { TextPostForm } from '../../app/ui/text-post-form.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate, TimeAgo } from '../../app/ui/time.tsx';
import { incidentUrl } from '../incidents/incidents.api.ts';
import { PostmortemEditor } from './postmortem-editor.tsx';
import { ActionItemTable, PostmortemStatusBadge } from './postmortem-parts.tsx';
import { ACTION_ITEM_TYPES, postmortemQuery, refreshPostmortems, revisionsQuery, type ActionItem, type PostmortemDetail, type PostmortemRevision, type PostmortemStatus } from './postmortems.api.ts';

/** What each status button does, in words. */
const MOVES: Record<PostmortemStatus, string> = { draft: 'Back to draft', 'in-review': 'Send for review', published: 'Publish' };

/** Status buttons for members: draft ↔ in review → published (and back, to correct it). */
function StatusButtons({ postmortem }: { postmortem: PostmortemDetail }) {
  const queryClient = useQueryClient();
  const move = useMutation({
    mutationFn: (status: PostmortemStatus) => api<PostmortemDetail>(`/postmortems/${postmortem.id}/status`, { method: 'POST', body: { status } }),
    onSuccess: async (updated) => {
      queryClient.setQueryData(postmortemQuery(postmortem.id).queryKey, updated);
      await refreshPostmortems(queryClient);
      notifications.show({ color: 'green', title: 'Saved', message: `Postmortem #${updated.id} is ${updated.status === 'in-review' ? 'in review' : updated.status}.` });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not changed', message: errorMessage(err) }),
  });
  const targets = (Object.keys(MOVES) as PostmortemStatus[]).filter((s) => s !== postmortem.status);
  return (
    <Group gap="xs">
      {targets.map((s) => (
        <Button key={s} size="xs" variant={s === 'published' ? 'filled' : 'light'} loading={move.isPending && move.variables === s} onClick={() => move.mutate(s)}>
          {MOVES[s]}
        </Button>
      ))}
    </Group>
  );
}

/** The sections as a reader sees them; empty ones say so for the team and hide for others. */
function Sections({ postmortem, mine }: { postmortem: PostmortemDetail; mine: boolean }) {
  return (
    <Stack gap="md">
      {POSTMORTEM_SECTIONS.filter((s) => mine || postmortem[s].trim()).map((s) => (
        <section key={s} aria-label={SECTION_LABELS[s].label}>
          <Title order={2} fz="md" mb={4}>
            {SECTION_LABELS[s].label}
          </Title>
          {postmortem[s].trim() ? (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {postmortem[s]}
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              Not written yet. {SECTION_LABELS[s].hint}
            </Text>
          )}
        </section>
      ))}
    </Stack>
  );
}

function PostmortemTimeline({ postmortem }: { postmortem: PostmortemDetail }) {
  return (
    <section aria-label="Timeline">
      <Title order={2} fz="md" mb="xs">
        Timeline
      </Title>
      {postmortem.timeline.length === 0 ? (
        <Text size="sm" c="dimmed">
          No entries yet.
        </Text>
      ) : (
        <Timeline bulletSize={10} lineWidth={2} active={postmortem.timeline.length}>
          {postmortem.timeline.map((e, i) => (
            <Timeline.Item key={`${i}:${e.at}`} title={<time dateTime={e.at}>{formatDate(e.at)}</time>} data-entry>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {e.text}
              </Text>
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </section>
  );
}

/** Adds an action item to the postmortem, for any team (the postmortem's by default). */
function AddActionItem({ postmortem }: { postmortem: PostmortemDetail }) {
  const queryClient = useQueryClient();
  const [title, setTitle] = useState('');
  const [team, setTeam] = useState(postmortem.team);
  const [dueDate, setDueDate] = useState('');
  const [type, setType] = useState<string>('prevent');
  const [tracker, setTracker] = useState('');
  const add = useMutation({
    mutationFn: () =>
      api<ActionItem>('/action-items', {
        method: 'POST',
        body: { postmortem: postmortem.id, title: title.trim(), team: team.trim(), dueDate, type, ...(tracker.trim() ? { trackerUrl: tracker.trim() } : {}) },
      }),
    onSuccess: async (item) => {
      await refreshPostmortems(queryClient);
      setTitle('');
      setTracker('');
      notifications.show({ color: 'green', title: 'Action item added', message: `#${item.id} for ${item.team}, due ${item.dueDate}.` });
    },
  });
  const issue = (field: string) => (add.error instanceof ApiError ? add.error.issues.find((i) => i.path === `/${field}`)?.message : undefined);
  return (
    <Card
      withBorder
      component="form"
      aria-label="Add an action item"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        add.mutate();
      }}
    >
      <Stack gap="xs">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
          <TextInput label="What to do" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={300} error={issue('title')} />
          <TextInput label="Owner team" required value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} error={issue('team')} />
          <TextInput label="Due" type="date" required value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} error={issue('dueDate')} />
          <Select label="Type" value={type} onChange={(v) => setType(v ?? 'prevent')} data={ACTION_ITEM_TYPES} allowDeselect={false} />
          <TextInput label="Tracker link" placeholder="https://…" value={tracker} onChange={(e) => setTracker(e.currentTarget.value)} error={issue('trackerUrl')} />
        </SimpleGrid>
        {add.error && !(add.error instanceof ApiError && add.error.issues.length) && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(add.error)}
          </Text>
        )}
        <Group>
          <Button type="submit" size="xs" loading={add.isPending} disabled={!title.trim() || !team.trim() || !dueDate}>
            Add action item
          </Button>
          <Text size="xs" c="dimmed">
            The owner team is told in its inbox; only its members change the status.
          </Text>
        </Group>
      </Stack>
    </Card>
  );
}

function Comments({ postmortem }: { postmortem: PostmortemDetail }) {
  const queryClient = useQueryClient();
  return (
    <section aria-label="Comments">
      <Title order={2} fz="md" mb="xs">
        Review comments
      </Title>
      <Stack gap="xs">
        {postmortem.comments.map((c) => (
          <div key={c.id}>
            <Text size="xs" c="dimmed">
              {c.author}, <TimeAgo at={c.at} />
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {c.text}
            </Text>
          </div>
        ))}
        <TextPostForm
          formLabel="Add a comment"
          label="Comment"
          placeholder="A question, a missing contributing factor, a kinder wording"
          maxLength={5000}
          button="Add comment"
          send={async (text) =>
            queryClient.setQueryData(postmortemQuery(postmortem.id).queryKey, await api<PostmortemDetail>(`/postmortems/${postmortem.id}/comments`, { method: 'POST', body: { text } }))
          }
        />
      </Stack>
    </section>
  );
}

const FIELD_LABELS: Record<string, string> = { title: 'Title', startedAt: 'Impact started', resolvedAt: 'Service restored', timeline: 'Timeline', links: 'Supporting links', status: 'Status' };
const fieldLabel = (f: string) => FIELD_LABELS[f] ?? SECTION_LABELS[f as keyof typeof SECTION_LABELS]?.label ?? f;
const shown = (v: unknown) => (v === null || v === '' ? '(empty)' : typeof v === 'string' ? v : JSON.stringify(v, null, 1));

/** One revision: who, when, and each changed field from what to what. */
function RevisionRow({ r }: { r: PostmortemRevision }) {
  const what = r.action === 'created' ? 'started the postmortem' : r.action === 'status' ? `moved it to ${shown(r.changes[0]?.to)}` : `changed ${r.changes.map((c) => fieldLabel(c.field)).join(', ')}`;
  return (
    <Table.Tr>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{r.revision}</Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <TimeAgo at={r.at} />
      </Table.Td>
      <Table.Td>
        {r.action === 'edited' && r.changes.some((c) => 'from' in c || 'to' in c) ? (
          <details>
            <summary>
              <Text span size="sm">
                <b>{r.author}</b> {what}
              </Text>
            </summary>
            {r.changes.map((c) => (
              <SimpleGrid key={c.field} cols={2} spacing="xs" mt={4}>
                <Text size="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} c="red.8" aria-label={`${fieldLabel(c.field)} before`}>
                  {fieldLabel(c.field)} before: {shown(c.from)}
                </Text>
                <Text size="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} c="green.8" aria-label={`${fieldLabel(c.field)} after`}>
                  after: {shown(c.to)}
                </Text>
              </SimpleGrid>
            ))}
          </details>
        ) : (
          <Text size="sm">
            <b>{r.author}</b> {what}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function History({ id }: { id: number }) {
  const found = useQuery(revisionsQuery(id));
  return (
    <section aria-label="History">
      <Title order={2} fz="md" mb="xs">
        History
      </Title>
      {found.isPending ? (
        <PageLoader label="Loading the history" />
      ) : found.error ? (
        <ErrorState error={found.error} retry={() => void found.refetch()} />
      ) : (
        <Table aria-label="Revisions" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Rev.</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>Who changed what</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {found.data.items.map((r) => (
              <RevisionRow key={r.revision} r={r} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}

/** A postmortem: the read view for everyone who may see it; members edit it, move its status and add action items. */
export default function PostmortemPage() {
  const { id: raw = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const id = Number(raw);
  const valid = Number.isSafeInteger(id) && id > 0;
  const found = useQuery({ ...postmortemQuery(valid ? id : 0), enabled: valid });
  const me = useMe();
  const editing = params.get('edit') === '1';
  const setEditing = (on: boolean) => setParams(on ? { edit: '1' } : {}, { replace: true });
  useDocumentTitle(found.data ? `Postmortem #${found.data.id} ${found.data.title}` : 'Postmortem');
  if (!valid || (found.error instanceof ApiError && found.error.code === 'POSTMORTEM_NOT_FOUND')) return <NotFound />;
  if (found.isPending) return <PageLoader label="Loading the postmortem" />;
  if (found.error) return <ErrorState error={found.error} title="The postmortem could not be loaded" retry={() => void found.refetch()} />;
  const pm = found.data;
  const mine = canWrite(me, pm.team);
  return (
    <>
      <Breadcrumbs mb="xs">
        <AppLink to="/postmortems">Postmortems</AppLink>
        <Text size="sm">#{pm.id}</Text>
      </Breadcrumbs>
      <PageHeader
        title={pm.title}
        actions={
          mine && !editing ? (
            <Group gap="xs">
              <Button size="xs" variant="default" onClick={() => setEditing(true)}>
                Edit
              </Button>
              <StatusButtons postmortem={pm} />
            </Group>
          ) : undefined
        }
      >
        <Group gap="xs">
          <PostmortemStatusBadge status={pm.status} />
          <Text size="sm">
            <Anchor component={Link} to={teamUrl(pm.team)}>
              {pm.team}
            </Anchor>
            {pm.incident !== null && (
              <>
                {' · '}
                <Anchor component={Link} to={incidentUrl(pm.incident)}>
                  incident #{pm.incident}
                </Anchor>
              </>
            )}
          </Text>
        </Group>
        <Text size="sm" c="dimmed">
          Impact from {formatDate(pm.startedAt)} to {formatDate(pm.resolvedAt)} · started by {pm.createdBy} · revision {pm.revision}, <TimeAgo at={pm.updatedAt} />
          {pm.publishedAt ? ` · published ${formatDate(pm.publishedAt)}` : ''}
        </Text>
      </PageHeader>
      {pm.status !== 'published' && (
        <Alert color="gray" mb="md" title={pm.status === 'draft' ? 'A draft' : 'In review'}>
          Only members of {pm.team} (and administrators) can read it until it is published; then every team can read and search it.
        </Alert>
      )}
      {editing && mine ? (
        <PostmortemEditor key={pm.revision} postmortem={pm} onDone={() => setEditing(false)} />
      ) : (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
          <Stack gap="lg">
            <Sections postmortem={pm} mine={mine} />
            {pm.links.length > 0 && (
              <section aria-label="Supporting links">
                <Title order={2} fz="md" mb={4}>
                  Supporting links
                </Title>
                <Stack gap={2}>
                  {pm.links.map((l) => (
                    <Text size="sm" key={`${l.title}:${l.url}`}>
                      <ExternalLink href={l.url}>{l.title}</ExternalLink>
                    </Text>
                  ))}
                </Stack>
              </section>
            )}
            {mine && pm.warnings.length > 0 && (
              <Alert color="orange" title="Blameless language" aria-label="Blameless advice">
                <Text size="sm">
                  {pm.warnings.length} {pm.warnings.length === 1 ? 'place reads' : 'places read'} as blame ({[...new Set(pm.warnings.map((w) => `“${w.match}”`))].slice(0, 5).join(', ')}). Edit to see a suggestion beside each; it never stops
                  publishing.
                </Text>
              </Alert>
            )}
          </Stack>
          <Stack gap="lg">
            <PostmortemTimeline postmortem={pm} />
          </Stack>
        </SimpleGrid>
      )}
      <Stack gap="lg" mt="xl">
        <section aria-label="Action items of the postmortem">
          <Title order={2} fz="md" mb="xs">
            Action items
          </Title>
          {pm.actionItems.length > 0 ? (
            <ActionItemTable items={pm.actionItems} showPostmortem={false} label="Action items of the postmortem" />
          ) : (
            <Text size="sm" c="dimmed" mb="xs">
              No action items yet.
            </Text>
          )}
          {mine && <AddActionItem postmortem={pm} />}
        </section>
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
          <Comments postmortem={pm} />
          <History id={pm.id} />
        </SimpleGrid>
      </Stack>
    </>
  );
}
