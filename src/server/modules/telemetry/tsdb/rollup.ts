import { ChunkEncoder, chunkSampleCount, decodeChunkInto } from './xor-chunk.ts';

/**
 * Rollups: a series summarised per fixed interval (a "bucket"), kept far longer than its raw
 * samples. A bucket ending at T holds the samples in (T - resolution, T] — the same intervals a
 * query's steps use — so a query whose step is a multiple of the resolution reads whole buckets.
 *
 * - A gauge's bucket: count, sum, min, max and last of its samples.
 * - A cumulative series' bucket (counters, a histogram's buckets, sums and counts): its growth in
 *   the bucket, counter resets handled (from the last sample before the bucket, when there is one),
 *   and its last raw value, from which the raw samples after the rollups carry on.
 */
export const GAUGE_COLUMNS = ['count', 'sum', 'min', 'max', 'last'] as const;
export const CUMULATIVE_COLUMNS = ['inc', 'last'] as const;

const GAUGE = 1;
const CUMULATIVE = 2;

/** Buckets as columns: `t` holds each bucket's end; `cols` the columns of its kind, in order. */
export interface Buckets {
  cumulative: boolean;
  n: number;
  t: Float64Array;
  cols: Float64Array[];
}

function newBuckets(cumulative: boolean, capacity: number): Buckets {
  const width = cumulative ? CUMULATIVE_COLUMNS.length : GAUGE_COLUMNS.length;
  return { cumulative, n: 0, t: new Float64Array(capacity), cols: Array.from({ length: width }, () => new Float64Array(capacity)) };
}

