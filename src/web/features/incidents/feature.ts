import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { incidentFilter, incidentListQuery, incidentQuery } from './incidents.api.ts';

/** Incidents: the list (open first) and each incident's page with its timeline (server: incidents). */
export const incidentsFeature: WebFeature = {
  name: 'incidents',
  routes: [
    lazyPage('/incidents', () => import('./incidents.page.tsx'), {
      prefetch: (qc, { search }) => void qc.prefetchQuery(incidentListQuery(incidentFilter(search))),
    }),
    lazyPage('/incidents/:id', () => import('./incident.page.tsx'), {
      prefetch: (qc, { params }) => {
        const id = Number(params.id);
        if (Number.isSafeInteger(id) && id > 0) void qc.prefetchQuery(incidentQuery(id));
      },
    }),
  ],
  nav: [{ label: 'Incidents', to: '/incidents', section: 'main', order: 46 }],
};
