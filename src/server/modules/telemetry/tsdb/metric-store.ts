import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { ChunkEncoder, decodeChunk } from './xor-chunk.ts';
import { metricPrefix, parseSeriesKey, seriesKey, type MetricKind, type SeriesIdentity, type SeriesPart } from './series-key.ts';
import { Wal } from './wal.ts';

/** Settings of the metrics store; the defaults suit a single Ethos server. */
export interface MetricStoreOptions {
  /** Where the store keeps its files (`metrics.db` and `wal/`). */
  dir: string;
  now?: () => number;
  /** Raw samples older than this are removed (default 7 days). */
  retentionMs?: number;
  /** Samples further in the future than this are rejected (default 10 minutes). */
  maxFutureMs?: number;
  /** A chunk is closed after this many samples (default 240) … */
  chunkSamples?: number;
  /** … or when it spans this long (default 2 hours). */
  chunkSpanMs?: number;
  /** The head is persisted and the log restarted when the log reaches this size (default 128 MiB). */
  walCheckpointBytes?: number;
}

/** One sample to store: its series and, for a delta sum, the increment to add to the running total. */
export interface SampleInput {
  series: SeriesIdentity;
  kind: MetricKind;
  t: number;
  v: number;
  /** The value is an increment since the previous sample (OTLP delta temporality). */
  delta?: boolean;
  /** The data point this sample comes from (a histogram point gives several samples), to count rejected points. */
  point?: number;
  /** `seriesKey(series)`, when the caller has built it already. */
  key?: string;
}

/** What the store did with a batch. */
export interface AppendResult {
  accepted: number;
  /** Rejected samples by reason (for OTLP partial success). */
  rejected: Map<string, number>;
  /** Distinct `point`s with at least one rejected sample. */
  rejectedPoints: Set<number>;
  newSeries: number;
}

/** A series in memory: its open chunk, its closed chunks not yet written, its last sample. */
interface HeadSeries {
  id: number;
  key: string;
  kind: MetricKind;
  enc: ChunkEncoder | null;
  pending: { minT: number; maxT: number; count: number; lastV: number; bytes: Uint8Array }[] | null;
  lastT: number;
  lastV: number;
}

/** A series found by a query. */
export interface SeriesRef {
  id: number;
  identity: SeriesIdentity;
  kind: MetricKind;
}

/** A metric of a service. */
export interface MetricInfo {
  name: string;
  kind: MetricKind;
  unit: string;
  description: string;
  series: number;
}

const REC_SAMPLES = 1;

/**
 * The embedded metrics store: series and compressed chunks in their own SQLite file (never the
 * API's database), recent samples in memory, every accepted sample in a write-ahead log first.
 * @remarks Single-threaded by design: append, checkpoint and flush run to completion without
 * awaiting, so a checkpoint never sees half a batch.
 */
export class MetricStore {
  private readonly db: BetterSqlite3.Database;
  private readonly wal: Wal;
  private readonly series = new Map<string, HeadSeries>();
  private readonly byId: HeadSeries[] = [];
  /** Series keys of each service/metric, for queries. */
  private readonly byMetric = new Map<string, HeadSeries[]>();
  private readonly metricKinds = new Map<string, MetricKind>();
  private readonly dirty = new Set<HeadSeries>();
  private nextId = 1;
  private readonly opts: Required<MetricStoreOptions>;
  private readonly stmts: {
    insertSeries: BetterSqlite3.Statement;
    insertChunk: BetterSqlite3.Statement;
    updateLast: BetterSqlite3.Statement;
    upsertMetric: BetterSqlite3.Statement;
    chunksOf: BetterSqlite3.Statement;
    deleteOld: BetterSqlite3.Statement;
  };

