import { lazyPage, type WebFeature } from '../../app/feature.ts';

/** Sign-in, your own account and tokens; users and all tokens for admins (server: identity). */
export const identityFeature: WebFeature = {
  name: 'identity',
  publicRoutes: [lazyPage('/sign-in', () => import('./sign-in.page.tsx'))],
  sessionRoutes: [lazyPage('/change-password', () => import('./change-password.page.tsx'))],
  routes: [
    lazyPage('/account', () => import('./account.page.tsx')),
    lazyPage('/account/tokens', () => import('./tokens.page.tsx')),
    lazyPage('/admin/users', () => import('./users.page.tsx')),
    lazyPage('/admin/tokens', () => import('./all-tokens.page.tsx')),
  ],
  nav: [
    { label: 'Users', to: '/admin/users', section: 'admin', order: 10, visible: (me) => me.user.admin },
    { label: 'All API tokens', to: '/admin/tokens', section: 'admin', order: 30, visible: (me) => me.user.admin },
    { label: 'Profile and password', to: '/account', section: 'account', order: 10 },
    { label: 'API tokens', to: '/account/tokens', section: 'account', order: 20 },
  ],
};
