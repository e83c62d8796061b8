import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { uncompressSync as snappyUncompressSync } from 'snappy';
import { decodeRemoteWrite } from '../prometheus/remote-write.ts';
import { AppError } from '../../../platform/errors.ts';
import type { TelemetryService } from '../telemetry.service.ts';
import { metricsToSamples } from './otlp-metrics.ts';
import { hexIdsToBase64, logsToRecords } from './otlp-logs.ts';
import { tracesToSpans, type ExportTraceServiceRequest } from './otlp-traces.ts';
import { otlpProto, type ExportLogsServiceRequest, type ExportMetricsServiceRequest, type MessageType } from './otlp-types.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

type Format = 'protobuf' | 'json';

/** google.rpc.Code of each HTTP status OTLP answers with. */
const RPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 3, 415: 3, 429: 8, 500: 13, 503: 14 };

export interface OtlpOptions {
  telemetry: TelemetryService;
  /** Largest body accepted, compressed (default 16 MiB) … */
  maxBodyBytes?: number;
  /** … and decompressed (default 64 MiB). */
  maxDecodedBytes?: number;
  /** Requests processed at once; more are answered 429 with Retry-After (default 64). */
  maxInFlight?: number;
}

function formatOf(req: FastifyRequest): Format {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send OTLP as application/x-protobuf or application/json, not "${type || 'no content type'}"`);
}

/** The decompressed length a snappy block declares (its leading varint); Infinity when unreadable. */
function snappyLength(buf: Uint8Array): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < buf.length; i++) {
    n += (buf[i]! & 0x7f) * mul;
    if (buf[i]! < 0x80) return n;
    mul *= 128;
  }
  return Infinity;
}

/** A google.rpc.Status message, written by hand: two fields. */
function encodeStatus(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  const len: number[] = [];
  let n = msg.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x08, code, 0x12, ...len]), msg]);
}

/**
 * OTLP/HTTP receivers: `/v1/metrics` (logs and traces follow) in protobuf or JSON, gzip or not;
 * answers in OTLP's own format with partial success, errors as google.rpc.Status.
 * Registered on the main port and on the OTLP port.
 */
export const otlpRoutes: FastifyPluginAsync<OtlpOptions> = async (app, opts) => {
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxDecoded = opts.maxDecodedBytes ?? 64 * 1024 * 1024;
  const maxInFlight = opts.maxInFlight ?? 64;
  let inFlight = 0;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBody }, (_req, body, done) => done(null, body));

  function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}) {
    if ((req.routeOptions.config as { protocol?: string } | undefined)?.protocol === 'prometheus') {
      // remote-write senders log the text; they retry 5xx (and 429 when told to), never 4xx
      return reply.status(status).headers(headers).type('text/plain; charset=utf-8').send(`${code}: ${message}\n`);
    }
    let format: Format = 'json';
    try {
      format = formatOf(req);
    } catch {
      // an unsupported content type is answered in JSON
    }
    void reply.status(status).headers(headers);
    const text = `${code}: ${message}`;
    if (format === 'protobuf') return reply.type('application/x-protobuf').send(encodeStatus(RPC_CODE[status] ?? 2, text));
    return reply.type('application/json').send({ code: RPC_CODE[status] ?? 2, message: text, error: { code, message } });
  }

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) return sendError(req, reply, err.status, err.code, err.message, err.headers);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(req, reply, 413, 'REQUEST_TOO_LARGE', `the body is larger than ${maxBody} bytes: send smaller batches`);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendError(req, reply, err.statusCode, 'BAD_REQUEST', err.message);
    req.log.error({ err }, 'OTLP ingest failed');
    return sendError(req, reply, 503, 'UNAVAILABLE', 'the data could not be stored; retry later', { 'retry-after': '5' });
  });

  async function decodeBody(req: FastifyRequest): Promise<Buffer> {
    const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toString().trim().toLowerCase();
    try {
      if (encoding === 'gzip') return await gunzipAsync(body, { maxOutputLength: maxDecoded });
      if (encoding === 'deflate') return await inflateAsync(body, { maxOutputLength: maxDecoded });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new AppError('REQUEST_TOO_LARGE', `the body decompresses to more than ${maxDecoded} bytes: send smaller batches`);
      throw new AppError('OTLP_BAD_PAYLOAD', `the body is not valid ${encoding}: ${(err as Error).message}`);
    }
    if (encoding !== 'identity') throw new AppError('UNSUPPORTED_MEDIA_TYPE', `content encoding "${encoding}" is not supported: send gzip, deflate or none`);
    return body;
  }

  function decode<T>(type: MessageType<T>, format: Format, body: Buffer, prepareJson: (json: unknown) => unknown = (j) => j): T {
    try {
      if (format === 'protobuf') return type.decode(body);
      return type.fromObject(prepareJson(JSON.parse(body.toString('utf8'))));
    } catch (err) {
      throw new AppError('OTLP_BAD_PAYLOAD', `the body is not a valid OTLP ${format} message: ${(err as Error).message}`);
    }
  }

  function answer(reply: FastifyReply, format: Format, type: MessageType<unknown>, rejectedField: string, rejected: number, messages: string[]) {
    const partialSuccess = rejected > 0 ? { [rejectedField]: rejected, errorMessage: messages.join('\n') } : undefined;
    if (format === 'protobuf') return reply.type('application/x-protobuf').send(Buffer.from(type.encode(type.create(partialSuccess ? { partialSuccess } : {})).finish()));
    return reply.type('application/json').send(partialSuccess ? { partialSuccess } : {});
  }

  /** Admits a request unless too many are being processed, in which case the client should retry. */
  async function admitted<T>(fn: () => Promise<T>): Promise<T> {
    if (inFlight >= maxInFlight) throw new AppError('TELEMETRY_OVERLOADED', 'Ethos is receiving more than it can store right now: retry after the delay', undefined, { 'retry-after': '1' });
    inFlight++;
    try {
      return await fn();
    } finally {
      inFlight--;
    }
  }

  const config = { csrf: false };
  const schema = { tags: ['telemetry'], hide: false };

  app.post(
    '/prometheus/api/v1/write',
    { config: { csrf: false, protocol: 'prometheus' }, schema: { ...schema, summary: 'Receive Prometheus remote-write 1.0 (snappy-compressed protobuf)' } },
    async (req, reply) => {
      const actor = req.requireActor('ingest');
      const encoding = (req.headers['content-encoding'] ?? '').toString().trim().toLowerCase();
      if (encoding !== 'snappy') throw new AppError('UNSUPPORTED_MEDIA_TYPE', `remote write is snappy-compressed protobuf: send Content-Encoding: snappy, not "${encoding || 'none'}"`);
      return admitted(async () => {
        const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
        // a snappy block starts with its decompressed length: refuse a bomb before inflating it
        const declared = snappyLength(body);
        if (!Number.isFinite(declared)) throw new AppError('OTLP_BAD_PAYLOAD', 'the body is not valid snappy: no length preamble');
        if (declared > maxDecoded) throw new AppError('REQUEST_TOO_LARGE', `the body decompresses to ${declared} bytes, more than ${maxDecoded}: send smaller batches`);
        let raw: Buffer;
        try {
          raw = snappyUncompressSync(body) as Buffer;
        } catch (err) {
          throw new AppError('OTLP_BAD_PAYLOAD', `the body is not valid snappy: ${(err as Error).message}`);
        }
        const outcome = await opts.telemetry.ingestRemoteWrite(actor, decodeRemoteWrite(raw));
        if (outcome.rejected > 0) return reply.status(400).type('text/plain; charset=utf-8').send(`${outcome.accepted} samples stored, ${outcome.rejected} rejected:\n${outcome.messages.join('\n')}\n`);
        return reply.status(204).send();
      });
    },
  );

  app.post('/v1/logs', { config, schema: { ...schema, summary: 'Receive OTLP logs (protobuf or JSON, gzip or not)' } }, async (req, reply) => {
    const actor = req.requireActor('ingest');
    const format = formatOf(req);
    return admitted(async () => {
      const body = await decodeBody(req);
      const msg = decode<ExportLogsServiceRequest>(otlpProto.collector.logs.v1.ExportLogsServiceRequest, format, body, (json) => hexIdsToBase64(json, ['resourceLogs', 'scopeLogs'], 'logRecords'));
      const outcome = await opts.telemetry.ingestLogs(actor, logsToRecords(msg, opts.telemetry.acceptWindow()));
      return answer(reply, format, otlpProto.collector.logs.v1.ExportLogsServiceResponse, 'rejectedLogRecords', outcome.rejected, outcome.messages);
    });
  });

  app.post('/v1/traces', { config, schema: { ...schema, summary: 'Receive OTLP traces (protobuf or JSON, gzip or not)' } }, async (req, reply) => {
    const actor = req.requireActor('ingest');
    const format = formatOf(req);
    return admitted(async () => {
      const body = await decodeBody(req);
      const msg = decode<ExportTraceServiceRequest>(otlpProto.collector.trace.v1.ExportTraceServiceRequest, format, body, (json) => hexIdsToBase64(json, ['resourceSpans', 'scopeSpans'], 'spans'));
      const outcome = await opts.telemetry.ingestTraces(actor, tracesToSpans(msg, opts.telemetry.acceptWindow()));
      return answer(reply, format, otlpProto.collector.trace.v1.ExportTraceServiceResponse, 'rejectedSpans', outcome.rejected, outcome.messages);
    });
  });

  app.post('/v1/metrics', { config, schema: { ...schema, summary: 'Receive OTLP metrics (protobuf or JSON, gzip or not)' } }, async (req, reply) => {
    const actor = req.requireActor('ingest');
    const format = formatOf(req);
    return admitted(async () => {
      const body = await decodeBody(req);
      const msg = decode<ExportMetricsServiceRequest>(otlpProto.collector.metrics.v1.ExportMetricsServiceRequest, format, body);
      const outcome = await opts.telemetry.ingestMetrics(actor, metricsToSamples(msg));
      return answer(reply, format, otlpProto.collector.metrics.v1.ExportMetricsServiceResponse, 'rejectedDataPoints', outcome.rejected, outcome.messages);
    });
  });
};
