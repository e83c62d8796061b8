import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { bucketsFromSamples, decodeRollup, encodeRollup, mergeBuckets, type Buckets } from './rollup.ts';
import { DecodedChunkCache, ensureRoom, type SampleBuffers } from './decoded-chunks.ts';
import { ChunkEncoder, chunkSampleCount, decodeChunk, decodeChunkInto } from './xor-chunk.ts';
import { keyStrings, metricPrefix, parseSeriesKey, seriesKey, type MetricKind, type SeriesIdentity, type SeriesPart } from './series-key.ts';
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
  /** A chunk is closed after this many samples (default 480: two hours at 15 s) … */
  chunkSamples?: number;
  /** … or when it spans this long (default 2 hours). */
  chunkSpanMs?: number;
  /** The head is persisted and the log restarted when the log reaches this size (default 128 MiB). */
  walCheckpointBytes?: number;
  /**
   * The rollup levels, finest first: buckets of `resolution` ms, computed a `window` at a time
   * (each level from the one before it, the first from raw samples), kept for `retentionMs`.
   * Default: 1 minute for 35 days, 1 hour for 400 days.
   */
  rollups?: RollupLevelOptions[];
  /** How long after a window ends its rollups are computed: later samples miss them (default 15 minutes). */
  rollupDelayMs?: number;
  /**
   * Memory for closed chunks that queries decoded, kept for the next queries that read them
   * (default 64 MiB: a day of 1,000 series scraped every 15 s, evenly timed; 0: none).
   */
  decodedCacheBytes?: number;
}

export interface RollupLevelOptions {
  resolution: number;
  window: number;
  retentionMs: number;
}

/** Where a rollup level's buckets are: those ending in (from, to]. */
export interface RollupCoverage {
  resolution: number;
  from: number;
  to: number;
}

interface RollupLevel extends RollupLevelOptions {
  /** Every window ending at or before this is rolled up (null: not started, the store is empty). */
  doneTo: number | null;
  /** In the window after doneTo, the series up to this id are rolled up. */
  cursor: number;
}

/** The two rollup levels: 1 minute (default 35 days: a 30-day SLO's window) and 1 hour (default 400 days). */
export function rollupLevels(retention: { rollup1mMs?: number; rollup1hMs?: number } = {}): RollupLevelOptions[] {
  return [
    { resolution: 60_000, window: 2 * 3600_000, retentionMs: retention.rollup1mMs ?? 35 * 24 * 3600_000 },
    { resolution: 3600_000, window: 24 * 3600_000, retentionMs: retention.rollup1hMs ?? 400 * 24 * 3600_000 },
  ];
}

/** How far before a window a cumulative series' previous sample is looked for. */
const ROLLUP_LOOKBACK_MS = 10 * 60_000;

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
  /** The commit that last touched the series, and its last sample as that commit would leave it. */
  batch: number;
  batchT: number;
  batchV: number;
}

/** A series as callers hold it between seriesFor() and commit(). */
export interface SeriesHandle {
  readonly id: number;
  readonly key: string;
}

export interface MetricMeta {
  service: string;
  metric: string;
  kind: MetricKind;
  unit: string;
  description: string;
}

