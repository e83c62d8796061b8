import { lazyPage, type WebFeature } from '../../app/feature.ts';

/** Change requests: inbox, outbox, review and merge (server: changes). */
export const changesFeature: WebFeature = {
  name: 'changes',
  routes: [lazyPage('/change-requests', () => import('./change-requests.page.tsx')), lazyPage('/change-requests/:id', () => import('./change-request.page.tsx'))],
  nav: [{ label: 'Change requests', to: '/change-requests', section: 'main', order: 40 }],
  serviceTabs: [{ id: 'change-requests', label: 'Change requests', order: 20, load: () => import('./service-change-requests.tab.tsx') }],
};
