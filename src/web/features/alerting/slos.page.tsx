import { Button, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { useUrlPager } from '../../app/ui/pager.tsx';
import { EmptyState } from '../../app/ui/states.tsx';
import { useUrlText } from '../telemetry/url-params.ts';
import { newResourceUrl } from './alerting.api.ts';
import { SloResults } from './slo-table.tsx';
import { SLO_KIND, sloFilter } from './slo.api.ts';

// the service page's SLOs tab shows the same table: it takes it from here, so that the table
// travels in this page's chunk (as the Alerts tab takes the alert table from the Alerts page)
export { SloResults } from './slo-table.tsx';

/** A new SLO's spec in the editor: availability at 99.9% over 30 days, of a service when one is known. */
export function newSloUrl(service?: { name: string; owner: string }): string {
  const spec = { ...(service ? { service: service.name } : {}), sli: { type: 'availability' }, objective: 99.9, window: '30d' };
  return newResourceUrl(SLO_KIND, { ...(service ? { name: `${service.name}-availability`, owner: service.owner } : {}), spec });
}

/**
 * SLOs of every team, by name: objective, SLI now, error budget left (as a share and as time) and
 * their burn-rate alerts, filtered by team and service in the address (`/slos?team=payments&service=checkout`).
 */
export default function SlosPage() {
  useDocumentTitle('SLOs');
  const [params] = useSearchParams();
  const filter = sloFilter(params);
  const pager = useUrlPager();
  const [team, setTeam] = useUrlText('team');
  const [service, setService] = useUrlText('service');
  // other filters start again from the first page
  const filtered = useRef(`${filter.team}|${filter.service}`);
  useEffect(() => {
    const now = `${filter.team}|${filter.service}`;
    if (filtered.current === now) return;
    filtered.current = now;
    if (pager.cursor) pager.reset();
  }, [filter.team, filter.service, pager]);
  return (
    <>
      <PageHeader
        title="SLOs"
        subtitle="How good each service has to be, and how much of its error budget is left over its window. An SLO pages its team when the budget burns 14.4× too fast over an hour (or 6× over six hours), and opens a ticket on a slower burn."
        actions={
          <Button component={Link} to={newSloUrl()} variant="light" size="xs">
            New SLO
          </Button>
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} role="search" aria-label="Filter SLOs">
          <TextInput label="Team" placeholder="Any team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <TextInput label="Service" placeholder="Any service" value={service} onChange={(e) => setService(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        </SimpleGrid>
        <SloResults
          filter={filter}
          pager={pager}
          empty={<EmptyState title="No SLOs">{filter.team || filter.service ? 'Try other filters.' : 'A team writes an SLO for a service it owns: an objective for its availability or latency, from the RED metrics its traces give.'}</EmptyState>}
        />
      </Stack>
    </>
  );
}
