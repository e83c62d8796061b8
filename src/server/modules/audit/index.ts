import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditEntrySchema } from '../../../shared/api.schema.ts';
import { permissions } from '../../platform/permissions.ts';
import type { AuditService } from './audit.service.ts';

export { createAuditService, type AuditService } from './audit.service.ts';

/** Routes of the audit log: admins read and filter it. */
export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Read the audit log (admins)',
        querystring: z.object({
          actor: z.string().max(200).optional(),
          action: z.string().max(100).optional(),
          kind: z.string().max(63).optional(),
          name: z.string().max(63).optional(),
          since: z.iso.datetime().optional(),
          until: z.iso.datetime().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.coerce.number().int().optional(),
        }),
        response: { 200: z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      permissions.requireAdmin(actor);
      const q = req.query;
      return audit.list({ ...q, targetKind: q.kind, targetName: q.name });
    },
  );
};
