import { createRequire } from 'node:module';
import type { ExportTraceServiceRequest } from './otlp-traces.ts';

/**
 * The OTLP messages as the generated code of OpenTelemetry's published `.proto` files decodes them
 * (protobufjs, shipped in @opentelemetry/otlp-transformer 0.210): only the fields Ethos reads.
 * 64-bit integers arrive as Long objects (or numbers / strings from JSON).
 */
export type Int64 = number | string | { toNumber(): number } | null | undefined;

export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
  /** The oneof field that is set. */
  value?: string;
}

export interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}

export interface Resource {
  attributes?: KeyValue[] | null;
}

interface PointBase {
  attributes?: KeyValue[] | null;
  timeUnixNano?: Int64;
  startTimeUnixNano?: Int64;
  flags?: number | null;
}

export interface NumberDataPoint extends PointBase {
  asDouble?: number | null;
  asInt?: Int64;
  value?: string;
}

export interface HistogramDataPoint extends PointBase {
  count?: Int64;
  sum?: number | null;
  bucketCounts?: Int64[] | null;
  explicitBounds?: number[] | null;
}

export interface ExponentialHistogramDataPoint extends PointBase {
  count?: Int64;
  sum?: number | null;
  scale?: number | null;
  zeroCount?: Int64;
  zeroThreshold?: number | null;
  positive?: { offset?: number | null; bucketCounts?: Int64[] | null } | null;
  negative?: { offset?: number | null; bucketCounts?: Int64[] | null } | null;
}

export interface SummaryDataPoint extends PointBase {
  count?: Int64;
  sum?: number | null;
  quantileValues?: { quantile?: number | null; value?: number | null }[] | null;
}

export interface Metric {
  name?: string | null;
  description?: string | null;
  unit?: string | null;
  gauge?: { dataPoints?: NumberDataPoint[] | null } | null;
  sum?: { dataPoints?: NumberDataPoint[] | null; aggregationTemporality?: number | null; isMonotonic?: boolean | null } | null;
  histogram?: { dataPoints?: HistogramDataPoint[] | null; aggregationTemporality?: number | null } | null;
  exponentialHistogram?: { dataPoints?: ExponentialHistogramDataPoint[] | null; aggregationTemporality?: number | null } | null;
  summary?: { dataPoints?: SummaryDataPoint[] | null } | null;
}

export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics?: { metrics?: Metric[] | null }[] | null;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: ResourceMetrics[] | null;
}

export interface OtlpLogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number | null;
  severityText?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: { resource?: Resource | null; scopeLogs?: { logRecords?: OtlpLogRecord[] | null }[] | null }[] | null;
}

/** A generated message type: decode from protobuf, build from a JSON object, encode an answer. */
export interface MessageType<T> {
  decode(bytes: Uint8Array): T;
  fromObject(obj: unknown): T;
  toObject(msg: T, opts?: { longs?: unknown; enums?: unknown; defaults?: boolean }): Record<string, unknown>;
  encode(msg: unknown): { finish(): Uint8Array };
  create(props: unknown): T;
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: {
        metrics: { v1: { ExportMetricsServiceRequest: MessageType<ExportMetricsServiceRequest>; ExportMetricsServiceResponse: MessageType<unknown> } };
        trace: { v1: { ExportTraceServiceRequest: MessageType<ExportTraceServiceRequest>; ExportTraceServiceResponse: MessageType<unknown> } };
        logs: { v1: { ExportLogsServiceRequest: MessageType<ExportLogsServiceRequest>; ExportLogsServiceResponse: MessageType<unknown> } };
      };
    };
  };
}

// the generated module is CommonJS without types of its own
const require = createRequire(import.meta.url);
/** OpenTelemetry's generated protobuf code for the OTLP messages. */
export const otlpProto = (require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as GeneratedRoot).opentelemetry.proto;

/** A 64-bit integer from either encoding as a number (exact up to 2^53). */
export function int64(x: Int64): number {
  if (x === null || x === undefined) return 0;
  if (typeof x === 'number') return x;
  if (typeof x === 'string') return Number(x);
  return x.toNumber();
}

/** An attribute value as a label value: strings as they are, others in their JSON form. */
export function anyValueString(v: AnyValue | null | undefined): string {
  if (!v) return '';
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ? 'true' : 'false';
    case 'intValue':
      return String(int64(v.intValue));
    case 'doubleValue':
      return String(v.doubleValue ?? 0);
    case 'arrayValue':
      return JSON.stringify((v.arrayValue?.values ?? []).map(anyValueString));
    case 'kvlistValue':
      return JSON.stringify(Object.fromEntries((v.kvlistValue?.values ?? []).map((kv) => [kv.key ?? '', anyValueString(kv.value)])));
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    default:
      return '';
  }
}

/** Attributes as a plain object (the last of repeated keys wins). */
export function attributesOf(list: KeyValue[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) if (kv.key) out[kv.key] = anyValueString(kv.value);
  return out;
}
