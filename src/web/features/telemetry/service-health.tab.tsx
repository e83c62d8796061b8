import { Anchor, Group, Paper, SimpleGrid, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { useMemo, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { ResourceView } from '../../app/types.ts';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { exceptionUrl, useExceptionList } from './exceptions.api.ts';
import { MetricChart } from './metric-chart.tsx';
import { formatTimestamp, formatValue } from './metric-format.ts';
import { combineSeries, errorRatio, RED, routeStats, type RouteStats } from './red-health.ts';
import { METRIC_RANGES, metricView, stepFor, useMetricQuery, type MetricQueryResult, type Range } from './telemetry.api.ts';
import { ExceptionStatusBadge, RANGE_LABELS, TimeRangeControl } from './telemetry-ui.tsx';
import { withParams } from './url-params.ts';
import classes from './exceptions.module.css';

const RANGE_SECONDS: Record<Range, number> = { '15m': 900, '1h': 3600, '6h': 21_600, '24h': 86_400, '7d': 604_800, '30d': 2_592_000, '90d': 7_776_000 };
const PER_SECOND = { unit: '', perSecond: true };
const SECONDS = { unit: 's', perSecond: false };
const PERCENT = { unit: '%', perSecond: false };
const count = new Intl.NumberFormat();

/** One chart in a frame with its title; loading and errors in place of the chart. */
function ChartPanel({ title, name, result, error, unit, retry }: { title: string; name: string; result: MetricQueryResult | undefined; error: unknown; unit: { unit: string; perSecond: boolean }; retry(): void }) {
  let body: ReactNode;
  if (error) body = <ErrorState error={error} title={`${title} could not be loaded`} retry={retry} />;
  else if (!result) body = <PageLoader label={`Loading ${title.toLowerCase()}`} />;
  else body = <MetricChart result={result} unit={unit} name={name} height={180} />;
  return (
    <Paper withBorder p="sm" component="section" aria-label={title}>
      <Title order={3} fz="sm" mb={4}>
        {title}
      </Title>
      {body}
    </Paper>
  );
}

type SortKey = 'route' | 'requests' | 'errorPercent' | 'p95';
const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: 'route', label: 'Route', numeric: false },
  { key: 'requests', label: 'Requests/s', numeric: true },
  { key: 'errorPercent', label: 'Errors', numeric: true },
  { key: 'p95', label: 'p95 latency', numeric: true },
];

