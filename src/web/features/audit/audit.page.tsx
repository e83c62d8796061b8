import { Button, Code, Group, SimpleGrid, Table, Text, TextInput, Autocomplete } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../../app/api.ts';
import { useMe } from '../../app/session.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import type { AuditEntry, Page } from '../../app/types.ts';

const ACTIONS = [
  'resource.create',
  'resource.update',
  'resource.delete',
  'apply',
  'change_request.open',
  'change_request.update',
  'change_request.approve',
  'change_request.request_changes',
  'change_request.comment',
  'change_request.close',
  'change_request.merge',
  'auth.login',
  'auth.login.failed',
  'auth.login.throttled',
  'auth.logout',
  'user.create',
  'user.update',
  'user.disable',
  'user.reset_password',
  'user.change_password',
  'token.create',
  'token.revoke',
];

const FIELDS = ['actor', 'action', 'kind', 'name', 'since', 'until'] as const;
type Field = (typeof FIELDS)[number];

/** A local date-time input value ("2026-06-01T09:30") as the API's UTC timestamp. */
function toUtc(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The audit log (admins): who did what, when, from where; filtered and paged. */
export default function AuditPage() {
  useDocumentTitle('Audit log');
  const me = useMe();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const pager = useUrlPager();
  const applied = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Record<Field, string>;
  const [draft, setDraft] = useState(applied);
  const log = useQuery({
    queryKey: ['audit', applied, pager.cursor],
    queryFn: ({ signal }) =>
      api<Page<AuditEntry>>('/audit', {
        query: { actor: applied.actor, action: applied.action, kind: applied.kind, name: applied.name, since: toUtc(applied.since), until: toUtc(applied.until), cursor: pager.cursor, limit: 50 },
        signal,
      }),
    placeholderData: keepPreviousData,
    enabled: me.user.admin,
  });
  if (!me.user.admin) return <Navigate to="/" replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const f of FIELDS) if (draft[f].trim()) p.set(f, draft[f].trim());
    void navigate({ search: p.toString() });
  };
  const input = (f: Field, label: string, extra: Record<string, unknown> = {}) => (
    <TextInput label={label} value={draft[f]} onChange={(e) => setDraft({ ...draft, [f]: e.currentTarget.value })} {...extra} />
  );
  const filtered = FIELDS.some((f) => applied[f]);

  return (
    <>
      <PageHeader title="Audit log" subtitle="Every write, review, merge, sign-in, token and user change, newest first. Secret values, passwords and tokens never appear here." />
      <form onSubmit={submit} aria-label="Filter the audit log">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 6 }} mb="sm">
          {input('actor', 'Actor', { placeholder: 'user, or team/token' })}
          <Autocomplete label="Action" data={ACTIONS} value={draft.action} onChange={(v) => setDraft({ ...draft, action: v })} />
          {input('kind', 'Kind', { placeholder: 'Service' })}
          {input('name', 'Name')}
          {input('since', 'Since', { type: 'datetime-local' })}
          {input('until', 'Until', { type: 'datetime-local' })}
        </SimpleGrid>
        <Group mb="md">
          <Button type="submit">Apply filters</Button>
          {filtered && (
            <Button
              variant="subtle"
              onClick={() => {
                setDraft(Object.fromEntries(FIELDS.map((f) => [f, ''])) as Record<Field, string>);
                void navigate({ search: '' });
              }}
            >
              Clear
            </Button>
          )}
        </Group>
      </form>
      {log.isPending ? (
        <PageLoader label="Loading the audit log" />
      ) : log.error ? (
        <ErrorState error={log.error} retry={() => void log.refetch()} />
      ) : !log.data.items.length ? (
        <EmptyState title={filtered ? 'No entries match these filters' : 'The audit log is empty'}>{filtered ? 'Widen the time range or remove a filter.' : undefined}</EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={900}>
            <Table striped aria-label="Audit entries" style={{ opacity: log.isPlaceholderData ? 0.6 : 1 }}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {log.data.items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatDate(e.at)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{e.actor}</Table.Td>
                    <Table.Td>
                      <Code>{e.action}</Code>
                    </Table.Td>
                    <Table.Td>{e.targetKind ? `${e.targetKind}/${e.targetName ?? ''}` : (e.targetName ?? '—')}</Table.Td>
                    <Table.Td>{e.ip ?? '—'}</Table.Td>
                    <Table.Td maw={360}>
                      {Object.keys(e.details).length ? (
                        <Text size="xs" ff="monospace" className="pre-wrap" lineClamp={4} title={JSON.stringify(e.details, null, 2)}>
                          {JSON.stringify(e.details)}
                        </Text>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <PagerControls pager={pager} nextCursor={log.data.nextCursor} loading={log.isFetching} label="Audit pages" />
        </>
      )}
    </>
  );
}
