import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ALERT_RULE_KIND, ALERT_STATES, SLO_KIND, CONTACT_POINT_KIND, contactPointSpecSchema, NOTIFICATION_POLICY_KIND, SILENCE_KIND, type ContactPointSpec, alertViewSchema, durationMs, previewRequestSchema, previewResultSchema, type AlertView } from '../../../shared/alerting.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { SecretBox } from '../../platform/crypto.ts';
import type { Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Lease } from '../../platform/leases.ts';
import { permissions } from '../../platform/permissions.ts';
import type { KindRegistry } from '../resources/kinds.ts';
import type { ResourceService } from '../resources/resources.service.ts';
import { alertingKinds } from './alerting.kinds.ts';
import { createAlertEngine, type AlertInstance, type AlertListener, type EvalPassStats, type PostedAlert } from './engine.ts';
import { previewCondition, type EvalSource } from './evaluate.ts';
import { createNotifier, type NotificationSink } from './notifier.ts';

export type { NotificationSink } from './notifier.ts';
export type { GroupNotification, AlertPayload } from './contact-formats.ts';

/** A contact point's spec with its secret fields decrypted (for delivery only: never returned by the API), or null. */
export async function loadContactPoint(resources: Pick<ResourceService, 'loadStored'>, db: { kysely: Kysely<Database> }, box: SecretBox, owner: string, name: string): Promise<ContactPointSpec | null> {
  const stored = await resources.loadStored(db.kysely, CONTACT_POINT_KIND, name);
  if (!stored || stored.deleted || stored.document.metadata.owner.toLowerCase() !== owner.toLowerCase()) return null;
  const spec = { ...stored.document.spec } as Record<string, unknown>;
  for (const field of ['url', 'routingKey']) if (typeof spec[field] === 'string' && (spec[field] as string).startsWith('enc:')) spec[field] = box.decrypt(spec[field] as string);
  const parsed = contactPointSpecSchema.safeParse(spec);
  return parsed.success ? parsed.data : null;
}

/**
 * Told of alert changes after the notifier, and of acknowledgements (incidents). A watcher's
 * failure is reported to onError and never stops evaluation or notification.
 */
export interface AlertWatcher extends AlertListener {
  alertAcknowledged?(alert: AlertInstance, by: string | null, now: number): Promise<void>;
}
export type { AlertInstance } from './engine.ts';

/** What decides who owns a posted alert: services' owning teams and the team names that exist (lower-cased). */
export interface PostedOwners {
  services: Map<string, string>;
  teams: Set<string>;
}

/** The team owning a posted alert: its service's, else its `team` label's, else '' (the organisation default). */
export function postedOwner(labels: Record<string, string>, owners: PostedOwners): string {
  const byService = labels.service ? owners.services.get(labels.service.toLowerCase()) : undefined;
  if (byService) return byService;
  const team = labels.team?.toLowerCase();
  return team && owners.teams.has(team) ? team : '';
}

/**
 * Alerting: the AlertRule, ContactPoint, NotificationPolicy and Silence kinds, the evaluator that
 * turns rules and telemetry into alerts, and the notifier that routes, groups and hands them to
 * the outbox.
 */
