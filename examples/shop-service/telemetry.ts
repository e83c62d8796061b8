/**
 * OpenTelemetry for the shop service: traces, metrics and logs, each exported over OTLP/HTTP
 * (protobuf) to wherever the standard variables point.
 *
 * This file wires the SDK by hand so that each signal is visible. In a service of your own,
 * `@opentelemetry/sdk-node` with `@opentelemetry/auto-instrumentations-node` does the same in a few
 * lines and also instruments the libraries you use; the exporters read the same variables.
 *
 * Read from the environment (by the SDK itself unless marked):
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` — e.g. `http://localhost:4318`; `/v1/traces`, `/v1/metrics`
 *   and `/v1/logs` are appended;
 * - `OTEL_EXPORTER_OTLP_HEADERS` — `Authorization=Bearer%20<token>` (an Ethos token with `ingest`);
 * - `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` — override what the code sets;
 * - `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BLRP_SCHEDULE_DELAY` — how often spans and logs are sent;
 * - `OTEL_METRIC_EXPORT_INTERVAL` — how often metrics are sent (read here; 60000 ms by default);
 * - `OTEL_LOG_LEVEL` — what the SDK says about itself on stderr (read here; `warn` by default).
 */
import { randomUUID } from 'node:crypto';
import { context, diag, DiagConsoleLogger, DiagLogLevel, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What the service says about itself; the environment's OTEL_* variables take precedence. */
export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  env?: NodeJS.ProcessEnv;
}

/** The started SDK. */
export interface Telemetry {
  /** Sends what is buffered and stops the exporters; call it before the process exits. */
  shutdown(): Promise<void>;
}

function exportInterval(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return Number.isFinite(ms) && ms > 0 ? ms : 60_000;
}

/**
 * Starts the SDK and registers it globally, so that `trace.getTracer`, `metrics.getMeter` and
 * `logs.getLogger` anywhere in the process use it.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const env = opts.env ?? process.env;
  // the SDK's own complaints (an export refused for a wrong token, Ethos unreachable) on stderr
  const level = (env.OTEL_LOG_LEVEL ?? 'warn').toUpperCase();
  diag.setLogger(new DiagConsoleLogger(), level in DiagLogLevel ? DiagLogLevel[level as keyof typeof DiagLogLevel] : DiagLogLevel.WARN);
  // the code's defaults first; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override them
  const resource = resourceFromAttributes({
    'service.name': opts.serviceName,
    'service.version': opts.serviceVersion,
    'deployment.environment.name': opts.environment,
    'service.instance.id': randomUUID(),
  }).merge(detectResources({ detectors: [envDetector] }));

  // the active span follows the request through awaits; W3C `traceparent` carries it to other services
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  trace.setGlobalTracerProvider(tracerProvider);

  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: exportInterval(env),
        // the reader refuses a timeout longer than its interval
        exportTimeoutMillis: Math.min(30_000, exportInterval(env)),
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);

  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(new OTLPLogExporter())] });
  logs.setGlobalLoggerProvider(loggerProvider);

  return {
    async shutdown() {
      // each flushes what it holds; one failing (Ethos unreachable) must not keep the others from trying
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}
