import path from 'node:path';
import { buildApp, buildOtlpApp } from './app.ts';
import { startOtlpGrpc } from './modules/telemetry/otlp/otlp.grpc.ts';
import { createHeapGovernor } from './platform/heap-governor.ts';
import { systemClock } from './platform/clock.ts';
import { loadSecretKey } from './platform/crypto.ts';
import { openDatabase } from './platform/db.ts';
import { createMetrics } from './platform/metrics.ts';
import { migrateToLatest } from './platform/migrations/index.ts';
import { readSettings, type Settings } from './settings.ts';
import { smtpTransport } from './modules/inbox/index.ts';

/** Fields pino must never print. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', '*.password', '*.token'];

/** Opens the database, migrates, builds the app, listens, and starts the workers. */
export async function startServer(settings: Settings = readSettings()) {
  const metrics = createMetrics();
  const db = openDatabase(settings.databaseUrl, metrics.observeQuery);
  await migrateToLatest(db);
  const app = await buildApp({
    db,
    clock: systemClock,
    secretKey: loadSecretKey(settings.secretKey, settings.dataDir),
    metrics,
    logger: { level: settings.logLevel, redact: REDACT },
    metricsToken: settings.metricsToken,
    secureCookies: settings.secureCookies,
    emailEnabled: !!settings.smtpUrl,
    baseUrl: settings.baseUrl,
    bodyLimitBytes: settings.bodyLimitBytes,
    trustProxy: settings.trustProxy,
    identity: { sessionIdleMinutes: settings.sessionIdleMinutes, sessionAbsoluteHours: settings.sessionAbsoluteHours },
    telemetryDir: path.join(settings.dataDir, 'telemetry'),
    telemetryQuotas: settings.quotas,
    telemetryRetention: settings.retention,
    telemetryQueryCacheBytes: settings.telemetryQueryCacheBytes,
    alertRulesPerTeam: settings.alertRulesPerTeam,
    mail: settings.smtpUrl ? smtpTransport(settings.smtpUrl, settings.smtpFrom) : undefined,
  });
  const boot = await app.services.identity.bootstrapAdmin(settings.adminPassword);
  if (boot.created && boot.password) {
    // printed once on the console on purpose, never through the structured log
    process.stdout.write(
      `\n  Ethos created the user "admin" with the one-time password:\n\n      ${boot.password}\n\n  Sign in and choose a new password; this one is not shown again.\n\n`,
    );
  }
  const timers: NodeJS.Timeout[] = [];
  if (db.kind === 'postgres') {
    timers.push(
      setInterval(() => {
        app.services.maintenance.analyzeStaleTables().catch((err) => app.log.warn({ err }, 'analyze failed'));
      }, 60_000),
    );
  }
  if (settings.smtpUrl) {
    const send = smtpTransport(settings.smtpUrl, settings.smtpFrom);
    timers.push(
      setInterval(() => {
        app.services.inbox.deliverEmails(send).catch((err) => app.log.error({ err }, 'email delivery failed'));
      }, 5000),
    );
  }
  const heap = createHeapGovernor();
  timers.push(setInterval(() => heap.check(), 2000));
  timers.push(
    setInterval(() => {
      try {
        app.services.telemetry.maintain();
      } catch (err) {
        app.log.error({ err }, 'telemetry maintenance failed');
      }
    }, 5000),
  );
  // metric rollups, a short slice at a time; more often while catching up
  let rollupBehind = true;
  let rollupTick = 0;
  timers.push(
    setInterval(() => {
      if (!rollupBehind && ++rollupTick % 10 !== 0) return;
      try {
        rollupBehind = app.services.telemetry.rollup(40);
      } catch (err) {
        rollupBehind = false;
        app.log.error({ err }, 'telemetry rollup failed');
      }
    }, 500),
  );
  // RED totals ingest left for later (a route is written at most once a second): red.* lags at most that
  timers.push(
    setInterval(() => {
      try {
        app.services.telemetry.flushRed();
      } catch (err) {
        app.log.error({ err }, 'RED metrics flush failed');
      }
    }, 250),
  );
  app.services.alerting.start();
  app.services.outbox.start();
  app.services.oncall.start();
  await app.listen({ port: settings.port, host: settings.host });
  // OpenTelemetry's standard port, for exporters configured with OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4318
  let otlp: Awaited<ReturnType<typeof buildOtlpApp>> | null = null;
  if (settings.otlpPort !== null) {
    otlp = await buildOtlpApp(app, { logger: { level: settings.logLevel, redact: REDACT }, bodyLimitBytes: settings.bodyLimitBytes });
    await otlp.listen({ port: settings.otlpPort, host: settings.host });
  }
  // and OTLP/gRPC, the default of several SDKs
  const grpc =
    settings.otlpGrpcPort === null
      ? null
      : await startOtlpGrpc({
          telemetry: app.services.telemetry,
          authenticator: app.services.identity,
          host: settings.host,
          port: settings.otlpGrpcPort,
          onError: (err) => app.log.error({ err }, 'OTLP/gRPC ingest failed'),
        });
  const stop = async () => {
    for (const t of timers) clearInterval(t);
    await otlp?.close();
    await grpc?.close();
    await app.close();
    await db.close();
  };
  return { app, db, stop };
}
