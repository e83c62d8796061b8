import { z } from 'zod';
import { queryFunctionSchema } from './telemetry.schema.ts';

/*
 * Alerting's resources (AlertRule, ContactPoint, NotificationPolicy, Silence) and API shapes,
 * shared by the server, the web UI and the CLI. A team owns each of them: its members write them,
 * others propose changes.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };
const DURATION = /^(\d+(?:ms|s|m|h|d|w))+$/;

/** A duration as Prometheus writes them (`30s`, `5m`, `1h30m`, `0s`), in milliseconds. */
export function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** A duration field: `0s` … the most it may be. */
export function durationSchema(max: string, min = '0s') {
  const maxMs = durationMs(max);
  const minMs = durationMs(min);
  return z
    .string()
    .max(20)
    .regex(DURATION, 'a duration such as 30s, 5m, 1h or 1h30m')
    .refine((d) => durationMs(d) <= maxMs, `at most ${max}`)
    .refine((d) => durationMs(d) >= minMs, `at least ${min}`);
}

/** A label matcher as Alertmanager writes them: `name=value`, `name!=value`, `name=~regex`, `name!~regex`. */
export const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/;

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A matcher's parts, or null when it is not one. */
export function parseMatcher(text: string): Matcher | null {
  const m = MATCHER.exec(text);
  if (!m) return null;
  return { name: m[1]!, op: m[2] as Matcher['op'], value: m[3]! };
}

export const matcherSchema = z
  .string()
  .min(3)
  .max(500)
  .superRefine((text, ctx) => {
    const m = parseMatcher(text);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'a matcher is name=value, name!=value, name=~regex or name!~regex' });
      return;
    }
    if (m.op === '=~' || m.op === '!~') {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
      }
    }
  })
  .describe('name=value, name!=value, name=~regex or name!~regex (a regex matches the whole value)');

