import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { ALERT_RULE_KIND, alertFilter, alertingResourcesQuery, alertListQuery, CONTACT_POINT_KIND, deliveryFilter, deliveryListQuery, hasMetricCondition, NOTIFICATION_POLICY_KIND, serviceHasRules, SILENCE_KIND } from './alerting.api.ts';
import { FiringBadge } from './firing-badge.tsx';

/**
 * Alerting: the Alerts, Silences, routing and deliveries pages, the firing count in the navigation,
 * the service page's Alerts tab, and panels under the editor: a rule's preview, a contact point's test
 * (server: alerting).
 */
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
    lazyPage('/alerts/deliveries', () => import('./deliveries.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(deliveryListQuery(deliveryFilter(search))),
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
  editorPanels: [
    { id: 'rule-preview', kind: ALERT_RULE_KIND, order: 10, visible: hasMetricCondition, load: () => import('./rule-preview.panel.tsx') },
    { id: 'contact-point-test', kind: CONTACT_POINT_KIND, order: 10, load: () => import('./contact-point-test.panel.tsx') },
  ],
};
