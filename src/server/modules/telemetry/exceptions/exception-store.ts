import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { fingerprintOfFrames, parseFrames, ruleFingerprint, type Frame, type GroupingBasis } from './fingerprint.ts';

/** One exception as it happened (from a log record or a span event). */
export interface ExceptionOccurrence {
  service: string;
  version: string | null;
  t: number;
  type: string;
  message: string;
  stacktrace: string;
  traceId: string | null;
  spanId: string | null;
  attributes: Record<string, string>;
}

export type ExceptionStatus = 'unresolved' | 'resolved' | 'ignored';

/** The fingerprint rule an occurrence matched: its group, its title, and where it is written. */
export interface RuleMatch {
  group: string;
  title: string | null;
  /** Its index in `spec.rules`. */
  index: number;
  /** The revision of the service's ExceptionRules that held it. */
  revision: number;
}

/** Finds the fingerprint rule of an occurrence (its frames already parsed), or null for the built-in fingerprint. */
export type RuleMatcher = (occurrence: ExceptionOccurrence, frames: Frame[]) => RuleMatch | null;

/** A group of occurrences with the same fingerprint. */
export interface ExceptionGroup {
  id: number;
  service: string;
  type: string;
  message: string;
  basis: GroupingBasis;
  /** The title a fingerprint rule gives the group; null without one. */
  title: string | null;
  /** The fingerprint rule that made the group (as of its latest occurrence); null for the built-in fingerprint. */
  rule: Omit<RuleMatch, 'title'> | null;
  firstSeen: number;
  lastSeen: number;
  count: number;
  status: ExceptionStatus;
  /** It had been resolved and came back in a later version. */
  regressed: boolean;
  resolvedInVersion: string | null;
  versions: { version: string; count: number; firstSeen: number; lastSeen: number }[];
  sample: Omit<ExceptionOccurrence, 'service'>;
}

interface GroupRow {
  id: number;
  fingerprint: string;
  service: string;
  type: string;
  message: string;
  basis: GroupingBasis;
  title: string | null;
  rule: string | null;
  first_seen: number;
  last_seen: number;
  count: number;
  status: ExceptionStatus;
  regressed: number;
  resolved_in_version: string | null;
  resolved_at: number | null;
  sample: string;
}

/**
 * Exception groups in their own SQLite file (`exceptions.db`): occurrences grouped by fingerprint,
 * with counts per minute and per `service.version`, a sample, and a status. A resolved group that
 * occurs again in a version other than the one it was resolved in (or, without versions, after it
 * was resolved) is unresolved again and marked regressed.
 */
/** How many recent occurrences (by trace, span and type) are remembered to count each once. */
const RECENT_KEYS = 100_000;

export class ExceptionStore {
  private readonly db: BetterSqlite3.Database;
  private readonly retentionMs: number;
  /** Occurrences recently recorded with a trace and span, so the same one sent again counts once. */
  private readonly recent = new Map<string, number>();
  private readonly now: () => number;

