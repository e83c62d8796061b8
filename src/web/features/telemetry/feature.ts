import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { metricListQuery, telemetryServicesQuery } from './telemetry.api.ts';

/** Telemetry: the Metrics page and the service page's Metrics tab (server: telemetry). */
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
  ],
  nav: [{ label: 'Metrics', to: '/telemetry/metrics', section: 'main', order: 50 }],
  serviceTabs: [
    {
      id: 'metrics',
      label: 'Metrics',
      order: 30,
      load: () => import('./service-metrics.tab.tsx'),
      // shown once the service has sent metrics; the tab's list then comes from the cache
      hasContent: async (service, qc) => (await qc.fetchQuery(metricListQuery(service.metadata.name))).items.length > 0,
    },
  ],
};
