import { Anchor, Button, Group, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { canWrite, useMe } from '../../app/session.tsx';
import { editUrl, historyUrl, serviceUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import type { Sli, SloSpec } from '../../../shared/alerting.schema.ts';
import { budgetPercentText, burnText, percentText, shortDuration, sloAlertStates, sloWindowMs } from '../../../shared/slo-words.ts';
import { resourceQuery } from '../catalog/catalog.api.ts';
import { SeriesChart, type ChartSeries } from '../telemetry/metric-chart.tsx';
import { withParams } from '../telemetry/url-params.ts';
import { AlertStateBadge, SeverityBadge } from './alert-table.tsx';
import type { AlertState } from './alerting.api.ts';
import { BudgetLeft, SloAlertStates } from './slo-table.tsx';
import { SLO_KIND, SLO_REFRESH_MS, SLO_SHORT_RANGES, sloHistoryQuery, sloRange, sloStatusQuery, type SloHistory, type SloStatus } from './slo.api.ts';

const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** What counts as good, in words: "requests to /pay that did not fail". */
function sliText(sli: Sli | undefined): string {
  if (!sli) return '';
  const route = sli.type !== 'ratio' && sli.route ? ` to ${sli.route}` : '';
  switch (sli.type) {
    case 'availability':
      return `requests${route} that did not fail (red.requests − red.errors)`;
    case 'latency':
      return `requests${route} answered within ${sli.threshold * 1000} ms (red.duration)`;
    case 'ratio': {
      const where = (w: Record<string, string>) => (Object.keys(w).length ? `{${Object.entries(w).map(([k, v]) => `${k}=${v}`).join(', ')}}` : '');
      return `the increase of ${sli.good.metric}${where(sli.good.where)} out of ${sli.total.metric}${where(sli.total.where)}`;
    }
  }
}

/** One figure of the SLO, with what it means. */
function Figure({ label, children, note }: { label: string; children: ReactNode; note?: ReactNode }) {
  return (
    <Paper withBorder p="sm" radius="md" role="group" aria-label={label}>
      <Text size="xs" c="dimmed" fw={500} tt="uppercase">
        {label}
      </Text>
      {children}
      {note && (
        <Text size="xs" c="dimmed" mt={2}>
          {note}
        </Text>
      )}
    </Paper>
  );
}

/** The burn rate over each window from 5 minutes to 3 days. */
function BurnRates({ status }: { status: SloStatus }) {
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Burn rates" verticalSpacing={4} withColumnBorders>
        <Table.Thead>
          <Table.Tr>
            {BURN_WINDOWS.map((w) => (
              <Table.Th key={w} ta="right">
                {w}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          <Table.Tr>
            {BURN_WINDOWS.map((w) => (
              <Table.Td key={w} ta="right">
                {burnText(status.burnRates[w])}
              </Table.Td>
            ))}
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const THRESHOLD_COLORS = ['#e03131', '#f76707'];

/** The budget left over the range, and the 1h and 6h burn rates with the page alert's thresholds drawn dashed. */
function HistoryCharts({ history }: { history: SloHistory }) {
  const budget = useMemo<ChartSeries[]>(() => [{ label: 'budget left', color: '#228be6', values: history.budgetRemaining }], [history]);
  const burn = useMemo<ChartSeries[]>(() => {
    const lines: ChartSeries[] = [
      { label: '1h burn rate', color: '#be4bdb', values: history.burnRates['1h'] },
      { label: '6h burn rate', color: '#12b886', values: history.burnRates['6h'] },
    ];
    // the page alert's two conditions, on the lines of their long windows
    history.alertWindows
      .filter((w) => w.severity === 'page')
      .forEach((w, i) =>
        lines.push({ label: `page: ${w.factor}× over ${w.long} and ${w.short}`, color: THRESHOLD_COLORS[i % THRESHOLD_COLORS.length]!, values: history.times.map(() => w.factor), dash: [6, 4] }),
      );
    return lines;
  }, [history]);
  if (!history.times.length)
    return (
      <Text size="sm" c="dimmed">
        No requests of {history.service} yet: the charts start with its first RED metrics.
      </Text>
    );
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        The last {history.range}, a point every {shortDuration(history.step)}.
      </Text>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <section aria-label="Error budget left over time">
          <Title order={3} fz="sm" mb={4}>
            Error budget left
          </Title>
          <Text size="xs" c="dimmed" mb={4}>
            Of the window that ends now, counting its requests up to each time.
          </Text>
          <SeriesChart times={history.times} step={history.step} series={budget} name="the error budget left" height={220} format={(v) => (v === null ? '—' : budgetPercentText(v))} />
        </section>
        <section aria-label="Burn rate over time">
          <Title order={3} fz="sm" mb={4}>
            Burn rate
          </Title>
          <Text size="xs" c="dimmed" mb={4}>
            How many times faster than the window allows the budget burns; 1× spends it exactly over {history.window}.
          </Text>
          <SeriesChart times={history.times} step={history.step} series={burn} name="the burn rates" height={220} format={burnText} />
        </section>
      </SimpleGrid>
    </Stack>
  );
}

/** The SLO's burn-rate alerts: each one's condition and state, off when its spec has it off. */
function GeneratedAlerts({ status, history }: { status: SloStatus; history: SloHistory | undefined }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Burn-rate alerts" verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Alert</Table.Th>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Fires when the burn rate is over</Table.Th>
            <Table.Th>State</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sloAlertStates(status).map((a) => {
            const windows = history?.alertWindows.filter((w) => w.severity === a.severity) ?? [];
            return (
              <Table.Tr key={a.severity}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {status.name}-burn-rate-{a.severity}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <SeverityBadge severity={a.severity} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{a.state === 'off' ? `off (spec.alerting.${a.severity} is false)` : windows.map((w) => `${w.factor}× over ${w.long} and ${w.short}`).join(', or ')}</Text>
                </Table.Td>
                <Table.Td>
                  {a.state === 'off' || a.state === 'ok' ? (
                    <Text size="sm" c="dimmed">
                      {a.state === 'ok' ? 'ok (not firing)' : '—'}
                    </Text>
                  ) : (
                    <Group gap={6}>
                      <AlertStateBadge state={a.state as AlertState} />
                      <Anchor component={Link} to={`/alerts?${new URLSearchParams({ team: status.owner, service: status.service })}`} size="xs">
                        See the alert
                      </Anchor>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * One SLO (`/slos/<name>?range=7d`): its SLI and error budget left now, burn rates from 5 minutes
 * to 3 days, the budget and the 1h/6h burn rates over time, and its burn-rate alerts; a link to
 * edit it (or propose a change) in the resource editor.
 */
export default function SloPage() {
  const { name = '' } = useParams();
  useDocumentTitle(name);
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const status = useQuery({ ...sloStatusQuery(name), refetchInterval: SLO_REFRESH_MS });
  const doc = useQuery(resourceQuery(SLO_KIND, name));
  const range = sloRange(params);
  const history = useQuery({ ...sloHistoryQuery(name, range), placeholderData: keepPreviousData, refetchInterval: SLO_REFRESH_MS });

  if (status.isPending) return <PageLoader label="Loading the SLO" />;
  if (status.error) return <ErrorState error={status.error} title={`The SLO ${name} could not be loaded`} retry={() => void status.refetch()} />;
  const s = status.data;
  const spec = doc.data?.spec as Partial<SloSpec> | undefined;
  const mine = canWrite(me, s.owner);
  const budgetTime = shortDuration(s.errorBudget * sloWindowMs(s.window));
  return (
    <>
      <PageHeader
        title={s.name}
        subtitle={
          <>
            SLO of{' '}
            <Anchor component={Link} to={serviceUrl(s.service)} size="sm">
              {s.service}
            </Anchor>
            , owned by{' '}
            <Anchor component={Link} to={teamUrl(s.owner)} size="sm">
              {s.owner}
            </Anchor>
            {spec?.sli ? `: ${s.objective}% of ${sliText(spec.sli)}, over ${s.window}.` : '.'}
          </>
        }
        actions={
          <>
            <Button component={Link} to={historyUrl(SLO_KIND, s.name)} variant="default" size="xs">
              History
            </Button>
            <Button component={Link} to={editUrl(SLO_KIND, s.name)} variant="light" size="xs">
              {mine ? 'Edit' : 'Propose a change'}
            </Button>
          </>
        }
      />
      <Stack gap="lg">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Figure label="SLI now" note={s.sli === null ? 'no requests in the window yet' : `${s.good} good of ${s.total} over ${s.window}`}>
            <Text size="xl" fw={700}>
              {s.sli === null ? '—' : percentText(s.sli)}
            </Text>
          </Figure>
          <Figure label="Objective" note={`a budget of ${percentText(s.errorBudget)} of requests: ${budgetTime} of full outage`}>
            <Text size="xl" fw={700}>
              {s.objective}% over {s.window}
            </Text>
          </Figure>
          <Figure label="Error budget left" note="as time: how long the service could be down altogether before it is spent">
            <BudgetLeft figures={s} size="xl" />
          </Figure>
          <Figure label="Burn-rate alerts">
            <SloAlertStates figures={s} />
          </Figure>
        </SimpleGrid>

        <section aria-label="Burn rates now">
          <Title order={2} fz="md" mb={4}>
            Burn rates now
          </Title>
          <BurnRates status={s} />
        </section>

        <section aria-label="Over time">
          <Group justify="space-between" mb="xs" wrap="wrap">
            <Title order={2} fz="md">
              Over time
            </Title>
            <SegmentedControl
              aria-label="Time range"
              size="xs"
              value={range ?? s.window}
              onChange={(v) => setParams(withParams(params, { range: v === s.window ? null : v }), { replace: true })}
              data={[...SLO_SHORT_RANGES, s.window]}
            />
          </Group>
          {history.isPending ? (
            <PageLoader label="Loading the history" />
          ) : history.error ? (
            <ErrorState error={history.error} title="The history could not be loaded" retry={() => void history.refetch()} />
          ) : (
            <HistoryCharts history={history.data} />
          )}
        </section>

        <section aria-label="Alerts of the SLO">
          <Title order={2} fz="md" mb={4}>
            Burn-rate alerts
          </Title>
          <Text size="sm" c="dimmed" mb="xs">
            Each alert needs the burn rate over both of its windows: the long one makes it significant, the short one lets it stop soon after the burn does. None fires while the long window holds fewer than {spec?.alerting?.minRequests ?? 10} requests.
          </Text>
          <GeneratedAlerts status={s} history={history.data} />
        </section>
      </Stack>
    </>
  );
}