  constructor(opts: { dir: string; now?: () => number; retentionMs?: number }) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? 35 * 24 * 3600_000;
    this.db = new BetterSqlite3(path.join(opts.dir, 'exceptions.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS exception_groups (
        id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, service TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL,
        basis TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL, count INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'unresolved', regressed INTEGER NOT NULL DEFAULT 0, resolved_in_version TEXT, resolved_at REAL,
        sample TEXT NOT NULL, title TEXT, rule TEXT);
      CREATE INDEX IF NOT EXISTS exception_groups_service ON exception_groups (service, last_seen);
      CREATE TABLE IF NOT EXISTS exception_versions (
        group_id INTEGER NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
        PRIMARY KEY (group_id, version)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS exception_minutes (
        group_id INTEGER NOT NULL, minute INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (group_id, minute)) WITHOUT ROWID;
    `);
    // files written before fingerprint rules lack their columns
    const columns = new Set((this.db.prepare('PRAGMA table_info(exception_groups)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('title')) this.db.exec('ALTER TABLE exception_groups ADD COLUMN title TEXT');
    if (!columns.has('rule')) this.db.exec('ALTER TABLE exception_groups ADD COLUMN rule TEXT');
  }

  /**
   * Records occurrences (one transaction); returns the groups they went to. An occurrence that
   * `matchRule` matches goes to its rule's group, the others by their built-in fingerprint.
   */
  record(occurrences: ExceptionOccurrence[], matchRule?: RuleMatcher): number[] {
    const ids: number[] = [];
    // one exception recorded twice, on its span and as a log record (as SDKs' recordException plus a
    // logger do), counts once: remembered by trace, span and type for a while
    occurrences = occurrences.filter((o) => {
      if (!o.traceId || !o.spanId) return true;
      const key = `${o.traceId}/${o.spanId}/${o.type}`;
      if (this.recent.has(key)) return false;
      this.recent.set(key, o.t);
      return true;
    });
    if (this.recent.size > RECENT_KEYS) {
      // the oldest half goes (a Map keeps insertion order)
      let drop = this.recent.size / 2;
      for (const k of this.recent.keys()) {
        if (drop-- <= 0) break;
        this.recent.delete(k);
      }
    }
    if (!occurrences.length) return ids;
    const find = this.db.prepare('SELECT * FROM exception_groups WHERE fingerprint = ?');
    const insert = this.db.prepare(
      'INSERT INTO exception_groups (fingerprint, service, type, message, basis, first_seen, last_seen, count, sample, title, rule) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)',
    );
    const update = this.db.prepare(
      'UPDATE exception_groups SET last_seen = MAX(last_seen, ?), first_seen = MIN(first_seen, ?), count = count + 1, sample = CASE WHEN ? >= last_seen THEN ? ELSE sample END, status = ?, regressed = ? WHERE id = ?',
    );
    // a rule's group takes the title and rule of its latest match (a changed rule shows from its next occurrence)
    const retitle = this.db.prepare('UPDATE exception_groups SET title = ?, rule = ? WHERE id = ?');
    const version = this.db.prepare(
      `INSERT INTO exception_versions (group_id, version, count, first_seen, last_seen) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (group_id, version) DO UPDATE SET count = count + 1, first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen)`,
    );
    const minute = this.db.prepare(
      `INSERT INTO exception_minutes (group_id, minute, count) VALUES (?, ?, 1) ON CONFLICT (group_id, minute) DO UPDATE SET count = count + 1`,
    );
    this.db.transaction(() => {
      for (const o of occurrences) {
        const frames = parseFrames(o.stacktrace);
        const match = matchRule?.(o, frames) ?? null;
        const { fingerprint: fp, basis } = match ? { fingerprint: ruleFingerprint(o.service, match.group), basis: 'rule' as const } : fingerprintOfFrames(o.service, o.type, o.message, frames);
        const rule = match ? JSON.stringify({ group: match.group, index: match.index, revision: match.revision }) : null;
        const sample = JSON.stringify({ version: o.version, t: o.t, type: o.type, message: o.message, stacktrace: o.stacktrace, traceId: o.traceId, spanId: o.spanId, attributes: o.attributes });
        const row = find.get(fp) as GroupRow | undefined;
        let id: number;
        if (!row) {
          id = Number(insert.run(fp, o.service, o.type, o.message.slice(0, 1000), basis, o.t, o.t, sample, match?.title ?? null, rule).lastInsertRowid);
        } else {
          id = row.id;
          let status = row.status;
          let regressed = row.regressed;
          // back after being resolved: in another version, or (without versions) after the resolution
          const back = row.resolved_in_version !== null ? o.version !== null && o.version !== row.resolved_in_version : o.t > (row.resolved_at ?? Infinity);
          if (row.status === 'resolved' && back) {
            status = 'unresolved';
            regressed = 1;
          }
          update.run(o.t, o.t, o.t, sample, status, regressed, id);
          if (match && o.t >= row.last_seen) retitle.run(match.title, rule, id);
        }
        if (o.version) version.run(id, o.version, o.t, o.t);
        minute.run(id, Math.floor(o.t / 60_000));
        ids.push(id);
      }
    })();
    return ids;
  }

  /** Groups of a service (or all), most recently seen first. */
  list(q: { service?: string; status?: ExceptionStatus; from: number; to: number; limit: number }): ExceptionGroup[] {
    const where = ['last_seen >= ?', 'first_seen <= ?'];
    const params: unknown[] = [q.from, q.to];
    if (q.service) {
      where.push('service = ?');
      params.push(q.service);
    }
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    const rows = this.db.prepare(`SELECT * FROM exception_groups WHERE ${where.join(' AND ')} ORDER BY last_seen DESC, id DESC LIMIT ?`).all(...params, q.limit) as GroupRow[];
    return rows.map((r) => this.toGroup(r));
  }

  get(id: number): ExceptionGroup | null {
    const row = this.db.prepare('SELECT * FROM exception_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row ? this.toGroup(row) : null;
  }

  /** Occurrences per minute of a group between two times. */
  counts(id: number, from: number, to: number): { minute: number; count: number }[] {
    return (this.db.prepare('SELECT minute, count FROM exception_minutes WHERE group_id = ? AND minute >= ? AND minute <= ? ORDER BY minute').all(id, Math.floor(from / 60_000), Math.floor(to / 60_000)) as { minute: number; count: number }[]).map((r) => ({ minute: r.minute * 60_000, count: r.count }));
  }

  /** Sets a group's status; resolving notes the latest version seen, so that a later one regresses it. */
  setStatus(id: number, status: ExceptionStatus): ExceptionGroup | null {
    const group = this.get(id);
    if (!group) return null;
    const latest = group.versions.slice().sort((a, b) => b.lastSeen - a.lastSeen)[0]?.version ?? null;
    this.db
      .prepare('UPDATE exception_groups SET status = ?, regressed = CASE WHEN ? = \'resolved\' THEN 0 ELSE regressed END, resolved_in_version = ?, resolved_at = ? WHERE id = ?')
      .run(status, status, status === 'resolved' ? latest : null, status === 'resolved' ? this.now() : null, id);
    return this.get(id);
  }

  /** Removes groups not seen within the retention period, and old minute counts. */
  removeExpired(): number {
    const cutoff = this.now() - this.retentionMs;
    let removed = 0;
    this.db.transaction(() => {
      const old = (this.db.prepare('SELECT id FROM exception_groups WHERE last_seen < ? LIMIT 1000').all(cutoff) as { id: number }[]).map((r) => r.id);
      for (const id of old) {
        this.db.prepare('DELETE FROM exception_versions WHERE group_id = ?').run(id);
        this.db.prepare('DELETE FROM exception_minutes WHERE group_id = ?').run(id);
        this.db.prepare('DELETE FROM exception_groups WHERE id = ?').run(id);
      }
      this.db.prepare('DELETE FROM exception_minutes WHERE minute < ?').run(Math.floor(cutoff / 60_000));
      removed = old.length;
    })();
    return removed;
  }

  close(): void {
    this.db.close();
  }

  private toGroup(r: GroupRow): ExceptionGroup {
    const versions = (this.db.prepare('SELECT version, count, first_seen, last_seen FROM exception_versions WHERE group_id = ? ORDER BY first_seen').all(r.id) as { version: string; count: number; first_seen: number; last_seen: number }[]).map((v) => ({
      version: v.version,
      count: v.count,
      firstSeen: v.first_seen,
      lastSeen: v.last_seen,
    }));
    const sample = JSON.parse(r.sample) as ExceptionGroup['sample'];
    return {
      id: r.id,
      service: r.service,
      type: r.type,
      message: r.message,
      basis: r.basis,
      title: r.title,
      rule: r.rule ? (JSON.parse(r.rule) as ExceptionGroup['rule']) : null,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      count: r.count,
      status: r.status,
      regressed: r.regressed === 1,
      resolvedInVersion: r.resolved_in_version,
      versions,
      sample,
    };
  }
}
