import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { permissions } from '../../platform/permissions.ts';
import { DELIVERY_STATES, deliveryViewSchema } from '../../../shared/alerting.schema.ts';
import type { Outbox } from './outbox.ts';

export const deliveryListSchema = z.object({ items: z.array(deliveryViewSchema), nextCursor: z.string().nullable() });

/** Notification deliveries: the dead-letter list (and the rest) and retry. */
export const outboxRoutes: FastifyPluginAsyncZod<{ outbox: Outbox }> = async (app, { outbox }) => {
  app.get(
    '/api/v1/alerting/deliveries',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Notification deliveries, newest first: status=dead is the dead-letter list. Admins see all; others their teams’ contact points',
        querystring: z.object({
          status: z.enum(DELIVERY_STATES).optional().describe('only deliveries in this state'),
          owner: z.string().min(1).max(63).optional().describe('only contact points of this team'),
          contactPoint: z.string().min(1).max(63).optional().describe('only this contact point (with owner)'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.coerce.number().int().optional(),
        }),
        response: { 200: deliveryListSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      const q = req.query;
      let ownerKeys = actor.admin ? undefined : [...actor.teams.keys()];
      if (q.owner) ownerKeys = (ownerKeys ?? [q.owner.toLowerCase()]).filter((k) => k === q.owner!.toLowerCase());
      return outbox.listDeliveries({
        state: q.status,
        ownerKeys,
        contactPoint: q.owner && q.contactPoint ? { owner: q.owner, name: q.contactPoint } : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.post(
    '/api/v1/alerting/deliveries/:id/retry',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Send a dead (or backing-off) delivery again now, with a fresh set of attempts',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: deliveryViewSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      const found = await outbox.getDelivery(req.params.id);
      // a delivery of another team's contact point is not shown to others: answer as if absent
      if (!found || !permissions.isMember(actor, found.contactPoint.owner.toLowerCase())) {
        throw new AppError('NOT_FOUND', `no delivery ${req.params.id}`);
      }
      const retried = await outbox.retry(req.params.id);
      if (!retried) throw new AppError('NOT_FOUND', `no delivery ${req.params.id}`);
      return retried;
    },
  );
};
