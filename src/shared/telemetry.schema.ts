import { z } from 'zod';

/** The kinds of metrics Ethos stores. */
export const metricKindSchema = z.enum(['gauge', 'counter', 'histogram', 'summary']);

/** A metric of a service, as listed. */
export const metricInfoSchema = z.object({
  name: z.string(),
  kind: metricKindSchema,
  unit: z.string(),
  description: z.string(),
  series: z.number().int().describe('stored series (attribute combinations) of this metric'),
});

/** A service that sent telemetry before it was registered in the catalog. */
export const discoveredServiceSchema = z.object({
  name: z.string(),
  team: z.string().nullable().describe('the team whose token first sent it (null: an organisation-wide token or a user)'),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});
export type DiscoveredService = z.infer<typeof discoveredServiceSchema>;

export const storageStatusSchema = z.object({
  activeSeries: z.number().int().describe('series the metrics store knows'),
  rawRetentionMs: z.number().describe('how long raw samples, log records and spans are kept'),
  rollupBacklog: z.number().int().describe('series whose late samples wait to be rolled up again (in windows already done)'),
  rollups: z.array(
    z.object({
      resolution: z.number().describe('bucket size in ms (60000: 1 minute; 3600000: 1 hour)'),
      retentionStart: z.number().describe('buckets before this time (ms) have been removed'),
      completeTo: z.number().nullable().describe('every bucket up to this time (ms) is computed; later times are answered from raw samples (null: not started)'),
    }),
  ),
});
export type StorageStatus = z.infer<typeof storageStatusSchema>;

export const queryFunctionSchema = z.enum(['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99']);

/**
 * A time in a query: milliseconds since the epoch, an RFC 3339 time, `now`, or `now-<n><s|m|h|d>`.
 */
export const queryTimeSchema = z.string().max(40);

export const metricQuerySchema = z.object({
  from: queryTimeSchema.default('now-1h').describe('start: epoch milliseconds, RFC 3339, now or now-15m'),
  to: queryTimeSchema.default('now'),
  step: z.coerce.number().int().min(1).max(86_400 * 31).optional().describe('seconds per point; default: about 240 points over the range'),
  instant: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('true: one value per series over the whole range (step is ignored), e.g. the p95 of the last 24 hours'),
  fn: queryFunctionSchema.optional().describe('default: rate for counters and histograms, avg for gauges, p50 for summaries'),
  by: z.string().max(500).optional().describe('attributes to group by, comma-separated'),
  where: z
    .union([z.string().max(1000), z.array(z.string().max(1000)).max(20)])
    .optional()
    .describe('attribute filter "name=value"; repeat for several'),
});

export const metricQueryResultSchema = z.object({
  metric: z.string(),
  kind: metricKindSchema,
  fn: queryFunctionSchema,
  step: z.number().describe('milliseconds'),
  times: z.array(z.number()).describe('the end of each step, epoch milliseconds'),
  series: z.array(z.object({ labels: z.record(z.string(), z.string()), values: z.array(z.number().nullable()) })),
});

export type MetricInfo = z.infer<typeof metricInfoSchema>;
export type MetricQueryResult = z.infer<typeof metricQueryResultSchema>;

/** Level names and the lowest OTLP severity number of each. */
export const SEVERITY_LEVELS = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
export type SeverityLevel = keyof typeof SEVERITY_LEVELS;

/** The level name of an OTLP severity number ('unset' for 0). */
export function severityLevel(n: number): SeverityLevel | 'unset' {
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  return n >= 1 ? 'trace' : 'unset';
}

export const logQuerySchema = z.object({
  service: z.string().min(1).max(255).optional(),
  from: queryTimeSchema.default('now-1h'),
  to: queryTimeSchema.default('now'),
  severity: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional().describe('at least this level'),
  q: z.string().max(500).optional().describe('words that must all appear in the body'),
  where: z
    .union([z.string().max(1000), z.array(z.string().max(1000)).max(20)])
    .optional()
    .describe('attribute filter "name=value"; repeat for several'),
  trace: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'a trace id is 32 hex digits')
    .optional(),
  before: z.coerce.number().int().positive().optional().describe('older than this record id (the next page)'),
  after: z.coerce.number().int().nonnegative().optional().describe('newer than this record id, oldest first (a live tail)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const logRecordSchema = z.object({
  id: z.number().int(),
  time: z.string(),
  service: z.string(),
  severity: z.number().int(),
  level: z.string(),
  severityText: z.string(),
  body: z.string(),
  traceId: z.string().nullable(),
  spanId: z.string().nullable(),
  attributes: z.record(z.string(), z.string()),
});
export type LogRecordView = z.infer<typeof logRecordSchema>;

export const logSearchResultSchema = z.object({
  items: z.array(logRecordSchema),
  /** Pass as `before` for older records; null when this page was the last. */
  nextBefore: z.number().int().nullable(),
});