export const SEVERITIES = ['page', 'ticket', 'info'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

export const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export const comparisonSchema = z.enum(COMPARISONS);

const attrName = z.string().min(1).max(200);

/** A metric aggregated over a window and compared with a threshold; one alert per group. */
export const metricConditionSchema = z
  .object({
    type: z.literal('metric'),
    metric: z.string().min(1).max(255).describe('a metric of the rule’s service, e.g. red.duration or http.server.request.duration'),
    fn: queryFunctionSchema.describe('how the window’s samples become one value: avg, min, max, sum, count, last, rate, increase, p50 … p99'),
    window: durationSchema('1d', '1s').default('5m').describe('the time the function looks back over'),
    where: z.record(attrName, z.string().max(500)).default({}).describe('only series with these attribute values'),
    by: z.array(attrName).max(10).default([]).describe('one alert per combination of these attributes'),
    op: comparisonSchema.default('>'),
    threshold: z.number().finite(),
  })
  .strict();

/** Exceptions of the rule's service: a new group, a regression, or a rate over a window. */
export const exceptionConditionSchema = z
  .object({
    type: z.literal('exceptions'),
    event: z.enum(['new', 'regression', 'rate']).describe('new: a group seen for the first time; regression: a resolved group back in a later version; rate: occurrences over the window'),
    window: durationSchema('1d', '1s').default('5m'),
    op: comparisonSchema.default('>'),
    threshold: z.number().finite().default(0).describe('for rate: occurrences within the window'),
  })
  .strict();

/** Log records of the rule's service matching a search, counted over a window. */
export const logConditionSchema = z
  .object({
    type: z.literal('logs'),
    query: z.string().max(500).default('').describe('words every counted record’s body has'),
    severity: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional().describe('at least this level'),
    where: z.record(attrName, z.string().max(500)).default({}),
    window: durationSchema('1d', '1s').default('5m'),
    op: comparisonSchema.default('>'),
    threshold: z.number().finite().default(0),
  })
  .strict();

/** No sample of a metric for a while (a heartbeat that stopped). */
export const absenceConditionSchema = z
  .object({
    type: z.literal('absence'),
    metric: z.string().min(1).max(255),
    where: z.record(attrName, z.string().max(500)).default({}),
    for: durationSchema('7d', '1s').default('5m').describe('how long without a sample before it fires'),
  })
  .strict();

export const conditionSchema = z.discriminatedUnion('type', [metricConditionSchema, exceptionConditionSchema, logConditionSchema, absenceConditionSchema]);
export type Condition = z.infer<typeof conditionSchema>;

/** What a rule's alerts become when there is no data, or when evaluating fails. */
export const NO_DATA_STATES = ['ok', 'alerting', 'nodata', 'keep'] as const;
export const ERROR_STATES = ['ok', 'alerting', 'error', 'keep'] as const;

const labelMap = z.record(z.string().min(1).max(100).regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a label name is letters, digits, _ and .'), z.string().max(500));

export const ALERT_RULE_KIND = 'AlertRule';
export const alertRuleSpecSchema = z
  .object({
    service: z.string().min(1).max(63).describe('the service whose telemetry the rule reads; the rule’s owner must own it'),
    severity: severitySchema.default('ticket').describe('page wakes someone up; ticket waits for working hours; info is for the record'),
    condition: conditionSchema,
    for: durationSchema('1d').default('0s').describe('how long the condition must hold before the alert fires (pending until then)'),
    keepFiringFor: durationSchema('1d').default('0s').describe('how long an alert keeps firing after the condition stops holding'),
    noDataState: z.enum(NO_DATA_STATES).default('ok'),
    errorState: z.enum(ERROR_STATES).default('error'),
    labels: labelMap.default({}).describe('added to every alert of the rule (routing uses them)'),
    annotations: z
      .record(z.string().min(1).max(100), z.string().max(4000))
      .default({})
      .describe('summary, description …: {{ $value }} and {{ $labels.name }} are replaced'),
    runbook: z.string().url().max(2000).optional(),
    paused: z.boolean().default(false),
  })
  .strict();
export type AlertRuleSpec = z.infer<typeof alertRuleSpecSchema>;

export const CONTACT_POINT_KIND = 'ContactPoint';
export const CONTACT_TYPES = ['webhook', 'slack', 'email', 'pagerduty', 'msteams'] as const;
export const contactPointSpecSchema = z
  .object({
    type: z.enum(CONTACT_TYPES),
    url: z.string().max(2000).optional().describe('webhook, Slack, Microsoft Teams: where to post (secret); PagerDuty: the Events API v2 address (default https://events.pagerduty.com/v2/enqueue)'),
    routingKey: z.string().max(200).optional().describe('PagerDuty: the integration’s routing key (secret)'),
    to: z.array(z.string().email().max(320)).max(50).default([]).describe('email: recipients'),
    sendResolved: z.boolean().default(true),
    maxAlerts: z.number().int().min(0).max(1000).default(0).describe('webhook: at most this many alerts per notification (0: all)'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.type === 'webhook' || s.type === 'slack' || s.type === 'msteams') && !s.url) ctx.addIssue({ code: 'custom', path: ['url'], message: `a ${s.type} contact point needs a url` });
    if (s.url !== undefined && !/^https?:\/\/\S+$/.test(s.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'an http:// or https:// address' });
    if (s.type === 'pagerduty' && !s.routingKey) ctx.addIssue({ code: 'custom', path: ['routingKey'], message: 'a pagerduty contact point needs a routingKey' });
    if (s.type === 'email' && s.to.length === 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'an email contact point needs at least one recipient' });
  });
export type ContactPointSpec = z.infer<typeof contactPointSpecSchema>;

