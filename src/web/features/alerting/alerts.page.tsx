import { Button, Select, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { useUrlText, withParams } from '../telemetry/url-params.ts';
import { AlertResults } from './alert-table.tsx';

// the service page's Alerts tab shows the same table: it takes it from here, so that the table
// travels in this page's chunk instead of a small shared one the build would merge into a chunk
// every page loads (experimentalMinChunkSize)
export { AlertResults, SeverityBadge } from './alert-table.tsx';
import { ALERT_RULE_KIND, ALERT_STATES, alertFilter, newResourceUrl, SEVERITIES } from './alerting.api.ts';

const STATE_OPTIONS = ALERT_STATES.map((s) => ({ value: s, label: s === 'nodata' ? 'no data' : s }));

/**
 * Alerts of every team: firing, pending, no-data and error ones (resolved ones on request), by
 * team, service, state and severity, all in the address
 * (`/alerts?team=payments&service=checkout&state=firing&severity=page&resolved=1`).
 */
export default function AlertsPage() {
  useDocumentTitle('Alerts');
  const [params, setParams] = useSearchParams();
  const filter = alertFilter(params);
  const [team, setTeam] = useUrlText('team');
  const [service, setService] = useUrlText('service');
  const set = (changes: Record<string, string | null>) => setParams(withParams(params, changes), { replace: true });
  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="What teams’ alert rules found in their services’ telemetry, firing first. Members of the owning team acknowledge an alert or silence it."
        actions={
          <>
            <Button component={Link} to="/alerts/silences" variant="default" size="xs">
              Silences
            </Button>
            <Button component={Link} to="/alerts/routing" variant="default" size="xs">
              Contact points and policies
            </Button>
            <Button component={Link} to={newResourceUrl(ALERT_RULE_KIND, {})} variant="light" size="xs">
              New rule
            </Button>
          </>
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} role="search" aria-label="Filter alerts">
          <TextInput label="Team" placeholder="Any team" value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <TextInput label="Service" placeholder="Any service" value={service} onChange={(e) => setService(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          <Select label="State" placeholder={filter.resolved ? 'Any' : 'Any but resolved'} clearable value={filter.state} onChange={(v) => set({ state: v })} data={STATE_OPTIONS} />
          <Select label="Severity" placeholder="Any" clearable value={filter.severity} onChange={(v) => set({ severity: v })} data={[...SEVERITIES]} />
        </SimpleGrid>
        <Switch label="Show resolved alerts" checked={filter.resolved} onChange={(e) => set({ resolved: e.currentTarget.checked ? '1' : null })} disabled={!!filter.state} />
        <AlertResults filter={filter} empty={filter.resolved ? 'No alerts' : 'No alert is firing or pending'} />
      </Stack>
    </>
  );
}