export function createAlerting(deps: {
  db: Kysely<Database>;
  clock: Clock;
  kinds: KindRegistry;
  resources: ResourceService;
  source: EvalSource;
  sink: NotificationSink;
  externalURL: string;
  maxRulesPerTeam?: number;
  onError?: (err: unknown) => void;
  /** Told after every evaluation pass (the server's metrics). */
  onEvalPass?: (stats: EvalPassStats) => void;
  /** Told after the notifier (incidents). */
  watchers?: AlertWatcher[];
  /**
   * With several replicas: only the one holding this lease evaluates, flushes notification groups
   * and escalates (see {@link createAlertEngine}); without it this process always does.
   */
  lease?: Lease;
}) {
  const late: { engine?: ReturnType<typeof createAlertEngine>; notifier?: ReturnType<typeof createNotifier> } = {};
  for (const def of alertingKinds({
    resources: deps.resources,
    maxRulesPerTeam: () => deps.maxRulesPerTeam ?? 1000,
    changed: (kind) => {
      if (kind === ALERT_RULE_KIND || kind === SLO_KIND) late.engine?.rulesChanged();
      else late.notifier?.changed();
    },
  })) {
    deps.kinds.register(def);
  }
  const notifier = createNotifier({
    db: deps.db,
    clock: deps.clock,
    sink: deps.sink,
    externalURL: deps.externalURL,
    source: {
      version: () => deps.resources.kindVersion([NOTIFICATION_POLICY_KIND, SILENCE_KIND]),
      policies: () => deps.resources.listAllLive(NOTIFICATION_POLICY_KIND),
      silences: () => deps.resources.listAllLive(SILENCE_KIND),
    },
    activeAlerts: () => engine.list({ states: ['firing', 'nodata', 'error'] }),
  });
  const engine = createAlertEngine({
    db: deps.db,
    clock: deps.clock,
    source: deps.source,
    rules: {
      version: () => deps.resources.kindVersion([ALERT_RULE_KIND, SLO_KIND]),
      list: async () => [...(await deps.resources.listAllLive(ALERT_RULE_KIND)), ...(await deps.resources.listAllLive(SLO_KIND))],
    },
    listener: {
      async alertsChanged(changed, now) {
        await notifier.alertsChanged(changed, now);
        for (const w of deps.watchers ?? []) await w.alertsChanged(changed, now).catch((err) => deps.onError?.(err));
      },
    },
    onError: deps.onError,
    onPass: deps.onEvalPass,
    lease: deps.lease,
    onTakeover: () => notifier.reset(),
  });
  late.engine = engine;
  late.notifier = notifier;
  let notifyTimer: NodeJS.Timeout | null = null;
  /** Sends the groups that are due, on the replica that holds the lease. */
  const flushGroups = async () => ((await engine.leading()) ? notifier.tick() : 0);

  function view(a: AlertInstance): AlertView {
    const rule = engine.rule(a.ruleKey);
    const silence = notifier.silenced(a);
    return {
      rule: rule?.name ?? a.ruleKey,
      source: a.ruleKey.startsWith('posted:') ? 'posted' : 'rule',
      owner: rule?.owner ?? a.ownerKey,
      service: a.service,
      severity: a.severity,
      fingerprint: a.fingerprint,
      state: a.state,
      labels: a.labels,
      annotations: a.annotations,
      value: a.value,
      activeAt: new Date(a.activeAt).toISOString(),
      firedAt: a.firedAt === null ? null : new Date(a.firedAt).toISOString(),
      resolvedAt: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
      acknowledgedBy: a.acknowledgedBy,
      acknowledgedAt: a.acknowledgedAt === null ? null : new Date(a.acknowledgedAt).toISOString(),
      silencedBy: silence?.name ?? null,
    };
  }

  return {
    engine,
    notifier,
    /** The lease this replica runs alerting under, if any. */
    lease: deps.lease,
    /** Evaluates what is due and sends what is due (tests drive this with a ManualClock). */
    async tick(): Promise<void> {
      await engine.tick();
      await flushGroups();
    },
    /** Whether this replica runs alerting's singleton work now (on-call escalation asks too). */
    leading: () => engine.leading(),
    /** Evaluates on data and every 250 ms; sends groups that come due (groupWait, groupInterval, repeats) every 500 ms. */
    start(): void {
      engine.start();
      notifyTimer ??= setInterval(() => void flushGroups().catch((err) => deps.onError?.(err)), 500);
    },
    async stop(): Promise<void> {
      if (notifyTimer) clearInterval(notifyTimer);
      notifyTimer = null;
      await engine.stop();
    },
    /** Alerts posted to the Alertmanager API, owned by their service's team, else their `team` label's team. */
    async receivePosted(alerts: PostedAlert[], owners: PostedOwners): Promise<number> {
      return engine.receivePosted(alerts, (labels) => postedOwner(labels, owners));
    },
    dataArrived(services: string[]): void {
      for (const s of services) engine.dataArrived(s);
    },
    view,
    /** Records who acknowledged an alert (or clears it) and tells the watchers. */
    async acknowledge(ruleKey: string, fp: string, by: string | null): Promise<AlertInstance | null> {
      const updated = await engine.acknowledge(ruleKey, fp, by);
      if (updated) for (const w of deps.watchers ?? []) await w.alertAcknowledged?.(updated, by, deps.clock.now().getTime()).catch((err) => deps.onError?.(err));
      return updated;
    },
    /** A metric condition over the last hours and where it would have fired (the rule editor's preview). */
    preview(req: { service: string; condition: Parameters<typeof previewCondition>[2]; for: string; range: string }) {
      return previewCondition(deps.source, req.service, req.condition, durationMs(req.for), durationMs(req.range), deps.clock.now().getTime());
    },
  };
}

export type Alerting = ReturnType<typeof createAlerting>;

