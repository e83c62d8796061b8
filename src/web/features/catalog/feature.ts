import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { catalogFilter, resourceListQuery, resourceQuery } from './catalog.api.ts';

/** Services and teams: lists, pages and team creation (server: catalog). */
export const catalogFeature: WebFeature = {
  name: 'catalog',
  routes: [
    lazyPage('/services', () => import('./services.page.tsx'), { prefetch: (qc, { search }) => void qc.prefetchQuery(resourceListQuery('Service', catalogFilter(search))) }),
    lazyPage('/services/:name/:tab?', () => import('./service.page.tsx'), { prefetch: (qc, { params }) => void qc.prefetchQuery(resourceQuery('Service', params.name ?? '')) }),
    lazyPage('/teams', () => import('./teams.page.tsx')),
    lazyPage('/teams/new', () => import('./create-team.page.tsx')),
    lazyPage('/teams/:name', () => import('./team.page.tsx')),
    lazyPage('/admin/teams', () => import('./team-membership.page.tsx')),
  ],
  nav: [
    { label: 'Services', to: '/services', section: 'main', order: 20 },
    { label: 'Teams', to: '/teams', section: 'main', order: 30 },
    { label: 'Team membership', to: '/admin/teams', section: 'admin', order: 20, visible: (me) => me.user.admin },
  ],
};