/** Samples to commit, column by column (no object per sample). */
export class SampleBatch {
  readonly handles: SeriesHandle[] = [];
  readonly t: number[] = [];
  readonly v: number[] = [];
  readonly delta: boolean[] = [];
  readonly points: number[] = [];
  add(series: SeriesHandle, t: number, v: number, delta = false, point = -1): void {
    this.handles.push(series);
    this.t.push(t);
    this.v.push(v);
    this.delta.push(delta);
    this.points.push(point);
  }
  get length(): number {
    return this.t.length;
  }
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

/** Why a sample cannot be stored, or null. */
function sampleProblem(t: number, v: number, oldest: number, newest: number): string | null {
  if (!(t >= oldest && t <= newest)) return t > newest ? 'timestamp too far in the future' : 'timestamp outside the retention period';
  if (!Number.isFinite(v)) return 'value is not a finite number';
  return null;
}

/**
 * Whether a series only grows between resets (counters, a histogram's buckets, sums and counts, a
 * summary's sum and count): its chunks code values by their delta-of-delta, one bit per steady step.
 */
function isCumulative(s: HeadSeries): boolean {
  if (s.kind === 'counter') return true;
  if (s.kind === 'gauge') return false;
  const part = s.key.split('\u0000', 3)[2];
  return s.kind === 'histogram' || part === 'sum' || part === 'count';
}

/** A key from its symbol numbers: service, metric and part, then attribute names and values. */
function decodeKey(labels: Buffer, texts: string[]): string {
  let key = '';
  let part = 0;
  for (let p = 0; p < labels.length; ) {
    let id = 0;
    let shift = 0;
    let b: number;
    do {
      b = labels[p++]!;
      id |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80);
    // service \0 metric \0 part, then \0 name \1 value for each attribute
    if (part > 0) key += part < 3 || part % 2 === 1 ? '\u0000' : '\u0001';
    key += texts[id] ?? '';
    part++;
  }
  return key;
}

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
  private readonly perService = new Map<string, number>();
  private readonly metricKinds = new Map<string, MetricKind>();
  private readonly dirty = new Set<HeadSeries>();
  /** Every string of a series key, numbered: the database stores keys as these numbers. */
  private readonly symbols = new Map<string, number>();
  /** Series created in memory and not yet in the database (the next commit stores them). */
  private readonly unsaved: HeadSeries[] = [];
  private batchEpoch = 0;
  /** The write-ahead log record being built (Buffer.alloc never takes from the shared pool: aligned). */
  private record = Buffer.alloc(64 * 1024);
  private nextId = 1;
  private readonly opts: Required<MetricStoreOptions>;
  private readonly stmts: {
    insertSeries: BetterSqlite3.Statement;
    insertSymbol: BetterSqlite3.Statement;
    insertChunk: BetterSqlite3.Statement;
    updateLast: BetterSqlite3.Statement;
    upsertMetric: BetterSqlite3.Statement;
    chunksOf: BetterSqlite3.Statement;
    chunkStarts: BetterSqlite3.Statement;
    chunkAt: BetterSqlite3.Statement;
    deleteOld: BetterSqlite3.Statement;
    insertRollup: BetterSqlite3.Statement;
    deleteRollups: BetterSqlite3.Statement;
    rollupsOf: BetterSqlite3.Statement;
    saveProgress: BetterSqlite3.Statement;
    deleteOldRollups: BetterSqlite3.Statement;
  };
  private readonly levels: RollupLevel[];
  /** Per level, windows (by start) already rolled up that late samples changed, and the series they changed. */
  private readonly stale: Map<number, Set<number>>[] = [];
  /** Reused buffers for the rollup job's raw samples. */
  private readonly scratch: SampleBuffers = { t: new Float64Array(1024), v: new Float64Array(1024) };
  private readonly decoded: DecodedChunkCache;

