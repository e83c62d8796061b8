import { Button, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link, Navigate } from 'react-router';
import { useMe } from '../../app/session.tsx';
import { AppLink, editUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useLocalPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import type { TeamSpec } from '../../app/types.ts';
import { useResourceList } from './catalog.api.ts';

/** Team membership at a glance (admins): every team's members, with a link to edit them. */
export default function TeamMembershipPage() {
  useDocumentTitle('Team membership');
  const me = useMe();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const pager = useLocalPager();
  const list = useResourceList('Team', { q: q || undefined, cursor: pager.cursor });
  if (!me.user.admin) return <Navigate to="/teams" replace />;
  return (
    <>
      <PageHeader title="Team membership" subtitle="Membership lives in each Team resource: editing it writes a new revision of the team, with history and rollback." />
      <TextInput
        label="Search teams"
        type="search"
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          pager.reset();
        }}
        maw={360}
        mb="md"
      />
      {list.isPending ? (
        <PageLoader />
      ) : list.error ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : !list.data.items.length ? (
        <EmptyState title="No teams" />
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Team membership">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Team</Table.Th>
                  <Table.Th>Maintainers</Table.Th>
                  <Table.Th>Members</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((t) => {
                  const members = (t.spec as Partial<TeamSpec>).members ?? [];
                  const names = (role: string) =>
                    members
                      .filter((m) => (m.role ?? 'member') === role)
                      .map((m) => m.user)
                      .join(', ') || '—';
                  return (
                    <Table.Tr key={t.metadata.name}>
                      <Table.Td>
                        <AppLink to={teamUrl(t.metadata.name)}>{t.metadata.name}</AppLink>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{names('maintainer')}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{names('member')}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="light" component={Link} to={editUrl('Team', t.metadata.name)} aria-label={`Edit members of ${t.metadata.name}`}>
                          Edit members
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label="Team pages" />
        </>
      )}
    </>
  );
}
