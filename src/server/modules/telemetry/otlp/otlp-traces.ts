import { SPAN_KINDS, type SpanRecord } from '../traces/trace-store.ts';
import { attributesOf, int64, type Int64, type KeyValue, type Resource } from './otlp-types.ts';

export interface OtlpSpan {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  parentSpanId?: Uint8Array | null;
  name?: string | null;
  kind?: number | null;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[] | null;
  events?: { timeUnixNano?: Int64; name?: string | null; attributes?: KeyValue[] | null }[] | null;
  status?: { code?: number | null; message?: string | null } | null;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: { resource?: Resource | null; scopeSpans?: { spans?: OtlpSpan[] | null }[] | null }[] | null;
}

const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_VALUE_LENGTH = 4096;
const KEPT_RESOURCE_ATTRIBUTES: Record<string, string> = {
  'service.version': 'service.version',
  'deployment.environment': 'deployment.environment',
  'deployment.environment.name': 'deployment.environment',
  'host.name': 'host.name',
};

/** The spans of one service in a request. */
export interface ServiceSpans {
  service: string;
  spans: SpanRecord[];
  points: number;
  rejected: Map<string, number>;
}

function hex(bytes: Uint8Array | null | undefined): string | null {
  if (!bytes || !bytes.length || bytes.every((b) => b === 0)) return null;
  return Buffer.from(bytes).toString('hex');
}

function cut(attrs: Record<string, string>): Record<string, string> {
  for (const k of Object.keys(attrs)) if (attrs[k]!.length > MAX_VALUE_LENGTH) attrs[k] = attrs[k]!.slice(0, MAX_VALUE_LENGTH);
  return attrs;
}

/** Turns an OTLP traces request into spans grouped by service; spans without valid ids are rejected. */
export function tracesToSpans(req: ExportTraceServiceRequest, window: { oldest: number; newest: number }): ServiceSpans[] {
  const byService = new Map<string, ServiceSpans>();
  for (const rs of req.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    const service = (resource['service.name'] ?? '').trim() || 'unknown_service';
    let g = byService.get(service);
    if (!g) byService.set(service, (g = { service, spans: [], points: 0, rejected: new Map() }));
    const group = g;
    const reject = (reason: string) => group.rejected.set(reason, (group.rejected.get(reason) ?? 0) + 1);
    const base: Record<string, string> = {};
    for (const [from, to] of Object.entries(KEPT_RESOURCE_ATTRIBUTES)) if (resource[from]) base[to] = resource[from];
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        group.points++;
        const traceId = hex(s.traceId);
        const spanId = hex(s.spanId);
        if (!traceId || traceId.length !== 32 || !spanId || spanId.length !== 16) {
          reject('span without a valid trace id (16 bytes) and span id (8 bytes)');
          continue;
        }
        const startNs = int64(s.startTimeUnixNano);
        const endNs = int64(s.endTimeUnixNano);
        const start = startNs / 1e6;
        if (!(start >= window.oldest && start <= window.newest)) {
          reject(start > window.newest ? 'timestamp too far in the future' : 'timestamp outside the retention period');
          continue;
        }
        const own = attributesOf(s.attributes);
        if (Object.keys(own).length > MAX_ATTRIBUTES) {
          reject(`more than ${MAX_ATTRIBUTES} attributes`);
          continue;
        }
        const kind = SPAN_KINDS[s.kind ?? 0] ?? 'unspecified';
        const route = own['http.route'] ?? (kind === 'server' ? (s.name ?? null) : null);
        group.spans.push({
          traceId,
          spanId,
          parentSpanId: hex(s.parentSpanId),
          service,
          name: s.name ?? '',
          kind,
          start,
          durationMs: Math.max(0, (endNs - startNs) / 1e6),
          status: s.status?.code === 2 ? 'error' : s.status?.code === 1 ? 'ok' : 'unset',
          statusMessage: s.status?.message ?? '',
          route,
          attributes: cut({ ...base, ...own }),
          events: (s.events ?? []).slice(0, MAX_EVENTS).map((e) => ({ name: e.name ?? '', t: int64(e.timeUnixNano) / 1e6, attributes: cut(attributesOf(e.attributes)) })),
        });
      }
    }
  }
  return [...byService.values()];
}

