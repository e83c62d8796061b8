import { Anchor, Breadcrumbs, Button, Group, Text } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../../app/api.ts';
import { AppLink } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDuration, formatTimestamp } from './metric-format.ts';
import { StatusBadge } from './telemetry-ui.tsx';
import { buildWaterfall } from './trace-tree.ts';
import { useTrace } from './traces.api.ts';
import { withParams } from './url-params.ts';
import { Waterfall } from './waterfall.tsx';
import classes from './waterfall.module.css';

/** The address of the logs of one trace: every service's, over the whole retention. */
const traceLogsUrl = (traceId: string) => `/telemetry/logs?trace=${encodeURIComponent(traceId)}&range=7d`;

/** One trace (`/telemetry/traces/<traceId>?span=<spanId>`): its waterfall, and the details of the span picked. */
export default function TracePage() {
  const { traceId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const valid = /^[0-9a-fA-F]{32}$/.test(traceId);
  const trace = useTrace(traceId, valid);
  const tree = trace.data ? buildWaterfall(trace.data.spans) : null;
  const root = tree?.root;
  useDocumentTitle(root ? `${root.service}: ${root.name}` : 'Trace');

  const crumbs = (
    <Breadcrumbs>
      <AppLink to="/telemetry/traces">Traces</AppLink>
      <Text size="sm" className={classes.mono}>
        {traceId}
      </Text>
    </Breadcrumbs>
  );

  let body;
  if (!valid) body = <EmptyState title="This is not a trace id">A trace id is 32 hexadecimal digits, as OpenTelemetry writes it.</EmptyState>;
  else if (trace.isPending) body = <PageLoader label="Loading the trace" />;
  else if (trace.error) {
    body =
      trace.error instanceof ApiError && trace.error.status === 404 ? (
        <EmptyState title="No such trace">
          Ethos has no span of trace {traceId}: traces are kept 7 days, and spans may still be on their way. <AppLink to={traceLogsUrl(traceId)}>Its logs</AppLink> may still be there.
        </EmptyState>
      ) : (
        <ErrorState error={trace.error} title="The trace could not be loaded" retry={() => void trace.refetch()} />
      );
  } else {
    body = <Waterfall spans={trace.data.spans} selected={params.get('span')} onSelect={(span) => setParams(withParams(params, { span }), { replace: true })} />;
  }

  const errors = trace.data?.spans.filter((s) => s.status === 'error').length ?? 0;
  return (
    <>
      {crumbs}
      <PageHeader
        title={root ? `${root.service}: ${root.name}` : 'Trace'}
        actions={
          valid && (
            <Button component={Link} to={traceLogsUrl(traceId)} variant="light" size="xs">
              Logs of this trace
            </Button>
          )
        }
        subtitle={
          tree && (
            <Group gap="md" component="span">
              <span>{formatTimestamp(tree.start)}</span>
              <span>{formatDuration(tree.durationMs)}</span>
              <span>
                {tree.rows.length === 1 ? '1 span' : `${tree.rows.length} spans`}
                {errors > 0 && `, ${errors} failed`}
              </span>
              <span>{tree.services.length === 1 ? '1 service' : `${tree.services.length} services`}</span>
              {root && <StatusBadge status={errors ? 'error' : root.status} />}
              {root?.route && (
                <Anchor component={Link} to={`/telemetry/traces?${new URLSearchParams({ service: root.service, route: root.route })}`} size="sm">
                  Other traces of {root.route}
                </Anchor>
              )}
            </Group>
          )
        }
      />
      {body}
    </>
  );
}

