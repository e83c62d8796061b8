import { Anchor, Badge, Card, Grid, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { MetricChart } from './metric-chart.tsx';
import { valueUnit } from './metric-format.ts';
import { FUNCTIONS, functionFor, METRIC_RANGES, metricView, stepFor, useMetricList, useMetricQuery, type MetricInfo, type QueryFunction } from './telemetry.api.ts';
import classes from './telemetry.module.css';
import { RANGE_LABELS, TimeRangeControl } from './telemetry-ui.tsx';
import { useUrlText, withParams } from './url-params.ts';

const FUNCTION_LABELS: Record<QueryFunction, string> = {
  avg: 'average',
  min: 'lowest',
  max: 'highest',
  sum: 'sum of the series',
  count: 'series reporting',
  last: 'last value',
  rate: 'rate per second',
  increase: 'increase per step',
  p50: 'median (p50)',
  p90: '90th percentile (p90)',
  p95: '95th percentile (p95)',
  p99: '99th percentile (p99)',
};

/** The service's metrics; each name leads to its chart (`?metric=`), keeping the time range. */
function MetricList({ items, selected, params }: { items: MetricInfo[]; selected: string | null; params: URLSearchParams }) {
  return (
    <Table.ScrollContainer minWidth={0}>
      <Table aria-label="Metrics" highlightOnHover verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Metric</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Unit</Table.Th>
            <Table.Th ta="right">Series</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((m) => (
            <Table.Tr key={m.name} className={m.name === selected ? classes.selected : undefined}>
              <Table.Td className={classes.metricName}>
                <Anchor component={Link} to={{ search: withParams(params, { metric: m.name, fn: null, by: null }).toString() }} size="sm" aria-current={m.name === selected ? 'true' : undefined} title={m.description || undefined}>
                  {m.name}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{m.kind}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{m.unit || '—'}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm">{m.series}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The chart of one metric with its settings: time range, function and grouping, all in the address. */
function MetricPanel({ service, metric }: { service: string; metric: MetricInfo }) {
  const [params, setParams] = useSearchParams();
  const view = metricView(params);
  const fn = functionFor(metric.kind, view.fn);
  const result = useMetricQuery(service, metric.name, { range: view.range, fn, by: view.by, step: stepFor(metric.kind, fn, view.range) });
  const set = (changes: Record<string, string | null>) => setParams(withParams(params, changes), { replace: true });

  const [by, setBy] = useUrlText('by');

  let body;
  if (result.isPending) body = <PageLoader label={`Loading ${metric.name}`} />;
  else if (result.error) body = <ErrorState error={result.error} title="The chart could not be drawn" retry={() => void result.refetch()} />;
  else if (!result.data.series.some((s) => s.values.some((v) => v !== null))) {
    body = (
      <EmptyState title={`No data in the last ${RANGE_LABELS[view.range]}`}>
        {view.range === '90d' ? 'Rollups are kept for 400 days at 1-hour steps.' : 'Try a longer time range.'} {view.by && 'Grouping does not hide data: the attribute may simply be missing.'}
      </EmptyState>
    );
  } else {
    body = (
      <div style={{ opacity: result.isPlaceholderData ? 0.6 : 1 }}>
        <MetricChart result={result.data} unit={valueUnit(metric.kind, result.data.fn, metric.unit)} name={metric.name} />
      </div>
    );
  }

  return (
    <Card withBorder>
      <Stack gap="sm">
        <div>
          <Group gap="xs" align="baseline">
            <Title order={2} fz="lg" className={classes.metricName}>
              {metric.name}
            </Title>
            <Badge variant="light" size="sm" className="keep-width">
              {metric.kind}
            </Badge>
          </Group>
          {metric.description && (
            <Text size="sm" c="dimmed">
              {metric.description}
            </Text>
          )}
        </div>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TimeRangeControl value={view.range} ranges={METRIC_RANGES} onChange={(range) => set({ range })} />
          <Select
            label="Function"
            size="xs"
            w={200}
            allowDeselect={false}
            value={fn}
            onChange={(v) => v && set({ fn: v })}
            data={FUNCTIONS[metric.kind].map((f) => ({ value: f, label: `${f} — ${FUNCTION_LABELS[f]}` }))}
          />
          <TextInput label="Group by" size="xs" w={240} placeholder="attribute, e.g. http.route" value={by} onChange={(e) => setBy(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        </Group>
        {body}
      </Stack>
    </Card>
  );
}

/**
 * A service's metrics and the chart of the chosen one (the first until the reader picks another):
 * the service page's Metrics tab and the Metrics page.
 */
export function MetricsExplorer({ service }: { service: string }) {
  const [params] = useSearchParams();
  const view = metricView(params);
  const list = useMetricList(service);

  if (list.isPending) return <PageLoader label="Loading metrics" />;
  if (list.error) return <ErrorState error={list.error} retry={() => void list.refetch()} />;
  if (!list.data.length) {
    return (
      <EmptyState title={`No metrics from ${service} yet`}>
        Point the service’s OpenTelemetry exporter (or a Prometheus remote write) at Ethos with a token that has the ingest scope; its metrics appear here within seconds.
      </EmptyState>
    );
  }
  const selected = view.metric === null ? list.data[0]! : list.data.find((m) => m.name === view.metric);

  return (
    <Grid gutter="md">
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <MetricList items={list.data} selected={selected?.name ?? null} params={params} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 7 }}>
        {selected ? (
          <MetricPanel key={`${service}/${selected.name}`} service={service} metric={selected} />
        ) : (
          <EmptyState title={`${service} has no metric “${view.metric}”`}>It may not have reported it for a week, or the link has a typo. Pick one from the list.</EmptyState>
        )}
      </Grid.Col>
    </Grid>
  );
}
