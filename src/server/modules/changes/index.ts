import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  applyRequestSchema,
  applyResultSchema,
  changeRequestCreateSchema,
  changeRequestPatchSchema,
  changeRequestViewSchema,
  reviewCreateSchema,
} from '../../../shared/api.schema.ts';
import type { ChangeService } from './changes.service.ts';

export { createChangeService, type ChangeService } from './changes.service.ts';

const idParams = z.object({ id: z.coerce.number().int().min(1) });

/** Change requests and declarative apply. */
export const changeRoutes: FastifyPluginAsyncZod<{ changes: ChangeService }> = async (app, { changes }) => {
  app.post(
    '/api/v1/apply',
    {
      schema: {
        tags: ['resources'],
        summary: 'Apply documents: write what you own, propose the rest. dryRun shows the outcome and diffs only',
        body: applyRequestSchema,
        response: { 200: z.object({ dryRun: z.boolean(), results: z.array(applyResultSchema) }) },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      return { dryRun: req.body.dryRun, results: await changes.apply(actor, req.body.documents, req.body.dryRun, req.body.message) };
    },
  );

  app.get(
    '/api/v1/change-requests',
    {
      schema: {
        tags: ['change-requests'],
        summary: 'List change requests; toReview=true is your inbox, mine=true your outbox',
        querystring: z.object({
          state: z.enum(['open', 'merged', 'closed']).optional(),
          owner: z.string().max(63).optional(),
          author: z.string().max(200).optional(),
          kind: z.string().max(63).optional(),
          name: z.string().max(63).optional(),
          toReview: z.enum(['true', 'false']).optional(),
          mine: z.enum(['true', 'false']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.coerce.number().int().optional(),
        }),
        response: { 200: z.object({ items: z.array(changeRequestViewSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      return changes.list(req.requireActor('read'), { ...q, toReview: q.toReview === 'true', mine: q.mine === 'true' });
    },
  );

  app.post(
    '/api/v1/change-requests',
    {
      schema: {
        tags: ['change-requests'],
        summary: 'Propose a change: a document (create or update) or a deletion, against a base revision',
        body: changeRequestCreateSchema,
        response: { 201: changeRequestViewSchema, 200: changeRequestViewSchema },
      },
    },
    async (req, reply) => {
      const { existing, view } = await changes.open(req.requireActor('write'), req.body);
      return reply.status(existing ? 200 : 201).send(view);
    },
  );

  app.get(
    '/api/v1/change-requests/:id',
    { schema: { tags: ['change-requests'], summary: 'A change request with its diff, reviews and any conflict', params: idParams, response: { 200: changeRequestViewSchema } } },
    async (req) => changes.get(req.requireActor('read'), req.params.id),
  );

  app.patch(
    '/api/v1/change-requests/:id',
    {
      schema: {
        tags: ['change-requests'],
        summary: 'Update the proposal (author; drops approvals) or close it (author or owners)',
        params: idParams,
        body: changeRequestPatchSchema,
        response: { 200: changeRequestViewSchema },
      },
    },
    async (req) => changes.update(req.requireActor('write'), req.params.id, req.body),
  );

  app.post(
    '/api/v1/change-requests/:id/reviews',
    {
      schema: {
        tags: ['change-requests'],
        summary: 'Review: approve or request changes (owners), or comment (anyone)',
        params: idParams,
        body: reviewCreateSchema,
        response: { 201: changeRequestViewSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await changes.review(req.requireActor('write'), req.params.id, req.body.verdict, req.body.body)),
  );

  app.post(
    '/api/v1/change-requests/:id/merge',
    { schema: { tags: ['change-requests'], summary: 'Merge an approved, up-to-date change request (owners)', params: idParams, response: { 200: changeRequestViewSchema } } },
    async (req) => changes.merge(req.requireActor('write'), req.params.id),
  );
};
