import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { InboxService } from './inbox.service.ts';

export { createInboxService, smtpTransport, type InboxService, type MailTransport } from './inbox.service.ts';

/** The caller's notifications. */
export const inboxRoutes: FastifyPluginAsyncZod<{ inbox: InboxService }> = async (app, { inbox }) => {
  app.get(
    '/api/v1/inbox',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Your notifications, newest first',
        querystring: z.object({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.coerce.number().int().optional() }),
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.number(), type: z.string(), changeRequest: z.number().nullable(), summary: z.string(), createdAt: z.string(), read: z.boolean() })),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async (req) => inbox.list(req.requireActor('read'), { unread: req.query.unread === 'true', limit: req.query.limit, cursor: req.query.cursor }),
  );
  app.post(
    '/api/v1/inbox/read',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Mark notifications read (ids, or all)',
        body: z.object({ ids: z.array(z.number().int()).max(500).optional(), all: z.boolean().optional() }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await inbox.markRead(req.requireActor('read'), req.body.all ? 'all' : (req.body.ids ?? []));
      return reply.status(204).send(null);
    },
  );
};
