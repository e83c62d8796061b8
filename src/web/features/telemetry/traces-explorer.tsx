import { Anchor, Group, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDuration, formatTimestamp } from './metric-format.ts';
import { RANGE_LABELS, StatusBadge, TimeRangeControl } from './telemetry-ui.tsx';
import { STATUSES, traceFilter, traceUrl, useTraceSearch, type TraceFilter, type TraceSummaryView } from './traces.api.ts';
import { useUrlText, withParams } from './url-params.ts';
import classes from './traces.module.css';

/** Found traces: each row leads to its waterfall. */
function TraceTable({ items, busy }: { items: TraceSummaryView[]; busy: boolean }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table aria-label="Traces" highlightOnHover verticalSpacing={6} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Trace</Table.Th>
            <Table.Th>Route</Table.Th>
            <Table.Th ta="right">Duration</Table.Th>
            <Table.Th ta="right">Spans</Table.Th>
            <Table.Th>Services</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((t) => (
            <Table.Tr key={t.traceId}>
              <Table.Td className={classes.time}>
                <time dateTime={new Date(t.start).toISOString()} title={new Date(t.start).toISOString()}>
                  {formatTimestamp(t.start)}
                </time>
              </Table.Td>
              <Table.Td className={classes.wrap}>
                <Anchor component={Link} to={traceUrl(t.traceId)} size="sm">
                  {t.service}: {t.name}
                </Anchor>
              </Table.Td>
              <Table.Td className={classes.wrap}>
                <Text size="sm" ff="monospace">
                  {t.route ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td ta="right" className={classes.number}>
                {formatDuration(t.durationMs)}
              </Table.Td>
              <Table.Td ta="right" className={classes.number}>
                {t.spans}
              </Table.Td>
              <Table.Td className={classes.wrap}>
                <Text size="sm">{t.services.join(', ')}</Text>
              </Table.Td>
              <Table.Td>
                <StatusBadge status={t.status} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function TraceResults({ filter }: { filter: TraceFilter }) {
  const found = useTraceSearch(filter);
  if (found.isPending) return <PageLoader label="Finding traces" />;
  if (found.error) return <ErrorState error={found.error} title="Traces could not be searched" retry={() => void found.refetch()} />;
  if (!found.data.items.length) {
    const narrowed = filter.route || filter.minDuration !== null || filter.status;
    return (
      <EmptyState title={`No traces in the last ${RANGE_LABELS[filter.range]}`}>
        {narrowed ? 'Try another route, a shorter least duration, any status, or a longer time range.' : 'Try a longer time range. Services send traces with OpenTelemetry’s OTLP exporter; they are kept 7 days.'}
      </EmptyState>
    );
  }
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed" role="status">
        {found.data.items.length === 1 ? '1 trace' : `${found.data.items.length} traces`}, newest first{found.data.items.length === 50 ? ' (the first 50: narrow the search for others)' : ''}
      </Text>
      <TraceTable items={found.data.items} busy={found.isPlaceholderData} />
    </Stack>
  );
}

/**
 * Trace search: service, route, least duration, status and time range, all in the address
 * (`?service=checkout&route=/pay&minDuration=250&status=error&range=6h`). The Traces page lets the
 * reader name a service; a service page's tab gives its own.
 */
export function TracesExplorer({ service }: { service?: string }) {
  const [params, setParams] = useSearchParams();
  const filter = traceFilter(params, service);
  const set = (changes: Record<string, string | null>) => setParams(withParams(params, changes), { replace: true });
  const [serviceText, setServiceText] = useUrlText('service');
  const [route, setRoute] = useUrlText('route');
  const [minDuration, setMinDuration] = useUrlText('minDuration');
  const badDuration = minDuration.trim() !== '' && !(Number(minDuration) >= 0);

  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, sm: 2, md: service ? 3 : 4 }} role="search" aria-label="Find traces">
        {!service && <TextInput label="Service" placeholder="Any service" value={serviceText} onChange={(e) => setServiceText(e.currentTarget.value)} spellCheck={false} autoComplete="off" />}
        <TextInput label="Route" placeholder="e.g. /orders/{id}" value={route} onChange={(e) => setRoute(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        <TextInput
          label="Min duration (ms)"
          placeholder="Any"
          inputMode="decimal"
          value={minDuration}
          onChange={(e) => setMinDuration(e.currentTarget.value)}
          error={badDuration ? 'A number of milliseconds' : null}
          autoComplete="off"
        />
        <Select label="Status" placeholder="Any" clearable value={filter.status} onChange={(v) => set({ status: v })} data={STATUSES} />
      </SimpleGrid>
      <Group>
        <TimeRangeControl value={filter.range} onChange={(range) => set({ range })} />
      </Group>
      <TraceResults filter={filter} />
    </Stack>
  );
}
