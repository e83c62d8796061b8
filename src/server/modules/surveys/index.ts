import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { nameSchema } from '../../../shared/resource.schema.ts';
import {
  codeSchema,
  invitationListSchema,
  questionnaireViewSchema,
  responseSubmitSchema,
  roundCreateSchema,
  roundListSchema,
  roundResultsSchema,
  roundViewSchema,
  trendSchema,
} from '../../../shared/survey.schema.ts';
import type { Surveys } from './surveys.service.ts';

export { createSurveys, questionnaireOf, type Surveys } from './surveys.service.ts';

const surveyParams = z.object({ name: nameSchema });
const roundParams = surveyParams.extend({ number: z.coerce.number().int().min(1).max(1_000_000) });

/**
 * The anonymous endpoints take the personal code in the body and skip sign-in, request logging,
 * the request metrics and the audit log: nothing the server writes or counts ties a submission to
 * a person or a time. Anyone may call them, so their bodies are small (a full questionnaire with
 * its longest comment is under 20 kB).
 */
const anonymous = { logLevel: 'silent' as const, bodyLimit: 64 * 1024, config: { auth: false, csrf: false, metrics: false } };

/** Surveys: rounds (maintainers), invitations (each person's own), anonymous answers, results. */
export const surveyRoutes: FastifyPluginAsyncZod<{ surveys: Surveys }> = async (app, { surveys }) => {
  app.post(
    '/api/v1/surveys/:name/rounds',
    {
      schema: {
        tags: ['surveys'],
        summary: "Open (or schedule) a round: invites every member of the survey's target teams (members of the team running the survey)",
        params: surveyParams,
        body: roundCreateSchema,
        response: { 201: roundViewSchema },
      },
    },
    async (req, reply) => {
      const actor = req.requireActor('write');
      return reply.status(201).send(await surveys.openRound(actor, req.params.name, req.body));
    },
  );

  app.get(
    '/api/v1/surveys/:name/rounds',
    { schema: { tags: ['surveys'], summary: "A survey's rounds, newest first, with participation where the reporting minimum allows", params: surveyParams, response: { 200: roundListSchema } } },
    async (req) => {
      req.requireActor('read');
      return { items: await surveys.listRounds(req.params.name) };
    },
  );

  app.get(
    '/api/v1/surveys/:name/rounds/:number',
    { schema: { tags: ['surveys'], summary: 'One round', params: roundParams, response: { 200: roundViewSchema } } },
    async (req) => {
      req.requireActor('read');
      return surveys.getRound(req.params.name, req.params.number);
    },
  );

  app.post(
    '/api/v1/surveys/:name/rounds/:number/close',
    { schema: { tags: ['surveys'], summary: 'Close a round now (members of the team running the survey)', params: roundParams, response: { 200: roundViewSchema } } },
    async (req) => {
      const actor = req.requireActor('write');
      return surveys.closeRound(actor, req.params.name, req.params.number);
    },
  );

  app.post(
    '/api/v1/surveys/:name/rounds/:number/remind',
    {
      schema: {
        tags: ['surveys'],
        summary: 'Remind everyone invited who has not answered yet (members of the team running the survey; at most once a day)',
        description: 'Nobody learns who is reminded, nor how many: that could reveal how many answered.',
        params: roundParams,
        response: { 202: z.object({ remindedAt: z.string() }) },
      },
    },
    async (req, reply) => {
      const actor = req.requireActor('write');
      return reply.status(202).send(await surveys.remind(actor, req.params.name, req.params.number));
    },
  );

  app.get(
    '/api/v1/surveys/:name/rounds/:number/results',
    {
      schema: {
        tags: ['surveys'],
        summary: "A closed round's results: groups below the reporting minimum, or derivable from others, are withheld",
        description: 'The team running the survey and admins see every group; a member of a targeted team sees that team and the organisation. No individual response is ever returned.',
        params: roundParams,
        response: { 200: roundResultsSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      return surveys.results(actor, req.params.name, req.params.number);
    },
  );

  app.get(
    '/api/v1/surveys/:name/trend',
    { schema: { tags: ['surveys'], summary: "Each visible group's scores across closed rounds", params: surveyParams, response: { 200: trendSchema } } },
    async (req) => {
      const actor = req.requireActor('read');
      return surveys.trend(actor, req.params.name);
    },
  );

  app.get(
    '/api/v1/me/survey-invitations',
    { schema: { tags: ['surveys'], summary: 'My survey invitations, with my personal code while a round takes answers', response: { 200: invitationListSchema } } },
    async (req) => {
      const actor = req.requireActor('read');
      return { items: await surveys.invitations(actor) };
    },
  );

  app.post(
    '/api/v1/survey-responses/questionnaire',
    {
      ...anonymous,
      schema: { tags: ['surveys'], summary: 'What a personal code is asked (no sign-in: the code is the credential)', body: codeSchema, response: { 200: questionnaireViewSchema }, security: [] },
    },
    async (req) => surveys.questionnaire(req.body.code),
  );

  app.post(
    '/api/v1/survey-responses',
    {
      ...anonymous,
      schema: {
        tags: ['surveys'],
        summary: 'Answer a survey, once per personal code; stored with no link to the person, the code or the time',
        body: responseSubmitSchema,
        response: { 201: z.object({ recorded: z.literal(true) }) },
        security: [],
      },
    },
    async (req, reply) => {
      await surveys.respond(req.body);
      return reply.status(201).send({ recorded: true as const });
    },
  );
};
