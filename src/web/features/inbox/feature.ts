import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { InboxButton } from './inbox-button.tsx';
import { inboxFilter, inboxQuery } from './inbox.api.ts';

/** Notifications: the inbox page and the unread badge in the header (server: inbox). */
export const inboxFeature: WebFeature = {
  name: 'inbox',
  routes: [lazyPage('/inbox', () => import('./inbox.page.tsx'), { prefetch: (qc, { search }) => void qc.prefetchQuery(inboxQuery(inboxFilter(search))) })],
  nav: [{ label: 'Inbox', to: '/inbox', section: 'main', order: 15 }],
  header: [{ id: 'inbox', order: 10, Component: InboxButton }],
};
