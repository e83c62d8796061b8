import { AppError } from '../../../platform/errors.ts';

/**
 * A decoder of Prometheus remote-write 1.0 requests (`prometheus.WriteRequest`, snappy-decoded),
 * written by hand because it is the hot path of metrics ingest: it reads only what Ethos stores
 * and builds no objects per sample.
 *
 *   WriteRequest   1: repeated TimeSeries   3: repeated MetricMetadata
 *   TimeSeries     1: repeated Label        2: repeated Sample   (3 exemplars, 4 histograms: skipped)
 *   Label          1: name  2: value
 *   Sample         1: value (double)        2: timestamp (int64, milliseconds)
 *   MetricMetadata 1: type (enum)           2: metric_family_name   (4 help, 5 unit)
 */

/** One decoded series: where its labels are in the request, and its samples in a shared buffer. */
export interface RemoteSeries {
  /** Byte range of the series' encoded labels: equal label sets from one sender encode equally. */
  labelsStart: number;
  labelsEnd: number;
  /** Index of its first sample in `samples` and how many it has. */
  first: number;
  count: number;
  /** Native histograms sent for this series (not stored). */
  histograms: number;
}

export interface RemoteWriteRequest {
  /** The decoded request body. */
  buf: Uint8Array;
  series: RemoteSeries[];
  /** Samples of all series: timestamps (ms) and values (plain arrays: they live in the young generation, not in malloc'd memory). */
  t: number[];
  v: number[];
  /** Metric family name → Prometheus type (counter, gauge, histogram, summary, …). */
  types: Map<string, string>;
  /** Staleness markers received (accepted, not stored: a series' end shows as its last sample). */
  staleMarkers: number;
}

const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];
const decoder = new TextDecoder('utf-8', { fatal: true });

function bad(message: string): never {
  throw new AppError('OTLP_BAD_PAYLOAD', `not a valid remote-write request: ${message}`);
}

class Reader {
  pos = 0;
  readonly buf: Uint8Array;
  readonly view: DataView;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** An unsigned varint up to 2^53 (larger ones are refused). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) bad('truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) bad('integer out of range');
        return result;
      }
      mul *= 128;
    }
    return bad('varint too long');
  }

  private next(): number {
    if (this.pos >= this.buf.length) bad('truncated varint');
    return this.buf[this.pos++]!;
  }

  /** An int64 varint in two's complement (negative values take ten bytes), as a number. */
  int64(): number {
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.next();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
    }
    b = this.next();
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return hi * 4294967296 + (lo >>> 0);
    for (let shift = 3; shift < 32; shift += 7) {
      b = this.next();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return (hi | 0) * 4294967296 + (lo >>> 0);
    }
    return bad('varint too long');
  }

  bytesEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.buf.length) bad('truncated field');
    return end;
  }

  string(): string {
    const end = this.bytesEnd();
    let s: string;
    try {
      s = decoder.decode(this.buf.subarray(this.pos, end));
    } catch {
      return bad('a label is not valid UTF-8');
    }
    this.pos = end;
    return s;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.bytesEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        bad(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.buf.length) bad('truncated field');
  }
}

/** Decodes a snappy-decompressed WriteRequest; throws OTLP_BAD_PAYLOAD (400) on anything malformed. */
export function decodeRemoteWrite(buf: Uint8Array): RemoteWriteRequest {
  const r = new Reader(buf);
  const series: RemoteSeries[] = [];
  const types = new Map<string, string>();
  const t: number[] = [];
  const v: number[] = [];
  let n = 0;
  let staleMarkers = 0;
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === 2) {
      const end = r.bytesEnd();
      const s: RemoteSeries = { labelsStart: r.pos, labelsEnd: r.pos, first: n, count: 0, histograms: 0 };
      let labelsDone = false;
      while (r.pos < end) {
        const ttag = r.varint();
        const tfield = Math.floor(ttag / 8);
        const twire = ttag & 7;
        if (tfield === 1 && twire === 2) {
          // labels come first and together (as Prometheus writes them): their bytes are read later
          if (labelsDone) bad('labels after samples');
          r.pos = r.bytesEnd();
          s.labelsEnd = r.pos;
        } else if (tfield === 2 && twire === 2) {
          labelsDone = true;
          const send = r.bytesEnd();
          let value = 0;
          let ts = 0;
          let stale = false;
          while (r.pos < send) {
            const stag = r.varint();
            if (stag === 0x09) {
              if (r.pos + 8 > send) bad('truncated sample value');
              value = r.view.getFloat64(r.pos, true);
              // Prometheus's staleness marker, a NaN with this payload, says "the series ended"
              stale = r.view.getUint32(r.pos, true) === 2 && r.view.getUint32(r.pos + 4, true) === 0x7ff00000;
              r.pos += 8;
            } else if (stag === 0x10) ts = r.int64();
            else r.skip(stag & 7);
          }
          if (r.pos !== send) bad('a sample overruns its length');
          if (stale) {
            staleMarkers++;
            continue;
          }
          t.push(ts);
          v.push(value);
          n++;
          s.count++;
        } else if (tfield === 4 && twire === 2) {
          s.histograms++;
          r.skip(twire);
        } else r.skip(twire);
      }
      if (r.pos !== end) bad('a series overruns its length');
      series.push(s);
    } else if (field === 3 && wire === 2) {
      const end = r.bytesEnd();
      let type = 0;
      let family = '';
      while (r.pos < end) {
        const mtag = r.varint();
        if (mtag === 0x08) type = r.varint();
        else if (mtag === 0x12) family = r.string();
        else r.skip(mtag & 7);
      }
      if (r.pos !== end) bad('metadata overruns its length');
      if (family) types.set(family, METRIC_TYPES[type] ?? 'unknown');
    } else r.skip(wire);
  }
  if (r.pos !== buf.length) bad('truncated message');
  return { buf, series, t, v, types, staleMarkers };
}

/** The labels of a series, decoded (names and values in the order sent); throws on malformed ones. */
export function seriesLabels(req: RemoteWriteRequest, s: RemoteSeries): { names: string[]; values: string[] } {
  const r = new Reader(req.buf);
  r.pos = s.labelsStart;
  const names: string[] = [];
  const values: string[] = [];
  while (r.pos < s.labelsEnd) {
    const tag = r.varint();
    if (tag !== 0x0a) {
      r.skip(tag & 7);
      continue;
    }
    const lend = r.bytesEnd();
    let name = '';
    let value = '';
    while (r.pos < lend) {
      const ltag = r.varint();
      if (ltag === 0x0a) name = r.string();
      else if (ltag === 0x12) value = r.string();
      else r.skip(ltag & 7);
    }
    if (r.pos !== lend) bad('a label overruns its length');
    names.push(name);
    values.push(value);
  }
  return { names, values };
}
