import { Anchor, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { EXCEPTION_STATUSES, exceptionFilter, exceptionUrl, useExceptionList, type ExceptionFilter, type ExceptionGroupView } from './exceptions.api.ts';
import { formatTimestamp } from './metric-format.ts';
import { ExceptionStatusBadge } from './telemetry-ui.tsx';
import { useUrlText, withParams } from './url-params.ts';
import classes from './exceptions.module.css';

const count = new Intl.NumberFormat();

/** A group's versions, most frequent first: "1.4.2, 1.4.1". */
function versionList(g: ExceptionGroupView): string {
  return g.versions.length ? [...g.versions].sort((a, b) => b.count - a.count).map((v) => v.version).join(', ') : '—';
}

/** Exception groups, a row each; the type and message lead to the group's page. */
export function ExceptionTable({ items, busy = false, showService = true }: { items: ExceptionGroupView[]; busy?: boolean; showService?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Exceptions" highlightOnHover verticalSpacing={6} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Exception</Table.Th>
            {showService && <Table.Th>Service</Table.Th>}
            <Table.Th>Status</Table.Th>
            <Table.Th ta="right">Count</Table.Th>
            <Table.Th>Versions</Table.Th>
            <Table.Th>Last seen</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((g) => (
            <Table.Tr key={g.id}>
              <Table.Td className={classes.wrap}>
                <Anchor component={Link} to={exceptionUrl(g.id)} size="sm" fw={500}>
                  {g.title || g.type || 'Error'}
                </Anchor>
                <div className={classes.message}>{g.title ? `${g.type}: ${g.message}` : g.message}</div>
                {g.rule && <div className={classes.message}>grouped by the rule “{g.rule.group}”</div>}
              </Table.Td>
              {showService && (
                <Table.Td className={classes.wrap}>
                  <Text size="sm">{g.service}</Text>
                </Table.Td>
              )}
              <Table.Td>
                <ExceptionStatusBadge status={g.status} regressed={g.regressed} />
              </Table.Td>
              <Table.Td ta="right" className={classes.number}>
                {count.format(g.count)}
              </Table.Td>
              <Table.Td className={classes.wrap}>
                <Text size="sm">{versionList(g)}</Text>
              </Table.Td>
              <Table.Td className={classes.number}>
                <time dateTime={new Date(g.lastSeen).toISOString()} title={new Date(g.lastSeen).toISOString()}>
                  {formatTimestamp(g.lastSeen)}
                </time>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function ExceptionResults({ filter }: { filter: ExceptionFilter }) {
  const found = useExceptionList(filter);
  if (found.isPending) return <PageLoader label="Loading exceptions" />;
  if (found.error) return <ErrorState error={found.error} title="Exceptions could not be listed" retry={() => void found.refetch()} />;
  if (!found.data.items.length) {
    return (
      <EmptyState title="No exceptions in the last 7 days">
        {filter.status ? 'Try another status.' : 'Ethos groups the exceptions services send as log records with exception.* attributes and as span events named “exception”.'}
      </EmptyState>
    );
  }
  const n = found.data.items.length;
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed" role="status">
        {n === 1 ? '1 group' : `${n} groups`}, most recently seen first{n === 100 ? ' (the first 100: narrow the list for others)' : ''}
      </Text>
      <ExceptionTable items={found.data.items} busy={found.isPlaceholderData} showService={!filter.service} />
    </Stack>
  );
}

/**
 * Exception groups of the last 7 days by service and status, both in the address
 * (`?service=checkout&status=unresolved`). A service page's tab gives its own service.
 */
export function ExceptionsExplorer({ service }: { service?: string }) {
  const [params, setParams] = useSearchParams();
  const filter = exceptionFilter(params, service);
  const [serviceText, setServiceText] = useUrlText('service');
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} role="search" aria-label="Filter exceptions">
        {!service && <TextInput label="Service" placeholder="Any service" value={serviceText} onChange={(e) => setServiceText(e.currentTarget.value)} spellCheck={false} autoComplete="off" />}
        <Select label="Status" placeholder="Any" clearable value={filter.status} onChange={(v) => setParams(withParams(params, { status: v }), { replace: true })} data={EXCEPTION_STATUSES} />
      </SimpleGrid>
      <ExceptionResults filter={filter} />
    </Stack>
  );
}
