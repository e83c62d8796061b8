import { Anchor, Card, Checkbox, Group, SimpleGrid, Stack, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useMe } from '../../app/session.tsx';
import { teamUrl } from '../../app/ui/links.tsx';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { useUrlText, withParams } from '../telemetry/url-params.ts';
import { ActionItemTable, CompletionRate } from './postmortem-parts.tsx';
import { actionItemFilter, actionItemListQuery } from './postmortems.api.ts';

/**
 * Action items, overdue first then by due date: your teams' by default, or any team's
 * (`/action-items?team=payments&overdue=1`); each team's completion rate above.
 */
export default function ActionItemsPage() {
  useDocumentTitle('Action items');
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const pager = useUrlPager();
  const [team, setTeam] = useUrlText('team');
  const every = params.get('every') === '1';
  const mine = me.teams.map((t) => t.team);
  const filter = actionItemFilter(params);
  const teams = filter.teams.length ? filter.teams : every ? [] : mine;
  const found = useQuery({ ...actionItemListQuery({ ...filter, teams }), placeholderData: keepPreviousData });
  const toggle = (name: string, on: boolean) => setParams(withParams(params, { [name]: on ? '1' : null, cursor: null }), { replace: true });
  let body;
  if (found.isPending) body = <PageLoader label="Loading action items" />;
  else if (found.error) body = <ErrorState error={found.error} title="Action items could not be listed" retry={() => void found.refetch()} />;
  else if (!found.data.items.length) body = <EmptyState title={filter.overdue ? 'Nothing overdue' : 'No action items'}>{filter.unfinished ? 'Tick “Show done and won’t do” to see finished ones.' : 'Postmortems add them; teams add their own.'}</EmptyState>;
  else
    body = (
      <>
        <ActionItemTable items={found.data.items} />
        <PagerControls pager={pager} nextCursor={found.data.nextCursor} loading={found.isFetching} label="Action item pages" />
      </>
    );
  return (
    <>
      <PageHeader title="Action items" subtitle="What postmortems (and teams) decided to change. Overdue ones first; only members of the owner team change an item’s status." />
      <Stack gap="md">
        {teams.length > 0 && (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {teams.slice(0, 6).map((t) => (
              <Card withBorder key={t}>
                <Title order={2} fz="md" mb={4}>
                  <Anchor component={Link} to={teamUrl(t)} inherit>
                    {t}
                  </Anchor>
                </Title>
                <CompletionRate team={t} />
              </Card>
            ))}
          </SimpleGrid>
        )}
        <Group gap="lg" align="flex-end" role="search" aria-label="Filter action items">
          <TextInput label="Team" placeholder={mine.length ? 'Your teams' : 'Every team'} value={team} onChange={(e) => setTeam(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
          {mine.length > 0 && !filter.teams.length && <Checkbox label="Every team" checked={every} onChange={(e) => toggle('every', e.currentTarget.checked)} />}
          <Checkbox label="Only overdue" checked={filter.overdue} onChange={(e) => toggle('overdue', e.currentTarget.checked)} />
          <Checkbox label="Show done and won’t do" checked={!filter.unfinished} onChange={(e) => toggle('all', e.currentTarget.checked)} disabled={filter.overdue} />
        </Group>
        {body}
      </Stack>
    </>
  );
}
