import { lazyPage, type WebFeature } from '../../app/feature.ts';

/** The audit log (server: audit), for admins. */
export const auditFeature: WebFeature = {
  name: 'audit',
  routes: [lazyPage('/admin/audit', () => import('./audit.page.tsx'))],
  nav: [{ label: 'Audit log', to: '/admin/audit', section: 'admin', order: 40, visible: (me) => me.user.admin }],
};
