import { Alert, Badge, Button, Group, Radio, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { ConfirmButton } from '../../app/ui/confirm.tsx';
import { LazyDiff } from '../../app/ui/diff/index.tsx';
import { AppLink, changeRequestUrl } from '../../app/ui/links.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { TimeAgo } from '../../app/ui/time.tsx';
import type { ChangeRequestView, RevisionView } from '../../app/types.ts';

const PAGE = 50;

function revisionsPath(kind: string, name: string) {
  return `/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/revisions`;
}

/** A revision's document: from the list when it carries it, else GET …/revisions/{n}. */
function useRevisionDocument(kind: string, name: string, rev: RevisionView | undefined) {
  return useQuery({
    queryKey: ['resources', kind, 'revision', name.toLowerCase(), rev?.revision],
    queryFn: () => api<RevisionView>(`${revisionsPath(kind, name)}/${rev!.revision}`),
    enabled: !!rev && rev.document === undefined,
    initialData: rev && rev.document !== undefined ? rev : undefined,
    staleTime: Infinity,
    select: (r) => r.document,
  });
}

function Source({ rev }: { rev: RevisionView }) {
  if (rev.changeRequest) return <AppLink to={changeRequestUrl(rev.changeRequest)}>change request #{rev.changeRequest}</AppLink>;
  return <>{rev.source}</>;
}

/** Revisions of a resource, a side-by-side diff of any two, and "roll back to this". */
export function ResourceHistory({ kind, name, owner }: { kind: string; name: string; owner?: string }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const revisions = useInfiniteQuery({
    queryKey: ['resources', kind, 'revisions', name.toLowerCase()],
    queryFn: ({ pageParam }) => api<{ items: RevisionView[] }>(revisionsPath(kind, name), { query: { limit: PAGE, before: pageParam } }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.items.length === PAGE ? last.items.at(-1)!.revision : undefined),
  });
  const items = revisions.data?.pages.flatMap((p) => p.items) ?? [];
  const latest = items[0];
  const [picked, setPicked] = useState<{ from?: number; to?: number }>({});
  const to = picked.to ?? latest?.revision;
  const from = picked.from ?? items[1]?.revision ?? 0;
  const toRev = items.find((r) => r.revision === to);
  const fromRev = items.find((r) => r.revision === from);
  const toDoc = useRevisionDocument(kind, name, toRev);
  const fromDoc = useRevisionDocument(kind, name, fromRev);
  const [message, setMessage] = useState('');
  const resourceOwner = owner ?? (latest?.document?.metadata as { owner?: string } | undefined)?.owner ?? '';
  const writer = resourceOwner ? canWrite(me, resourceOwner) : me.user.admin;

  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['resources', kind] });
  const rollback = useMutation({
    mutationFn: (revision: number) =>
      api<{ outcome: string; revision: number }>(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/rollback`, {
        method: 'POST',
        body: { revision, ...(message.trim() ? { message: message.trim() } : {}) },
      }),
    onSuccess: async (res, revision) => {
      notifications.show({ color: 'green', title: 'Rolled back', message: `Revision ${res.revision} now equals revision ${revision}.` });
      setMessage('');
      setPicked({});
      await invalidate();
    },
  });
  const propose = useMutation({
    mutationFn: (rev: RevisionView) =>
      api<ChangeRequestView>('/change-requests', {
        method: 'POST',
        body: rev.deleted
          ? { delete: { kind, name }, baseRevision: latest!.revision, message: message.trim() || `roll back to revision ${rev.revision}` }
          : { document: rev.document, baseRevision: latest!.revision, message: message.trim() || `roll back to revision ${rev.revision}` },
      }),
    onSuccess: (cr) => void navigate(changeRequestUrl(cr.id)),
  });

  if (revisions.isPending) return <PageLoader label="Loading the history" />;
  if (revisions.error) return <ErrorState error={revisions.error} retry={() => void revisions.refetch()} />;
  if (!items.length) return <EmptyState title="No revisions">This resource has never been written.</EmptyState>;

  return (
    <Stack>
      {(rollback.error || propose.error) && (
        <Alert color="red" role="alert" title="Could not roll back">
          {errorMessage(rollback.error ?? propose.error)}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={760}>
        <Table highlightOnHover aria-label="Revisions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={56}>From</Table.Th>
              <Table.Th w={56}>To</Table.Th>
              <Table.Th>Revision</Table.Th>
              <Table.Th>Author</Table.Th>
              <Table.Th>Message</Table.Th>
              <Table.Th>Source</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.revision}>
                <Table.Td>
                  <Radio
                    name="diff-from"
                    aria-label={`Compare from revision ${r.revision}`}
                    checked={from === r.revision}
                    disabled={to !== undefined && r.revision >= to}
                    onChange={() => setPicked((p) => ({ ...p, from: r.revision, to }))}
                  />
                </Table.Td>
                <Table.Td>
                  <Radio
                    name="diff-to"
                    aria-label={`Compare to revision ${r.revision}`}
                    checked={to === r.revision}
                    disabled={r.revision <= from}
                    onChange={() => setPicked((p) => ({ ...p, to: r.revision, from }))}
                  />
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {r.revision}
                    </Text>
                    {r === latest && !r.deleted && (
                      <Badge size="xs" variant="light" className="keep-width">
                        current
                      </Badge>
                    )}
                    {r.deleted && (
                      <Badge size="xs" color="red" variant="light" className="keep-width">
                        deleted
                      </Badge>
                    )}
                    {r.secretsChanged.length > 0 && (
                      <Badge size="xs" color="yellow" variant="light" className="keep-width" title={r.secretsChanged.join(', ')}>
                        secret changed
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>{r.author}</Table.Td>
                <Table.Td maw={360}>
                  <Text size="sm" lineClamp={2} className="pre-wrap">
                    {r.message || '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Source rev={r} />
                </Table.Td>
                <Table.Td>
                  <TimeAgo at={r.createdAt} />
                </Table.Td>
                <Table.Td>
                  {r !== latest && (
                    <ConfirmButton
                      color="blue"
                      aria-label={`Roll back to revision ${r.revision}`}
                      title={`Roll back to revision ${r.revision}?`}
                      message={
                        writer
                          ? `A new revision ${latest!.revision + 1} is written with the content of revision ${r.revision}${r.deleted ? ' (which deletes the resource)' : ''}. History is kept.`
                          : `You do not own this resource: a change request to restore revision ${r.revision} is opened for its owners to review.`
                      }
                      confirmLabel={writer ? 'Roll back' : 'Propose roll back'}
                      loading={(rollback.isPending && rollback.variables === r.revision) || (propose.isPending && propose.variables === r)}
                      onConfirm={() => (writer ? rollback.mutate(r.revision) : propose.mutate(r))}
                    >
                      Roll back to this
                    </ConfirmButton>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {revisions.hasNextPage && (
        <Group>
          <Button variant="default" size="xs" loading={revisions.isFetchingNextPage} onClick={() => void revisions.fetchNextPage()}>
            Load older revisions
          </Button>
        </Group>
      )}
      <TextInput label="Message for a roll back (optional)" placeholder={`roll back to revision N`} value={message} onChange={(e) => setMessage(e.currentTarget.value)} maw={480} />
      <Title order={2} fz="lg">
        {from ? `Revision ${from} → revision ${to}` : `Revision ${to} (created)`}
      </Title>
      {toDoc.error || fromDoc.error ? (
        <ErrorState error={toDoc.error ?? fromDoc.error} />
      ) : toDoc.isPending || (from > 0 && fromDoc.isPending) ? (
        <PageLoader label="Loading revisions" />
      ) : (
        <LazyDiff oldDoc={from > 0 ? fromDoc.data : null} newDoc={toDoc.data} oldLabel={from ? `Revision ${from}` : 'Nothing'} newLabel={`Revision ${to}`} />
      )}
    </Stack>
  );
}
