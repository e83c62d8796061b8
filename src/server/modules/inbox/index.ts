import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { inboxCountSchema, inboxListSchema, inboxReadRequestSchema } from '../../../shared/api.schema.ts';
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
        response: { 200: inboxListSchema },
      },
    },
    async (req) => inbox.list(req.requireActor('read'), { unread: req.query.unread === 'true', limit: req.query.limit, cursor: req.query.cursor }),
  );
  app.get(
    '/api/v1/inbox/count',
    { schema: { tags: ['inbox'], summary: 'How many of your notifications are unread', response: { 200: inboxCountSchema } } },
    async (req) => ({ unread: await inbox.countUnread(req.requireActor('read')) }),
  );
  app.post(
    '/api/v1/inbox/read',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Mark notifications read (ids, or all)',
        body: inboxReadRequestSchema,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await inbox.markRead(req.requireActor('read'), req.body.all ? 'all' : (req.body.ids ?? []));
      return reply.status(204).send(null);
    },
  );
};