  constructor(options: MetricStoreOptions) {
    this.opts = {
      now: Date.now,
      retentionMs: 7 * 24 * 3600_000,
      maxFutureMs: 10 * 60_000,
      chunkSamples: 240,
      chunkSpanMs: 2 * 3600_000,
      walCheckpointBytes: 128 * 1024 * 1024,
      ...options,
    };
    fs.mkdirSync(this.opts.dir, { recursive: true });
    this.db = new BetterSqlite3(path.join(this.opts.dir, 'metrics.db'));
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit survives a crash of the process (not of the machine), as the log does
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS series (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, service TEXT NOT NULL, metric TEXT NOT NULL,
        kind TEXT NOT NULL, last_t REAL, last_v REAL);
      CREATE TABLE IF NOT EXISTS chunks (
        series_id INTEGER NOT NULL, min_t REAL NOT NULL, max_t REAL NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (series_id, min_t)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS chunks_max_t ON chunks (max_t);
      CREATE TABLE IF NOT EXISTS metrics (
        service TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (service, name)) WITHOUT ROWID;
    `);
    this.stmts = {
      insertSeries: this.db.prepare('INSERT INTO series (id, key, service, metric, kind) VALUES (?, ?, ?, ?, ?)'),
      insertChunk: this.db.prepare('INSERT OR REPLACE INTO chunks (series_id, min_t, max_t, count, data) VALUES (?, ?, ?, ?, ?)'),
      updateLast: this.db.prepare('UPDATE series SET last_t = ?, last_v = ? WHERE id = ?'),
      upsertMetric: this.db.prepare(
        `INSERT INTO metrics (service, name, kind, unit, description) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (service, name) DO UPDATE SET kind = excluded.kind,
           unit = CASE WHEN excluded.unit <> '' THEN excluded.unit ELSE metrics.unit END,
           description = CASE WHEN excluded.description <> '' THEN excluded.description ELSE metrics.description END`,
      ),
      chunksOf: this.db.prepare('SELECT min_t, max_t, data FROM chunks WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY min_t'),
      deleteOld: this.db.prepare('DELETE FROM chunks WHERE (series_id, min_t) IN (SELECT series_id, min_t FROM chunks WHERE max_t < ? LIMIT ?)'),
    };
    this.load();
    const walDir = path.join(this.opts.dir, 'wal');
    this.replay(walDir);
    this.wal = Wal.open(walDir);
    // what the replay restored is persisted now, so the old segments can go
    this.checkpoint();
  }

  private load(): void {
    for (const row of this.db.prepare('SELECT id, key, kind, last_t, last_v FROM series').iterate() as Iterable<{ id: number; key: string; kind: MetricKind; last_t: number | null; last_v: number | null }>) {
      this.addSeries({ id: row.id, key: row.key, kind: row.kind, enc: null, pending: null, lastT: row.last_t ?? -Infinity, lastV: row.last_v ?? 0 });
      this.nextId = Math.max(this.nextId, row.id + 1);
    }
    for (const row of this.db.prepare('SELECT service, name, kind FROM metrics').iterate() as Iterable<{ service: string; name: string; kind: MetricKind }>) {
      this.metricKinds.set(metricPrefix(row.service, row.name), row.kind);
    }
  }

  private replay(walDir: string): void {
    for (const rec of Wal.replay(walDir)) {
      if (rec[0] !== REC_SAMPLES) continue;
      const n = rec.readUInt32LE(1);
      for (let i = 0, p = 5; i < n && p + 20 <= rec.length; i++, p += 20) {
        const s = this.byId[rec.readUInt32LE(p)];
        const t = rec.readDoubleLE(p + 4);
        // samples already in a persisted chunk (a crash between persisting and removing the log) are skipped
        if (s && t > s.lastT) this.appendToHead(s, t, rec.readDoubleLE(p + 12));
      }
    }
  }

  private addSeries(s: HeadSeries): void {
    this.series.set(s.key, s);
    this.byId[s.id] = s;
    const prefix = s.key.slice(0, s.key.indexOf('\u0000', s.key.indexOf('\u0000') + 1) + 1);
    let list = this.byMetric.get(prefix);
    if (!list) this.byMetric.set(prefix, (list = []));
    list.push(s);
  }

  /** Number of series the store knows. */
  get seriesCount(): number {
    return this.series.size;
  }

  /**
   * Stores a batch: rejects what cannot be stored (by reason), writes the rest to the log, then to
   * memory. When this returns, what it counts as accepted survives a crash of the process.
   */
  append(samples: SampleInput[], meta?: { service: string; metric: string; kind: MetricKind; unit: string; description: string }[]): AppendResult {
    const now = this.opts.now();
    const oldest = now - this.opts.retentionMs;
    const newest = now + this.opts.maxFutureMs;
    const rejected = new Map<string, number>();
    const rejectedPoints = new Set<number>();
    let rejectedCount = 0;
    let sample!: SampleInput;
    const reject = (reason: string) => {
      rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
      rejectedCount++;
      if (sample.point !== undefined) rejectedPoints.add(sample.point);
    };
    const created: HeadSeries[] = [];
    const accepted: { s: HeadSeries; t: number; v: number }[] = [];
    // the last sample of each series as this batch would leave it (batches may repeat a series)
    const last = new Map<HeadSeries, { t: number; v: number }>();
    for (sample of samples) {
      const { t } = sample;
      if (!Number.isFinite(t) || t < oldest || t > newest) {
        reject(t > newest ? 'timestamp too far in the future' : 'timestamp outside the retention period');
        continue;
      }
      if (!Number.isFinite(sample.v)) {
        reject('value is not a finite number');
        continue;
      }
      const key = sample.key ?? seriesKey(sample.series);
      let s = this.series.get(key);
      if (!s) {
        s = { id: this.nextId++, key, kind: sample.kind, enc: null, pending: null, lastT: -Infinity, lastV: 0 };
        this.addSeries(s);
        created.push(s);
      }
      const prev = last.get(s) ?? { t: s.lastT, v: s.lastV };
      if (t < prev.t) {
        reject('out of order: older than the series’ last sample');
        continue;
      }
      // the same timestamp again is a retry of an accepted sample: accepted, not stored twice
      if (t === prev.t) continue;
      const v = sample.delta && prev.t !== -Infinity ? prev.v + sample.v : sample.v;
      last.set(s, { t, v });
      accepted.push({ s, t, v });
    }
    if (created.length || meta?.length) {
      this.db.transaction(() => {
        for (const s of created) {
          const id = parseSeriesKey(s.key);
          this.stmts.insertSeries.run(s.id, s.key, id.service, id.metric, s.kind);
        }
        for (const m of meta ?? []) {
          const k = metricPrefix(m.service, m.metric);
          if (this.metricKinds.get(k) === m.kind && !m.unit && !m.description) continue;
          this.stmts.upsertMetric.run(m.service, m.metric, m.kind, m.unit, m.description);
          this.metricKinds.set(k, m.kind);
        }
      })();
    }
    if (accepted.length) {
      const rec = Buffer.allocUnsafe(5 + accepted.length * 20);
      rec[0] = REC_SAMPLES;
      rec.writeUInt32LE(accepted.length, 1);
      let p = 5;
      for (const a of accepted) {
        rec.writeUInt32LE(a.s.id, p);
        rec.writeDoubleLE(a.t, p + 4);
        rec.writeDoubleLE(a.v, p + 12);
        p += 20;
      }
      this.wal.append(rec);
      for (const a of accepted) this.appendToHead(a.s, a.t, a.v);
      if (this.wal.segmentBytes >= this.opts.walCheckpointBytes) this.checkpoint();
    }
    return { accepted: samples.length - rejectedCount, rejected, rejectedPoints, newSeries: created.length };
  }

  private appendToHead(s: HeadSeries, t: number, v: number): void {
    let enc = s.enc;
    if (enc && (enc.count >= this.opts.chunkSamples || t - enc.firstT >= this.opts.chunkSpanMs)) {
      this.cut(s);
      enc = null;
    }
    if (!enc) enc = s.enc = new ChunkEncoder(32);
    enc.append(t, v);
    s.lastT = t;
    s.lastV = v;
  }

  /** Closes a series' open chunk: it waits in memory until the next flush writes it. */
  private cut(s: HeadSeries): void {
    const enc = s.enc;
    if (!enc || enc.count === 0) return;
    (s.pending ??= []).push({ minT: enc.firstT, maxT: enc.lastT, count: enc.count, lastV: enc.lastV, bytes: enc.bytes().slice() });
    s.enc = null;
    this.dirty.add(s);
  }

  /** Writes the closed chunks to the store's database. */
  flush(): number {
    if (!this.dirty.size) return 0;
    let written = 0;
    this.db.transaction(() => {
      for (const s of this.dirty) {
        for (const c of s.pending ?? []) {
          this.stmts.insertChunk.run(s.id, c.minT, c.maxT, c.count, c.bytes);
          written++;
        }
        const lastChunk = s.pending?.at(-1);
        // where a restart's replay of the log takes over for this series
        if (lastChunk) this.stmts.updateLast.run(lastChunk.maxT, lastChunk.lastV, s.id);
      }
    })();
    for (const s of this.dirty) s.pending = null;
    this.dirty.clear();
    return written;
  }

  /**
   * Persists everything in memory and starts a new log segment, then removes the old ones: after a
   * crash, only the new segment is replayed.
   */
  checkpoint(): void {
    for (const s of this.series.values()) if (s.enc) this.cut(s);
    // last_t/last_v of every series with data in memory: the replay skips what is persisted
    this.flush();
    const closed = this.wal.rotate();
    this.wal.removeUpTo(closed);
  }

  /** Removes chunks older than the retention period, a bounded number at a time (never stalls ingest). */
  removeExpired(limit = 10_000): number {
    return this.stmts.deleteOld.run(this.opts.now() - this.opts.retentionMs, limit).changes;
  }

  /** The metrics of a service. */
  listMetrics(service: string): MetricInfo[] {
    const rows = this.db.prepare('SELECT name, kind, unit, description FROM metrics WHERE service = ? ORDER BY name').all(service) as Omit<MetricInfo, 'series'>[];
    return rows.map((r) => ({ ...r, series: this.byMetric.get(metricPrefix(service, r.name))?.length ?? 0 }));
  }

  /** The services that have sent metrics. */
  listServices(): string[] {
    return (this.db.prepare('SELECT DISTINCT service FROM metrics ORDER BY service').all() as { service: string }[]).map((r) => r.service);
  }

  /** The kind of a metric of a service, if the store has it. */
  metricKind(service: string, metric: string): MetricKind | undefined {
    return this.metricKinds.get(metricPrefix(service, metric));
  }

  /** The series of a metric of a service, optionally only some parts and those whose labels match `where`. */
  findSeries(service: string, metric: string, opts: { parts?: SeriesPart[]; where?: Record<string, string> } = {}): SeriesRef[] {
    const out: SeriesRef[] = [];
    for (const s of this.byMetric.get(metricPrefix(service, metric)) ?? []) {
      const identity = parseSeriesKey(s.key);
      if (opts.parts && !opts.parts.includes(identity.part)) continue;
      if (opts.where && Object.entries(opts.where).some(([k, v]) => identity.labels[k] !== v)) continue;
      out.push({ id: s.id, identity, kind: s.kind });
    }
    return out;
  }

  /** Calls `fn` with each sample of a series between `from` and `to` (inclusive), in time order. */
  readSamples(seriesId: number, from: number, to: number, fn: (t: number, v: number) => void): void {
    const s = this.byId[seriesId];
    if (!s) return;
    for (const row of this.stmts.chunksOf.iterate(seriesId, from, to) as Iterable<{ min_t: number; max_t: number; data: Buffer }>) {
      decodeChunk(row.data, fn, from, to);
    }
    for (const c of s.pending ?? []) if (c.maxT >= from && c.minT <= to) decodeChunk(c.bytes, fn, from, to);
    if (s.enc && s.enc.count > 0 && s.lastT >= from && s.enc.firstT <= to) decodeChunk(s.enc.bytes(), fn, from, to);
  }

  /** Persists what is in memory and closes the files. */
  close(): void {
    this.checkpoint();
    this.wal.close();
    this.db.close();
  }
}
