import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { quotaViewSchema, setQuotaSchema, exceptionGroupSchema, exceptionListQuerySchema, exceptionStatusSchema, queryTimeSchema, discoveredServiceSchema, storageStatusSchema, spanSchema, traceQuerySchema, traceSummarySchema, logQuerySchema, logSearchResultSchema, metricInfoSchema, metricQueryResultSchema, metricQuerySchema, parseQueryTime, SEVERITY_LEVELS, severityLevel } from '../../../shared/telemetry.schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { TelemetryService } from './telemetry.service.ts';

export { createTelemetryService, type TelemetryService } from './telemetry.service.ts';
export { otlpRoutes } from './otlp/otlp.routes.ts';
export { MetricStore } from './tsdb/metric-store.ts';
export { LogStore } from './logs/log-store.ts';
export { TraceStore } from './traces/trace-store.ts';
export { ExceptionStore } from './exceptions/exception-store.ts';
export { createExceptionRules, type ExceptionRuleSet } from './exceptions/exception-rules.ts';

/** About this many points per series when a query names no step. */
const DEFAULT_POINTS = 240;
const NICE_STEPS_S = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

const serviceParam = z.string().min(1).max(255);

/** `name=value` filters (one or several) as an object. */
function parseWhere(input: string | string[] | undefined): Record<string, string> {
  const where: Record<string, string> = {};
  for (const w of [input ?? []].flat()) {
    const i = w.indexOf('=');
    if (i <= 0) throw new AppError('VALIDATION_FAILED', `where "${w}" is not name=value`);
    where[w.slice(0, i)] = w.slice(i + 1);
  }
  return where;
}

/** A query's time range; 400 when either end is not a time. */
function timeRange(fromText: string, toText: string, t: number): { from: number; to: number } {
  const from = parseQueryTime(fromText, t);
  const to = parseQueryTime(toText, t);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new AppError('VALIDATION_FAILED', 'from and to are epoch milliseconds, RFC 3339 times, now, or now-<n>s|m|h|d');
  return { from, to };
}