/** The service's routes over the range, sortable by each column (a header is a button: Tab, then Enter). */
function RoutesTable({ routes, range }: { routes: RouteStats[]; range: Range }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'requests', desc: true });
  const sorted = useMemo(() => {
    const value = (r: RouteStats) => (sort.key === 'route' ? r.route : (r[sort.key] ?? -1));
    return [...routes].sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return sort.desc ? -c : c;
    });
  }, [routes, sort]);
  if (!routes.length) return <EmptyState title={`No requests in the last ${RANGE_LABELS[range]}`}>Routes appear here as the service’s server spans arrive.</EmptyState>;
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table aria-label="Routes" highlightOnHover verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            {COLUMNS.map((c) => (
              <Table.Th key={c.key} ta={c.numeric ? 'right' : undefined} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <UnstyledButton className={classes.sort} onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : c.numeric }))}>
                  {c.label}
                  {sort.key === c.key && <span aria-hidden>{sort.desc ? ' ↓' : ' ↑'}</span>}
                </UnstyledButton>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((r) => (
            <Table.Tr key={r.route}>
              <Table.Td className={classes.wrap}>
                <Anchor component={Link} to={`/telemetry/traces?${new URLSearchParams({ route: r.route, range })}`} size="sm" ff="monospace" title={`Traces of ${r.route}`}>
                  {r.route || '(none)'}
                </Anchor>
              </Table.Td>
              <Table.Td ta="right" className={classes.number} title={`${count.format(r.requests)} requests`}>
                {formatValue(r.perSecond, PER_SECOND)}
              </Table.Td>
              <Table.Td ta="right" className={classes.number}>
                {formatValue(r.errorPercent, PERCENT)}
              </Table.Td>
              <Table.Td ta="right" className={classes.number}>
                {formatValue(r.p95, SECONDS)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The service's five most recently seen unresolved exception groups. */
function RecentExceptions({ service }: { service: string }) {
  const list = useExceptionList({ service, status: 'unresolved' }, 5);
  let body: ReactNode;
  if (list.isPending) body = <PageLoader label="Loading exceptions" />;
  else if (list.error) body = <ErrorState error={list.error} title="Exceptions could not be listed" retry={() => void list.refetch()} />;
  else if (!list.data.items.length) body = <Text size="sm" c="dimmed">No unresolved exceptions in the last 7 days.</Text>;
  else {
    body = (
      <Table aria-label="Recent exceptions" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Exception</Table.Th>
            <Table.Th ta="right">Count</Table.Th>
            <Table.Th>Last seen</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.data.items.map((g) => (
            <Table.Tr key={g.id}>
              <Table.Td className={classes.wrap}>
                <Group gap={6} wrap="nowrap" align="baseline">
                  <Anchor component={Link} to={exceptionUrl(g.id)} size="sm" fw={500}>
                    {g.type || 'Error'}
                  </Anchor>
                  {g.regressed && <ExceptionStatusBadge status={g.status} regressed />}
                </Group>
                <div className={classes.message}>{g.message}</div>
              </Table.Td>
              <Table.Td ta="right" className={classes.number}>
                {count.format(g.count)}
              </Table.Td>
              <Table.Td className={classes.number}>{formatTimestamp(g.lastSeen)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }
  return (
    <Paper withBorder p="sm" component="section" aria-label="Recent exceptions">
      <Group justify="space-between" mb={4}>
        <Title order={3} fz="sm">
          Recent exceptions
        </Title>
        <Anchor component={Link} to={`/telemetry/exceptions?${new URLSearchParams({ service })}`} size="xs">
          All exceptions
        </Anchor>
      </Group>
      {body}
    </Paper>
  );
}

/**
 * The service page's Health tab: request rate, errors, error ratio and latency percentiles from
 * the RED metrics Ethos derives from server spans, the routes over the range, and the latest
 * unresolved exceptions. The range is in the address (`?range=6h`).
 */
export default function ServiceHealthTab({ service }: { service: ResourceView }) {
  const name = service.metadata.name;
  const [params, setParams] = useSearchParams();
  const { range } = metricView(params);
  const step = stepFor('counter', 'rate', range);
  const settings = (fn: MetricQueryResult['fn'], by = '', instant = false) => ({ range, fn, by, step, instant });
  const requests = useMetricQuery(name, RED.requests, settings('rate'));
  const errors = useMetricQuery(name, RED.errors, settings('rate'));
  const p50 = useMetricQuery(name, RED.duration, settings('p50'));
  const p95 = useMetricQuery(name, RED.duration, settings('p95'));
  const p99 = useMetricQuery(name, RED.duration, settings('p99'));
  // the routes table: one value per route over the whole range
  const routeRequests = useMetricQuery(name, RED.requests, settings('increase', 'http.route', true));
  const routeErrors = useMetricQuery(name, RED.errors, settings('increase', 'http.route', true));
  const routeP95 = useMetricQuery(name, RED.duration, settings('p95', 'http.route', true));

  const ratio = useMemo(() => (requests.data && errors.data ? errorRatio(requests.data, errors.data) : undefined), [requests.data, errors.data]);
  const latency = useMemo(() => (p50.data && p95.data && p99.data ? combineSeries([p50.data, p95.data, p99.data]) : undefined), [p50.data, p95.data, p99.data]);
  const routes = useMemo(() => (routeRequests.data ? routeStats(routeRequests.data, routeErrors.data, routeP95.data, RANGE_SECONDS[range]) : null), [routeRequests.data, routeErrors.data, routeP95.data, range]);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <TimeRangeControl value={range} ranges={METRIC_RANGES} onChange={(r) => setParams(withParams(params, { range: r }), { replace: true })} />
        <Text size="xs" c="dimmed">
          From the service’s server spans; latency in seconds’ buckets of 5 ms to 10 s.
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartPanel title="Request rate" name="request rate" result={requests.data} error={requests.error} unit={PER_SECOND} retry={() => void requests.refetch()} />
        <ChartPanel title="Latency" name="latency" result={latency} error={p50.error ?? p95.error ?? p99.error} unit={SECONDS} retry={() => void Promise.all([p50.refetch(), p95.refetch(), p99.refetch()])} />
        <ChartPanel title="Error rate" name="error rate" result={errors.data} error={errors.error} unit={PER_SECOND} retry={() => void errors.refetch()} />
        <ChartPanel title="Error ratio" name="error ratio" result={ratio} error={requests.error ?? errors.error} unit={PERCENT} retry={() => void Promise.all([requests.refetch(), errors.refetch()])} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Paper withBorder p="sm" component="section" aria-label="Top routes">
          <Title order={3} fz="sm" mb={4}>
            Routes in the last {RANGE_LABELS[range]}
          </Title>
          {routeRequests.error ? (
            <ErrorState error={routeRequests.error} title="Routes could not be loaded" retry={() => void routeRequests.refetch()} />
          ) : routes === null ? (
            <PageLoader label="Loading routes" />
          ) : (
            <RoutesTable routes={routes} range={range} />
          )}
        </Paper>
        <RecentExceptions service={name} />
      </SimpleGrid>
    </Stack>
  );
}
