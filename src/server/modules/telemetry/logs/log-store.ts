import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** One log record as stored. */
export interface LogRecord {
  /** Milliseconds since the epoch (the record's time, else when it was observed). */
  t: number;
  service: string;
  /** OTLP severity number: 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal; 0 unset. */
  severity: number;
  severityText: string;
  body: string;
  traceId: string | null;
  spanId: string | null;
  attributes: Record<string, string>;
}

/** A stored record with its id (ids grow with arrival: a tail asks for ids after the last seen). */
export interface StoredLog extends LogRecord {
  id: number;
}

export interface LogQuery {
  service?: string;
  from: number;
  to: number;
  /** At least this severity number. */
  minSeverity?: number;
  /** Words that must all appear in the body (full-text, any order). */
  text?: string;
  /** Attribute equality. */
  where?: Record<string, string>;
  traceId?: string;
  /** Only records with an id below this (paging back) … */
  before?: number;
  /** … or above this (a live tail, oldest first). */
  after?: number;
  limit: number;
}

/** Most records one search returns. */
export const MAX_LOG_LIMIT = 1000;

/**
 * The embedded log store: records in their own SQLite file (`logs.db`), the body indexed for
 * full-text search (FTS5), indexes on service and time and on trace id. A batch is one transaction:
 * when append returns, the records survive a crash of the process (WAL, synchronous=NORMAL).
 */
export class LogStore {
  private readonly db: BetterSqlite3.Database;
  private readonly insert: BetterSqlite3.Statement;
  private readonly insertText: BetterSqlite3.Statement;
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(opts: { dir: string; now?: () => number; retentionMs?: number }) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? 7 * 24 * 3600_000;
    this.db = new BetterSqlite3(path.join(opts.dir, 'logs.db'));
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS logs (
        id INTEGER PRIMARY KEY, t REAL NOT NULL, service TEXT NOT NULL, severity INTEGER NOT NULL,
        severity_text TEXT NOT NULL, body TEXT NOT NULL, trace_id TEXT, span_id TEXT, attrs TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS logs_service_t ON logs (service, t);
      CREATE INDEX IF NOT EXISTS logs_service_id ON logs (service, id);
      CREATE INDEX IF NOT EXISTS logs_t ON logs (t);
      CREATE INDEX IF NOT EXISTS logs_trace ON logs (trace_id) WHERE trace_id IS NOT NULL;
      CREATE VIRTUAL TABLE IF NOT EXISTS logs_fts USING fts5(body, content='', contentless_delete=1);
    `);
    this.insert = this.db.prepare('INSERT INTO logs (t, service, severity, severity_text, body, trace_id, span_id, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertText = this.db.prepare('INSERT INTO logs_fts (rowid, body) VALUES (?, ?)');
  }

  /** Stores records in one transaction; returns how many. */
  append(records: LogRecord[]): number {
    if (!records.length) return 0;
    this.db.transaction(() => {
      for (const r of records) {
        const { lastInsertRowid } = this.insert.run(r.t, r.service, r.severity, r.severityText, r.body, r.traceId, r.spanId, JSON.stringify(r.attributes));
        if (r.body) this.insertText.run(lastInsertRowid, r.body);
      }
    })();
    return records.length;
  }

  /** How many records match a query (its limit, before and after are ignored), counting up to `max`. */
  count(q: Omit<LogQuery, 'limit'>, max = 100_000): number {
    const { where, params } = this.conditions({ ...q, before: undefined, after: undefined });
    const match = q.text ? ftsQuery(q.text) : null;
    const sql = match
      ? `SELECT COUNT(*) AS n FROM (SELECT 1 FROM logs_fts f CROSS JOIN logs l ON l.id = f.rowid WHERE logs_fts MATCH ? AND ${where.join(' AND ')} LIMIT ?)`
      : `SELECT COUNT(*) AS n FROM (SELECT 1 FROM logs l WHERE ${where.join(' AND ')} LIMIT ?)`;
    return (this.db.prepare(sql).get(...(match ? [match] : []), ...params, max) as { n: number }).n;
  }

  private conditions(q: Omit<LogQuery, 'limit'>): { where: string[]; params: unknown[] } {
    const where: string[] = ['l.t >= ?', 'l.t <= ?'];
    const params: unknown[] = [q.from, q.to];
    if (q.service !== undefined) {
      where.push('l.service = ?');
      params.push(q.service);
    }
    if (q.minSeverity) {
      where.push('l.severity >= ?');
      params.push(q.minSeverity);
    }
    if (q.traceId) {
      where.push('l.trace_id = ?');
      params.push(q.traceId.toLowerCase());
    }
    for (const [k, v] of Object.entries(q.where ?? {})) {
      where.push('json_extract(l.attrs, ?) = ?');
      params.push(`$."${k.replaceAll('"', '')}"`, v);
    }
    if (q.before !== undefined) {
      where.push('l.id < ?');
      params.push(q.before);
    }
    if (q.after !== undefined) {
      where.push('l.id > ?');
      params.push(q.after);
    }
    return { where, params };
  }

  /** Records matching a query: newest first, or with `after` oldest first (a tail). */
  search(q: LogQuery): StoredLog[] {
    const { where, params } = this.conditions(q);
    const order = q.after !== undefined ? 'ASC' : 'DESC';
    const limit = Math.min(Math.max(1, q.limit), MAX_LOG_LIMIT);
    const match = q.text ? ftsQuery(q.text) : null;
    const sql = match
      ? // CROSS JOIN keeps the full-text index as the outer loop (newest match first, stopping at the
        // limit); otherwise the planner may walk the service index and run the text query per row
        `SELECT l.* FROM logs_fts f CROSS JOIN logs l ON l.id = f.rowid WHERE logs_fts MATCH ? AND ${where.join(' AND ')} ORDER BY f.rowid ${order} LIMIT ?`
      : `SELECT l.* FROM logs l WHERE ${where.join(' AND ')} ORDER BY l.id ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...(match ? [match] : []), ...params, limit) as {
      id: number;
      t: number;
      service: string;
      severity: number;
      severity_text: string;
      body: string;
      trace_id: string | null;
      span_id: string | null;
      attrs: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      t: r.t,
      service: r.service,
      severity: r.severity,
      severityText: r.severity_text,
      body: r.body,
      traceId: r.trace_id,
      spanId: r.span_id,
      attributes: JSON.parse(r.attrs) as Record<string, string>,
    }));
  }

  /** Removes records older than the retention period, a bounded number at a time. */
  removeExpired(limit = 20_000): number {
    const cutoff = this.now() - this.retentionMs;
    let removed = 0;
    this.db.transaction(() => {
      const ids = (this.db.prepare('SELECT id FROM logs WHERE t < ? LIMIT ?').all(cutoff, limit) as { id: number }[]).map((r) => r.id);
      const delText = this.db.prepare('DELETE FROM logs_fts WHERE rowid = ?');
      const del = this.db.prepare('DELETE FROM logs WHERE id = ?');
      for (const id of ids) {
        delText.run(id);
        del.run(id);
      }
      removed = ids.length;
    })();
    if (removed) this.db.pragma('incremental_vacuum(2000)');
    return removed;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * A user's search text as an FTS5 query: every word must appear (any order), each word quoted, so
 * that FTS syntax in the text (`AND`, `*`, quotes, column filters) is searched for, never obeyed.
 */
export function ftsQuery(text: string): string | null {
  const words = text
    .split(/\s+/)
    .map((w) => w.trim())
    .filter(Boolean)
    .slice(0, 16);
  if (!words.length) return null;
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(' ');
}
