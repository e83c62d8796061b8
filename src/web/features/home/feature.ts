import { lazyPage, type WebFeature } from '../../app/feature.ts';

/** The home page: my teams, their services, change requests and recent activity. */
export const homeFeature: WebFeature = {
  name: 'home',
  routes: [lazyPage(undefined, () => import('./home.page.tsx'))],
  nav: [{ label: 'Home', to: '/', section: 'main', order: 10 }],
};
