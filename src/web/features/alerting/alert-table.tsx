import { Anchor, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { Labels } from '../../app/ui/badges.tsx';
import { historyUrl, serviceUrl } from '../../app/ui/links.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate, TimeAgo } from '../../app/ui/time.tsx';
import { newSilenceUrl } from './silence-of-alert.ts';
import { alertListQuery, alertsKey, ALERTS_REFRESH_MS, ruleUrl, SILENCE_KIND, type AlertFilter, type AlertState, type AlertView } from './alerting.api.ts';

const STATE_COLORS: Record<AlertState, [color: string, variant: 'filled' | 'light' | 'outline']> = {
  firing: ['red', 'filled'],
  error: ['orange', 'filled'],
  nodata: ['grape', 'light'],
  pending: ['yellow', 'light'],
  resolved: ['green', 'light'],
};
const STATE_LABELS: Record<AlertState, string> = { firing: 'firing', pending: 'pending', nodata: 'no data', error: 'error', resolved: 'resolved' };
const SEVERITY_COLORS: Record<string, string> = { page: 'red', ticket: 'orange', info: 'blue' };

/** An alert's state, coloured by urgency. */
export function AlertStateBadge({ state }: { state: AlertState }) {
  const [color, variant] = STATE_COLORS[state] ?? ['gray', 'outline'];
  return (
    <Badge color={color} variant={variant} size="sm" className="keep-width">
      {STATE_LABELS[state] ?? state}
    </Badge>
  );
}

/** A rule's severity: page, ticket or info. */
export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge color={SEVERITY_COLORS[severity] ?? 'gray'} variant="outline" size="sm" className="keep-width">
      {severity}
    </Badge>
  );
}

/** The order a list shows states in: what needs attention first. */
const RANK: Record<AlertState, number> = { firing: 0, error: 1, nodata: 2, pending: 3, resolved: 4 };
/** Labels another column already shows. */
const SHOWN = new Set(['alertname', 'service', 'team', 'severity']);
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

/** "queue-deep pool=a": names one alert for assistive technology and notifications. */
const alertName = (a: AlertView) =>
  [a.labels.alertname ?? a.rule, ...Object.entries(a.labels).filter(([k]) => !SHOWN.has(k)).map(([k, v]) => `${k}=${v}`)].join(' ');

/** Acknowledge / Unacknowledge and Silence, for members of the team that owns the alert's rule (not once it resolved). */
function AlertActions({ alert }: { alert: AlertView }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const acked = alert.acknowledgedBy !== null;
  const ack = useMutation({
    mutationFn: () => api<AlertView>(`/alerts/${encodeURIComponent(alert.rule)}/${alert.fingerprint}/ack`, { method: acked ? 'DELETE' : 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: alertsKey }),
    onError: (err) => notifications.show({ color: 'red', title: acked ? 'Not unacknowledged' : 'Not acknowledged', message: errorMessage(err) }),
  });
  const name = alertName(alert);
  return (
    <Group gap={4} wrap="nowrap">
      <Button size="compact-xs" variant="light" loading={ack.isPending} onClick={() => ack.mutate()} aria-label={`${acked ? 'Unacknowledge' : 'Acknowledge'} ${name}`}>
        {acked ? 'Unacknowledge' : 'Acknowledge'}
      </Button>
      {/* the silence ends two hours after the click, not after the page was drawn */}
      <Button size="compact-xs" variant="subtle" onClick={() => void navigate(newSilenceUrl(alert))} aria-label={`Silence ${name}`} title="A silence of this alert’s labels for its team, for two hours">
        Silence
      </Button>
    </Group>
  );
}

/**
 * Alerts, a row each: state, severity, rule (with its summary), service, labels, value, since
 * when, who acknowledged it and which silence mutes it; members of the owning team act on it.
 */
