import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { ALERT_RULE_KIND, alertFilter, alertingResourcesQuery, alertListQuery, CONTACT_POINT_KIND, deliveryFilter, deliveryListQuery, hasMetricCondition, NOTIFICATION_POLICY_KIND, serviceHasRules, SILENCE_KIND } from './alerting.api.ts';
import { FiringBadge } from './firing-badge.tsx';
import { serviceHasSlos, sloFilter, sloHistoryQuery, sloListQuery, sloRange, sloStatusQuery } from './slo.api.ts';

/**
 * Alerting: the Alerts, Silences, routing, deliveries and SLO pages, the firing count in the navigation,
 * the service page's Alerts and SLOs tabs, and panels under the editor: a rule's preview, a contact point's test
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
    lazyPage('/slos', () => import('./slos.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(sloListQuery(sloFilter(search))),
    }),
    lazyPage('/slos/:name', () => import('./slo.page.tsx'), {
      prefetch: (qc, { params, search }) => {
        if (!params.name) return;
        void qc.prefetchQuery(sloStatusQuery(params.name));
        void qc.prefetchQuery(sloHistoryQuery(params.name, sloRange(search)));
      },
    }),
  ],
  nav: [
    { label: 'Alerts', to: '/alerts', section: 'main', order: 45, badge: FiringBadge },
    { label: 'SLOs', to: '/slos', section: 'main', order: 45.5 },
  ],
  serviceTabs: [
    {
      id: 'alerts',
      label: 'Alerts',
      order: 28,
      load: () => import('./service-alerts.tab.tsx'),
      // shown once the service has an alert rule; its own address opens it before, for the first one
      hasContent: serviceHasRules,
    },
    { id: 'slos', label: 'SLOs', order: 28.5, load: () => import('./service-slos.tab.tsx'), hasContent: serviceHasSlos },
  ],
  editorPanels: [
    { id: 'rule-preview', kind: ALERT_RULE_KIND, order: 10, visible: hasMetricCondition, load: () => import('./rule-preview.panel.tsx') },
    { id: 'contact-point-test', kind: CONTACT_POINT_KIND, order: 10, load: () => import('./contact-point-test.panel.tsx') },
  ],
};