/** Encodes buckets: a kind byte, then per column its length (varint) and an XOR chunk of (end, value). */
export function encodeRollup(b: Buckets): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(b.cumulative ? CUMULATIVE : GAUGE)];
  b.cols.forEach((col, c) => {
    // a cumulative series' last raw value grows like a counter; the other columns wander
    const enc = new ChunkEncoder(64 + b.n * 2, { counter: b.cumulative && c === 1 });
    for (let i = 0; i < b.n; i++) enc.append(b.t[i]!, col[i]!);
    const bytes = enc.bytes();
    const len: number[] = [];
    let l = bytes.length;
    while (l >= 0x80) {
      len.push((l & 0x7f) | 0x80);
      l >>>= 7;
    }
    len.push(l);
    parts.push(Uint8Array.from(len), bytes);
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Decodes what {@link encodeRollup} wrote: every column, or only those in `only` (the others stay
 * zero: a query decodes what its function needs). @throws RangeError on damaged bytes.
 */
export function decodeRollup(bytes: Uint8Array, only?: readonly number[], into?: Buckets): Buckets {
  const kind = bytes[0];
  if (kind !== GAUGE && kind !== CUMULATIVE) throw new RangeError(`corrupt rollup: unknown kind ${kind}`);
  const width = kind === CUMULATIVE ? CUMULATIVE_COLUMNS.length : GAUGE_COLUMNS.length;
  let p = 1;
  let out: Buckets | null = null;
  /** `into` (a reader's reused buffers, grown when short; only the decoded columns are set), else new arrays. */
  const target = (n: number): Buckets => {
    if (!into) return { ...newBuckets(kind === CUMULATIVE, n), n };
    if (into.t.length < n) into.t = new Float64Array(n * 2);
    for (let c = 0; c < width; c++) if (!into.cols[c] || into.cols[c]!.length < n) into.cols[c] = new Float64Array(into.t.length);
    into.cumulative = kind === CUMULATIVE;
    into.n = n;
    return into;
  };
  for (let c = 0; c < width; c++) {
    let len = 0;
    let shift = 0;
    let byte: number;
    do {
      if (p >= bytes.length) throw new RangeError('corrupt rollup: truncated');
      byte = bytes[p++]!;
      len |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    if (p + len > bytes.length) throw new RangeError('corrupt rollup: truncated');
    const chunk = bytes.subarray(p, p + len);
    p += len;
    out ??= target(chunkSampleCount(chunk));
    if (only && !only.includes(c)) continue;
    if (chunkSampleCount(chunk) !== out.n) throw new RangeError('corrupt rollup: columns of different lengths');
    decodeChunkInto(chunk, out.t, out.cols[c]!, 0);
  }
  return out!;
}

/**
 * Raw samples (times ascending) summarised into buckets of `res` ms for the samples in
 * (from, to]. `prev` is the last raw value before `from` for a cumulative series (NaN: none; its
 * growth then counts from its first sample in the range, as a query's does).
 */
/** The fewest decimal places (up to 6) that write `v` exactly; 7 when none do. */
function decimals(v: number): number {
  for (let d = 0; d <= 6; d++) if (Math.round(v * 10 ** d) / 10 ** d === v) return d;
  return 7;
}

/**
 * A sum of decimals as exactly as they were written: binary floating point makes 0.1 + 0.2 =
 * 0.30000000000000004, which would cost a bucket's sum 6 bytes instead of 2 in its chunk.
 */
function roundSum(sum: number, places: number): number {
  if (places > 6) return sum;
  const f = 10 ** places;
  const scaled = Math.round(sum * f);
  return Math.abs(scaled) < 2 ** 53 ? scaled / f : sum;
}

export function bucketsFromSamples(ts: Float64Array, vs: Float64Array, k: number, from: number, to: number, res: number, cumulative: boolean, prev: number): Buckets {
  const out = newBuckets(cumulative, Math.max(1, Math.ceil((to - from) / res)));
  let cur = -1;
  let end = NaN;
  let places = 0;
  const cols = out.cols;
  for (let j = 0; j < k; j++) {
    const t = ts[j]!;
    if (t <= from) continue;
    if (t > to) break;
    const v = vs[j]!;
    const bucketEnd = Math.ceil(t / res) * res;
    if (bucketEnd !== end) {
      if (cur >= 0 && !cumulative) cols[1]![cur] = roundSum(cols[1]![cur]!, places);
      cur++;
      end = bucketEnd;
      places = 0;
      out.t[cur] = end;
      if (cumulative) cols[0]![cur] = 0;
      else {
        cols[0]![cur] = 0;
        cols[1]![cur] = 0;
        cols[2]![cur] = v;
        cols[3]![cur] = v;
      }
    }
    if (cumulative) {
      if (!Number.isNaN(prev)) cols[0]![cur]! += v >= prev ? v - prev : v;
      cols[1]![cur] = v;
      prev = v;
    } else {
      cols[0]![cur]!++;
      cols[1]![cur]! += v;
      if (places < 7) places = Math.max(places, decimals(v));
      if (v < cols[2]![cur]!) cols[2]![cur] = v;
      if (v > cols[3]![cur]!) cols[3]![cur] = v;
      cols[4]![cur] = v;
    }
  }
  if (cur >= 0 && !cumulative) cols[1]![cur] = roundSum(cols[1]![cur]!, places);
  out.n = cur + 1;
  return out;
}

/** Finer buckets merged into buckets of `res` ms (a multiple of theirs), for those ending in (from, to]. */
export function mergeBuckets(parts: Buckets[], from: number, to: number, res: number): Buckets | null {
  const first = parts[0];
  if (!first) return null;
  const cumulative = first.cumulative;
  const out = newBuckets(cumulative, Math.max(1, Math.ceil((to - from) / res)));
  const cols = out.cols;
  let cur = -1;
  let end = NaN;
  let places = 0;
  for (const b of parts) {
    if (b.cumulative !== cumulative) continue;
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      if (t <= from || t > to) continue;
      const bucketEnd = Math.ceil(t / res) * res;
      if (!cumulative && places < 7) places = Math.max(places, decimals(b.cols[1]![i]!));
      if (bucketEnd !== end) {
        if (cur >= 0 && !cumulative) cols[1]![cur] = roundSum(cols[1]![cur]!, places);
        cur++;
        end = bucketEnd;
        places = cumulative ? 0 : decimals(b.cols[1]![i]!);
        out.t[cur] = end;
        for (let c = 0; c < cols.length; c++) cols[c]![cur] = b.cols[c]![i]!;
        continue;
      }
      if (cumulative) {
        cols[0]![cur]! += b.cols[0]![i]!;
        cols[1]![cur] = b.cols[1]![i]!;
      } else {
        cols[0]![cur]! += b.cols[0]![i]!;
        cols[1]![cur]! += b.cols[1]![i]!;
        cols[2]![cur] = Math.min(cols[2]![cur]!, b.cols[2]![i]!);
        cols[3]![cur] = Math.max(cols[3]![cur]!, b.cols[3]![i]!);
        cols[4]![cur] = b.cols[4]![i]!;
      }
    }
  }
  if (cur >= 0 && !cumulative) cols[1]![cur] = roundSum(cols[1]![cur]!, places);
  out.n = cur + 1;
  return out.n ? out : null;
}
