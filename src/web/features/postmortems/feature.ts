import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { actionItemFilter, actionItemListQuery, digestQuery, postmortemFilter, postmortemListQuery, postmortemQuery } from './postmortems.api.ts';

/**
 * Postmortems: the list with search and the digest of recent lessons, writing one (from an
 * incident or standalone), its page and editor, the action items page and a team page's
 * "Action items" (server: postmortems).
 */
export const postmortemsFeature: WebFeature = {
  name: 'postmortems',
  routes: [
    lazyPage('/postmortems', () => import('./postmortems.page.tsx'), {
      prefetch: (qc, { search }) => {
        void qc.prefetchQuery(postmortemListQuery(postmortemFilter(search)));
        void qc.prefetchQuery(digestQuery(30));
      },
    }),
    lazyPage('/postmortems/new', () => import('./new-postmortem.page.tsx')),
    lazyPage('/postmortems/:id', () => import('./postmortem.page.tsx'), {
      prefetch: (qc, { params }) => {
        const id = Number(params.id);
        if (Number.isSafeInteger(id) && id > 0) void qc.prefetchQuery(postmortemQuery(id));
      },
    }),
    lazyPage('/action-items', () => import('./action-items.page.tsx'), {
      prefetch: (qc, { search }) => {
        const f = actionItemFilter(search);
        if (f.teams.length) void qc.prefetchQuery(actionItemListQuery(f));
      },
    }),
  ],
  nav: [
    { label: 'Postmortems', to: '/postmortems', section: 'main', order: 47 },
    { label: 'Action items', to: '/action-items', section: 'main', order: 48 },
  ],
  teamSections: [{ id: 'action-items', order: 40, load: () => import('./team-action-items.section.tsx') }],
};