const timeOfDay = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'HH:MM');
export const timeIntervalSchema = z
  .object({
    name: z.string().min(1).max(100),
    weekdays: z.array(z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'])).default([]).describe('none: every day'),
    times: z.array(z.object({ start: timeOfDay, end: timeOfDay }).strict()).default([]).describe('none: all day'),
    location: z
      .string()
      .max(64)
      .default('UTC')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone such as Europe/Paris'),
  })
  .strict();

export const routeSchema = z
  .object({
    matchers: z.array(matcherSchema).max(20).default([]).describe('every matcher must match the alert’s labels; none: every alert'),
    contactPoints: z.array(z.string().min(1).max(63)).min(1).max(10).describe('ContactPoints of the policy’s team'),
    groupBy: z.array(z.string().min(1).max(100)).max(20).default(['alertname', 'service']).describe('alerts with the same values go in one notification; ["..."]: each alert alone'),
    groupWait: durationSchema('1h').default('0s').describe('how long a new group waits for more alerts before its first notification'),
    groupInterval: durationSchema('1d', '1s').default('1m').describe('how long before a group that changed is notified again'),
    repeatInterval: durationSchema('7d', '1m').default('4h').describe('how long before a group that did not change is notified again'),
    muteTimeIntervals: z.array(z.string().min(1).max(100)).max(10).default([]),
    activeTimeIntervals: z.array(z.string().min(1).max(100)).max(10).default([]),
    continue: z.boolean().default(false).describe('after a match, go on to the next routes too'),
  })
  .strict();

export const inhibitRuleSchema = z
  .object({
    sourceMatchers: z.array(matcherSchema).min(1).max(20).describe('a firing alert matching these …'),
    targetMatchers: z.array(matcherSchema).min(1).max(20).describe('… mutes alerts matching these …'),
    equal: z.array(z.string().min(1).max(100)).max(20).default([]).describe('… that have the same values of these labels'),
  })
  .strict();

export const NOTIFICATION_POLICY_KIND = 'NotificationPolicy';
export const notificationPolicySpecSchema = z
  .object({
    organisationDefault: z.boolean().default(false).describe('the admins’ policy for alerts no team routes (one; admins only)'),
    routes: z.array(routeSchema).min(1).max(50).describe('in order: the first that matches routes an alert (unless it says continue)'),
    inhibitRules: z.array(inhibitRuleSchema).max(50).default([]),
    timeIntervals: z.array(timeIntervalSchema).max(20).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const names = new Set(s.timeIntervals.map((t) => t.name));
    s.routes.forEach((r, i) => {
      for (const [field, list] of [['muteTimeIntervals', r.muteTimeIntervals], ['activeTimeIntervals', r.activeTimeIntervals]] as const) {
        list.forEach((n, j) => {
          if (!names.has(n)) ctx.addIssue({ code: 'custom', path: ['routes', i, field, j], message: `no time interval "${n}" in timeIntervals` });
        });
      }
    });
  });
export type NotificationPolicySpec = z.infer<typeof notificationPolicySpecSchema>;

export const SILENCE_KIND = 'Silence';
export const silenceSpecSchema = z
  .object({
    matchers: z.array(matcherSchema).min(1).max(20).describe('alerts whose labels match all of these are not notified'),
    startsAt: z.string().datetime({ offset: true }).optional().describe('default: when it is written'),
    endsAt: z.string().datetime({ offset: true }),
    comment: z.string().min(1).max(2000),
  })
  .strict()
  .refine((s) => !s.startsAt || Date.parse(s.endsAt) > Date.parse(s.startsAt), { path: ['endsAt'], message: 'endsAt must be after startsAt' });
export type SilenceSpec = z.infer<typeof silenceSpecSchema>;

/** An alert's state, as Prometheus and Grafana name them. */
export const ALERT_STATES = ['pending', 'firing', 'resolved', 'nodata', 'error'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** An alert as the API shows it. */
export const alertViewSchema = z.object({
  rule: z.string().describe('the AlertRule; for an alert posted to the Alertmanager API, "posted:" and its alertname'),
  source: z.enum(['rule', 'posted']).describe('rule: evaluated by Ethos; posted: sent by another system (Prometheus) to /alertmanager/api/v2/alerts'),
  owner: z.string().describe('the team that owns it ("" for an alert no team owns: the organisation default policy routes it)'),
  service: z.string(),
  severity: z.string(),
  fingerprint: z.string().describe('identifies the alert among its rule’s label sets'),
  state: z.enum(ALERT_STATES),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  value: z.number().nullable().describe('the condition’s value at the last evaluation'),
  activeAt: z.string().describe('when the condition started to hold'),
  firedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  silencedBy: z.string().nullable().describe('the Silence that mutes its notifications now'),
});
export type AlertView = z.infer<typeof alertViewSchema>;

/** A rule's condition charted over the last hours, and where it would have fired (the rule editor's preview). */
export const previewRequestSchema = z
  .object({
    service: z.string().min(1).max(63),
    condition: metricConditionSchema,
    for: durationSchema('1d').default('0s'),
    range: durationSchema('7d', '5m').default('6h').describe('how far back the preview goes'),
  })
  .strict();
export type PreviewRequest = z.infer<typeof previewRequestSchema>;

export const previewResultSchema = z.object({
  times: z.array(z.number()).describe('evaluation times, epoch milliseconds'),
  series: z.array(z.object({ labels: z.record(z.string(), z.string()), values: z.array(z.number().nullable()) })),
  op: comparisonSchema,
  threshold: z.number(),
  firing: z.array(z.object({ labels: z.record(z.string(), z.string()), from: z.number(), to: z.number() })).describe('when each group would have fired (after `for`)'),
});
export type PreviewResult = z.infer<typeof previewResultSchema>;

/**
 * Upper bounds (seconds) of the buckets of the request-duration histogram Ethos derives from
 * server spans (`red.duration`): a latency SLO's threshold is one of them.
 * @remarks Must equal the telemetry module's RED_BUCKETS (a test checks it).
 */
export const RED_DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const routeField = z.string().min(1).max(500).optional().describe('only requests of this http.route; none: all of the service’s requests');
const counterRef = z
  .object({
    metric: z.string().min(1).max(255).describe('a counter (or a histogram: its count) of the SLO’s service'),
    where: z.record(attrName, z.string().max(500)).default({}).describe('only series with these attribute values'),
  })
  .strict();

/** What counts as a good event, out of which total. */
export const sliSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('availability').describe('good: requests (red.requests) that did not fail (red.errors)'), route: routeField }).strict(),
  z
    .object({
      type: z.literal('latency').describe('good: requests (red.duration) no slower than the threshold'),
      threshold: z
        .number()
        .refine((v) => (RED_DURATION_BOUNDS as readonly number[]).includes(v), `one of the red.duration bucket bounds, in seconds: ${RED_DURATION_BOUNDS.join(', ')}`)
        .describe(`seconds; one of ${RED_DURATION_BOUNDS.join(', ')}`),
      route: routeField,
    })
    .strict(),
  z.object({ type: z.literal('ratio').describe('good: the increase of one counter, out of the increase of another'), good: counterRef, total: counterRef }).strict(),
]);
export type Sli = z.infer<typeof sliSchema>;