/** Reading telemetry: open to every signed-in principal with `read`. */
export const telemetryRoutes: FastifyPluginAsyncZod<{ telemetry: TelemetryService; now?: () => number }> = async (app, { telemetry, now = Date.now }) => {
  app.get(
    '/api/v1/telemetry/services',
    { schema: { tags: ['telemetry'], summary: 'Services that have sent metrics', response: { 200: z.object({ items: z.array(z.string()) }) } } },
    async (req) => {
      req.requireActor('read');
      return { items: telemetry.listMetricServices() };
    },
  );

  app.get(
    '/api/v1/telemetry/logs',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Search log records: by service, time, severity, text, attributes or trace; newest first, or a tail with "after"',
        querystring: logQuerySchema,
        response: { 200: logSearchResultSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      const q = req.query;
      const { from, to } = timeRange(q.from, q.to, now());
      const items = telemetry.searchLogs({
        service: q.service,
        from,
        to,
        minSeverity: q.severity ? SEVERITY_LEVELS[q.severity] : undefined,
        text: q.q,
        where: parseWhere(q.where),
        traceId: q.trace,
        before: q.before,
        after: q.after,
        limit: q.limit,
      });
      return {
        items: items.map((r) => ({ ...r, time: new Date(r.t).toISOString(), level: severityLevel(r.severity), t: undefined })),
        nextBefore: q.after === undefined && items.length === q.limit ? items.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/api/v1/telemetry/traces',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Find traces: by service, route, least duration and status; newest first',
        querystring: traceQuerySchema,
        response: { 200: z.object({ items: z.array(traceSummarySchema) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      const q = req.query;
      const { from, to } = timeRange(q.from, q.to, now());
      return { items: telemetry.searchTraces({ service: q.service, route: q.route, minDurationMs: q.minDuration, status: q.status, from, to, limit: q.limit }) };
    },
  );

  app.get(
    '/api/v1/telemetry/traces/:traceId',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Every span of a trace, by start time',
        params: z.object({ traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'a trace id is 32 hex digits') }),
        response: { 200: z.object({ traceId: z.string(), spans: z.array(spanSchema) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      const spans = telemetry.getTrace(req.params.traceId);
      if (!spans.length) throw new AppError('TELEMETRY_TRACE_NOT_FOUND', `no trace ${req.params.traceId} (traces are kept 7 days)`);
      return { traceId: req.params.traceId.toLowerCase(), spans };
    },
  );

  app.get(
    '/api/v1/telemetry/exceptions',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Exception groups (from log records and span events), most recently seen first',
        querystring: exceptionListQuerySchema,
        response: { 200: z.object({ items: z.array(exceptionGroupSchema) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      const q = req.query;
      const { from, to } = timeRange(q.from, q.to, now());
      return { items: telemetry.listExceptions({ service: q.service, status: q.status, from, to, limit: q.limit }) };
    },
  );

  app.get(
    '/api/v1/telemetry/exceptions/:id',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'One exception group: its sample with the full stack trace, versions, and occurrences per minute',
        params: z.object({ id: z.coerce.number().int().positive() }),
        querystring: z.object({ from: queryTimeSchema.default('now-24h'), to: queryTimeSchema.default('now') }),
        response: { 200: exceptionGroupSchema.extend({ counts: z.array(z.object({ minute: z.number(), count: z.number().int() })) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      const { from, to } = timeRange(req.query.from, req.query.to, now());
      const group = telemetry.getException(req.params.id, from, to);
      if (!group) throw new AppError('TELEMETRY_EXCEPTION_NOT_FOUND', `no exception group ${req.params.id}`);
      return group;
    },
  );

  app.patch(
    '/api/v1/telemetry/exceptions/:id',
    {
      schema: {
        tags: ['telemetry'],
        summary: "Resolve, ignore or reopen an exception group (members of the service's team)",
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ status: exceptionStatusSchema }).strict(),
        response: { 200: exceptionGroupSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      return telemetry.setExceptionStatus(actor, req.params.id, req.body.status);
    },
  );

  app.get(
    '/api/v1/telemetry/quotas/:team',
    {
      schema: {
        tags: ['telemetry'],
        summary: "A team's telemetry quotas (active series, log records and spans per second) and its usage",
        params: z.object({ team: z.string().min(1).max(63) }),
        response: { 200: quotaViewSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      return telemetry.quotaOf(req.params.team);
    },
  );

  app.put(
    '/api/v1/telemetry/quotas/:team',
    {
      schema: {
        tags: ['telemetry'],
        summary: "Set a team's telemetry quotas (admins); null puts one back to the default",
        params: z.object({ team: z.string().min(1).max(63) }),
        body: setQuotaSchema,
        response: { 200: quotaViewSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      const current = await telemetry.quotaOf(req.params.team);
      return telemetry.setQuota(actor, req.params.team, { ...current.overrides, ...req.body });
    },
  );

  app.get(
    '/api/v1/telemetry/storage',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'The metrics store: active series, retention, and how far the 1-minute and 1-hour rollups are computed',
        response: { 200: storageStatusSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      return telemetry.storageStatus();
    },
  );

  app.get(
    '/api/v1/telemetry/discovered',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Services that sent telemetry but are not in the catalog: register them to claim them',
        response: { 200: z.object({ items: z.array(discoveredServiceSchema) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      return { items: await telemetry.listDiscovered() };
    },
  );

  app.get(
    '/api/v1/telemetry/services/:service/metrics',
    {
      schema: {
        tags: ['telemetry'],
        summary: "A service's metrics",
        params: z.object({ service: serviceParam }),
        response: { 200: z.object({ items: z.array(metricInfoSchema) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      return { items: telemetry.listMetrics(req.params.service) };
    },
  );

  app.get(
    '/api/v1/telemetry/services/:service/metrics/:metric/query',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Query a metric over time: per step, grouped by attributes',
        params: z.object({ service: serviceParam, metric: z.string().min(1).max(255) }),
        querystring: metricQuerySchema,
        response: { 200: metricQueryResultSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      const q = req.query;
      const { from, to } = timeRange(q.from, q.to, now());
      const wanted = (to - from) / DEFAULT_POINTS / 1000;
      const step = (q.step ?? NICE_STEPS_S.find((s) => s >= wanted) ?? 86400) * 1000;
      const where = parseWhere(q.where);
      const by = (q.by ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
      return telemetry.queryMetric({ service: req.params.service, metric: req.params.metric, from, to, step, instant: q.instant, fn: q.fn, by, where });
    },
  );
};
