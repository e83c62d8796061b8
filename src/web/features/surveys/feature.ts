import { lazyPage, type WebFeature } from '../../app/feature.ts';
import { invitationsQuery, resultsQuery, roundsQuery, surveyListQuery, surveyQuery } from './surveys.api.ts';

/** Surveys: invitations, surveys and their rounds, results, and the anonymous questionnaire (server: surveys). */
export const surveysFeature: WebFeature = {
  name: 'surveys',
  // the questionnaire needs no sign-in: the personal code in the link is the credential
  publicRoutes: [lazyPage('/surveys/respond', () => import('./respond.page.tsx'))],
  routes: [
    lazyPage('/surveys', () => import('./surveys.page.tsx'), {
      prefetch: (qc) => {
        void qc.prefetchQuery(invitationsQuery);
        void qc.prefetchQuery(surveyListQuery);
      },
    }),
    lazyPage('/surveys/:name', () => import('./survey.page.tsx'), {
      prefetch: (qc, { params }) => {
        void qc.prefetchQuery(surveyQuery(params.name ?? ''));
        void qc.prefetchQuery(roundsQuery(params.name ?? ''));
      },
    }),
    lazyPage('/surveys/:name/rounds/:round', () => import('./results.page.tsx'), {
      prefetch: (qc, { params }) => {
        const round = Number(params.round);
        if (Number.isSafeInteger(round) && round > 0) void qc.prefetchQuery(resultsQuery(params.name ?? '', round));
      },
    }),
  ],
  nav: [{ label: 'Surveys', to: '/surveys', section: 'main', order: 60 }],
  teamSections: [{ id: 'surveys', order: 30, load: () => import('./team-surveys.section.tsx') }],
};