  constructor(options: MetricStoreOptions) {
    this.opts = {
      now: Date.now,
      retentionMs: 7 * 24 * 3600_000,
      maxFutureMs: 10 * 60_000,
      chunkSamples: 480,
      chunkSpanMs: 2 * 3600_000,
      walCheckpointBytes: 128 * 1024 * 1024,
      rollups: rollupLevels(),
      rollupDelayMs: 15 * 60_000,
      decodedCacheBytes: 64 * 2 ** 20,
      // options left undefined keep their defaults
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as MetricStoreOptions),
    };
    this.opts.rollups.forEach((l, i) => {
      const finer = this.opts.rollups[i - 1];
      if (l.window % l.resolution !== 0 || (finer && l.resolution % finer.resolution !== 0) || (finer && l.window % finer.window !== 0)) {
        throw new Error('each rollup level needs a window that is a multiple of its resolution, and of the finer level\'s resolution and window');
      }
    });
    this.decoded = new DecodedChunkCache(this.opts.decodedCacheBytes);
    fs.mkdirSync(this.opts.dir, { recursive: true });
    this.db = new BetterSqlite3(path.join(this.opts.dir, 'metrics.db'));
    // pages freed by replaced chunk snapshots and expired chunks go back to the file system a bit
    // at a time (only takes effect for a new file)
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit survives a crash of the process (not of the machine), as the log does
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS symbols (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, labels BLOB NOT NULL, kind TEXT NOT NULL, last_t REAL, last_v REAL);
      CREATE TABLE IF NOT EXISTS chunks (
        series_id INTEGER NOT NULL, min_t REAL NOT NULL, max_t REAL NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (series_id, min_t)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS chunks_max_t ON chunks (max_t);
      CREATE TABLE IF NOT EXISTS metrics (
        service TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (service, name)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rollups (
        res INTEGER NOT NULL, series_id INTEGER NOT NULL, min_t REAL NOT NULL, max_t REAL NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (res, series_id, min_t)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS rollups_max_t ON rollups (res, max_t);
      CREATE TABLE IF NOT EXISTS rollup_progress (res INTEGER PRIMARY KEY, done_to REAL, cursor INTEGER NOT NULL);
    `);
    this.stmts = {
      insertSeries: this.db.prepare('INSERT INTO series (id, labels, kind) VALUES (?, ?, ?)'),
      insertSymbol: this.db.prepare('INSERT INTO symbols (id, text) VALUES (?, ?)'),
      insertChunk: this.db.prepare('INSERT OR REPLACE INTO chunks (series_id, min_t, max_t, count, data) VALUES (?, ?, ?, ?, ?)'),
      updateLast: this.db.prepare('UPDATE series SET last_t = ?, last_v = ? WHERE id = ?'),
      upsertMetric: this.db.prepare(
        `INSERT INTO metrics (service, name, kind, unit, description) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (service, name) DO UPDATE SET kind = excluded.kind,
           unit = CASE WHEN excluded.unit <> '' THEN excluded.unit ELSE metrics.unit END,
           description = CASE WHEN excluded.description <> '' THEN excluded.description ELSE metrics.description END`,
      ),
      // the chunks' bytes alone (pluck: no object per row), those starting before the first chunk in memory
      chunksOf: this.db.prepare('SELECT data FROM chunks WHERE series_id = ? AND max_t >= ? AND min_t <= ? AND min_t < ? ORDER BY min_t').pluck(),
      // the same chunks' starts, and one chunk's bytes: those not in the decoded-chunk cache
      chunkStarts: this.db.prepare('SELECT min_t FROM chunks WHERE series_id = ? AND max_t >= ? AND min_t <= ? AND min_t < ? ORDER BY min_t').pluck(),
      chunkAt: this.db.prepare('SELECT data FROM chunks WHERE series_id = ? AND min_t = ?').pluck(),
      deleteOld: this.db.prepare('DELETE FROM chunks WHERE (series_id, min_t) IN (SELECT series_id, min_t FROM chunks WHERE max_t < ? LIMIT ?)'),
      insertRollup: this.db.prepare('INSERT OR REPLACE INTO rollups (res, series_id, min_t, max_t, data) VALUES (?, ?, ?, ?, ?)'),
      rollupsOf: this.db.prepare('SELECT data FROM rollups WHERE res = ? AND series_id = ? AND max_t > ? AND min_t <= ? ORDER BY min_t'),
      deleteRollups: this.db.prepare('DELETE FROM rollups WHERE res = ? AND series_id = ? AND min_t > ? AND min_t <= ?'),
      saveProgress: this.db.prepare('INSERT OR REPLACE INTO rollup_progress (res, done_to, cursor) VALUES (?, ?, ?)'),
      deleteOldRollups: this.db.prepare('DELETE FROM rollups WHERE (res, series_id, min_t) IN (SELECT res, series_id, min_t FROM rollups WHERE res = ? AND max_t <= ? LIMIT ?)'),
    };
    const progress = new Map(
      (this.db.prepare('SELECT res, done_to, cursor FROM rollup_progress').all() as { res: number; done_to: number | null; cursor: number }[]).map((r) => [r.res, r]),
    );
    this.levels = this.opts.rollups.map((l) => ({ ...l, doneTo: progress.get(l.resolution)?.done_to ?? null, cursor: progress.get(l.resolution)?.cursor ?? 0 }));
    this.load();
    const walDir = path.join(this.opts.dir, 'wal');
    this.replay(walDir);
    this.wal = Wal.open(walDir);
    // what the replay restored is persisted now, so the old segments can go
    this.checkpoint();
  }

  private load(): void {
    const texts: string[] = [];
    for (const row of this.db.prepare('SELECT id, text FROM symbols').iterate() as Iterable<{ id: number; text: string }>) {
      texts[row.id] = row.text;
      this.symbols.set(row.text, row.id);
    }
    for (const row of this.db.prepare('SELECT id, labels, kind, last_t, last_v FROM series').iterate() as Iterable<{ id: number; labels: Buffer; kind: MetricKind; last_t: number | null; last_v: number | null }>) {
      this.addSeries({ id: row.id, key: decodeKey(row.labels, texts), kind: row.kind, enc: null, pending: null, lastT: row.last_t ?? -Infinity, lastV: row.last_v ?? 0, batch: 0, batchT: 0, batchV: 0 });
      this.nextId = Math.max(this.nextId, row.id + 1);
    }
    for (const row of this.db.prepare('SELECT service, name, kind FROM metrics').iterate() as Iterable<{ service: string; name: string; kind: MetricKind }>) {
      this.metricKinds.set(metricPrefix(row.service, row.name), row.kind);
    }
  }

  private replay(walDir: string): void {
    for (const rec of Wal.replay(walDir)) {
      if (rec[0] !== REC_SAMPLES || rec.length < 8) continue;
      const n = rec.readUInt32LE(4);
      const tOffset = 8 + Math.ceil((n * 4) / 8) * 8;
      if (rec.length < tOffset + n * 16) continue;
      // copied out: the record's bytes need not be 8-byte aligned in the file's buffer
      const copy = new Uint8Array(rec).buffer;
      const ids = new Uint32Array(copy, 8, n);
      const ts = new Float64Array(copy, tOffset, n);
      const vs = new Float64Array(copy, tOffset + n * 8, n);
      for (let i = 0; i < n; i++) {
        const s = this.byId[ids[i]!];
        // samples already in a persisted chunk (a crash between persisting and removing the log) are skipped
        if (s && ts[i]! > s.lastT) this.appendToHead(s, ts[i]!, vs[i]!);
      }
    }
  }

  /** A key as symbol numbers (each distinct string is stored once, in `symbols`), new symbols stored. */
  private encodeKey(key: string): Buffer {
    const out: number[] = [];
    for (const part of keyStrings(key)) {
      let id = this.symbols.get(part);
      if (id === undefined) {
        id = this.symbols.size + 1;
        this.symbols.set(part, id);
        this.stmts.insertSymbol.run(id, part);
      }
      while (id >= 0x80) {
        out.push((id & 0x7f) | 0x80);
        id >>>= 7;
      }
      out.push(id);
    }
    return Buffer.from(out);
  }

  private addSeries(s: HeadSeries): void {
    this.series.set(s.key, s);
    this.byId[s.id] = s;
    const prefix = s.key.slice(0, s.key.indexOf('\u0000', s.key.indexOf('\u0000') + 1) + 1);
    let list = this.byMetric.get(prefix);
    if (!list) this.byMetric.set(prefix, (list = []));
    list.push(s);
    const service = s.key.slice(0, s.key.indexOf('\u0000'));
    this.perService.set(service, (this.perService.get(service) ?? 0) + 1);
  }

  /** Number of series of a service (for quotas). */
  seriesOf(service: string): number {
    return this.perService.get(service) ?? 0;
  }

  /** Whether a series exists (samples for it create nothing new). */
  hasSeries(key: string): boolean {
    return this.series.has(key);
  }

  /** Number of series the store knows. */
  get seriesCount(): number {
    return this.series.size;
  }

  /**
   * Stores a batch: rejects what cannot be stored (by reason), writes the rest to the log, then to
   * memory. When this returns, what it counts as accepted survives a crash of the process.
   */
  append(samples: SampleInput[], meta?: MetricMeta[], admitNew?: (service: string) => string | null): AppendResult {
    // samples that cannot be stored make no series (and their metric no entry) of their own
    const { oldest, newest } = this.window();
    const early = new Map<string, number>();
    const earlyPoints = new Set<number>();
    const batch = new SampleBatch();
    const metrics = new Set<string>();
    for (const sample of samples) {
      const reason = sampleProblem(sample.t, sample.v, oldest, newest);
      if (reason) {
        early.set(reason, (early.get(reason) ?? 0) + 1);
        if (sample.point !== undefined) earlyPoints.add(sample.point);
        continue;
      }
      const key = sample.key ?? seriesKey(sample.series);
      // a new series must be admitted (a team's quota of active series); existing ones always are
      const refusal = admitNew && !this.series.has(key) ? admitNew(sample.series.service) : null;
      if (refusal) {
        early.set(refusal, (early.get(refusal) ?? 0) + 1);
        if (sample.point !== undefined) earlyPoints.add(sample.point);
        continue;
      }
      metrics.add(metricPrefix(sample.series.service, sample.series.metric));
      batch.add(this.seriesFor(key, sample.kind), sample.t, sample.v, sample.delta, sample.point);
    }
    const result = this.commit(
      batch,
      meta?.filter((m) => metrics.has(metricPrefix(m.service, m.metric))),
    );
    for (const [reason, n] of early) result.rejected.set(reason, (result.rejected.get(reason) ?? 0) + n);
    for (const p of earlyPoints) result.rejectedPoints.add(p);
    return result;
  }

  private window(): { oldest: number; newest: number } {
    const now = this.opts.now();
    return { oldest: now - this.opts.retentionMs, newest: now + this.opts.maxFutureMs };
  }

  /** The series of a key, created in memory (and stored with the next commit) when new. */
  seriesFor(key: string, kind: MetricKind): SeriesHandle {
    let s = this.series.get(key);
    if (!s) {
      s = { id: this.nextId++, key, kind, enc: null, pending: null, lastT: -Infinity, lastV: 0, batch: 0, batchT: 0, batchV: 0 };
      this.addSeries(s);
      this.unsaved.push(s);
    }
    return s;
  }

  /**
   * Stores a batch: rejects what cannot be stored (by reason), writes the rest to the log, then to
   * memory. When this returns, what it counts as accepted survives a crash of the process.
   */
  commit(batch: SampleBatch, meta?: MetricMeta[]): AppendResult {
    const now = this.opts.now();
    const oldest = now - this.opts.retentionMs;
    const newest = now + this.opts.maxFutureMs;
    const rejected = new Map<string, number>();
    const rejectedPoints = new Set<number>();
    let rejectedCount = 0;
    const epoch = ++this.batchEpoch;
    const n = batch.t.length;
    const keep = new Uint8Array(n);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const t = batch.t[i]!;
      let v = batch.v[i]!;
      const s = batch.handles[i]! as HeadSeries;
      let reason = sampleProblem(t, v, oldest, newest);
      if (!reason) {
        // the last sample of the series as this batch would leave it (a batch may repeat a series)
        const prevT = s.batch === epoch ? s.batchT : s.lastT;
        const prevV = s.batch === epoch ? s.batchV : s.lastV;
        if (t < prevT) reason = 'out of order: older than the series’ last sample';
        // the same timestamp again is a retry of an accepted sample: accepted, not stored twice
        else if (t === prevT) continue;
        else {
          if (batch.delta[i] && prevT !== -Infinity) v += prevV;
          batch.v[i] = v;
          s.batch = epoch;
          s.batchT = t;
          s.batchV = v;
          keep[i] = 1;
          kept++;
          continue;
        }
      }
      rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
      rejectedCount++;
      const point = batch.points[i]!;
      if (point >= 0) rejectedPoints.add(point);
    }
    const created = this.unsaved.length;
    if (created || meta?.length) {
      this.db.transaction(() => {
        for (const u of this.unsaved) this.stmts.insertSeries.run(u.id, this.encodeKey(u.key), u.kind);
        for (const m of meta ?? []) {
          const k = metricPrefix(m.service, m.metric);
          if (this.metricKinds.get(k) === m.kind && !m.unit && !m.description) continue;
          this.stmts.upsertMetric.run(m.service, m.metric, m.kind, m.unit, m.description);
          this.metricKinds.set(k, m.kind);
        }
      })();
      this.unsaved.length = 0;
    }
    if (kept) {
      // the log record: ids, then timestamps and values, each as an aligned little-endian array;
      // one buffer reused for every record (written synchronously), so ingest churns no memory
      const tOffset = 8 + Math.ceil((kept * 4) / 8) * 8;
      const size = tOffset + kept * 16;
      if (this.record.length < size) this.record = Buffer.alloc(Math.max(size, this.record.length * 2));
      const rec = this.record.subarray(0, size);
      rec[0] = REC_SAMPLES;
      rec.writeUInt32LE(kept, 4);
      const ids = new Uint32Array(rec.buffer, rec.byteOffset + 8, kept);
      const ts = new Float64Array(rec.buffer, rec.byteOffset + tOffset, kept);
      const vs = new Float64Array(rec.buffer, rec.byteOffset + tOffset + kept * 8, kept);
      let k = 0;
      for (let i = 0; i < n; i++) {
        if (!keep[i]) continue;
        ids[k] = (batch.handles[i] as HeadSeries).id;
        ts[k] = batch.t[i]!;
        vs[k] = batch.v[i]!;
        k++;
      }
      this.wal.append(rec);
      for (let i = 0; i < n; i++) if (keep[i]) this.appendToHead(batch.handles[i] as HeadSeries, batch.t[i]!, batch.v[i]!);
      // late samples (a backfill, an exporter that was cut off) in windows already rolled up: those windows again
      // (and in the window being rolled up, for the series it has done)
      const first = this.levels[0];
      if (first && first.doneTo !== null) {
        const done = first.doneTo;
        const partTo = first.cursor > 0 ? done + first.window : done;
        for (let i = 0; i < n; i++) {
          if (!keep[i] || batch.t[i]! > partTo) continue;
          const id = (batch.handles[i] as HeadSeries).id;
          if (batch.t[i]! <= done || id <= first.cursor) this.markStale(0, id, batch.t[i]!);
        }
      }
      if (this.wal.segmentBytes >= this.opts.walCheckpointBytes) this.checkpoint();
    }
    return { accepted: n - rejectedCount, rejected, rejectedPoints, newSeries: created };
  }

  private appendToHead(s: HeadSeries, t: number, v: number): void {
    let enc = s.enc;
    if (enc && (enc.count >= this.opts.chunkSamples || t - enc.firstT >= this.opts.chunkSpanMs)) {
      this.cut(s);
      enc = null;
    }
    if (!enc) enc = s.enc = new ChunkEncoder(128, { counter: isCumulative(s) });
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
      written = this.writePending();
    })();
    return written;
  }

  private writePending(): number {
    let written = 0;
    for (const s of this.dirty) {
      for (const c of s.pending ?? []) {
        // replaces the chunk's snapshot from an earlier checkpoint, which has the same start
        this.stmts.insertChunk.run(s.id, c.minT, c.maxT, c.count, c.bytes);
        written++;
      }
      const lastChunk = s.pending?.at(-1);
      // where a restart's replay of the log takes over for this series
      if (lastChunk) this.stmts.updateLast.run(lastChunk.maxT, lastChunk.lastV, s.id);
      s.pending = null;
    }
    this.dirty.clear();
    return written;
  }

  /**
   * Persists everything in memory — closed chunks, and a snapshot of each open one, which keeps
   * growing in memory and replaces its snapshot when it closes — then starts a new log segment and
   * removes the old ones: after a crash, only the new segment is replayed.
   */
  checkpoint(): void {
    this.db.transaction(() => {
      this.writePending();
      for (const s of this.series.values()) {
        const enc = s.enc;
        if (!enc || enc.count === 0) continue;
        this.stmts.insertChunk.run(s.id, enc.firstT, enc.lastT, enc.count, enc.bytes());
        this.stmts.updateLast.run(enc.lastT, enc.lastV, s.id);
      }
    })();
    const closed = this.wal.rotate();
    this.wal.removeUpTo(closed);
  }

  /**
   * Removes chunks older than the retention period, a bounded number at a time (never stalls
   * ingest), and closes the open chunks of series that stopped receiving samples, so that their
   * memory is released once written.
   */
  removeExpired(limit = 10_000): number {
    const now = this.opts.now();
    const cutoff = now - this.opts.retentionMs;
    for (const s of this.series.values()) {
      if (s.enc && s.enc.count > 0 && s.lastT < Math.max(cutoff, now - this.opts.chunkSpanMs)) this.cut(s);
      if (s.pending && s.pending.every((c) => c.maxT < cutoff)) {
        s.pending = null;
        this.dirty.delete(s);
      }
    }
    this.decoded.dropEndingBefore(cutoff);
    let removed = this.stmts.deleteOld.run(cutoff, limit).changes;
    for (const l of this.levels) removed += this.stmts.deleteOldRollups.run(l.resolution, now - l.retentionMs, limit).changes;
    this.db.pragma('incremental_vacuum(2000)');
    return removed;
  }

  /**
   * Computes rollups for a while (`budgetMs`), a window of a level at a time and within it a
   * series at a time, its progress stored with its rows (a restart carries on where it stopped).
   * A level's window is done once its source is complete: raw samples `rollupDelayMs` after the
   * window ends, a finer level once it has done the window. Returns whether work is left that is
   * due now (call again soon), false when it has caught up.
   */
  rollup(budgetMs = 40): boolean {
    const deadline = performance.now() + budgetMs;
    const now = this.opts.now();
    for (let li = 0; li < this.levels.length; li++) {
      const level = this.levels[li]!;
      if (level.doneTo !== null) continue;
      // starts with the window of the oldest sample kept (a coarser level: where the finer one starts)
      const oldest = li > 0 ? this.levels[li - 1]!.doneTo : this.oldestSample();
      if (oldest === null) return false;
      // windows hold (start, end]: a sample on a window's start belongs to the window before
      level.doneTo = Math.floor((Math.max(oldest, now - level.retentionMs) - 1) / level.window) * level.window;
      level.cursor = 0;
    }
    if (!this.redoStale(deadline)) return true;
    for (let li = 0; li < this.levels.length; li++) {
      const level = this.levels[li]! as RollupLevel & { doneTo: number };
      const finer = li > 0 ? this.levels[li - 1]! : null;
      const sourceTo = finer ? (finer.doneTo ?? -Infinity) : now - this.opts.rollupDelayMs;
      // a window whose samples have all expired (a server stopped for long) is skipped
      const sourceFrom = finer ? now - finer.retentionMs : now - this.opts.retentionMs;
      if (level.doneTo + level.window <= sourceFrom) {
        level.doneTo = Math.floor(sourceFrom / level.window) * level.window;
        level.cursor = 0;
      }
      while (level.doneTo + level.window <= sourceTo) {
        const from = level.doneTo;
        const to = from + level.window;
        let finished = true;
        this.db.transaction(() => {
          for (let id = level.cursor + 1; id < this.nextId; id++) {
            const s = this.byId[id];
            level.cursor = id;
            // a series with no sample after the window's start has nothing in it
            if (!s || s.lastT <= from) continue;
            const buckets = finer ? this.rollupFromFiner(s, finer.resolution, from, to, level.resolution) : this.rollupFromRaw(s, from, to, level.resolution);
            if (buckets && buckets.n) this.stmts.insertRollup.run(level.resolution, s.id, buckets.t[0]!, buckets.t[buckets.n - 1]!, encodeRollup(buckets));
            if (performance.now() >= deadline && id + 1 < this.nextId) {
              finished = false;
              break;
            }
          }
          if (finished) {
            level.doneTo = to;
            level.cursor = 0;
          }
          this.stmts.saveProgress.run(level.resolution, level.doneTo, level.cursor);
        })();
        if (!finished || performance.now() >= deadline) return true;
      }
    }
    return false;
  }

  private markStale(li: number, seriesId: number, t: number): void {
    const level = this.levels[li]!;
    const start = Math.floor((t - 1) / level.window) * level.window;
    const windows = (this.stale[li] ??= new Map());
    let ids = windows.get(start);
    if (!ids) windows.set(start, (ids = new Set()));
    ids.add(seriesId);
  }

  /** Rolls up again the windows late samples changed; false when the deadline came first. */
  private redoStale(deadline: number): boolean {
    for (let li = 0; li < this.levels.length; li++) {
      const level = this.levels[li]!;
      const finer = li > 0 ? this.levels[li - 1]! : null;
      const windows = this.stale[li];
      if (!windows) continue;
      for (const [from, ids] of windows) {
        const to = from + level.window;
        let done = true;
        this.db.transaction(() => {
          for (const id of ids) {
            const s = this.byId[id];
            ids.delete(id);
            if (!s) continue;
            const buckets = finer ? this.rollupFromFiner(s, finer.resolution, from, to, level.resolution) : this.rollupFromRaw(s, from, to, level.resolution);
            this.stmts.deleteRollups.run(level.resolution, s.id, from, to);
            if (buckets && buckets.n) this.stmts.insertRollup.run(level.resolution, s.id, buckets.t[0]!, buckets.t[buckets.n - 1]!, encodeRollup(buckets));
            // the coarser level's window holding this one, if that was done already
            const coarser = this.levels[li + 1];
            if (coarser?.doneTo != null && from < coarser.doneTo) this.markStale(li + 1, id, to);
            if (performance.now() >= deadline) {
              done = false;
              break;
            }
          }
        })();
        if (ids.size === 0) windows.delete(from);
        if (!done) return false;
      }
    }
    return true;
  }

  /** The time of the oldest sample the store holds, or null when it holds none. */
  private oldestSample(): number | null {
    // the oldest chunk ends first, and begins at most a chunk's span before it (the index on max_t answers at once)
    const end = (this.db.prepare('SELECT MIN(max_t) AS t FROM chunks').get() as { t: number | null }).t;
    let oldest = end === null ? Infinity : end - this.opts.chunkSpanMs;
    for (const s of this.series.values()) {
      if (s.pending?.[0]) oldest = Math.min(oldest, s.pending[0].minT);
      else if (s.enc && s.enc.count > 0) oldest = Math.min(oldest, s.enc.firstT);
    }
    return oldest === Infinity ? null : oldest;
  }

  private rollupFromRaw(s: HeadSeries, from: number, to: number, res: number): Buckets | null {
    const cumulative = isCumulative(s);
    // (the decoded-chunk cache is left to queries: the job reads every series once)
    const k = this.readRaw(s.id, cumulative ? from - ROLLUP_LOOKBACK_MS : from, to, this.scratch, 0, false);
    if (!k) return null;
    const { t, v } = this.scratch;
    // a cumulative series' last sample before the window, for its growth into the first bucket
    let prev = NaN;
    if (cumulative) for (let j = 0; j < k && t[j]! <= from; j++) if (t[j]! > from - ROLLUP_LOOKBACK_MS) prev = v[j]!;
    return bucketsFromSamples(t, v, k, from, to, res, cumulative, prev);
  }

  private rollupFromFiner(s: HeadSeries, finerRes: number, from: number, to: number, res: number): Buckets | null {
    const parts = this.rollupsOf(s.id, finerRes, from, to).map((b) => decodeRollup(b));
    return mergeBuckets(parts, from, to, res);
  }

  /** Where each rollup level has buckets, finest first. */
  rollupCoverage(): RollupCoverage[] {
    const now = this.opts.now();
    return this.levels.map((l, li) => {
      // complete up to the first window late samples changed, until it is rolled up again
      // (a coarser level is made from the finer ones: their late windows count for it too)
      let to = l.doneTo ?? -Infinity;
      for (let k = 0; k <= li; k++) for (const [start, ids] of this.stale[k] ?? []) if (ids.size && start < to) to = start;
      return { resolution: l.resolution, from: now - l.retentionMs, to };
    });
  }

  /** Series-windows that late samples changed, waiting to be rolled up again. */
  get rollupBacklog(): number {
    let n = 0;
    for (const windows of this.stale) for (const ids of windows?.values() ?? []) n += ids.size;
    return n;
  }

  /** Raw samples before this time have been removed (or are about to be). */
  get rawFrom(): number {
    return this.opts.now() - this.opts.retentionMs;
  }

  /** The raw samples' retention period, in ms. */
  get rawRetentionMs(): number {
    return this.opts.retentionMs;
  }

  /** The encoded rollups of a series at a resolution that may hold buckets ending in (from, to], in time order. */
  rollupsOf(seriesId: number, resolution: number, from: number, to: number): Uint8Array[] {
    return (this.stmts.rollupsOf.all(resolution, seriesId, from, to) as { data: Buffer }[]).map((r) => r.data);
  }

  /** The metrics of a service. */
  listMetrics(service: string): MetricInfo[] {
    const rows = this.db.prepare('SELECT name, kind, unit, description FROM metrics WHERE service = ? ORDER BY name').all(service) as Omit<MetricInfo, 'series'>[];
    return rows.map((r) => {
      const list = this.byMetric.get(metricPrefix(service, r.name)) ?? [];
      // a histogram's or summary's series are its attribute sets: counted once, by their `count` part
      const series = r.kind === 'histogram' || r.kind === 'summary' ? list.filter((s) => s.key.split('\u0000', 3)[2] === 'count').length : list.length;
      return { ...r, series };
    });
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

  /** The time of a series' newest sample (-Infinity when it has none). */
  lastSampleTime(seriesId: number): number {
    return this.byId[seriesId]?.lastT ?? -Infinity;
  }

  /** Calls `fn` with each sample of a series between `from` and `to` (inclusive), in time order. */
  readSamples(seriesId: number, from: number, to: number, fn: (t: number, v: number) => void): void {
    for (const bytes of this.chunksOf(seriesId, from, to)) decodeChunk(bytes, fn, from, to);
  }

  /** The encoded chunks of a series that may hold samples between `from` and `to`, in time order. */
  chunksOf(seriesId: number, from: number, to: number): Uint8Array[] {
    const s = this.byId[seriesId];
    if (!s) return [];
    const open = s.enc && s.enc.count > 0 ? s.enc : null;
    // a series' samples only ever move forward in time, so every earlier chunk ends before the open
    // one starts: a window the open chunk covers needs no database read (the usual alert evaluation)
    if (open && open.firstT <= from) return s.lastT >= from ? [open.bytes()] : [];
    // chunks in memory win over their snapshots in the database (same start, fewer samples); the
    // database has no other chunk starting after the first of them
    const inMemoryFrom = s.pending?.[0]?.minT ?? open?.firstT ?? Infinity;
    const out = this.stmts.chunksOf.all(seriesId, from, to, inMemoryFrom) as Uint8Array[];
    for (const c of s.pending ?? []) if (c.maxT >= from && c.minT <= to) out.push(c.bytes);
    if (open && s.lastT >= from && open.firstT <= to) out.push(open.bytes());
    return out;
  }

  /**
   * Decodes the samples of the chunks of a series that may hold samples between `from` and `to`
   * (whole chunks, in time order) into `into` from `offset`, grown as needed; returns how many.
   * Closed chunks a query decoded recently come from memory (`cache`), and those it decodes are
   * kept there.
   */
  readRaw(seriesId: number, from: number, to: number, into: SampleBuffers, offset = 0, cache = true): number {
    const s = this.byId[seriesId];
    if (!s) return 0;
    const open = s.enc && s.enc.count > 0 ? s.enc : null;
    let k = offset;
    // a window the open chunk covers needs nothing else (see chunksOf)
    if (!open || open.firstT > from) {
      const inMemoryFrom = s.pending?.[0]?.minT ?? open?.firstT ?? Infinity;
      const useCache = cache && this.decoded.budgetBytes > 0;
      if (useCache && this.decoded.holds(seriesId)) {
        // the starts first: only the chunks not cached are read
        const starts = this.stmts.chunkStarts.all(seriesId, from, to, inMemoryFrom) as number[];
        for (const minT of starts) k += this.readClosed(seriesId, minT, () => this.stmts.chunkAt.get(seriesId, minT) as Uint8Array, into, k);
      } else {
        // nothing of the series is cached (its first read): every chunk's bytes at once, a
        // chunk's start being its first sample's time
        for (const bytes of this.stmts.chunksOf.all(seriesId, from, to, inMemoryFrom) as Uint8Array[]) {
          const n = this.decodeInto(bytes, into, k);
          if (useCache) this.decoded.add(seriesId, into.t[k]!, into, k, n);
          k += n;
        }
      }
      // closed chunks not yet written are as final as written ones
      for (const c of s.pending ?? []) {
        if (c.maxT >= from && c.minT <= to) k += useCache ? this.readClosed(seriesId, c.minT, () => c.bytes, into, k) : this.decodeInto(c.bytes, into, k);
      }
    }
    if (open && s.lastT >= from && open.firstT <= to) k += this.decodeInto(open.bytes(), into, k);
    return k - offset;
  }

  /** A closed chunk's samples from the decoded-chunk cache, else decoded from its bytes and cached. */
  private readClosed(seriesId: number, minT: number, bytes: () => Uint8Array, into: SampleBuffers, offset: number): number {
    const cached = this.decoded.read(seriesId, minT, into, offset);
    if (cached >= 0) return cached;
    const n = this.decodeInto(bytes(), into, offset);
    this.decoded.add(seriesId, minT, into, offset, n);
    return n;
  }

  private decodeInto(bytes: Uint8Array, into: SampleBuffers, offset: number): number {
    ensureRoom(into, offset + chunkSampleCount(bytes), offset);
    return decodeChunkInto(bytes, into.t, into.v, offset);
  }

  /** What the decoded-chunk cache holds (bytes of samples, chunks) and how many chunks it served. */
  get decodedCache(): { bytes: number; chunks: number; hits: number } {
    return { bytes: this.decoded.bytes, chunks: this.decoded.size, hits: this.decoded.hits };
  }

  /** Persists what is in memory and closes the files. */
  close(): void {
    this.checkpoint();
    this.db.pragma('incremental_vacuum');
    this.wal.close();
    this.db.close();
  }
}
