import { Button, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { AppLink, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useLocalPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import type { TeamSpec } from '../../app/types.ts';
import { useResourceList } from './catalog.api.ts';

/** All teams, searchable; "Create team". */
export default function TeamsPage() {
  useDocumentTitle('Teams');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const pager = useLocalPager();
  const list = useResourceList('Team', { q: q || undefined, cursor: pager.cursor });
  return (
    <>
      <PageHeader
        title="Teams"
        subtitle="Teams own services and everything else in Ethos. Members write their team's resources; everyone else proposes changes."
        actions={
          <Button component={Link} to="/teams/new">
            Create team
          </Button>
        }
      />
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
        <PageLoader label="Loading teams" />
      ) : list.error ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : !list.data.items.length ? (
        q ? <EmptyState title={`No team matches “${q}”`} /> : <EmptyState title="No teams yet">Create the first team: you become its maintainer.</EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={560}>
            <Table highlightOnHover aria-label="Teams" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Team</Table.Th>
                  <Table.Th>Members</Table.Th>
                  <Table.Th>Maintainers</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((t) => {
                  const members = (t.spec as Partial<TeamSpec>).members ?? [];
                  return (
                    <Table.Tr key={t.metadata.name}>
                      <Table.Td>
                        <AppLink to={teamUrl(t.metadata.name)} fw={600}>
                          {t.metadata.name}
                        </AppLink>
                        {(t.metadata.title || t.metadata.description) && (
                          <Text size="xs" c="dimmed" lineClamp={1}>
                            {t.metadata.title ?? t.metadata.description}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{members.length}</Table.Td>
                      <Table.Td>
                        <Text size="sm" lineClamp={1}>
                          {members
                            .filter((m) => m.role === 'maintainer')
                            .map((m) => m.user)
                            .join(', ') || '—'}
                        </Text>
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