const alertListQuery = z.object({
  owner: z.string().max(63).optional().describe('only alerts of this team'),
  service: z.string().max(63).optional(),
  state: z
    .union([z.enum(ALERT_STATES), z.array(z.enum(ALERT_STATES))])
    .optional()
    .describe('only these states (repeat for several); default: all but resolved'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const postedAlertSchema = z
  .object({
    labels: z.record(z.string().min(1).max(200), z.string().max(2000)).refine((l) => !!l.alertname, 'every alert needs an alertname label'),
    annotations: z.record(z.string().min(1).max(200), z.string().max(10_000)).default({}),
    startsAt: z.string().max(64).optional(),
    endsAt: z.string().max(64).optional(),
    generatorURL: z.string().max(2000).optional(),
  })
  .passthrough();

/** Alerts: every signed-in user reads them; members of the owning team acknowledge them. */
export const alertingRoutes: FastifyPluginAsyncZod<{
  alerting: Alerting;
  /** The owning team of each service and which of some team names exist (lower-cased). */
  owners(services: string[], teams: string[]): Promise<PostedOwners>;
  /** Sends a test notification to a contact point (null: no such contact point of that owner). */
  testContactPoint(owner: string, name: string): Promise<{ ok: boolean; status?: number; error?: string } | null>;
}> = async (app, { alerting, owners, testContactPoint }) => {
  app.post(
    '/api/v1/alerting/contact-points/:name/test',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Send a test notification to a contact point now (members of its team)',
        params: z.object({ name: z.string().min(1).max(63) }),
        querystring: z.object({ owner: z.string().min(1).max(63) }),
        response: { 200: z.object({ ok: z.boolean(), status: z.number().optional(), error: z.string().optional() }) },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      const owner = req.query.owner.toLowerCase();
      if (!permissions.isMember(actor, owner) && !actor.admin) throw new AppError('NOT_OWNER', `only members of team "${req.query.owner}" test its contact points`);
      const result = await testContactPoint(owner, req.params.name);
      if (!result) throw new AppError('RESOURCE_NOT_FOUND', `team "${req.query.owner}" has no contact point "${req.params.name}"`);
      return result;
    },
  );

  // Alertmanager's API, for an existing Prometheus (alerting.alertmanagers[].path_prefix: /alertmanager)
  app.post(
    '/alertmanager/api/v2/alerts',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Alertmanager’s API: Prometheus posts its alerts here; each goes to the team owning its service label (else its team label, else the organisation default policy)',
        body: z.array(postedAlertSchema).max(10_000),
      },
    },
    async (req, reply) => {
      const actor = req.requireActor(req.actor?.scopes.has('ingest') ? 'ingest' : 'write');
      const alerts = req.body as PostedAlert[];
      const found = await owners(
        alerts.map((a) => a.labels.service ?? '').filter(Boolean),
        alerts.map((a) => (a.labels.team ?? '').toLowerCase()).filter(Boolean),
      );
      const ownerOf = (l: Record<string, string>) => postedOwner(l, found);
      // a team's token posts its team's alerts (and unowned ones); an organisation-wide token any
      const foreign = alerts.find((a) => {
        const o = ownerOf(a.labels);
        return o !== '' && !actor.organisationIngest && !actor.admin && !permissions.isMember(actor, o);
      });
      if (foreign) throw new AppError('NOT_OWNER', `alert "${foreign.labels.alertname}" belongs to team "${ownerOf(foreign.labels)}": post it with that team's token or an organisation-wide one; nothing was stored`);
      await alerting.receivePosted(alerts, found);
      return reply.status(200).send();
    },
  );

  app.post(
    '/api/v1/alerting/preview',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Chart a metric condition over the last hours, with where it would have fired: the rule editor’s preview (backtest)',
        body: previewRequestSchema,
        response: { 200: previewResultSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      return alerting.preview(req.body);
    },
  );

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Alerts, newest first: firing, pending, no-data and error ones (resolved on request)',
        querystring: alertListQuery,
        response: { 200: z.object({ items: z.array(alertViewSchema) }) },
      },
    },
    async (req) => {
      req.requireActor('read');
      const q = req.query;
      const states = q.state ? [q.state].flat() : (['pending', 'firing', 'nodata', 'error'] as const);
      const items = alerting.engine.list({ owner: q.owner, service: q.service, states: [...states] }).slice(0, q.limit);
      return { items: items.map((a) => alerting.view(a)) };
    },
  );

  for (const acknowledge of [true, false]) {
    app.route({
      method: acknowledge ? 'POST' : 'DELETE',
      url: '/api/v1/alerts/:rule/:fingerprint/ack',
      schema: {
        tags: ['alerting'],
        summary: acknowledge ? 'Acknowledge an alert (members of the team that owns its rule)' : 'Take back an acknowledgement',
        params: z.object({ rule: z.string().min(1).max(100), fingerprint: z.string().regex(/^[0-9a-f]{16}$/) }),
        response: { 200: alertViewSchema },
      },
      handler: async (req) => {
        const actor = req.requireActor('write');
        const current = alerting.engine.get(req.params.rule, req.params.fingerprint);
        if (!current) throw new AppError('ALERT_NOT_FOUND', `no alert ${req.params.fingerprint} of rule "${req.params.rule}"`);
        if (!permissions.isMember(actor, current.ownerKey) && !actor.admin) {
          throw new AppError('NOT_OWNER', `only members of team "${current.ownerKey}" acknowledge its alerts`);
        }
        const updated = await alerting.acknowledge(req.params.rule, req.params.fingerprint, acknowledge ? actor.name : null);
        return alerting.view(updated!);
      },
    });
  }
};
