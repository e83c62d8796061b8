import { Alert, Breadcrumbs, Button, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, errorMessage } from '../../app/api.ts';
import { AppLink, serviceUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { occurrenceSeries, useException, useSetExceptionStatus, type ExceptionDetail, type ExceptionStatus } from './exceptions.api.ts';
import { MetricChart } from './metric-chart.tsx';
import { formatTimestamp } from './metric-format.ts';
import { GroupedBy } from './exception-rules.tsx';
import { ExceptionStatusBadge } from './telemetry-ui.tsx';
import { traceUrl } from './traces.api.ts';
import { Attributes } from './waterfall.tsx';
import classes from './exceptions.module.css';

const count = new Intl.NumberFormat();

const at = (ms: number) => (
  <time dateTime={new Date(ms).toISOString()} title={new Date(ms).toISOString()}>
    {formatTimestamp(ms)}
  </time>
);

/** Resolve, Ignore or Reopen, as the status allows; the server's refusal (another team's service) is shown as it says it. */
function StatusActions({ group }: { group: ExceptionDetail }) {
  const change = useSetExceptionStatus(group.id);
  const button = (status: ExceptionStatus, label: string, color?: string) => (
    <Button size="xs" variant={status === 'resolved' ? 'filled' : 'light'} color={color} loading={change.isPending && change.variables === status} disabled={change.isPending} onClick={() => change.mutate(status)}>
      {label}
    </Button>
  );
  return (
    <Stack gap="xs">
      <Group gap="xs">
        {group.status === 'unresolved' ? (
          <>
            {button('resolved', 'Resolve', 'green')}
            {button('ignored', 'Ignore', 'gray')}
          </>
        ) : (
          button('unresolved', 'Reopen')
        )}
      </Group>
      {change.error && (
        <Alert color="red" title="The status was not changed" role="alert" withCloseButton onClose={() => change.reset()} closeButtonLabel="Dismiss">
          <Text size="sm">{errorMessage(change.error)}</Text>
          {change.error instanceof ApiError && change.error.code === 'NOT_OWNER' && (
            <Text size="sm" c="dimmed">
              Ask a member of the owning team (or an administrator) to change it.
            </Text>
          )}
        </Alert>
      )}
    </Stack>
  );
}

function ExceptionBody({ group }: { group: ExceptionDetail }) {
  const occurrences = useMemo(() => (group.counts.length ? occurrenceSeries(group.counts) : null), [group.counts]);
  const { sample } = group;
  return (
    <Stack gap="lg">
      <dl className="facts">
        <dt>Service</dt>
        <dd>
          <AppLink to={serviceUrl(group.service)}>{group.service}</AppLink>
        </dd>
        <dt>Status</dt>
        <dd>
          <Group gap="xs">
            <ExceptionStatusBadge status={group.status} regressed={group.regressed} />
            {group.resolvedInVersion && <Text size="sm">resolved in {group.resolvedInVersion}</Text>}
          </Group>
        </dd>
        <dt>Occurrences</dt>
        <dd className={classes.number}>{count.format(group.count)}</dd>
        <dt>First seen</dt>
        <dd>{at(group.firstSeen)}</dd>
        <dt>Last seen</dt>
        <dd>{at(group.lastSeen)}</dd>
        <dt>Grouped by</dt>
        <dd>
          <GroupedBy group={group} />
        </dd>
      </dl>
      <StatusActions group={group} />

      <section aria-label="Occurrences over time">
        <Title order={2} fz="md" mb="xs">
          Occurrences in the last 24 hours
        </Title>
        {occurrences ? <MetricChart result={occurrences} unit={{ unit: '', perSecond: false }} name="occurrences per minute" height={160} /> : <Text size="sm">None in the last 24 hours.</Text>}
      </section>

      {group.versions.length > 0 && (
        <section aria-label="Versions">
          <Title order={2} fz="md" mb="xs">
            Versions
          </Title>
          <Table.ScrollContainer minWidth={420}>
            <Table aria-label="Versions" verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Version</Table.Th>
                  <Table.Th ta="right">Count</Table.Th>
                  <Table.Th>First seen</Table.Th>
                  <Table.Th>Last seen</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {group.versions.map((v) => (
                  <Table.Tr key={v.version}>
                    <Table.Td className={classes.wrap}>{v.version}</Table.Td>
                    <Table.Td ta="right" className={classes.number}>
                      {count.format(v.count)}
                    </Table.Td>
                    <Table.Td className={classes.number}>{at(v.firstSeen)}</Table.Td>
                    <Table.Td className={classes.number}>{at(v.lastSeen)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </section>
      )}

      <section aria-label="Latest occurrence">
        <Group justify="space-between" mb="xs">
          <Title order={2} fz="md">
            Latest occurrence
          </Title>
          {sample.traceId && (
            <Button component={Link} to={traceUrl(sample.traceId, sample.spanId)} variant="light" size="xs">
              Open its trace
            </Button>
          )}
        </Group>
        <Stack gap="xs">
          <Text size="sm">
            {at(sample.t)}
            {sample.version && ` · version ${sample.version}`}
          </Text>
          <Text size="sm" className={classes.wrap}>
            <strong>{sample.type}</strong>
            {sample.message && `: ${sample.message}`}
          </Text>
          {sample.stacktrace ? (
            // tabIndex: a scrollable region is reachable, and scrolled, with the keyboard
            <Code block className={classes.stack} aria-label="Stack trace" tabIndex={0}>
              {sample.stacktrace}
            </Code>
          ) : (
            <Text size="sm" c="dimmed">
              No stack trace was sent with it.
            </Text>
          )}
          <Attributes attributes={sample.attributes} label="Attributes of the latest occurrence" />
        </Stack>
      </section>
    </Stack>
  );
}

/** One exception group (`/telemetry/exceptions/<id>`): its status and the actions on it, occurrences, versions and the latest stack trace. */
export default function ExceptionPage() {
  const { id = '' } = useParams();
  const valid = /^[1-9]\d{0,15}$/.test(id);
  const group = useException(Number(id), valid);
  useDocumentTitle(group.data ? `${group.data.title ?? group.data.type}: ${group.data.service}` : 'Exception');

  let body;
  if (!valid) body = <EmptyState title="This is not an exception group">An exception group’s address ends in its number.</EmptyState>;
  else if (group.isPending) body = <PageLoader label="Loading the exception" />;
  else if (group.error) {
    body =
      group.error instanceof ApiError && group.error.status === 404 ? (
        <EmptyState title="No such exception group">Groups not seen for 35 days are removed.</EmptyState>
      ) : (
        <ErrorState error={group.error} title="The exception could not be loaded" retry={() => void group.refetch()} />
      );
  } else body = <ExceptionBody group={group.data} />;

  return (
    <>
      <Breadcrumbs>
        <AppLink to="/telemetry/exceptions">Exceptions</AppLink>
        <Text size="sm">#{id}</Text>
      </Breadcrumbs>
      <PageHeader
        title={group.data ? group.data.title || group.data.type || 'Error' : 'Exception'}
        subtitle={group.data && <span className={classes.wrap}>{group.data.title ? `${group.data.type}: ${group.data.message}` : group.data.message}</span>}
      />
      {body}
    </>
  );
}
