/**
 * Closed chunks of the metrics store as decoded samples, kept for the queries that read them again
 * (a dashboard refreshing its panels): decoding is most of a long query's cost. Up to a byte
 * budget, in one ring of numbers written in turn (no allocation per chunk, which would cost a
 * first query more than the decoding): the oldest decoded go first.
 * @remarks Only closed chunks belong here: their bytes never change (a series' samples only move
 * forward in time, so nothing is added to a closed chunk), they only go away with retention.
 */

/** Buffers that samples are decoded into, grown as needed. */
export interface SampleBuffers {
  t: Float64Array;
  v: Float64Array;
}

/** Makes room for `size` samples in `b`, keeping the first `keep`. */
export function ensureRoom(b: SampleBuffers, size: number, keep = b.t.length): void {
  if (size <= b.t.length) return;
  const t = new Float64Array(size * 2);
  const v = new Float64Array(size * 2);
  t.set(b.t.subarray(0, keep));
  v.set(b.v.subarray(0, keep));
  b.t = t;
  b.v = v;
}

interface DecodedChunk {
  readonly seriesId: number;
  readonly minT: number;
  /** The time of the last sample. */
  readonly maxT: number;
  readonly count: number;
  /** Where its values are in the ring, then its times unless they are evenly spaced. */
  readonly pos: number;
  /** Evenly spaced times are t0 + i × dt (exact: integer milliseconds), else after the values. */
  readonly even: boolean;
  readonly t0: number;
  readonly dt: number;
  /** The neighbours in the order of decoding (a list through the entries: removing one costs no lookup). */
  newer: DecodedChunk | null;
  older: DecodedChunk | null;
}

/** Decoded closed chunks by series and start, within a byte budget (the oldest decoded out first). */
export class DecodedChunkCache {
  /** By series, then by start: number keys (a string key per lookup would cost more than the lookup). */
  private readonly bySeries = new Map<number, Map<number, DecodedChunk>>();
  /** Values and times of the entries: 1 MiB at the first, doubled as needed up to the budget. */
  private ring: Float64Array | null = null;
  /** Where the next entry goes; entries lie in the order they came, from the oldest (wrapping around). */
  private head = 0;
  private newest: DecodedChunk | null = null;
  private oldest: DecodedChunk | null = null;
  private used = 0;
  private count = 0;
  /** Chunks served so far. */
  hits = 0;

  constructor(readonly budgetBytes: number) {}

  /** Bytes the cached chunks' samples take (at most the budget). */
  get bytes(): number {
    return this.used * 8;
  }

  /** Number of cached chunks. */
  get size(): number {
    return this.count;
  }

  /** Whether any chunk of a series is cached. */
  holds(seriesId: number): boolean {
    return this.bySeries.has(seriesId);
  }

  /**
   * Appends the samples of a cached chunk to `into` from `offset` (grown as needed) and returns
   * how many, or -1 when the chunk is not cached.
   */
  read(seriesId: number, minT: number, into: SampleBuffers, offset: number): number {
    const c = this.bySeries.get(seriesId)?.get(minT);
    if (!c) return -1;
    this.hits++;
    const ring = this.ring!;
    const n = c.count;
    ensureRoom(into, offset + n, offset);
    into.v.set(ring.subarray(c.pos, c.pos + n), offset);
    if (!c.even) into.t.set(ring.subarray(c.pos + n, c.pos + 2 * n), offset);
    else for (let i = 0; i < n; i++) into.t[offset + i] = c.t0 + i * c.dt;
    return n;
  }

  /** Keeps a copy of a closed chunk's samples, decoded into `from` at `offset`. */
  add(seriesId: number, minT: number, from: SampleBuffers, offset: number, count: number): void {
    if (count === 0) return;
    const ts = from.t;
    const t0 = ts[offset]!;
    const dt = count > 1 ? ts[offset + 1]! - t0 : 0;
    let even = true;
    for (let i = 1; i < count && even; i++) even = ts[offset + i]! === t0 + i * dt;
    const size = even ? count : 2 * count;
    const capacity = Math.floor(this.budgetBytes / 8);
    if (size > capacity) return;
    const old = this.bySeries.get(seriesId)?.get(minT);
    if (old) this.remove(old);
    let ring = (this.ring ??= new Float64Array(Math.min(capacity, 1 << 17)));
    if (this.head + size > ring.length && ring.length < capacity) {
      // (until the ring has its full size it has not wrapped around: every entry is before head)
      ring = new Float64Array(Math.min(capacity, Math.max(2 * ring.length, this.head + size)));
      ring.set(this.ring.subarray(0, this.head));
      this.ring = ring;
    }
    if (this.head + size > ring.length) {
      // the rest of the ring holds the oldest entries (written on the lap before): they go, and writing starts again at 0
      while (this.oldest && this.oldest.pos >= this.head) this.remove(this.oldest);
      this.head = 0;
    }
    // the oldest entries where this one goes
    while (this.oldest && this.oldest.pos >= this.head && this.oldest.pos < this.head + size) this.remove(this.oldest);
    const pos = this.head;
    ring.set(from.v.subarray(offset, offset + count), pos);
    if (!even) ring.set(ts.subarray(offset, offset + count), pos + count);
    this.head += size;
    const c: DecodedChunk = { seriesId, minT, maxT: ts[offset + count - 1]!, count, pos, even, t0, dt, newer: null, older: this.newest };
    if (this.newest) this.newest.newer = c;
    else this.oldest = c;
    this.newest = c;
    let starts = this.bySeries.get(seriesId);
    if (!starts) this.bySeries.set(seriesId, (starts = new Map()));
    starts.set(minT, c);
    this.used += size;
    this.count++;
  }

  /** Forgets the chunks whose samples all lie before `t` (removed by retention). */
  dropEndingBefore(t: number): void {
    for (let c = this.oldest; c; ) {
      const newer = c.newer;
      if (c.maxT < t) this.remove(c);
      c = newer;
    }
  }

  private remove(c: DecodedChunk): void {
    if (c.newer) c.newer.older = c.older;
    else this.newest = c.older;
    if (c.older) c.older.newer = c.newer;
    else this.oldest = c.newer;
    const starts = this.bySeries.get(c.seriesId)!;
    starts.delete(c.minT);
    if (starts.size === 0) this.bySeries.delete(c.seriesId);
    this.used -= c.even ? c.count : 2 * c.count;
    this.count--;
  }
}
