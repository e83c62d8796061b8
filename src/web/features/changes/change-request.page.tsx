import { Alert, Anchor, Badge, Breadcrumbs, Button, Card, Group, List, SimpleGrid, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { meQueryKey, roleIn, useMe } from '../../app/session.tsx';
import { StateBadge, VerdictBadge } from '../../app/ui/badges.tsx';
import { ConfirmButton } from '../../app/ui/confirm.tsx';
import { LazyDiff } from '../../app/ui/diff/index.tsx';
import { AppLink, editUrl, historyUrl, resourceUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate, TimeAgo } from '../../app/ui/time.tsx';
import type { ChangeRequestView } from '../../app/types.ts';
import { titleOf } from './change-request-list.tsx';

type Verdict = 'approve' | 'request_changes' | 'comment';

/** Why a request cannot be merged yet, in words. */
function blockers(cr: ChangeRequestView): string[] {
  if (cr.state !== 'open') return [];
  const out: string[] = [];
  if (cr.stale) out.push(`The ${cr.kind} changed since this request was based on it (revision ${cr.baseRevision} → ${cr.currentRevision}); the author must update it.`);
  const current = (cr.reviews ?? []).filter((r) => r.current);
  const latest = new Map<string, Verdict>();
  for (const r of current) if (r.verdict !== 'comment') latest.set(r.author, r.verdict);
  const asking = [...latest].filter(([, v]) => v === 'request_changes').map(([a]) => a);
  if (asking.length) out.push(`Changes requested by ${asking.join(', ')}.`);
  if (!cr.approvals.length) out.push(`No approval yet from a member of ${cr.owner} other than the author.`);
  return out;
}

function Conflict({ cr }: { cr: ChangeRequestView }) {
  if (!cr.conflict) return null;
  return (
    <Card withBorder style={{ borderColor: 'var(--mantine-color-orange-5)' }}>
      <Title order={2} fz="lg" mb={4}>
        Conflict: the {cr.kind} changed after this request was written
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        The request is based on revision {cr.baseRevision}; the {cr.kind} is now at revision {cr.currentRevision}. Compare what others changed with what this request changes. The author updates the request on top of revision {cr.currentRevision} (approvals then
        start over); merging is blocked until then.
      </Text>
      <SimpleGrid cols={{ base: 1, xl: 2 }}>
        <div>
          <Title order={3} fz="md" mb={6}>
            What others changed (revision {cr.baseRevision} → {cr.currentRevision})
          </Title>
          <LazyDiff patch={cr.conflict.baseToCurrent} oldLabel={`Base (revision ${cr.baseRevision})`} newLabel={`Current (revision ${cr.currentRevision})`} />
        </div>
        <div>
          <Title order={3} fz="md" mb={6}>
            What this request changes (revision {cr.baseRevision} → proposal)
          </Title>
          <LazyDiff patch={cr.conflict.baseToProposed} oldLabel={`Base (revision ${cr.baseRevision})`} newLabel="Proposal" />
        </div>
      </SimpleGrid>
    </Card>
  );
}

/** A change request: what it changes, the discussion, and approve / request changes / merge / close. */
export default function ChangeRequestPage() {
  const { id = '' } = useParams();
  useDocumentTitle(`Change request #${id}`);
  const me = useMe();
  const queryClient = useQueryClient();
  const [body, setBody] = useState('');
  const cr = useQuery({ queryKey: ['change-requests', 'one', Number(id)], queryFn: () => api<ChangeRequestView>(`/change-requests/${encodeURIComponent(id)}`) });
  const refresh = async (next?: ChangeRequestView) => {
    if (next) queryClient.setQueryData(['change-requests', 'one', Number(id)], next);
    await queryClient.invalidateQueries({ queryKey: ['change-requests', 'list'] });
  };
  const review = useMutation({
    mutationFn: (verdict: Verdict) => api<ChangeRequestView>(`/change-requests/${id}/reviews`, { method: 'POST', body: { verdict, body } }),
    onSuccess: async (next) => {
      setBody('');
      await refresh(next);
    },
  });
  const merge = useMutation({
    mutationFn: () => api<ChangeRequestView>(`/change-requests/${id}/merge`, { method: 'POST' }),
    onSuccess: async (next) => {
      notifications.show({ color: 'green', title: 'Merged', message: `${next.kind}/${next.name} is now at revision ${next.mergedRevision}.` });
      await queryClient.invalidateQueries({ queryKey: ['resources', next.kind] });
      if (next.kind === 'Team') await queryClient.invalidateQueries({ queryKey: meQueryKey });
      await refresh(next);
    },
    onError: () => void cr.refetch(),
  });
  const close = useMutation({
    mutationFn: () => api<ChangeRequestView>(`/change-requests/${id}`, { method: 'PATCH', body: { state: 'closed' } }),
    onSuccess: (next) => refresh(next),
  });

  if (cr.isPending) return <PageLoader label="Loading the change request" />;
  if (cr.error) {
    const missing = cr.error instanceof ApiError && (cr.error.code === 'CHANGE_REQUEST_NOT_FOUND' || cr.error.code === 'VALIDATION_FAILED');
    return <ErrorState error={cr.error} title={missing ? `There is no change request #${id}` : undefined} retry={missing ? undefined : () => void cr.refetch()} />;
  }
  const c = cr.data;
  const isAuthor = c.author.toLowerCase() === me.user.name.toLowerCase();
  const isOwner = roleIn(me, c.owner) !== null || me.user.admin;
  const open = c.state === 'open';
  const reasons = blockers(c);
  const actionError = review.error ?? merge.error ?? close.error;
  const reviews = c.reviews ?? [];

  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to="/change-requests" size="sm">
          Change requests
        </Anchor>
        <Text size="sm">#{c.id}</Text>
      </Breadcrumbs>
      <PageHeader
        title={`#${c.id} ${titleOf(c)}`}
        subtitle={
          <Group gap="xs">
            <StateBadge state={c.state} />
            {open && c.stale && (
              <Badge color="orange" variant="light">
                stale
              </Badge>
            )}
            {open && c.mergeable && (
              <Badge color="green" variant="light">
                ready to merge
              </Badge>
            )}
            <span>
              {c.author} proposes to {c.operation}{' '}
              <AppLink to={resourceUrl(c.kind, c.name)}>
                {c.kind}/{c.name}
              </AppLink>{' '}
              (owned by <AppLink to={teamUrl(c.owner)}>{c.owner}</AppLink>), <TimeAgo at={c.createdAt} />
            </span>
          </Group>
        }
      />
      <Stack>
        {c.message.includes('\n') && (
          <Text size="sm" className="pre-wrap">
            {c.message}
          </Text>
        )}
        {c.state === 'merged' && (
          <Alert color="violet" title="Merged">
            Merged by {c.mergedBy} as <AppLink to={historyUrl(c.kind, c.name)}>revision {c.mergedRevision}</AppLink>.
          </Alert>
        )}
        {c.state === 'closed' && <Alert color="gray" title="Closed">This request was closed without merging.</Alert>}
        {actionError && (
          <Alert color="red" role="alert" title="That did not work">
            {errorMessage(actionError)}
            {actionError instanceof ApiError && actionError.code === 'CHANGE_REQUEST_STALE' && ' The conflict is shown below.'}
          </Alert>
        )}
        {open && c.stale && <Conflict cr={c} />}
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={2} fz="lg">
              {c.state === 'open' ? 'Proposed change' : 'The change'}
            </Title>
            <Text size="sm" c="dimmed">
              based on revision {c.baseRevision}
              {open ? `; the ${c.kind} is at revision ${c.currentRevision}` : ''} · version {c.version}
            </Text>
          </Group>
          {c.operation === 'delete' && (
            <Alert color="red" variant="light" mb="sm">
              This request deletes {c.kind}/{c.name}. It can be restored later by rolling back.
            </Alert>
          )}
          <LazyDiff patch={c.diff} oldLabel={open ? `Current (revision ${c.currentRevision})` : `Base (revision ${c.baseRevision})`} newLabel="Proposed" />
        </Card>
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          <Card withBorder>
            <Title order={2} fz="lg" mb="sm">
              Discussion
            </Title>
            {reviews.length ? (
              <Stack gap="sm" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Reviews">
                {reviews.map((r) => (
                  <li key={r.id}>
                    <Group gap="xs">
                      <Text size="sm" fw={600}>
                        {r.author}
                      </Text>
                      <VerdictBadge verdict={r.verdict} />
                      <Text size="xs" c="dimmed">
                        <TimeAgo at={r.createdAt} />
                      </Text>
                      {!r.current && (
                        <Badge size="xs" variant="outline" color="gray" title="Made before the author's latest update: it does not count for the merge">
                          on version {r.version}
                        </Badge>
                      )}
                    </Group>
                    {r.body && (
                      <Text size="sm" className="pre-wrap" mt={2}>
                        {r.body}
                      </Text>
                    )}
                  </li>
                ))}
              </Stack>
            ) : (
              <EmptyState title="No reviews yet">{isOwner && !isAuthor ? 'Approve it, ask for changes, or comment below.' : `Members of ${c.owner} review it.`}</EmptyState>
            )}
            {open && (
              <Stack mt="md" gap="xs">
                <Textarea label="Your review" placeholder={isOwner && !isAuthor ? 'Say what you think (required for a comment)' : 'Comment'} autosize minRows={3} value={body} onChange={(e) => setBody(e.currentTarget.value)} maxLength={10000} />
                <Group gap="xs">
                  {isOwner && !isAuthor && (
                    <>
                      <Button color="green" loading={review.isPending && review.variables === 'approve'} onClick={() => review.mutate('approve')}>
                        Approve
                      </Button>
                      <Button color="orange" variant="light" loading={review.isPending && review.variables === 'request_changes'} onClick={() => review.mutate('request_changes')}>
                        Request changes
                      </Button>
                    </>
                  )}
                  <Button variant="default" disabled={!body.trim()} loading={review.isPending && review.variables === 'comment'} onClick={() => review.mutate('comment')}>
                    Comment
                  </Button>
                </Group>
                {!isOwner && (
                  <Text size="xs" c="dimmed">
                    Only members of {c.owner} approve or request changes; anyone may comment.
                  </Text>
                )}
              </Stack>
            )}
          </Card>
          <Card withBorder>
            <Title order={2} fz="lg" mb="sm">
              Status
            </Title>
            <dl className="facts">
              <dt>Approvals</dt>
              <dd>{c.approvals.length ? c.approvals.join(', ') : 'none yet'}</dd>
              <dt>Opened</dt>
              <dd>{formatDate(c.createdAt)}</dd>
              <dt>Updated</dt>
              <dd>{formatDate(c.updatedAt)}</dd>
            </dl>
            {open && reasons.length > 0 && (
              <>
                <Text size="sm" fw={600} mt="md">
                  Not mergeable yet
                </Text>
                <List size="sm" mt={4}>
                  {reasons.map((r) => (
                    <List.Item key={r}>{r}</List.Item>
                  ))}
                </List>
              </>
            )}
            {open && (
              <Group mt="md" gap="xs">
                {isOwner && (
                  <Button color="violet" disabled={!c.mergeable} loading={merge.isPending} onClick={() => merge.mutate()}>
                    Merge
                  </Button>
                )}
                {isAuthor && c.document && (
                  <Button variant="light" component={Link} to={`${editUrl(c.kind, c.name)}?changeRequest=${c.id}`}>
                    {c.stale ? 'Update on the current revision' : 'Edit proposal'}
                  </Button>
                )}
                {(isAuthor || isOwner) && (
                  <ConfirmButton color="gray" title={`Close change request #${c.id}?`} message="It is closed without merging and can no longer be changed." confirmLabel="Close request" loading={close.isPending} onConfirm={() => close.mutate()}>
                    Close
                  </ConfirmButton>
                )}
              </Group>
            )}
          </Card>
        </SimpleGrid>
      </Stack>
    </>
  );
}
