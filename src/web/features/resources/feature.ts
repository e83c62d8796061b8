import { lazyPage, type WebFeature } from '../../app/feature.ts';

/** Editing, history, diff and rollback of any kind of resource (server: resources). */
export const resourcesFeature: WebFeature = {
  name: 'resources',
  routes: [
    lazyPage('/resources/:kind/new', () => import('./editor.page.tsx')),
    lazyPage('/resources/:kind/:name/edit', () => import('./editor.page.tsx')),
    lazyPage('/resources/:kind/:name/history', () => import('./history.page.tsx')),
  ],
  serviceTabs: [{ id: 'history', label: 'History', order: 10, load: () => import('./history.tab.tsx') }],
};
