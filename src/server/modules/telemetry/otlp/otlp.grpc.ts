import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import type { Authenticator } from '../../../platform/auth.ts';
import { AppError } from '../../../platform/errors.ts';
import type { Actor } from '../../../platform/permissions.ts';
import type { TelemetryService } from '../telemetry.service.ts';
import { metricsToSamples } from './otlp-metrics.ts';
import { logsToRecords } from './otlp-logs.ts';
import { tracesToSpans } from './otlp-traces.ts';
import { otlpProto } from './otlp-types.ts';

export interface OtlpGrpcOptions {
  telemetry: TelemetryService;
  authenticator: Pick<Authenticator, 'authenticateToken'>;
  host: string;
  port: number;
  /** Largest message accepted, decompressed (default 16 MiB). */
  maxMessageBytes?: number;
  /** Calls processed at once; more are answered UNAVAILABLE, which exporters retry (default 64). */
  maxInFlight?: number;
  onError?(err: unknown): void;
}

const identity = (b: Buffer) => b;

/** gRPC status of each error code Ethos answers with. */
function grpcStatus(err: unknown): { code: status; details: string } {
  if (err instanceof AppError) {
    const code =
      err.status === 401
        ? status.UNAUTHENTICATED
        : err.status === 403
          ? status.PERMISSION_DENIED
          : err.status === 413
            ? status.RESOURCE_EXHAUSTED
            : err.status === 503 || err.status === 429
              ? status.UNAVAILABLE
              : status.INVALID_ARGUMENT;
    return { code, details: `${err.code}: ${err.message}` };
  }
  return { code: status.UNAVAILABLE, details: 'UNAVAILABLE: the data could not be stored; retry later' };
}

/**
 * The OTLP/gRPC receiver (port 4317 by default): `MetricsService/Export` with the same tokens,
 * rules and partial success as OTLP/HTTP. Messages are decoded by OpenTelemetry's generated code;
 * gzip message compression is handled by grpc-js. Metrics, logs and traces.
 */
export async function startOtlpGrpc(opts: OtlpGrpcOptions): Promise<{ port: number; close(): Promise<void> }> {
  const maxMessage = opts.maxMessageBytes ?? 16 * 1024 * 1024;
  const maxInFlight = opts.maxInFlight ?? 64;
  let inFlight = 0;
  const server = new Server({ 'grpc.max_receive_message_length': maxMessage, 'grpc.max_send_message_length': 1024 * 1024 });

  async function actorOf(metadata: Metadata): Promise<Actor> {
    const header = String(metadata.get('authorization')[0] ?? '');
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw new AppError('AUTH_REQUIRED', 'send the metadata "authorization: Bearer <token>" (OTEL_EXPORTER_OTLP_HEADERS)');
    const actor = await opts.authenticator.authenticateToken(token, null);
    if (!actor) throw new AppError('AUTH_FAILED', 'the bearer token is unknown, revoked or expired');
    if (!actor.scopes.has('ingest')) throw new AppError('AUTH_SCOPE', 'this token lacks the "ingest" scope', { required: 'ingest' });
    return actor;
  }

  /** One OTLP Export method: its path, and how a decoded request becomes an answer. */
  function exportService(path: string, handle: (actor: Actor, body: Buffer) => Promise<Buffer>) {
    const definition: ServiceDefinition = {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        // the handler decodes, so that a malformed message is INVALID_ARGUMENT with a reason
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    server.addService(definition, {
      Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
        if (inFlight >= maxInFlight) {
          callback({ code: status.UNAVAILABLE, details: 'TELEMETRY_OVERLOADED: Ethos is receiving more than it can store right now: retry' });
          return;
        }
        inFlight++;
        actorOf(call.metadata)
          .then((actor) => handle(actor, call.request))
          .then((answer) => callback(null, answer))
          .catch((err: unknown) => {
            if (!(err instanceof AppError)) opts.onError?.(err);
            callback(grpcStatus(err));
          })
          .finally(() => inFlight--);
      },
    });
  }

  function decodeOr<T>(decode: () => T, what: string): T {
    try {
      return decode();
    } catch (err) {
      throw new AppError('OTLP_BAD_PAYLOAD', `the message is not a valid ${what}: ${(err as Error).message}`);
    }
  }

  function partial(rejectedField: string, outcome: { rejected: number; messages: string[] }) {
    return outcome.rejected > 0 ? { partialSuccess: { [rejectedField]: outcome.rejected, errorMessage: outcome.messages.join('\n') } } : {};
  }

  const metrics = otlpProto.collector.metrics.v1;
  const logs = otlpProto.collector.logs.v1;
  const traces = otlpProto.collector.trace.v1;
  exportService('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', async (actor, body) => {
    const msg = decodeOr(() => metrics.ExportMetricsServiceRequest.decode(body), 'ExportMetricsServiceRequest');
    const outcome = await opts.telemetry.ingestMetrics(actor, metricsToSamples(msg));
    return Buffer.from(metrics.ExportMetricsServiceResponse.encode(metrics.ExportMetricsServiceResponse.create(partial('rejectedDataPoints', outcome))).finish());
  });
  exportService('/opentelemetry.proto.collector.logs.v1.LogsService/Export', async (actor, body) => {
    const msg = decodeOr(() => logs.ExportLogsServiceRequest.decode(body), 'ExportLogsServiceRequest');
    const outcome = await opts.telemetry.ingestLogs(actor, logsToRecords(msg, opts.telemetry.acceptWindow()));
    return Buffer.from(logs.ExportLogsServiceResponse.encode(logs.ExportLogsServiceResponse.create(partial('rejectedLogRecords', outcome))).finish());
  });
  exportService('/opentelemetry.proto.collector.trace.v1.TraceService/Export', async (actor, body) => {
    const msg = decodeOr(() => traces.ExportTraceServiceRequest.decode(body), 'ExportTraceServiceRequest');
    const outcome = await opts.telemetry.ingestTraces(actor, tracesToSpans(msg, opts.telemetry.acceptWindow()));
    return Buffer.from(traces.ExportTraceServiceResponse.encode(traces.ExportTraceServiceResponse.create(partial('rejectedSpans', outcome))).finish());
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
