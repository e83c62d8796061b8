import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { onCallQuery } from './oncall.api.ts';

/** On-call: the On-call page (who is on call now, the next two weeks) and a team page's "On call now" (server: alerting's on-call). */
export const onCallFeature: WebFeature = {
  name: 'oncall',
  routes: [
    lazyPage('/oncall', () => import('./oncall.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(onCallQuery(search.get('team'))),
    }),
  ],
  nav: [{ label: 'On call', to: '/oncall', section: 'main', order: 46 }],
  teamSections: [{ id: 'oncall', order: 20, load: () => import('./team-oncall.section.tsx') }],
};
