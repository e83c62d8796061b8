import { queryOptions } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import type { InvitationView, QuestionnaireView, RoundResults, RoundView, SurveySpec, Trend } from '../../../shared/survey.schema.ts';

/*
 * feature.ts imports this module for its prefetches, so it ships in the app's entry script: only
 * queries and constants live here (types come from the shared schema without importing zod).
 */

export type { InvitationView, QuestionnaireView, RoundResults, RoundView, SurveySpec, Trend };
export type SurveyView = ResourceView & { spec: SurveySpec };

export const SURVEY_KIND = 'Survey';
/** The group name of all targeted teams together. */
export const ORGANISATION = 'organisation';

/** Every survey query starts with this key: a change refreshes them all. */
export const surveysKey = ['surveys'] as const;

export const surveyUrl = (name: string) => `/surveys/${encodeURIComponent(name)}`;
export const resultsUrl = (name: string, round: number) => `${surveyUrl(name)}/rounds/${round}`;
/** The personal link: the code rides in the fragment, which browsers never send to a server. */
export const respondUrl = (code: string) => `/surveys/respond#code=${encodeURIComponent(code)}`;

export const surveyListQuery = queryOptions({
  queryKey: [...surveysKey, 'list'],
  queryFn: ({ signal }) => api<{ items: SurveyView[] }>(`/resources/${SURVEY_KIND}`, { query: { limit: 200 }, signal }),
});

export const invitationsQuery = queryOptions({
  queryKey: [...surveysKey, 'invitations'],
  queryFn: ({ signal }) => api<{ items: InvitationView[] }>('/me/survey-invitations', { signal }),
});

export function surveyQuery(name: string) {
  return queryOptions({ queryKey: [...surveysKey, 'one', name], queryFn: ({ signal }) => api<SurveyView>(`/resources/${SURVEY_KIND}/${encodeURIComponent(name)}`, { signal }) });
}

export function roundsQuery(name: string) {
  return queryOptions({ queryKey: [...surveysKey, 'rounds', name], queryFn: ({ signal }) => api<{ items: RoundView[] }>(`/surveys/${encodeURIComponent(name)}/rounds`, { signal }) });
}

export function resultsQuery(name: string, round: number) {
  return queryOptions({
    queryKey: [...surveysKey, 'results', name, round],
    queryFn: ({ signal }) => api<RoundResults>(`/surveys/${encodeURIComponent(name)}/rounds/${round}/results`, { signal }),
    retry: false,
  });
}

export function trendQuery(name: string) {
  return queryOptions({ queryKey: [...surveysKey, 'trend', name], queryFn: ({ signal }) => api<Trend>(`/surveys/${encodeURIComponent(name)}/trend`, { signal }), retry: false });
}
