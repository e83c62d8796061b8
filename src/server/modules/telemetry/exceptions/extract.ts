import type { LogRecord } from '../logs/log-store.ts';
import type { SpanRecord } from '../traces/trace-store.ts';
import type { ExceptionOccurrence } from './exception-store.ts';

const EXCEPTION_KEYS = ['exception.type', 'exception.message', 'exception.stacktrace', 'exception.escaped'];

function strip(attrs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!EXCEPTION_KEYS.includes(k)) out[k] = v;
  return out;
}

/** Exceptions recorded as log records: records with `exception.type` or `exception.message`. */
export function exceptionsFromLogs(records: LogRecord[]): ExceptionOccurrence[] {
  const out: ExceptionOccurrence[] = [];
  for (const r of records) {
    const a = r.attributes;
    if (!a['exception.type'] && !a['exception.message']) continue;
    out.push({
      service: r.service,
      version: a['service.version'] ?? null,
      t: r.t,
      type: a['exception.type'] || 'Error',
      message: a['exception.message'] ?? r.body,
      stacktrace: a['exception.stacktrace'] ?? '',
      traceId: r.traceId,
      spanId: r.spanId,
      attributes: strip(a),
    });
  }
  return out;
}

/** Exceptions recorded on spans: events named `exception` (what SDKs' recordException writes). */
export function exceptionsFromSpans(spans: SpanRecord[]): ExceptionOccurrence[] {
  const out: ExceptionOccurrence[] = [];
  for (const s of spans) {
    for (const e of s.events) {
      if (e.name !== 'exception') continue;
      const a = e.attributes;
      out.push({
        service: s.service,
        version: s.attributes['service.version'] ?? null,
        t: e.t || s.start,
        type: a['exception.type'] || 'Error',
        message: a['exception.message'] ?? '',
        stacktrace: a['exception.stacktrace'] ?? '',
        traceId: s.traceId,
        spanId: s.spanId,
        attributes: { ...(s.route ? { 'http.route': s.route } : {}), span: s.name, ...strip(a) },
      });
    }
  }
  return out;
}
