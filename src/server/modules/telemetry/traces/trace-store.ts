import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** OTLP span kinds. */
export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

/** One span as stored. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch (fractions kept: microseconds matter in a waterfall). */
  start: number;
  durationMs: number;
  /** 'unset' | 'ok' | 'error'. */
  status: 'unset' | 'ok' | 'error';
  statusMessage: string;
  /** `http.route` (or the span name of a server span without one). */
  route: string | null;
  attributes: Record<string, string>;
  events: { name: string; t: number; attributes: Record<string, string> }[];
}

/** A trace found by a search: its root (or earliest) span and size. */
export interface TraceSummary {
  traceId: string;
  service: string;
  name: string;
  route: string | null;
  start: number;
  durationMs: number;
  status: SpanRecord['status'];
  spans: number;
  services: string[];
}

export interface TraceQuery {
  service?: string;
  route?: string;
  minDurationMs?: number;
  status?: 'error' | 'ok' | 'unset';
  from: number;
  to: number;
  limit: number;
}

/**
 * The embedded trace store: spans in their own SQLite file (`traces.db`), indexed by trace, and by
 * service and start for searches. A batch is one transaction (it survives a crash of the process).
 */
export class TraceStore {
  private readonly db: BetterSqlite3.Database;
  private readonly insert: BetterSqlite3.Statement;
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(opts: { dir: string; now?: () => number; retentionMs?: number }) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? 7 * 24 * 3600_000;
    this.db = new BetterSqlite3(path.join(opts.dir, 'traces.db'));
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS spans (
        trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT, service TEXT NOT NULL, name TEXT NOT NULL,
        kind TEXT NOT NULL, start REAL NOT NULL, duration_ms REAL NOT NULL, status TEXT NOT NULL, status_message TEXT NOT NULL,
        route TEXT, attrs TEXT NOT NULL, events TEXT NOT NULL, PRIMARY KEY (trace_id, span_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS spans_service_start ON spans (service, start);
      CREATE INDEX IF NOT EXISTS spans_start ON spans (start);
    `);
    this.insert = this.db.prepare(
      `INSERT OR REPLACE INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start, duration_ms, status, status_message, route, attrs, events)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Stores spans in one transaction (a span sent again replaces itself). */
  append(spans: SpanRecord[]): number {
    if (!spans.length) return 0;
    this.db.transaction(() => {
      for (const s of spans) {
        this.insert.run(s.traceId, s.spanId, s.parentSpanId, s.service, s.name, s.kind, s.start, s.durationMs, s.status, s.statusMessage, s.route, JSON.stringify(s.attributes), JSON.stringify(s.events));
      }
    })();
    return spans.length;
  }

  /** Every span of a trace, by start time. */
  trace(traceId: string): SpanRecord[] {
    const rows = this.db.prepare('SELECT * FROM spans WHERE trace_id = ? ORDER BY start, span_id').all(traceId.toLowerCase()) as SpanRow[];
    return rows.map(fromRow);
  }

  /**
   * Traces with a span matching the query (newest first): a server span of the service and route,
   * at least this long, with this status. Each is summarised by its root span.
   */
  search(q: TraceQuery): TraceSummary[] {
    const where = ['start >= ?', 'start <= ?'];
    const params: unknown[] = [q.from, q.to];
    if (q.service) {
      where.push('service = ?');
      params.push(q.service);
    }
    if (q.route) {
      where.push('route = ?');
      params.push(q.route);
    }
    if (q.minDurationMs !== undefined) {
      where.push('duration_ms >= ?');
      params.push(q.minDurationMs);
    }
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    // newest matching spans first, walking the (service, start) index and stopping at `limit` traces
    const ids: string[] = [];
    for (const r of this.db.prepare(`SELECT trace_id FROM spans WHERE ${where.join(' AND ')} ORDER BY start DESC`).iterate(...params) as Iterable<{ trace_id: string }>) {
      if (!ids.includes(r.trace_id)) ids.push(r.trace_id);
      if (ids.length >= q.limit) break;
    }
    return ids.map((id) => {
      const spans = this.trace(id);
      const root = spans.find((s) => !s.parentSpanId || !spans.some((p) => p.spanId === s.parentSpanId)) ?? spans[0]!;
      const end = Math.max(...spans.map((s) => s.start + s.durationMs));
      const start = Math.min(...spans.map((s) => s.start));
      return {
        traceId: id,
        service: root.service,
        name: root.name,
        route: root.route,
        start,
        durationMs: end - start,
        status: spans.some((s) => s.status === 'error') ? 'error' : root.status,
        spans: spans.length,
        services: [...new Set(spans.map((s) => s.service))].sort(),
      };
    });
  }

  /** Removes spans older than the retention period, a bounded number at a time. */
  removeExpired(limit = 20_000): number {
    const cutoff = this.now() - this.retentionMs;
    const removed = this.db.prepare('DELETE FROM spans WHERE (trace_id, span_id) IN (SELECT trace_id, span_id FROM spans WHERE start < ? LIMIT ?)').run(cutoff, limit).changes;
    if (removed) this.db.pragma('incremental_vacuum(2000)');
    return removed;
  }

  close(): void {
    this.db.close();
  }
}

interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  service: string;
  name: string;
  kind: SpanKind;
  start: number;
  duration_ms: number;
  status: SpanRecord['status'];
  status_message: string;
  route: string | null;
  attrs: string;
  events: string;
}

function fromRow(r: SpanRow): SpanRecord {
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    service: r.service,
    name: r.name,
    kind: r.kind,
    start: r.start,
    durationMs: r.duration_ms,
    status: r.status,
    statusMessage: r.status_message,
    route: r.route,
    attributes: JSON.parse(r.attrs) as Record<string, string>,
    events: JSON.parse(r.events) as SpanRecord['events'],
  };
}
