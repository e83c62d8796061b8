import { Select, Stack } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { AppLink } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { MetricsExplorer } from './metrics-explorer.tsx';
import { useTelemetryServices } from './telemetry.api.ts';

/** The metrics of any service that has sent some (`/telemetry/metrics?service=…&metric=…`). */
export default function MetricsPage() {
  useDocumentTitle('Metrics');
  const [params, setParams] = useSearchParams();
  const services = useTelemetryServices();
  const service = params.get('service');

  let body;
  if (services.isPending) body = <PageLoader label="Loading services" />;
  else if (services.error) body = <ErrorState error={services.error} retry={() => void services.refetch()} />;
  else if (!services.data.length) {
    body = (
      <EmptyState title="No service has sent metrics yet">
        Services send them with OpenTelemetry’s OTLP exporter, or a Prometheus server by remote write, with a token that has the ingest scope (<AppLink to="/account/tokens">API tokens</AppLink>).
      </EmptyState>
    );
  } else {
    body = (
      <Stack>
        <Select
          label="Service"
          placeholder="Pick a service"
          searchable
          w={320}
          maw="100%"
          data={services.data}
          value={service}
          allowDeselect={false}
          nothingFoundMessage="No service of that name has sent metrics"
          // another service has other metrics: its chart settings do not carry over
          onChange={(v) => v && setParams(new URLSearchParams({ service: v, ...(params.get('range') ? { range: params.get('range')! } : {}) }))}
        />
        {service ? <MetricsExplorer key={service} service={service} /> : <EmptyState title="Pick a service">{`${services.data.length} ${services.data.length === 1 ? 'service has' : 'services have'} sent metrics.`}</EmptyState>}
      </Stack>
    );
  }

  return (
    <>
      <PageHeader title="Metrics" subtitle="What services send with OpenTelemetry or Prometheus remote write: pick a service, then a metric. The address keeps the chart’s settings: share it as a link." />
      {body}
    </>
  );
}
