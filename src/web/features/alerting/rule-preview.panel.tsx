import { Alert, Anchor, Box, Card, Group, List, Loader, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import type { EditedDocument } from '../../app/feature.ts';
import type { PreviewResult } from '../../../shared/alerting.schema.ts';
import { formatValue, seriesLabel } from '../telemetry/metric-format.ts';
import { durationWords, PREVIEW_RANGES, previewSummary, rangeWords, type PreviewRange } from './preview-words.ts';

const PreviewChart = lazy(() => import('./preview-chart.tsx'));

// Mantine's shade 6 of its palette, neighbours apart (as the metrics chart); red stays for the threshold
const COLORS = ['#228be6', '#12b886', '#fd7e14', '#be4bdb', '#15aabf', '#82c91e', '#4c6ef5', '#fab005'];

/** How long the document must rest before the preview asks again. */
const DEBOUNCE_MS = 600;

/** Whether this browser draws on a canvas (happy-dom, and some locked-down browsers, do not). */
function canDraw(): boolean {
  try {
    return !!document.createElement('canvas').getContext('2d');
  } catch {
    return false;
  }
}

const plain = (v: number | null | undefined) => formatValue(v, { unit: '', perSecond: false });
const clock = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** The preview's request from the rule as edited, or what is missing before one can be made. */
function previewBody(spec: Record<string, unknown>, range: PreviewRange): { body: Record<string, unknown> } | { missing: string } {
  const condition = (spec.condition ?? {}) as Record<string, unknown>;
  const missing = [
    typeof spec.service === 'string' && spec.service.trim() ? '' : 'the service',
    typeof condition.metric === 'string' && condition.metric.trim() ? '' : 'the metric',
    typeof condition.threshold === 'number' && Number.isFinite(condition.threshold) ? '' : 'a threshold',
  ].filter(Boolean);
  if (missing.length) return { missing: missing.join(', ') };
  return { body: { service: spec.service, condition, ...(typeof spec.for === 'string' && spec.for ? { for: spec.for } : {}), range } };
}

/** The server's refusal, for the rule's author: what to change rather than an error page. */
function PreviewProblem({ error, service, metric }: { error: unknown; service: string; metric: string }) {
  const issues = error instanceof ApiError ? error.issues : [];
  const title =
    error instanceof ApiError && error.code === 'TELEMETRY_METRIC_NOT_FOUND'
      ? `No metric “${metric}” from ${service}`
      : issues.length
        ? 'The condition is not complete yet'
        : error instanceof ApiError && error.status === 400
          ? 'This condition cannot be previewed'
          : 'The preview could not be drawn';
  return (
    <Alert color="yellow" title={title} role="status">
      <Stack gap={4}>
        {issues.length ? (
          <List size="sm">
            {issues.map((i, n) => (
              <List.Item key={n}>
                <Text span ff="monospace" size="sm">
                  {i.path.replace(/^\//, '').replaceAll('/', '.') || '(rule)'}
                </Text>
                : {i.message}
              </List.Item>
            ))}
          </List>
        ) : (
          <Text size="sm">{errorMessage(error)}.</Text>
        )}
        {error instanceof ApiError && error.code === 'TELEMETRY_METRIC_NOT_FOUND' && (
          <Text size="sm">
            Check the name among{' '}
            <Anchor component={Link} to={`/telemetry/metrics?service=${encodeURIComponent(service)}`} inherit>
              {service}’s metrics
            </Anchor>
            ; a metric shows there once the service has sent it.
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

/** Each group's highest (or, for a below-threshold rule, lowest) value and when it would have fired: the chart in words. */
function PreviewTable({ result, colors }: { result: PreviewResult; colors: Map<string, string> }) {
  const below = result.op === '<' || result.op === '<=';
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Preview by group" verticalSpacing={4} captionSide="top">
        <Table.Caption>
          Threshold: {result.op} {plain(result.threshold)}
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Group</Table.Th>
            <Table.Th ta="right">{below ? 'Lowest' : 'Highest'}</Table.Th>
            <Table.Th ta="right">Fired</Table.Th>
            <Table.Th>When</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.series.map((s) => {
            const key = JSON.stringify(s.labels);
            const fired = result.firing.filter((f) => JSON.stringify(f.labels) === key);
            const values = s.values.filter((v): v is number => v !== null);
            const extreme = values.length ? (below ? Math.min(...values) : Math.max(...values)) : null;
            return (
              <Table.Tr key={key}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Box w={10} h={10} style={{ borderRadius: 2, background: colors.get(key), flex: 'none' }} aria-hidden="true" />
                    <Text size="sm">{seriesLabel(s.labels)}</Text>
                  </Group>
                </Table.Td>
                <Table.Td ta="right">{plain(extreme)}</Table.Td>
                <Table.Td ta="right">{fired.length === 0 ? 'never' : fired.length === 1 ? 'once' : `${fired.length} times`}</Table.Td>
                <Table.Td>{fired.length ? fired.map((f) => `${clock.format(f.from)} for ${durationWords(f.to - f.from)}`).join('; ') : '—'}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * Under the AlertRule editor: the rule's metric condition over the last hours (as typed, after a
 * pause), with the threshold and where it would have fired (POST /api/v1/alerting/preview).
 */
export default function RulePreviewPanel({ document }: { document: EditedDocument }) {
  const [range, setRange] = useState<PreviewRange>('6h');
  const [drawable] = useState(canDraw);
  const request = previewBody(document.spec, range);
  const [debounced] = useDebouncedValue('body' in request ? JSON.stringify(request.body) : null, DEBOUNCE_MS);
  const preview = useQuery({
    queryKey: ['alerting', 'preview', debounced],
    queryFn: async ({ signal }) => {
      const sent = JSON.parse(debounced!) as { range: PreviewRange };
      // the range stays with its answer: while the next one loads, the summary still says the right one
      return { ...(await api<PreviewResult>('/alerting/preview', { method: 'POST', body: sent, signal })), range: sent.range };
    },
    enabled: debounced !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
  const result = preview.data;
  const colors = useMemo(() => new Map((result?.series ?? []).map((s, i) => [JSON.stringify(s.labels), COLORS[i % COLORS.length]!])), [result]);
  const chartSeries = useMemo(() => (result?.series ?? []).map((s) => ({ label: seriesLabel(s.labels), color: colors.get(JSON.stringify(s.labels))!, values: s.values })), [result, colors]);
  const condition = (document.spec.condition ?? {}) as { metric?: string };

  let body;
  if ('missing' in request) body = <Text size="sm" c="dimmed">Fill in {request.missing} to see how the rule would have behaved.</Text>;
  else if (preview.error) body = <PreviewProblem error={preview.error} service={String(document.spec.service)} metric={condition.metric ?? ''} />;
  else if (!result) body = <Loader size="sm" aria-label="Loading the preview" />;
  else
    body = (
      <Stack gap="xs">
        <Text size="sm" fw={500} role="status" aria-live="polite">
          {previewSummary(result, result.range)}
        </Text>
        {drawable && result.series.length > 0 && (
          <Suspense fallback={<Box h={220} />}>
            <PreviewChart times={result.times} series={chartSeries} threshold={result.threshold} firing={result.firing} height={220} formatValue={plain} />
            <Text size="xs" c="dimmed">
              Dashed: the threshold ({result.op} {plain(result.threshold)}). Shaded: where the rule would have fired, after its “for”.
            </Text>
          </Suspense>
        )}
        {result.series.length > 0 && <PreviewTable result={result} colors={colors} />}
      </Stack>
    );

  return (
    <Card withBorder component="section" aria-label="Preview">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Group gap="xs">
          <Title order={2} fz="lg">
            Preview ({rangeWords(range).replace(/^the /, '')})
          </Title>
          {preview.isFetching && <Loader size="xs" aria-label="Updating the preview" />}
        </Group>
        <SegmentedControl size="xs" value={range} onChange={(v) => setRange(v as PreviewRange)} data={PREVIEW_RANGES.map((r) => r.value)} aria-label="Preview range" />
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        The condition as it stands in the editor, evaluated over past data as the rule would be: nothing is saved or sent.
      </Text>
      {body}
    </Card>
  );
}