export const spanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  service: z.string(),
  name: z.string(),
  kind: z.enum(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']),
  /** Start, epoch milliseconds (with fractions). */
  start: z.number(),
  durationMs: z.number(),
  status: z.enum(['unset', 'ok', 'error']),
  statusMessage: z.string(),
  route: z.string().nullable(),
  attributes: z.record(z.string(), z.string()),
  events: z.array(z.object({ name: z.string(), t: z.number(), attributes: z.record(z.string(), z.string()) })),
});
export type SpanView = z.infer<typeof spanSchema>;

export const traceSummarySchema = z.object({
  traceId: z.string(),
  service: z.string(),
  name: z.string(),
  route: z.string().nullable(),
  start: z.number(),
  durationMs: z.number(),
  status: z.enum(['unset', 'ok', 'error']),
  spans: z.number().int(),
  services: z.array(z.string()),
});
export type TraceSummaryView = z.infer<typeof traceSummarySchema>;

export const traceQuerySchema = z.object({
  service: z.string().min(1).max(255).optional(),
  route: z.string().min(1).max(500).optional(),
  minDuration: z.coerce.number().min(0).optional().describe('milliseconds'),
  status: z.enum(['error', 'ok', 'unset']).optional(),
  from: queryTimeSchema.default('now-1h'),
  to: queryTimeSchema.default('now'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

export const exceptionStatusSchema = z.enum(['unresolved', 'resolved', 'ignored']);

export const exceptionGroupSchema = z.object({
  id: z.number().int(),
  service: z.string(),
  type: z.string(),
  message: z.string(),
  basis: z.enum(['frames', 'message', 'rule']).describe("grouped by in-app stack frames, by the masked message (without them), or by one of the service's fingerprint rules"),
  title: z.string().nullable().describe("the title the fingerprint rule gives the group (null: show the type and message)"),
  rule: z
    .object({
      group: z.string().describe("the rule's group: its custom fingerprint"),
      index: z.number().int().describe('its index in spec.rules of the ExceptionRules named after the service'),
      revision: z.number().int().describe('the revision of that ExceptionRules'),
    })
    .nullable()
    .describe('the fingerprint rule that grouped the latest occurrence; null for the built-in fingerprint'),
  firstSeen: z.number(),
  lastSeen: z.number(),
  count: z.number().int(),
  status: exceptionStatusSchema,
  regressed: z.boolean().describe('resolved, then seen again in a later version'),
  resolvedInVersion: z.string().nullable(),
  versions: z.array(z.object({ version: z.string(), count: z.number().int(), firstSeen: z.number(), lastSeen: z.number() })),
  sample: z.object({
    version: z.string().nullable(),
    t: z.number(),
    type: z.string(),
    message: z.string(),
    stacktrace: z.string(),
    traceId: z.string().nullable(),
    spanId: z.string().nullable(),
    attributes: z.record(z.string(), z.string()),
  }),
});
export type ExceptionGroupView = z.infer<typeof exceptionGroupSchema>;

export const exceptionListQuerySchema = z.object({
  service: z.string().min(1).max(255).optional(),
  status: exceptionStatusSchema.optional(),
  from: queryTimeSchema.default('now-7d'),
  to: queryTimeSchema.default('now'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const quotaLimitsSchema = z.object({ activeSeries: z.number().int(), logRecordsPerSecond: z.number().int(), spansPerSecond: z.number().int() });

export const quotaViewSchema = z.object({
  team: z.string(),
  limits: quotaLimitsSchema,
  overrides: z.object({ activeSeries: z.number().int().nullable(), logRecordsPerSecond: z.number().int().nullable(), spansPerSecond: z.number().int().nullable() }),
  usage: z.object({ activeSeries: z.number().int(), logRecordsPerSecond: z.number().int(), spansPerSecond: z.number().int() }).describe('series of the team\'s services now; records and spans accepted in the last full second'),
});
export type QuotaViewDto = z.infer<typeof quotaViewSchema>;

const quotaValue = z.number().int().min(0).max(1_000_000_000).nullable();
export const setQuotaSchema = z.object({ activeSeries: quotaValue, logRecordsPerSecond: quotaValue, spansPerSecond: quotaValue }).partial().strict();

const RELATIVE = /^now(?:-(\d+)(s|m|h|d))?$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a query time (see queryTimeSchema) against `now`; NaN when it is none of those forms. */
export function parseQueryTime(s: string, now: number): number {
  const rel = RELATIVE.exec(s.trim());
  if (rel) return rel[1] ? now - Number(rel[1]) * UNIT_MS[rel[2]!]! : now;
  if (/^\d{9,}$/.test(s.trim())) return Number(s);
  return Date.parse(s);
}