export function AlertTable({ items, busy = false, showService = true }: { items: AlertView[]; busy?: boolean; showService?: boolean }) {
  const me = useMe();
  const rows = [...items].sort((a, b) => RANK[a.state] - RANK[b.state] || Date.parse(b.activeAt) - Date.parse(a.activeAt));
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table aria-label="Alerts" highlightOnHover verticalSpacing={6} aria-busy={busy} style={{ opacity: busy ? 0.6 : 1 }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>State</Table.Th>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Rule</Table.Th>
            {showService && <Table.Th>Service</Table.Th>}
            <Table.Th>Labels</Table.Th>
            <Table.Th ta="right">Value</Table.Th>
            <Table.Th>Active since</Table.Th>
            <Table.Th>Acknowledged by</Table.Th>
            <Table.Th>Silenced by</Table.Th>
            <Table.Th>
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((a) => (
            <Table.Tr key={`${a.rule}/${a.fingerprint}`}>
              <Table.Td>
                <AlertStateBadge state={a.state} />
              </Table.Td>
              <Table.Td>
                <SeverityBadge severity={a.severity} />
              </Table.Td>
              <Table.Td maw={320}>
                {a.source === 'posted' ? (
                  <Text size="sm" fw={500}>
                    {a.rule}
                  </Text>
                ) : (
                  <Anchor component={Link} to={ruleUrl(a.rule)} size="sm" fw={500}>
                    {a.rule}
                  </Anchor>
                )}
                {a.annotations.summary && (
                  <Text size="xs" c="dimmed" style={{ wordBreak: 'break-word' }}>
                    {a.annotations.summary}
                  </Text>
                )}
              </Table.Td>
              {showService && (
                <Table.Td>
                  {a.service ? (
                    <Anchor component={Link} to={`${serviceUrl(a.service)}/alerts`} size="sm">
                      {a.service}
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
              )}
              <Table.Td>
                <Labels labels={Object.fromEntries(Object.entries(a.labels).filter(([k]) => !SHOWN.has(k)))} />
              </Table.Td>
              <Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>
                {a.value === null ? '—' : number.format(a.value)}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <TimeAgo at={a.activeAt} />
              </Table.Td>
              <Table.Td>
                {a.acknowledgedBy ? (
                  <Text size="sm" title={a.acknowledgedAt ? `acknowledged ${formatDate(a.acknowledgedAt)}` : undefined}>
                    {a.acknowledgedBy}
                  </Text>
                ) : (
                  '—'
                )}
              </Table.Td>
              <Table.Td>
                {a.silencedBy ? (
                  <Anchor component={Link} to={historyUrl(SILENCE_KIND, a.silencedBy)} size="sm">
                    {a.silencedBy}
                  </Anchor>
                ) : (
                  '—'
                )}
              </Table.Td>
              <Table.Td>{a.state !== 'resolved' && canWrite(me, a.owner) && <AlertActions alert={a} />}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Alerts of a filter, asked again every 10 seconds; the previous answer stays while another filter loads. */
export function useAlerts(filter: AlertFilter) {
  return useQuery({ ...alertListQuery(filter), placeholderData: keepPreviousData, refetchInterval: ALERTS_REFRESH_MS });
}

/** The alerts of a filter as a table, with loading, error and empty states. */
export function AlertResults({ filter, empty }: { filter: AlertFilter; empty: string }) {
  const found = useAlerts(filter);
  if (found.isPending) return <PageLoader label="Loading alerts" />;
  if (found.error) return <ErrorState error={found.error} title="Alerts could not be listed" retry={() => void found.refetch()} />;
  const items = filter.severity ? found.data.items.filter((a) => a.severity === filter.severity) : found.data.items;
  if (!items.length) return <EmptyState title={empty}>{filter.state || filter.severity || filter.team ? 'Try other filters.' : null}</EmptyState>;
  const firing = items.filter((a) => a.state === 'firing').length;
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed" role="status">
        {items.length === 1 ? '1 alert' : `${items.length} alerts`}
        {firing ? `, ${firing} firing` : ''}
      </Text>
      <AlertTable items={items} busy={found.isPlaceholderData} showService={!filter.service} />
    </Stack>
  );
}
