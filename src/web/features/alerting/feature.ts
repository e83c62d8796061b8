import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { alertFilter, alertingResourcesQuery, alertListQuery, CONTACT_POINT_KIND, NOTIFICATION_POLICY_KIND, serviceHasRules, SILENCE_KIND } from './alerting.api.ts';
import { FiringBadge } from './firing-badge.tsx';

/** Alerting: the Alerts, Silences and routing pages, the firing count in the navigation, and the service page's Alerts tab (server: alerting). */
export const alertingFeature: WebFeature = {
  name: 'alerting',
  routes: [
    lazyPage('/alerts', () => import('./alerts.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(alertListQuery(alertFilter(search))),
    }),
    lazyPage('/alerts/silences', () => import('./silences.page.tsx'), {
      prefetch: (qc) => void qc.prefetchQuery(alertingResourcesQuery(SILENCE_KIND)),
    }),
    lazyPage('/alerts/routing', () => import('./routing.page.tsx'), {
      prefetch: (qc) => {
        void qc.prefetchQuery(alertingResourcesQuery(CONTACT_POINT_KIND));
        void qc.prefetchQuery(alertingResourcesQuery(NOTIFICATION_POLICY_KIND));
      },
    }),
  ],
  nav: [{ label: 'Alerts', to: '/alerts', section: 'main', order: 45, badge: FiringBadge }],
  serviceTabs: [
    {
      id: 'alerts',
      label: 'Alerts',
      order: 28,
      load: () => import('./service-alerts.tab.tsx'),
      // shown once the service has an alert rule; its own address opens it before, for the first one
      hasContent: serviceHasRules,
    },
  ],
};
