import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { authPlugin } from './platform/auth.ts';
import type { Clock } from './platform/clock.ts';
import { createSecretBox } from './platform/crypto.ts';
import type { Db } from './platform/db.ts';
import { registerErrorHandler } from './platform/errors.ts';
import { createMaintenance } from './platform/maintenance.ts';
import { createLeases } from './platform/leases.ts';
import type { Metrics } from './platform/metrics.ts';
import { safeEqual } from './platform/crypto.ts';
import { auditRoutes, createAuditService } from './modules/audit/index.ts';
import { createCatalog } from './modules/catalog/index.ts';
import { changeRoutes, createChangeService } from './modules/changes/index.ts';
import { createIdentityService, identityRoutes, type IdentitySettings } from './modules/identity/index.ts';
import { createInboxService, inboxRoutes, type MailTransport } from './modules/inbox/index.ts';
import { createResourceService, KindRegistry, resourceRoutes } from './modules/resources/index.ts';
import { createQuotaGuard, type QuotaLimits } from './modules/telemetry/quotas.ts';
import { createExceptionRules, createTelemetryService, ExceptionStore, LogStore, MetricStore, otlpRoutes, telemetryRoutes, TraceStore } from './modules/telemetry/index.ts';
import { webRoutes } from './modules/web/index.ts';
import { alertingRoutes, createAlerting, loadContactPoint, type NotificationSink } from './modules/alerting/index.ts';
import { createOutbox } from './modules/alerting/outbox.ts';
import { outboxRoutes } from './modules/alerting/outbox.routes.ts';
import { createOnCall, onCallRoutes } from './modules/alerting/oncall.ts';
import { createIncidents, incidentRoutes } from './modules/incidents/index.ts';
import { createActionItems, createPostmortems, postmortemRoutes } from './modules/postmortems/index.ts';
import { createSurveys, surveyRoutes } from './modules/surveys/index.ts';
import { sloRoutes } from './modules/alerting/slo.routes.ts';
import { rollupLevels } from './modules/telemetry/tsdb/metric-store.ts';
import type { TelemetryRetention } from './settings.ts';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What buildApp needs: everything with a side effect comes in from outside. */
export interface AppDeps {
  db: Db;
  clock: Clock;
  secretKey: Buffer;
  metrics: Metrics;
  logger?: boolean | object;
  metricsToken?: string;
  secureCookies?: boolean;
  emailEnabled?: boolean;
  baseUrl?: string;
  bodyLimitBytes?: number;
  /** Trust X-Forwarded-For (behind a reverse proxy): `true`, or the proxies' addresses/CIDRs. */
  trustProxy?: boolean | string;
  identity?: Partial<IdentitySettings>;
  /** The built web UI (default: dist/web of the package). */
  webRoot?: string;
  /** Where telemetry is stored (default: a new temporary directory, for tests). */
  telemetryDir?: string;
  /** Default per-team telemetry quotas. */
  telemetryQuotas?: Partial<QuotaLimits>;
  /** How long telemetry is kept (defaults: raw 7 days, 1-minute rollups 35 days, 1-hour 400 days, exceptions 35 days). */
  telemetryRetention?: Partial<TelemetryRetention>;
  /** Memory for decoded metric chunks that queries keep for the next ones, in bytes (default 64 MiB; 0: none). */
  telemetryQueryCacheBytes?: number;
  /** Most alert rules a team may own (default 1,000). */
  alertRulesPerTeam?: number;
  /** Where notifications go (default: the durable outbox; tests may collect them). */
  notificationSink?: NotificationSink;
  /** Sends email (ETHOS_SMTP_URL): email contact points use it. */
  mail?: MailTransport;
}

/**
 * Builds the Ethos HTTP application without listening: the table of contents of the server.
 * Tests call `app.inject()`; main.ts listens.
 */
