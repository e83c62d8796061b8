import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { logFilter, logSearchQuery, serviceHasLogsQuery } from './logs.api.ts';
import { metricListQuery, telemetryServicesQuery } from './telemetry.api.ts';
import { serviceHasTracesQuery, traceFilter, traceQuery, traceSearchQuery } from './traces.api.ts';

/** Telemetry: the Metrics, Logs and Traces pages and the service page's tabs of each (server: telemetry). */
export const telemetryFeature: WebFeature = {
  name: 'telemetry',
  routes: [
    lazyPage('/telemetry/metrics', () => import('./metrics.page.tsx'), {
      prefetch: (qc, { search }) => {
        void qc.prefetchQuery(telemetryServicesQuery);
        const service = search.get('service');
        if (service) void qc.prefetchQuery(metricListQuery(service));
      },
    }),
    lazyPage('/telemetry/logs', () => import('./logs.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchInfiniteQuery(logSearchQuery(logFilter(search))),
    }),
    lazyPage('/telemetry/traces', () => import('./traces.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(traceSearchQuery(traceFilter(search))),
    }),
    lazyPage('/telemetry/traces/:traceId', () => import('./trace.page.tsx'), {
      prefetch: (qc, { params }) => {
        if (/^[0-9a-fA-F]{32}$/.test(params.traceId ?? '')) void qc.prefetchQuery(traceQuery(params.traceId!));
      },
    }),
  ],
  nav: [
    { label: 'Metrics', to: '/telemetry/metrics', section: 'main', order: 50 },
    { label: 'Logs', to: '/telemetry/logs', section: 'main', order: 52 },
    { label: 'Traces', to: '/telemetry/traces', section: 'main', order: 54 },
  ],
  serviceTabs: [
    {
      id: 'metrics',
      label: 'Metrics',
      order: 30,
      load: () => import('./service-metrics.tab.tsx'),
      // shown once the service has sent metrics; the tab's list then comes from the cache
      hasContent: async (service, qc) => (await qc.fetchQuery(metricListQuery(service.metadata.name))).items.length > 0,
    },
    {
      id: 'logs',
      label: 'Logs',
      order: 32,
      load: () => import('./service-logs.tab.tsx'),
      // shown when the service has a record of the last 7 days (the retention)
      hasContent: (service, qc) => qc.fetchQuery(serviceHasLogsQuery(service.metadata.name)),
    },
    {
      id: 'traces',
      label: 'Traces',
      order: 34,
      load: () => import('./service-traces.tab.tsx'),
      hasContent: (service, qc) => qc.fetchQuery(serviceHasTracesQuery(service.metadata.name)),
    },
  ],
};
