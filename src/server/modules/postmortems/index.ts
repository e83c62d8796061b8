import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  actionItemCreateSchema,
  actionItemListQuerySchema,
  actionItemListSchema,
  actionItemPatchSchema,
  actionItemSchema,
  actionItemStatsQuerySchema,
  actionItemStatsSchema,
  digestQuerySchema,
  digestSchema,
  languageNamesSchema,
  postmortemCommentCreateSchema,
  postmortemCreateSchema,
  postmortemDetailSchema,
  postmortemListQuerySchema,
  postmortemListSchema,
  postmortemPatchSchema,
  postmortemRevisionListSchema,
  postmortemStatusSchema,
} from '../../../shared/postmortem.schema.ts';
import type { ActionItems } from './action-items.service.ts';
import type { Postmortems } from './postmortems.service.ts';

export { createActionItems, type ActionItems } from './action-items.service.ts';
export { createPostmortems, type Postmortems } from './postmortems.service.ts';

const idParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/**
 * Postmortems and action items. Drafts and reviews are the owning team's (others get 404);
 * published postmortems are everyone's to read and search. Members of the owning team write them;
 * only an action item's owner team changes its status.
 */
export const postmortemRoutes: FastifyPluginAsyncZod<{ postmortems: Postmortems; actionItems: ActionItems }> = async (app, { postmortems, actionItems }) => {
  const tags = ['postmortems'];

  app.get(
    '/api/v1/postmortems',
    { schema: { tags, summary: 'Postmortems you may read, newest first; q searches published ones', querystring: postmortemListQuerySchema, response: { 200: postmortemListSchema } } },
    async (req) => postmortems.list(req.requireActor('read'), req.query),
  );

  app.post(
    '/api/v1/postmortems',
    {
      schema: {
        tags,
        summary: 'Start a postmortem (members of the owning team): from an incident, its title, impact, resolution, times and timeline are taken over',
        body: postmortemCreateSchema,
        response: { 201: postmortemDetailSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await postmortems.create(req.requireActor('write'), req.body)),
  );

  app.get(
    '/api/v1/postmortems/digest',
    { schema: { tags, summary: 'Recently published postmortems with their lessons learned', querystring: digestQuerySchema, response: { 200: digestSchema } } },
    async (req) => {
      req.requireActor('read');
      return postmortems.digest(req.query);
    },
  );

  app.get(
    '/api/v1/postmortems/names',
    { schema: { tags, summary: 'The names the blameless language check flags (users’ names and display names)', response: { 200: languageNamesSchema } } },
    async (req) => {
      req.requireActor('read');
      return { names: await postmortems.names() };
    },
  );

  app.get(
    '/api/v1/postmortems/:id',
    { schema: { tags, summary: 'A postmortem with its sections, timeline, action items, comments and blameless advice', params: idParams, response: { 200: postmortemDetailSchema } } },
    async (req) => postmortems.get(req.requireActor('read'), req.params.id),
  );

  app.patch(
    '/api/v1/postmortems/:id',
    {
      schema: {
        tags,
        summary: 'Edit sections, title, times, timeline or links (members of the owning team); each change is a revision; warnings advise, never block',
        params: idParams,
        body: postmortemPatchSchema,
        response: { 200: postmortemDetailSchema },
      },
    },
    async (req) => postmortems.update(req.requireActor('write'), req.params.id, req.body),
  );

  app.post(
    '/api/v1/postmortems/:id/status',
    { schema: { tags, summary: 'Move to draft, in-review or published (members of the owning team); publishing needs a summary', params: idParams, body: postmortemStatusSchema, response: { 200: postmortemDetailSchema } } },
    async (req) => postmortems.setStatus(req.requireActor('write'), req.params.id, req.body.status),
  );

  app.post(
    '/api/v1/postmortems/:id/comments',
    { schema: { tags, summary: 'Add a review comment (anyone who may read it)', params: idParams, body: postmortemCommentCreateSchema, response: { 201: postmortemDetailSchema } } },
    async (req, reply) => reply.status(201).send(await postmortems.addComment(req.requireActor('write'), req.params.id, req.body.text)),
  );

  app.get(
    '/api/v1/postmortems/:id/revisions',
    { schema: { tags, summary: 'Who changed what and when, newest first', params: idParams, response: { 200: postmortemRevisionListSchema } } },
    async (req) => ({ items: await postmortems.revisions(req.requireActor('read'), req.params.id) }),
  );

  app.get(
    '/api/v1/action-items',
    { schema: { tags, summary: 'Action items you may see: overdue first, then by due date', querystring: actionItemListQuerySchema, response: { 200: actionItemListSchema } } },
    async (req) => actionItems.list(req.requireActor('read'), req.query),
  );

  app.post(
    '/api/v1/action-items',
    {
      schema: {
        tags,
        summary: 'Add an action item: to a postmortem (its team’s members, for any owner team) or standalone (the owner team’s members); the owner team is notified',
        body: actionItemCreateSchema,
        response: { 201: actionItemSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await actionItems.create(req.requireActor('write'), req.body)),
  );

  app.get(
    '/api/v1/action-items/stats',
    { schema: { tags, summary: 'A team’s completion rate: done on time, done, overdue, open', querystring: actionItemStatsQuerySchema, response: { 200: actionItemStatsSchema } } },
    async (req) => {
      req.requireActor('read');
      return actionItems.stats(req.query.team);
    },
  );

  app.get(
    '/api/v1/action-items/:id',
    { schema: { tags, summary: 'One action item', params: idParams, response: { 200: actionItemSchema } } },
    async (req) => actionItems.get(req.requireActor('read'), req.params.id),
  );

  app.patch(
    '/api/v1/action-items/:id',
    {
      schema: {
        tags,
        summary: 'Change an action item: its status only by members of its owner team; the rest by its team or the postmortem’s',
        params: idParams,
        body: actionItemPatchSchema,
        response: { 200: actionItemSchema },
      },
    },
    async (req) => actionItems.update(req.requireActor('write'), req.params.id, req.body),
  );
};
