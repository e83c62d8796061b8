import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { resourceListQuery, resourceQuery } from '../catalog/catalog.api.ts';
import { exceptionFilter, exceptionListQuery, exceptionQuery, serviceHasExceptionsQuery } from './exceptions.api.ts';
import { RED } from './red-health.ts';
import { logFilter, logSearchQuery, serviceHasLogsQuery } from './logs.api.ts';
import { quotaQuery, USAGE_PAGE_SIZE } from './quotas.api.ts';
import { metricListQuery, telemetryServicesQuery } from './telemetry.api.ts';
import { serviceHasTracesQuery, traceFilter, traceQuery, traceSearchQuery } from './traces.api.ts';

/** Telemetry: the Metrics, Logs, Traces, Exceptions and usage pages, the service page's Health tab and a tab of each, and the team page's usage (server: telemetry). */
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
    lazyPage('/telemetry/exceptions', () => import('./exceptions.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(exceptionListQuery(exceptionFilter(search))),
    }),
    lazyPage('/telemetry/exceptions/:id', () => import('./exception.page.tsx'), {
      prefetch: (qc, { params }) => {
        if (/^[1-9]\d{0,15}$/.test(params.id ?? '')) void qc.prefetchQuery(exceptionQuery(Number(params.id)));
      },
    }),
    lazyPage('/telemetry/usage', () => import('./quotas.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(resourceListQuery('Team', { q: search.get('q')?.trim() || undefined, limit: USAGE_PAGE_SIZE })),
    }),
    lazyPage('/telemetry/usage/:team', () => import('./team-usage.page.tsx'), {
      prefetch: (qc, { params }) => {
        if (!params.team) return;
        void qc.prefetchQuery(resourceQuery('Team', params.team));
        void qc.prefetchQuery(quotaQuery(params.team));
      },
    }),
  ],
  nav: [
    { label: 'Metrics', to: '/telemetry/metrics', section: 'main', order: 50 },
    { label: 'Logs', to: '/telemetry/logs', section: 'main', order: 52 },
    { label: 'Traces', to: '/telemetry/traces', section: 'main', order: 54 },
    { label: 'Exceptions', to: '/telemetry/exceptions', section: 'main', order: 56 },
    { label: 'Telemetry usage', to: '/telemetry/usage', section: 'main', order: 58 },
  ],
  teamSections: [{ id: 'telemetry-usage', order: 10, load: () => import('./team-usage.section.tsx') }],
  serviceTabs: [
    {
      id: 'health',
      label: 'Health',
      order: 29,
      load: () => import('./service-health.tab.tsx'),
      // shown once the service's server spans have given it RED metrics
      hasContent: async (service, qc) => (await qc.fetchQuery(metricListQuery(service.metadata.name))).items.some((m) => m.name === RED.requests),
    },
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
    {
      id: 'exceptions',
      label: 'Exceptions',
      order: 36,
      load: () => import('./service-exceptions.tab.tsx'),
      hasContent: (service, qc) => qc.fetchQuery(serviceHasExceptionsQuery(service.metadata.name)),
    },
  ],
};
