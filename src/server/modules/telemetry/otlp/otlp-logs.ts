import type { LogRecord } from '../logs/log-store.ts';
import { anyValueString, attributesOf, int64, type ExportLogsServiceRequest } from './otlp-types.ts';

/** Longest body kept; longer ones are cut (the rest is rarely searched and costs index space). */
const MAX_BODY = 64 * 1024;
const MAX_ATTRIBUTES = 64;
const MAX_VALUE_LENGTH = 4096;
const KEPT_RESOURCE_ATTRIBUTES: Record<string, string> = {
  'service.version': 'service.version',
  'deployment.environment': 'deployment.environment',
  'deployment.environment.name': 'deployment.environment',
  'host.name': 'host.name',
  'k8s.pod.name': 'k8s.pod.name',
};

/** Severity numbers of the usual level names, for records that send only a text. */
const SEVERITY_OF_TEXT: Record<string, number> = { trace: 1, debug: 5, info: 9, information: 9, notice: 10, warn: 13, warning: 13, error: 17, err: 17, critical: 21, fatal: 21, panic: 21 };

/** The log records of one service in a request. */
export interface ServiceLogs {
  service: string;
  records: LogRecord[];
  points: number;
  rejected: Map<string, number>;
}

function hex(bytes: Uint8Array | null | undefined): string | null {
  if (!bytes || !bytes.length || bytes.every((b) => b === 0)) return null;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Turns an OTLP logs request into records grouped by service: the body as text (structured bodies
 * as JSON), severity from its number or else its text, trace and span ids as hex, the record's
 * attributes with a few resource attributes (version, environment, host, pod).
 */
export function logsToRecords(req: ExportLogsServiceRequest, window: { oldest: number; newest: number; now: number }): ServiceLogs[] {
  const byService = new Map<string, ServiceLogs>();
  for (const rl of req.resourceLogs ?? []) {
    const resource = attributesOf(rl.resource?.attributes);
    const service = (resource['service.name'] ?? '').trim() || 'unknown_service';
    let g = byService.get(service);
    if (!g) byService.set(service, (g = { service, records: [], points: 0, rejected: new Map() }));
    const group = g;
    const reject = (reason: string) => group.rejected.set(reason, (group.rejected.get(reason) ?? 0) + 1);
    const base: Record<string, string> = {};
    for (const [from, to] of Object.entries(KEPT_RESOURCE_ATTRIBUTES)) if (resource[from]) base[to] = resource[from];
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        group.points++;
        const ns = int64(r.timeUnixNano) || int64(r.observedTimeUnixNano);
        const t = ns ? Math.floor(ns / 1e6) : window.now;
        if (!(t >= window.oldest && t <= window.newest)) {
          reject(t > window.newest ? 'timestamp too far in the future' : 'timestamp outside the retention period');
          continue;
        }
        const own = attributesOf(r.attributes);
        const names = Object.keys(own);
        if (names.length > MAX_ATTRIBUTES) {
          reject(`more than ${MAX_ATTRIBUTES} attributes`);
          continue;
        }
        const attributes: Record<string, string> = { ...base };
        for (const n of names) attributes[n] = own[n]!.length > MAX_VALUE_LENGTH ? own[n]!.slice(0, MAX_VALUE_LENGTH) : own[n]!;
        const body = anyValueString(r.body);
        const text = (r.severityText ?? '').trim();
        group.records.push({
          t,
          service,
          severity: r.severityNumber || SEVERITY_OF_TEXT[text.toLowerCase()] || 0,
          severityText: text,
          body: body.length > MAX_BODY ? body.slice(0, MAX_BODY) : body,
          traceId: hex(r.traceId),
          spanId: hex(r.spanId),
          attributes,
        });
      }
    }
  }
  return [...byService.values()];
}

/**
 * OTLP JSON writes trace and span ids as hex; the generated code reads JSON bytes as base64. This
 * rewrites them in place before decoding (other fields are left to the generated code).
 */
export function hexIdsToBase64(json: unknown, containers: string[], records: string): unknown {
  const [outer, inner] = containers as [string, string];
  for (const r of (json as Record<string, unknown[]> | null)?.[outer] ?? []) {
    for (const s of ((r as Record<string, unknown[]>)[inner] ?? []) as Record<string, unknown[]>[]) {
      for (const rec of (s[records] ?? []) as Record<string, unknown>[]) {
        for (const key of ['traceId', 'spanId', 'parentSpanId']) {
          const v = rec?.[key];
          if (typeof v === 'string' && /^[0-9a-fA-F]*$/.test(v) && v.length % 2 === 0) rec[key] = Buffer.from(v, 'hex').toString('base64');
        }
      }
    }
  }
  return json;
}