export const SLO_WINDOWS = ['28d', '30d'] as const;

export const SLO_KIND = 'Slo';
export const sloSpecSchema = z
  .object({
    service: z.string().min(1).max(63).describe('the service the SLO is about; the SLO’s owner must own it'),
    sli: sliSchema,
    objective: z.number().gt(50, 'more than 50 (percent)').lt(100, 'less than 100 (percent): 100 leaves no error budget').describe('the percentage of good events to reach, e.g. 99.9'),
    window: z.enum(SLO_WINDOWS).default('30d').describe('the rolling window the objective is measured over'),
    alerting: z
      .object({
        page: z.boolean().default(true).describe('page on a fast burn: 14.4× the budget over 1h and 5m, or 6× over 6h and 30m'),
        ticket: z.boolean().default(true).describe('open a ticket on a slow burn: 3× over 1d and 2h, or 1× over 3d and 6h'),
        minRequests: z.number().int().min(1).max(1_000_000_000).default(10).describe('the minimum-traffic guard: no alert while the long window holds fewer events (requests) than this'),
        labels: labelMap.default({}).describe('added to the SLO’s alerts (routing uses them)'),
        runbook: z.string().url().max(2000).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type SloSpec = z.infer<typeof sloSpecSchema>;

/** The burn-rate windows the API reports, shortest first. */
export const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** An SLO's standing now (GET /api/v1/slos/{name}/status). */
export const sloStatusSchema = z.object({
  name: z.string(),
  owner: z.string(),
  service: z.string(),
  objective: z.number(),
  window: z.enum(SLO_WINDOWS),
  sli: z.number().nullable().describe('good events over all events in the window, 0 … 1 (null: no events)'),
  total: z.number().describe('events (requests) in the window'),
  good: z.number(),
  errorBudget: z.number().describe('1 − objective/100: the share of events allowed to be bad'),
  budgetRemaining: z.number().nullable().describe('1 − (1 − sli)/errorBudget: 1 untouched, 0 spent, below 0 overspent'),
  burnRates: z.record(z.enum(BURN_WINDOWS), z.number().nullable()).describe('(1 − sli over the window)/errorBudget; 1 spends the budget exactly over the SLO window'),
  alerting: z.object({ page: z.boolean(), ticket: z.boolean() }).describe('which of its burn-rate alerts it has on'),
  alerts: z.array(z.object({ severity: z.string(), state: z.string() })).describe('its burn-rate alerts that are not resolved'),
  history: z
    .array(z.object({ t: z.number().describe('epoch milliseconds'), budgetRemaining: z.number().nullable() }))
    .describe('hourly: the budget remaining counting the events from the window’s start up to each hour (the burn-down chart)'),
});
export type SloStatus = z.infer<typeof sloStatusSchema>;

/** An SLO in a list (GET /api/v1/slos): its status without the burn-down, and its SLI's type. */
export const sloSummarySchema = sloStatusSchema.omit({ history: true }).extend({ sliType: z.enum(['availability', 'latency', 'ratio']) });
export type SloSummary = z.infer<typeof sloSummarySchema>;
export const sloListSchema = z.object({ items: z.array(sloSummarySchema), nextCursor: z.string().nullable() });

/** How far back an SLO's history goes (GET /api/v1/slos/{name}/history?range=), ending now. */
export const SLO_HISTORY_RANGES = ['6h', '1d', '7d', '28d', '30d'] as const;
export type SloHistoryRange = (typeof SLO_HISTORY_RANGES)[number];

const pointValues = z.array(z.number().nullable());

/** An SLO's error budget and burn rates over time, on one time axis (GET /api/v1/slos/{name}/history). */
export const sloHistorySchema = z.object({
  name: z.string(),
  owner: z.string(),
  service: z.string(),
  objective: z.number(),
  window: z.enum(SLO_WINDOWS),
  range: z.enum(SLO_HISTORY_RANGES),
  step: z.number().describe('milliseconds between points: 5m up to 1d, 30m for 7d, 1h beyond'),
  times: z.array(z.number()).describe('the end of each step, epoch milliseconds; the last is now'),
  budgetRemaining: pointValues.describe(
    'the error budget remaining of the SLO’s current window (now − window … now) counting its events up to each time: 1 untouched, 0 spent, below 0 overspent; null before the window starts or without events',
  ),
  burnRates: z
    .object({ '1h': pointValues, '6h': pointValues })
    .describe('the burn rate over the hour and the six hours before each time, (1 − sli)/errorBudget; null without events'),
  alertWindows: z
    .array(z.object({ severity: z.enum(['page', 'ticket']), long: z.string(), short: z.string(), factor: z.number() }))
    .describe('the burn-rate alerts’ conditions: the rate over both windows above the factor (the chart’s thresholds)'),
});
export type SloHistory = z.infer<typeof sloHistorySchema>;

/** Where a notification delivery is: waiting (or backing off), being sent, done, skipped (nothing to send), or given up on. */
export const DELIVERY_STATES = ['pending', 'delivering', 'delivered', 'skipped', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** A notification delivery as the API shows it: never a secret, never the contact point's address. */
export const deliveryViewSchema = z.object({
  id: z.number().int(),
  contactPoint: z.object({ owner: z.string(), name: z.string() }),
  groupKey: z.string(),
  idempotencyKey: z.string(),
  notificationStatus: z.enum(['firing', 'resolved']),
  alerts: z.number().int(),
  groupLabels: z.record(z.string(), z.string()),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('when the next attempt is due (pending), else null'),
  deliveredAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;
