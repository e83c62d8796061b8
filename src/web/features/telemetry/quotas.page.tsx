import { Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect } from 'react';
import { AppLink } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useLocalPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { useResourceList } from '../catalog/catalog.api.ts';
import { LimitSource, QUOTA_MEASURES, UsageBar, useQuota, type QuotaMeasure } from './quota-usage.tsx';
import { teamUsageUrl, USAGE_PAGE_SIZE, type QuotaView } from './quotas.api.ts';
import { useUrlText } from './url-params.ts';
import classes from './quotas.module.css';

const count = new Intl.NumberFormat();

/** One measure of one team in the table: "used / limit" over a thin bar. */
function UsageCell({ view, measure, label }: { view: QuotaView; measure: QuotaMeasure; label: string }) {
  const used = view.usage[measure];
  const limit = view.limits[measure];
  return (
    <Table.Td className={classes.meter}>
      <Text size="sm" className={classes.number}>
        {count.format(used)} / {count.format(limit)}
      </Text>
      <UsageBar used={used} limit={limit} label={`${label} of ${view.team}`} size="xs" />
    </Table.Td>
  );
}

/** A team's row: its usage of each measure, and whether its limits are the defaults (one request per team: there is no list of quotas). */
function UsageRow({ team }: { team: string }) {
  const quota = useQuota(team);
  const view = quota.data;
  return (
    <Table.Tr>
      <Table.Td>
        <AppLink to={teamUsageUrl(team)} fw={600}>
          {team}
        </AppLink>
      </Table.Td>
      {quota.error ? (
        <Table.Td colSpan={QUOTA_MEASURES.length + 1}>
          <Text size="sm" c="red">
            {quota.error.message}
          </Text>
        </Table.Td>
      ) : !view ? (
        <Table.Td colSpan={QUOTA_MEASURES.length + 1} c="dimmed">
          Loading…
        </Table.Td>
      ) : (
        <>
          {QUOTA_MEASURES.map((m) => (
            <UsageCell key={m.key} view={view} measure={m.key} label={m.label} />
          ))}
          <Table.Td>
            <LimitSource custom={Object.values(view.overrides).some((v) => v !== null)} />
          </Table.Td>
        </>
      )}
    </Table.Tr>
  );
}

/** A page of teams with each one's usage against its limits. */
function UsageTable({ teams, busy }: { teams: string[]; busy: boolean }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table aria-label="Telemetry usage by team" verticalSpacing={8} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Team</Table.Th>
            {QUOTA_MEASURES.map((m) => (
              <Table.Th key={m.key}>{m.label}</Table.Th>
            ))}
            <Table.Th>Limits</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {teams.map((team) => (
            <UsageRow key={team} team={team} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Every team's telemetry usage against its quotas (`/telemetry/usage?q=…`); a team's row leads to its own page. */
export default function QuotasPage() {
  useDocumentTitle('Telemetry usage');
  const [search, setSearch] = useUrlText('q', 300);
  const [q] = useDebouncedValue(search.trim(), 300);
  const pager = useLocalPager();
  const { reset } = pager;
  useEffect(() => reset(), [q, reset]);
  const list = useResourceList('Team', { q: q || undefined, cursor: pager.cursor, limit: USAGE_PAGE_SIZE });
  return (
    <>
      <PageHeader
        title="Telemetry usage"
        subtitle="Each team’s active series, log records and spans per second against its quota. What is over a quota is rejected at ingest, and the rest of the request is stored; administrators set a team’s limits on its page."
      />
      <Stack gap="md">
        <TextInput label="Search teams" type="search" value={search} onChange={(e) => setSearch(e.currentTarget.value)} maw={360} />
        {list.isPending ? (
          <PageLoader label="Loading teams" />
        ) : list.error ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : !list.data.items.length ? (
          q ? <EmptyState title={`No team matches “${q}”`} /> : <EmptyState title="No teams yet">Telemetry counts against the quota of the team that owns the service.</EmptyState>
        ) : (
          <>
            <UsageTable teams={list.data.items.map((t) => t.metadata.name)} busy={list.isPlaceholderData} />
            <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label="Team pages" />
          </>
        )}
      </Stack>
    </>
  );
}
