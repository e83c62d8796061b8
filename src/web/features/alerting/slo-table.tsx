import { Anchor, Badge, Group, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { serviceUrl, teamUrl } from '../../app/ui/links.tsx';
import { PagerControls, type Pager } from '../../app/ui/pager.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { budgetPercentText, budgetTimeText, percentText, sloAlertStates, type SloFigures } from '../../../shared/slo-words.ts';
import { AlertStateBadge, SeverityBadge } from './alert-table.tsx';
import type { AlertState } from './alerting.api.ts';
import { sloListQuery, SLO_REFRESH_MS, sloUrl, type SloFilter, type SloSummary } from './slo.api.ts';

/** The colour of a budget left: spent red, under a quarter orange. */
const budgetColor = (remaining: number) => (remaining < 0 ? 'red' : remaining < 0.25 ? 'orange' : undefined);

/** The error budget left: its share, coloured when low, and as time. */
export function BudgetLeft({ figures, size = 'sm' }: { figures: SloFigures; size?: 'sm' | 'xl' }) {
  if (figures.budgetRemaining === null)
    return (
      <Text size="sm" c="dimmed">
        no events yet
      </Text>
    );
  return (
    <Stack gap={0}>
      <Text size={size} fw={size === 'xl' ? 700 : 500} c={budgetColor(figures.budgetRemaining)}>
        {budgetPercentText(figures.budgetRemaining)}
      </Text>
      <Text size="xs" c="dimmed">
        {budgetTimeText(figures)}
      </Text>
    </Stack>
  );
}

/** The state of each burn-rate alert of an SLO: its severity and `off`, `ok` or the open alert's state. */
export function SloAlertStates({ figures }: { figures: SloFigures }) {
  return (
    <Group gap={6} wrap="nowrap">
      {sloAlertStates(figures).map((a) => (
        <Group key={a.severity} gap={4} wrap="nowrap" aria-label={`${a.severity} ${a.state}`}>
          <SeverityBadge severity={a.severity} />
          {a.state === 'off' || a.state === 'ok' ? (
            <Text size="xs" c="dimmed">
              {a.state}
            </Text>
          ) : (
            <AlertStateBadge state={a.state as AlertState} />
          )}
        </Group>
      ))}
    </Group>
  );
}

/** SLOs, one a row: objective and window, SLI now, budget left and the state of their alerts. */
export function SloTable({ items, busy = false, showService = true }: { items: SloSummary[]; busy?: boolean; showService?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={showService ? 860 : 640}>
      <Table aria-label="SLOs" highlightOnHover verticalSpacing={6} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>SLO</Table.Th>
            {showService && <Table.Th>Team</Table.Th>}
            {showService && <Table.Th>Service</Table.Th>}
            <Table.Th>Objective</Table.Th>
            <Table.Th>SLI now</Table.Th>
            <Table.Th>Budget left</Table.Th>
            <Table.Th>Alerts</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((s) => (
            <Table.Tr key={s.name}>
              <Table.Td>
                <Anchor component={Link} to={sloUrl(s.name)} size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  {s.name}
                </Anchor>
                <Badge color="gray" variant="light" size="xs" ml={6}>
                  {s.sliType}
                </Badge>
              </Table.Td>
              {showService && (
                <Table.Td>
                  <Anchor component={Link} to={teamUrl(s.owner)} size="sm">
                    {s.owner}
                  </Anchor>
                </Table.Td>
              )}
              {showService && (
                <Table.Td>
                  <Anchor component={Link} to={serviceUrl(s.service)} size="sm">
                    {s.service}
                  </Anchor>
                </Table.Td>
              )}
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {s.objective}% over {s.window}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{s.sli === null ? '—' : percentText(s.sli)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <BudgetLeft figures={s} />
              </Table.Td>
              <Table.Td>
                <SloAlertStates figures={s} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A list of SLOs as a filter picks them, with its loading, error and empty states and its pages. */
export function SloResults({ filter, pager, empty, showService = true }: { filter: SloFilter; pager?: Pager; empty: ReactNode; showService?: boolean }) {
  const found = useQuery({ ...sloListQuery(filter), placeholderData: keepPreviousData, refetchInterval: SLO_REFRESH_MS });
  if (found.isPending) return <PageLoader label="Loading SLOs" />;
  if (found.error) return <ErrorState error={found.error} title="SLOs could not be listed" retry={() => void found.refetch()} />;
  if (!found.data.items.length) return <>{empty}</>;
  return (
    <>
      <SloTable items={found.data.items} busy={found.isPlaceholderData} showService={showService} />
      {pager && <PagerControls pager={pager} nextCursor={found.data.nextCursor} loading={found.isFetching} label="SLO pages" />}
    </>
  );
}
