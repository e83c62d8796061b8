import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { incidentCreateSchema, incidentDetailSchema, incidentListQuerySchema, incidentListSchema, incidentNoteSchema, incidentPatchSchema } from '../../../shared/incident.schema.ts';
import type { Incidents } from './incidents.service.ts';

export { createIncidents, type Incidents } from './incidents.service.ts';

const idParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/** Incidents: everyone signed in reads them; members of the team owning the service open and change them. */
export const incidentRoutes: FastifyPluginAsyncZod<{ incidents: Incidents }> = async (app, { incidents }) => {
  app.get(
    '/api/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents: open ones first, then newest first',
        querystring: incidentListQuerySchema,
        response: { 200: incidentListSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      return incidents.list(req.query);
    },
  );

  app.post(
    '/api/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Open an incident by hand (members of the team owning the service)',
        body: incidentCreateSchema,
        response: { 201: incidentDetailSchema },
      },
    },
    async (req, reply) => {
      const actor = req.requireActor('write');
      return reply.status(201).send(await incidents.open(actor, req.body));
    },
  );

  app.get(
    '/api/v1/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'An incident with its timeline (oldest first) and linked alerts',
        params: idParams,
        response: { 200: incidentDetailSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      return incidents.get(req.params.id);
    },
  );

  app.patch(
    '/api/v1/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Change status, commander, impact, resolution or title (members of the owning team); resolving needs a resolution',
        params: idParams,
        body: incidentPatchSchema,
        response: { 200: incidentDetailSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      return incidents.update(actor, req.params.id, req.body);
    },
  );

  app.post(
    '/api/v1/incidents/:id/notes',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Add a note to the timeline (members of the owning team)',
        params: idParams,
        body: incidentNoteSchema,
        response: { 201: incidentDetailSchema },
      },
    },
    async (req, reply) => {
      const actor = req.requireActor('write');
      return reply.status(201).send(await incidents.addNote(actor, req.params.id, req.body.text));
    },
  );
};
