import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { activityEntrySchema, diffSchema, kindViewSchema, listQuerySchema, resourceListSchema, revisionViewSchema } from '../../../shared/api.schema.ts';
import { resourceViewSchema } from '../../../shared/resource.schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { KindRegistry } from './kinds.ts';
import { parseLabelSelectors, type ResourceService } from './resources.service.ts';

const params = z.object({ kind: z.string().max(63), name: z.string().max(63) });

function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!m) throw new AppError('VALIDATION_FAILED', 'If-Match must be a revision ETag such as "3"');
  return Number(m[1]);
}

/** Routes of the resource store: read, write, history, diff, rollback. */
export const resourceRoutes: FastifyPluginAsyncZod<{ resources: ResourceService; kinds: KindRegistry }> = async (app, { resources, kinds }) => {
  app.get(
    '/api/v1/kinds',
    { schema: { tags: ['resources'], summary: 'The registered resource kinds', response: { 200: z.object({ items: z.array(z.string()) }) } } },
    async (req) => {
      req.requireActor('read');
      return { items: kinds.list() };
    },
  );

  app.get(
    '/api/v1/kinds/:kind',
    { schema: { tags: ['resources'], summary: "A kind's spec schema (JSON Schema) and secret fields, for forms", params: z.object({ kind: z.string().max(63) }), response: { 200: kindViewSchema } } },
    async (req) => {
      req.requireActor('read');
      const def = resources.kindOf(req.params.kind);
      return {
        kind: def.kind,
        specSchema: z.toJSONSchema(def.spec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
        secretFields: def.secretFields ?? [],
        selfOwned: !!def.selfOwned,
      };
    },
  );

  app.get(
    '/api/v1/activity',
    {
      schema: {
        tags: ['resources'],
        summary: "Recent revisions of resources owned by the given teams (repeat owner), or by the caller's teams",
        querystring: z.object({
          owner: z.union([z.string().max(63), z.array(z.string().max(63)).max(100)]).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(30),
          before: z.string().max(40).optional(),
        }),
        response: { 200: z.object({ items: z.array(activityEntrySchema) }) },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      const owners = req.query.owner === undefined ? [...actor.teams.keys()] : Array.isArray(req.query.owner) ? req.query.owner : [req.query.owner];
      return { items: await resources.activity(actor, owners, req.query.limit, req.query.before) };
    },
  );

  app.get(
    '/api/v1/resources/:kind',
    {
      schema: {
        tags: ['resources'],
        summary: 'List resources of a kind; filter by owner, labels (repeat label=k=v) and text q',
        params: z.object({ kind: z.string().max(63) }),
        querystring: listQuerySchema,
        response: { 200: resourceListSchema },
      },
    },
    async (req) => {
      const { owner, label, q, limit, cursor } = req.query;
      return resources.list(req.requireActor('read'), req.params.kind, { owner, labels: parseLabelSelectors(label), q, limit, cursor });
    },
  );

  app.get(
    '/api/v1/resources/:kind/:name',
    { schema: { tags: ['resources'], summary: 'Get a resource; ETag is its revision', params, response: { 200: resourceViewSchema } } },
    async (req, reply) => {
      const view = await resources.get(req.requireActor('read'), req.params.kind, req.params.name);
      void reply.header('etag', `"${view.metadata.revision}"`);
      return view;
    },
  );

  app.put(
    '/api/v1/resources/:kind/:name',
    {
      schema: {
        tags: ['resources'],
        summary: 'Create or update a resource (owners). If-Match: "<revision>" guards against lost updates; If-None-Match: * only creates',
        params,
        querystring: z.object({ message: z.string().max(2000).optional() }),
        body: z.record(z.string(), z.unknown()),
        response: { 200: resourceViewSchema, 201: resourceViewSchema },
      },
    },
    async (req, reply) => {
      const actor = req.requireActor('write');
      const doc = resources.parseDocument(req.body);
      if (doc.kind !== req.params.kind || doc.metadata.name.toLowerCase() !== req.params.name.toLowerCase()) {
        throw new AppError('RESOURCE_INVALID', `the document is ${doc.kind}/${doc.metadata.name} but the URL names ${req.params.kind}/${req.params.name}`);
      }
      const result = await resources.write(actor, { kind: doc.kind, name: doc.metadata.name }, doc, {
        source: 'api',
        message: req.query.message,
        ifMatch: parseIfMatch(req.headers['if-match']),
        createOnly: req.headers['if-none-match'] === '*',
      });
      void reply.header('etag', `"${result.revision}"`);
      return reply.status(result.outcome === 'created' ? 201 : 200).send(result.view!);
    },
  );

  app.delete(
    '/api/v1/resources/:kind/:name',
    {
      schema: {
        tags: ['resources'],
        summary: 'Delete a resource (owners): writes a tombstone revision; roll back to restore',
        params,
        querystring: z.object({ message: z.string().max(2000).optional() }),
        response: { 200: z.object({ kind: z.string(), name: z.string(), revision: z.number().int(), deleted: z.literal(true) }) },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      resources.kindOf(req.params.kind);
      const result = await resources.write(actor, req.params, null, { source: 'api', message: req.query.message, ifMatch: parseIfMatch(req.headers['if-match']) });
      return { kind: req.params.kind, name: req.params.name, revision: result.revision, deleted: true as const };
    },
  );

  app.get(
    '/api/v1/resources/:kind/:name/revisions',
    {
      schema: {
        tags: ['resources'],
        summary: 'Revisions of a resource, newest first',
        params,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().optional() }),
        response: { 200: z.object({ items: z.array(revisionViewSchema) }) },
      },
    },
    async (req) => ({ items: await resources.listRevisions(req.requireActor('read'), req.params.kind, req.params.name, req.query.limit, req.query.before) }),
  );

  app.get(
    '/api/v1/resources/:kind/:name/revisions/:revision',
    {
      schema: {
        tags: ['resources'],
        summary: 'One revision of a resource',
        params: params.extend({ revision: z.coerce.number().int().min(1) }),
        response: { 200: revisionViewSchema },
      },
    },
    async (req) => resources.getRevision(req.requireActor('read'), req.params.kind, req.params.name, req.params.revision),
  );

  app.get(
    '/api/v1/resources/:kind/:name/diff',
    {
      schema: {
        tags: ['resources'],
        summary: 'Unified diff between two revisions (0 means "nothing")',
        params,
        querystring: z.object({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(0) }),
        response: { 200: diffSchema },
      },
    },
    async (req) => resources.diff(req.requireActor('read'), req.params.kind, req.params.name, req.query.from, req.query.to),
  );

  app.post(
    '/api/v1/resources/:kind/:name/rollback',
    {
      schema: {
        tags: ['resources'],
        summary: 'Make a new revision equal to an earlier one (also restores a deleted resource)',
        params,
        body: z.object({ revision: z.number().int().min(1), message: z.string().max(2000).optional() }),
        response: { 200: z.object({ outcome: z.string(), revision: z.number().int(), resource: resourceViewSchema.nullable() }) },
      },
    },
    async (req) => {
      const result = await resources.rollback(req.requireActor('write'), req.params.kind, req.params.name, req.body.revision, req.body.message);
      return { outcome: result.outcome, revision: result.revision, resource: result.view };
    },
  );
};