export async function buildApp(deps: AppDeps) {
  const { db, clock, metrics } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimitBytes ?? 16 * 1024 * 1024,
    trustProxy: deps.trustProxy ?? false,
    // random, not Fastify's counter: a gap in the logged ids would date requests that are not
    // logged (anonymous survey answers)
    genReqId: () => randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  metrics.instrument(app);

  // services, wired with explicit dependencies
  const kinds = new KindRegistry();
  const box = createSecretBox(deps.secretKey);
  const audit = createAuditService({ db: db.kysely, clock });
  const resources = createResourceService({ db, clock, kinds, box, audit });
  // identity and catalog need each other (memberships; users named in teams): late-bound
  const late: { catalog?: ReturnType<typeof createCatalog> } = {};
  const identity = createIdentityService({
    db: db.kysely,
    clock,
    audit,
    memberships: (userKey) => late.catalog!.membershipsOf(userKey),
    teamName: (teamKey) => late.catalog!.teamName(teamKey),
    settings: deps.identity,
  });
  const catalog = createCatalog({ db, kinds, resources, missingUsers: (names, ex) => identity.missingUsers(names, ex) });
  late.catalog = catalog;
  const exceptionRules = createExceptionRules({ resources, serviceOwners: (names) => catalog.serviceOwners(names), now: () => clock.now().getTime() });
  kinds.register(exceptionRules.kind);
  const inbox = createInboxService({ db: db.kysely, clock, emailsOf: (u, ex) => identity.emailsOf(u, ex), emailEnabled: !!deps.emailEnabled, baseUrl: deps.baseUrl ?? '' });
  const maintenance = createMaintenance(db);
  // singleton work of several replicas sharing a database
  const leases = createLeases({ db: db.kysely, clock });
  const alertingLease = leases.lease('alerting');
  // onClose hooks run last-registered first: this one after alerting and on-call have stopped, so
  // another replica takes over at once instead of after the lease expires
  app.addHook('onClose', async () => alertingLease.release());
  const changes = createChangeService({ db: db.kysely, clock, box, resources, audit, inbox, membersOf: (t, ex) => catalog.membersOf(t, ex), noteWrites: (n) => maintenance.noteWrites(n) });

  const telemetryDir = deps.telemetryDir ?? mkdtempSync(path.join(tmpdir(), 'ethos-telemetry-'));
  const retention = deps.telemetryRetention ?? {};
  const metricStore = new MetricStore({
    dir: telemetryDir,
    now: () => clock.now().getTime(),
    retentionMs: retention.rawMs,
    rollups: rollupLevels(retention),
    decodedCacheBytes: deps.telemetryQueryCacheBytes,
  });
  const logStore = new LogStore({ dir: telemetryDir, now: () => clock.now().getTime(), retentionMs: retention.rawMs });
  const traceStore = new TraceStore({ dir: telemetryDir, now: () => clock.now().getTime(), retentionMs: retention.rawMs });
  const exceptionStore = new ExceptionStore({ dir: telemetryDir, now: () => clock.now().getTime(), retentionMs: retention.exceptionsMs });
  app.addHook('onClose', async () => {
    exceptionStore.close();
    metricStore.close();
    logStore.close();
    traceStore.close();
  });
  const quotas = createQuotaGuard({
    db: db.kysely,
    defaults: { activeSeries: 1_000_000, logRecordsPerSecond: 100_000, spansPerSecond: 100_000, ...deps.telemetryQuotas },
    servicesOf: (team) => catalog.servicesOf(team),
    seriesOf: (service) => metricStore.seriesOf(service),
    now: () => clock.now().getTime(),
  });
  const telemetry = createTelemetryService({
    quotas, metrics: metricStore, logs: logStore, traces: traceStore, exceptions: exceptionStore, exceptionRules: exceptionRules.rules, serviceOwners: (names) => catalog.serviceOwners(names), db: db.kysely, now: () => clock.now().getTime() });
  const outbox = createOutbox({
    db: db.kysely,
    clock,
    mail: deps.mail,
    externalURL: deps.baseUrl ?? '',
    log: app.log,
    loadContactPoint: (owner, name) => loadContactPoint(resources, db, box, owner, name),
  });
  app.addHook('onClose', async () => outbox.stop());
  const incidents = createIncidents({ db: db.kysely, clock, audit, serviceOwners: (names) => catalog.serviceOwners(names) });
  const actionItems = createActionItems({ db: db.kysely, clock, audit, inbox, teamName: (t) => catalog.teamName(t), membersOf: (t, ex) => catalog.membersOf(t, ex) });
  const postmortems = createPostmortems({ db: db.kysely, dbKind: db.kind, clock, audit, incidents, actionItems, teamName: (t) => catalog.teamName(t), personNames: () => identity.personNames() });
  const alerting = createAlerting({
    db: db.kysely,
    clock,
    kinds,
    resources,
    source: telemetry.evalSource(),
    sink: deps.notificationSink ?? outbox,
    externalURL: deps.baseUrl ?? '',
    maxRulesPerTeam: deps.alertRulesPerTeam,
    onError: (err) => app.log.error({ err }, 'alert evaluation failed'),
    onEvalPass: (stats) => metrics.observeAlertPass(stats),
    watchers: [incidents.watcher],
    lease: alertingLease,
  });
  telemetry.onData((services) => alerting.dataArrived(services));
  app.addHook('onClose', async () => alerting.stop());
  const oncall = createOnCall({
    db: db.kysely,
    clock,
    kinds,
    resources,
    firingAlerts: (owner) => alerting.engine.list({ owner, states: ['firing'] }),
    sink: deps.notificationSink ?? outbox,
    inbox,
    externalURL: deps.baseUrl ?? '',
    onError: (err) => app.log.error({ err }, 'on-call escalation failed'),
    leading: () => alerting.leading(),
  });
  app.addHook('onClose', async () => oncall.stop());
  const surveys = createSurveys({
    db: db.kysely,
    clock,
    resources,
    audit,
    inbox,
    membersOf: (team, ex) => catalog.membersOf(team, ex),
    emailsOf: (users) => identity.emailAddresses(users),
    mail: deps.mail,
    baseUrl: deps.baseUrl ?? '',
    secretKey: deps.secretKey,
    onError: (err) => app.log.warn({ err }, 'survey invitations'),
  });
  kinds.register(surveys.kind);

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Ethos API', version: '1', description: 'Owned, versioned resources; change requests; auth.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'ethos_session' } }, schemas: kinds.openApiSchemas() },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(authPlugin, { authenticator: identity });

  // public endpoints
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(db.kysely);
      return { status: 'ready' };
    } catch {
      return reply.status(503).header('retry-after', '5').send({ status: 'database unavailable' });
    }
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { schema: { hide: true }, config: { auth: false } }, async (req, reply) => {
    if (deps.metricsToken) {
      const sent = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(sent, deps.metricsToken)) return reply.status(401).send({ error: { code: 'AUTH_REQUIRED', message: 'send the metrics token as a bearer token' } });
    }
    metrics.workerLag.set({ worker: 'email' }, await inbox.emailLagSeconds());
    metrics.workerLag.set({ worker: 'notifications' }, (await outbox.stats()).oldestPendingSeconds);
    metrics.leaseHeld.set({ lease: alertingLease.name }, alertingLease.held() ? 1 : 0);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // modules
  await app.register(identityRoutes, { identity, secureCookies: !!deps.secureCookies, sessionAbsoluteHours: deps.identity?.sessionAbsoluteHours ?? 7 * 24 });
  await app.register(resourceRoutes, { resources, kinds });
  await app.register(changeRoutes, { changes });
  await app.register(inboxRoutes, { inbox });
  await app.register(auditRoutes, { audit });
  await app.register(telemetryRoutes, { telemetry, now: () => clock.now().getTime() });
  await app.register(otlpRoutes, { telemetry });
  await app.register(outboxRoutes, { outbox });
  await app.register(onCallRoutes, { oncall, now: () => clock.now().getTime() });
  await app.register(sloRoutes, { resources, alerting, query: (q) => telemetry.queryMetric(q), now: () => clock.now().getTime() });
  await app.register(alertingRoutes, {
    alerting,
    testContactPoint: async (owner, name) => {
      const spec = await loadContactPoint(resources, db, box, owner, name);
      return spec ? outbox.sendTest(spec, name) : null;
    },
    owners: async (services, teams) => {
      const names = await Promise.all([...new Set(teams)].map(async (t) => ((await catalog.teamName(t)) ? t : null)));
      return { services: await catalog.serviceOwners(services), teams: new Set(names.filter((t): t is string => t !== null)) };
    },
  });
  await app.register(incidentRoutes, { incidents });
  await app.register(postmortemRoutes, { postmortems, actionItems });
  await app.register(surveyRoutes, { surveys });
  // last: the web UI answers browser GETs that no API route claimed
  await app.register(webRoutes, { root: deps.webRoot });

  return Object.assign(app as unknown as FastifyInstance, { services: { identity, resources, changes, catalog, inbox, audit, kinds, maintenance, telemetry, metricStore, alerting, outbox, incidents, oncall, postmortems, actionItems, surveys } });
}

/**
 * The OTLP port's own server: the OTLP/HTTP receivers of `app` and nothing else, authenticated
 * by the same tokens.
 */
export async function buildOtlpApp(app: EthosApp, opts: { logger?: boolean | object; bodyLimitBytes?: number } = {}) {
  const otlp = Fastify({ logger: opts.logger ?? false, bodyLimit: opts.bodyLimitBytes ?? 16 * 1024 * 1024 });
  registerErrorHandler(otlp);
  await otlp.register(authPlugin, { authenticator: app.services.identity });
  await otlp.register(otlpRoutes, { telemetry: app.services.telemetry, maxBodyBytes: opts.bodyLimitBytes });
  otlp.get('/healthz', async () => ({ status: 'ok' }));
  return otlp;
}

/** The built application with its services (for main.ts, workers and tests). */
export type EthosApp = Awaited<ReturnType<typeof buildApp>>;
