/**
 * Time-series chunk codec of the metrics store: delta-of-delta timestamps and XOR-compressed
 * float64 values after Facebook's Gorilla paper, with buckets sized for millisecond timestamps, and
 * a decimal mode that stores short decimals (integers, gauges rounded to a few places) as integer
 * deltas, which XOR compresses poorly. A chunk made for a counter codes those deltas' own deltas,
 * as it does the timestamps': a counter that grows by a steady amount per sample then costs about
 * two bits a sample.
 *
 * Layout (bits, most significant first):
 *
 *   header    version u8 (=1) | sample count u16 (big-endian)
 *   sample 0  counter flag (0x10) | value mode (low 4 bits), u8 | first timestamp, unsigned LEB128
 *             varint | first value's raw 64 bits
 *   sample i  timestamp code | value code
 *
 * The counter flag is the only bit allowed above the value mode; chunks without it are the ones
 * version 1 always wrote, and decode as they always did. A decoder that predates the flag rejects a
 * counter chunk (an unknown value mode) rather than misread it.
 *
 * Timestamp codes hold the delta-of-delta `dod = (t[i] - t[i-1]) - (t[i-1] - t[i-2])`, the first
 * delta being coded as its own dod, in two's complement:
 *
 *   0                  dod = 0
 *   10   + 6 bits      dod in [-32, 31]        scrape jitter of a few ms
 *   110  + 13 bits     dod in [-4096, 4095]
 *   1110 + 20 bits     dod in [-2^19, 2^19)    an interval change of up to ~8.7 min
 *   1111 + 53 bits     the delta itself, unsigned: any jump
 *
 * Value modes. Decimal mode k (0..12) holds values v for which `c = round(v * 10^k)` is an integer
 * below 2^52 in magnitude with `c / 10^k === v` (not -0, NaN or ±Infinity). With
 * `d = c - (previous c)`, it codes x = d, or in a counter chunk x = d - (previous d), the first d
 * being coded as its own x as the first timestamp delta is; two's complement:
 *
 *   0                      x = 0
 *   10    + 5 bits         x in [-16, 15]
 *   110   + 10 bits        x in [-512, 511]
 *   1110  + 18 bits        x in [-2^17, 2^17)
 *   11110 + 32 bits        x in [-2^31, 2^31)
 *   11111 + op (4 bits)    op 14: sign bit + 53-bit |d|, d itself in either kind of chunk (in a
 *                                 counter chunk x can need 54 bits, d never does)
 *                          op 13: a literal, the value's raw 64 bits; the previous c and d stay
 *                                 (NaN, ±Infinity and -0 travel this way)
 *                          op k' (> k, up to 12) or 15: switch to decimal mode k' or to raw mode,
 *                                 then the value's code in that mode; the previous c and d are
 *                                 scaled by 10^(k' - k), each to 0 where it would reach 2^52
 *
 * Raw mode (15) XORs each value's bits with the previous value's:
 *
 *   0                                              same bits
 *   10 + meaningful bits                           the XOR fits the previous window of
 *                                                  leading/trailing zeros
 *   11 + leading zeros (5) + length (6, 0 = 64) + meaningful bits   a new window
 *
 * The first value picks the smallest decimal mode that holds it (mode 0 for NaN, ±Infinity, -0),
 * else raw; a later value that its mode cannot hold switches to the smallest larger one that can,
 * else to raw, which lasts to the end of the chunk.
 *
 * @remarks Every value comes back bit for bit, -0 and ±Infinity included. A NaN's bits are stored
 * as they are read from the number, but a JavaScript engine may canonicalise a NaN on its way
 * through a number, so only the canonical NaN's pattern is promised. Timestamps are safe integers
 * >= 0 (ms since the epoch; earlier instants are rejected).
 */

/** Most samples one chunk holds: the header's count is 16 bits. */
export const MAX_CHUNK_SAMPLES = 65_535;

const VERSION = 1;
const HEADER_BYTES = 3;
const COUNTER_FLAG = 0x10;
const MAX_SCALE = 12;
const RAW = 15;
const OP_LITERAL = 13;
const OP_WIDE = 14;
// exact in float64, as every power of ten up to 1e22 is
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];
// decimal-mode integers stay below this so that a difference of two is exact
const INT_LIMIT = 2 ** 52;
const TWO_32 = 2 ** 32;
// worst case of one append: timestamp 57 bits, switch 9 + XOR window 13 + 64 bits, plus up to 31
// bits still in the accumulator, committed in whole 32-bit words
const MAX_APPEND_BYTES = 24;

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

function isSpecial(v: number): boolean {
  return v !== v || v === Infinity || v === -Infinity || (v === 0 && 1 / v < 0);
}

/** Whether the integer c = round(v * p) stands for v exactly in the decimal mode of scale p. */
function holdsExactly(v: number, c: number, p: number): boolean {
  return c / p === v && c < INT_LIMIT && c > -INT_LIMIT && (c !== 0 || 1 / v > 0);
}

function fitsDecimal(v: number, k: number): boolean {
  const p = POW10[k]!;
  return holdsExactly(v, Math.round(v * p), p);
}

/** The smallest mode from decimal mode `fromK` on that holds v exactly. */
function pickMode(v: number, fromK: number): number {
  for (let k = fromK; k <= MAX_SCALE; k++) if (fitsDecimal(v, k)) return k;
  return RAW;
}

/** x * factor, or 0 where that would not stay below 2^52 in magnitude (and so be exact). */
function scaleInt(x: number, factor: number): number {
  const y = x * factor;
  return y < INT_LIMIT && y > -INT_LIMIT ? y : 0;
}

/** A decimal mode's integer baseline for the first value. */
function firstBase(v0: number, mode: number): number {
  return isSpecial(v0) ? 0 : Math.round(v0 * POW10[mode]!);
}

/**
 * What the encoder of a chunk tracks of its values, and the decoder ({@link decodeSamples}) in
 * its own locals.
 * @remarks Both sides must change it by the same steps, or every later value decodes wrong.
 */
abstract class ValueState {
  protected mode = RAW;
  protected scale = 1;
  // counter chunks code each decimal delta as its difference from the one before
  protected counter = false;
  // decimal modes: the previous integer and delta; raw mode: the previous value's bits and XOR window
  protected base = 0;
  protected prevD = 0;
  protected cHi = 0;
  protected cLo = 0;
  protected winLead = 0;
  protected winTrail = 0;

  protected setMode(mode: number): void {
    this.mode = mode;
    this.scale = mode === RAW ? 1 : POW10[mode]!;
  }

  /**
   * Moves from a decimal mode to a larger one or to raw, carrying the baseline over: the previous
   * integer and delta scaled to the new mode (each 0 where that would not be exact), or the last
   * decimal value's bits.
   */
  protected switchMode(next: number): void {
    if (next === RAW) {
      scratchF64[0] = this.base / this.scale;
      this.cHi = scratchU32[HI]!;
      this.cLo = scratchU32[LO]!;
    } else {
      const factor = POW10[next - this.mode]!;
      this.base = scaleInt(this.base, factor);
      this.prevD = scaleInt(this.prevD, factor);
    }
    this.setMode(next);
  }
}

/** How a chunk codes its values, chosen when it is created and recorded in it. */
export interface ChunkOptions {
  /**
   * Code each decimal delta as its change from the previous one (delta-of-delta), which makes a
   * counter growing at a steady rate cost one bit a value instead of several. Values that jump
   * about (gauges) cost more this way; raw and special values are coded as without it.
   */
  counter?: boolean;
}

/**
 * Appends samples (timestamps in integer milliseconds, non-decreasing; any float64 value incl.
 * NaN, ±Infinity, -0) to a compressed chunk of at most {@link MAX_CHUNK_SAMPLES} samples.
 */
export class ChunkEncoder extends ValueState {
  private buf: Uint8Array;
  // bytes committed to buf; the bits after them wait in the low accBits bits of acc
  private pos = 0;
  private acc = 0;
  private accBits = 0;
  private n = 0;
  private t0 = NaN;
  private tPrev = NaN;
  private dPrev = 0;
  private vPrev = NaN;

  /**
   * @param initialCapacityBytes starting buffer size (at least 24); it doubles as needed.
   * @param options how to code values; the decoders read it back from the chunk.
   */
  constructor(initialCapacityBytes = 256, options: ChunkOptions = {}) {
    super();
    if (!Number.isInteger(initialCapacityBytes) || initialCapacityBytes < 0) {
      throw new RangeError(`initial capacity must be a non-negative integer, got ${initialCapacityBytes}`);
    }
    this.counter = options.counter === true;
    this.buf = new Uint8Array(Math.max(initialCapacityBytes, MAX_APPEND_BYTES));
    this.put(VERSION, 8);
    this.put(0, 16);
  }

  /** Number of samples appended. */
  get count(): number {
    return this.n;
  }

  /** Timestamp of the first sample; NaN while empty. */
  get firstT(): number {
    return this.t0;
  }

  /** Timestamp of the last sample; NaN while empty. */
  get lastT(): number {
    return this.tPrev;
  }

  /** Value of the last sample, as appended; NaN while empty. */
  get lastV(): number {
    return this.vPrev;
  }

  /** Bytes held in memory (the buffer's size), for memory accounting. */
  get capacity(): number {
    return this.buf.length;
  }

  /**
   * Adds one sample.
   * @throws RangeError if t is not a safe integer >= 0, is earlier than the last sample's, or the
   * chunk already holds {@link MAX_CHUNK_SAMPLES} samples; the chunk is then unchanged.
   */
  append(t: number, v: number): void {
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`timestamp must be a safe integer >= 0, got ${t}`);
    if (this.n === 0) {
      this.appendFirst(t, v);
      return;
    }
    if (t < this.tPrev) throw new RangeError(`timestamp ${t} is earlier than the last one, ${this.tPrev}`);
    if (this.n === MAX_CHUNK_SAMPLES) throw new RangeError(`a chunk holds at most ${MAX_CHUNK_SAMPLES} samples`);
    if (this.buf.length - this.pos < MAX_APPEND_BYTES) this.grow();

    const delta = t - this.tPrev;
    const dod = delta - this.dPrev;
    if (dod === 0) this.put(0, 1);
    else if (dod >= -32 && dod < 32) this.put(0x80 | (dod & 0x3f), 8);
    else if (dod >= -4096 && dod < 4096) this.put(0xc000 | (dod & 0x1fff), 16);
    else if (dod >= -524_288 && dod < 524_288) this.put(0xe0_0000 | (dod & 0xf_ffff), 24);
    else {
      this.put(0xf, 4);
      this.put(Math.floor(delta / TWO_32), 21);
      this.put(delta >>> 0, 32);
    }
    this.tPrev = t;
    this.dPrev = delta;

    if (this.mode === RAW) {
      this.putXor(v);
    } else {
      const p = this.scale;
      const c = Math.round(v * p);
      if (holdsExactly(v, c, p)) this.putDelta(c);
      else this.putUnfit(v);
    }
    this.vPrev = v;
    this.n++;
  }

  /**
   * The encoded chunk so far: a fresh copy, so it stays valid (and decodes to the samples it held
   * when taken) whatever is appended later.
   */
  bytes(): Uint8Array {
    const tail = (this.accBits + 7) >>> 3;
    const out = new Uint8Array(this.pos + tail);
    out.set(this.buf.subarray(0, this.pos));
    if (tail > 0) {
      const w = this.acc << (32 - this.accBits);
      for (let i = 0; i < tail; i++) out[this.pos + i] = w >>> (24 - 8 * i);
    }
    out[1] = this.n >>> 8;
    out[2] = this.n & 0xff;
    return out;
  }

  private appendFirst(t: number, v: number): void {
    let mode = pickMode(v, 0);
    if (mode === RAW && isSpecial(v)) mode = 0;
    this.setMode(mode);
    this.put(this.counter ? mode | COUNTER_FLAG : mode, 8);
    let rest = t;
    while (rest >= 128) {
      this.put((rest % 128) | 128, 8);
      rest = Math.floor(rest / 128);
    }
    this.put(rest, 8);
    scratchF64[0] = v;
    this.cHi = scratchU32[HI]!;
    this.cLo = scratchU32[LO]!;
    this.put(this.cHi, 32);
    this.put(this.cLo, 32);
    if (mode !== RAW) this.base = firstBase(v, mode);
    this.t0 = this.tPrev = t;
    this.vPrev = v;
    this.n = 1;
  }

  private putDelta(c: number): void {
    const d = c - this.base;
    // |d| < 2^53, so x is exact whenever it is small enough for a bucket; else d goes in op 14
    const x = this.counter ? d - this.prevD : d;
    this.base = c;
    this.prevD = d;
    if (x === 0) this.put(0, 1);
    else if (x >= -16 && x < 16) this.put(0x40 | (x & 0x1f), 7);
    else if (x >= -512 && x < 512) this.put(0x1800 | (x & 0x3ff), 13);
    else if (x >= -131_072 && x < 131_072) this.put(0x38_0000 | (x & 0x3_ffff), 22);
    else if (x >= -TWO_32 / 2 && x < TWO_32 / 2) {
      this.put(0x1e, 5);
      this.put(x >>> 0, 32);
    } else {
      const m = Math.abs(d);
      this.put((0x1f << 4) | OP_WIDE, 9);
      this.put(d < 0 ? 1 : 0, 1);
      this.put(Math.floor(m / TWO_32), 21);
      this.put(m >>> 0, 32);
    }
  }

  /** A value the decimal mode cannot hold: a literal, or a switch to a mode that can. */
  private putUnfit(v: number): void {
    if (isSpecial(v)) {
      this.put((0x1f << 4) | OP_LITERAL, 9);
      scratchF64[0] = v;
      this.put(scratchU32[HI]!, 32);
      this.put(scratchU32[LO]!, 32);
      return;
    }
    const next = pickMode(v, this.mode + 1);
    this.put((0x1f << 4) | next, 9);
    this.switchMode(next);
    if (next === RAW) this.putXor(v);
    else this.putDelta(Math.round(v * this.scale));
  }

  private putXor(v: number): void {
    scratchF64[0] = v;
    const hi = scratchU32[HI]!;
    const lo = scratchU32[LO]!;
    const xhi = hi ^ this.cHi;
    const xlo = lo ^ this.cLo;
    this.cHi = hi;
    this.cLo = lo;
    if ((xhi | xlo) === 0) {
      this.put(0, 1);
      return;
    }
    const clz = xhi !== 0 ? Math.clz32(xhi) : 32 + Math.clz32(xlo);
    const lead = clz > 31 ? 31 : clz;
    const trail = xlo !== 0 ? 31 - Math.clz32(xlo & -xlo) : 63 - Math.clz32(xhi & -xhi);
    const len = 64 - lead - trail;
    const winLen = 64 - this.winLead - this.winTrail;
    // reusing the window costs its length; a new one costs the XOR's length and 11 header bits
    if (lead >= this.winLead && trail >= this.winTrail && winLen <= len + 11) {
      this.put(2, 2);
      this.putMeaningful(xhi, xlo, winLen, this.winTrail);
    } else {
      this.put((3 << 11) | (lead << 6) | (len & 63), 13);
      this.putMeaningful(xhi, xlo, len, trail);
      this.winLead = lead;
      this.winTrail = trail;
    }
  }

  /** Writes bits [trail, trail + len) of the 64-bit xhi:xlo, which has none set above them. */
  private putMeaningful(xhi: number, xlo: number, len: number, trail: number): void {
    if (trail >= 32) {
      this.put(xhi >>> (trail - 32), len);
      return;
    }
    const mlo = trail === 0 ? xlo : (xlo >>> trail) | (xhi << (32 - trail));
    if (len > 32) {
      this.put(xhi >>> trail, len - 32);
      this.put(mlo, 32);
    } else {
      this.put(mlo, len);
    }
  }

  /**
   * Appends the low n bits of v (1 <= n <= 32).
   * @remarks v must have no bit set above the low n; the caller has ensured room for a word.
   */
  private put(v: number, n: number): void {
    const free = 32 - this.accBits;
    if (n < free) {
      this.acc = (this.acc << n) | v;
      this.accBits += n;
      return;
    }
    const spill = n - free;
    // acc's bits above accBits are stale and shift out here; a shift by 32 would shift by 0
    const word = free === 32 ? v : (this.acc << free) | (v >>> spill);
    const b = this.buf;
    const p = this.pos;
    b[p] = word >>> 24;
    b[p + 1] = word >>> 16;
    b[p + 2] = word >>> 8;
    b[p + 3] = word;
    this.pos = p + 4;
    this.acc = v;
    this.accBits = spill;
  }

  private grow(): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + MAX_APPEND_BYTES));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

function corrupt(what: string): RangeError {
  return new RangeError(`corrupt chunk: ${what}`);
}

/**
 * Zero bytes after a chunk's copy: reads past its end yield zero bits, and one sample's reads end
 * at most 23 bytes past it (timestamp 57 bits, a switch 9, an XOR 77, a peek 5 bytes) before the
 * sample is found truncated.
 */
const PAD_BYTES = 32;
/** The chunk being decoded, copied, with PAD_BYTES zeros after it. */
let padded = new Uint8Array(1024);
/** How many samples {@link decodeSamples} wrote before the damage it last threw on. */
let decodedBeforeDamage = 0;

function damage(what: string, decoded: number): RangeError {
  decodedBeforeDamage = decoded;
  return corrupt(what);
}

/** The 32 bits from bit `pos` of b as an int32 (the first bit is the sign). */
function peekBits(b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const o = pos & 7;
  const w = (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
  return o === 0 ? w : (w << o) | (b[i + 4]! >>> (8 - o));
}

/**
 * Decodes a chunk's samples in order into ts and vs from index `offset`, stopping after the first
 * sample later than `stopAfter`; returns how many it wrote.
 * @remarks One function with its state in locals, for speed: it takes the steps of
 * {@link ValueState} (a mode switch carries the baseline over as `switchMode` does) and must keep
 * doing so. @throws RangeError on damage, {@link decodedBeforeDamage} telling the samples before it.
 */
function decodeSamples(bytes: Uint8Array, ts: Float64Array, vs: Float64Array, offset: number, stopAfter: number): number {
  const count = chunkSampleCount(bytes);
  if (offset + count > ts.length || offset + count > vs.length) throw new RangeError(`no room for ${count} samples at ${offset}`);
  const size = bytes.length;
  if (padded.length < size + PAD_BYTES) padded = new Uint8Array(2 * size + PAD_BYTES);
  const b = padded;
  b.set(bytes);
  b.fill(0, size, size + PAD_BYTES);
  const endBits = size * 8;
  let pos = HEADER_BYTES * 8;
  let k = offset;
  if (count === 0) {
    if (endBits - pos >= 8) throw damage('bytes after the last sample', 0);
    return 0;
  }

  const modeByte = peekBits(b, pos) >>> 24;
  pos += 8;
  let mode = modeByte & ~COUNTER_FLAG;
  if (mode > MAX_SCALE && mode !== RAW) throw damage(`unknown value mode ${modeByte}`, 0);
  const counter = mode !== modeByte;
  let t = 0;
  for (let shift = 1, i = 0; ; i++, shift *= 128) {
    if (i === 8) throw damage('first timestamp is too long', 0);
    const byte = peekBits(b, pos) >>> 24;
    pos += 8;
    t += (byte & 0x7f) * shift;
    if (byte < 128) break;
  }
  if (t > Number.MAX_SAFE_INTEGER) throw damage('first timestamp is not a safe integer', 0);
  let cHi = peekBits(b, pos);
  let cLo = peekBits(b, pos + 32);
  pos += 64;
  scratchU32[HI] = cHi;
  scratchU32[LO] = cLo;
  let v = scratchF64[0]!;
  let scale = mode === RAW ? 1 : POW10[mode]!;
  let base = 0;
  let prevD = 0;
  if (mode !== RAW) {
    if (!fitsDecimal(v, mode) && !isSpecial(v)) throw damage(`first value does not fit mode ${mode}`, 0);
    base = firstBase(v, mode);
  }
  if (pos > endBits) throw damage('truncated', 0);
  ts[k] = t;
  vs[k] = v;
  k++;
  if (t > stopAfter) return 1;

  let delta = 0;
  let winLead = 0;
  let winTrail = 0;
  for (let left = count - 1; left > 0; left--) {
    let w = peekBits(b, pos);
    // the value's code starts in the same 32 bits after the usual short timestamp codes: its first
    // 22 bits are all a value code reads from its word (longer fields are read at their position)
    let valueWord: number;
    if (w >= 0) {
      pos += 1;
      valueWord = w << 1;
    } else {
      const ones = Math.clz32(~w);
      valueWord = w << 8;
      if (ones === 1) {
        delta += (w << 2) >> 26;
        pos += 8;
      } else if (ones === 2) {
        delta += (w << 3) >> 19;
        pos += 16;
      } else if (ones === 3) {
        delta += (w << 4) >> 12;
        pos += 24;
      } else {
        delta = (peekBits(b, pos + 4) >>> 11) * TWO_32 + (peekBits(b, pos + 25) >>> 0);
        pos += 57;
      }
      if (ones > 1) valueWord = peekBits(b, pos);
      if (delta < 0) throw damage('timestamps go backwards', k - offset);
    }
    t += delta;
    if (t > Number.MAX_SAFE_INTEGER) throw damage('timestamp is not a safe integer', k - offset);

    for (;;) {
      w = valueWord;
      if (mode === RAW) {
        if (w >= 0) {
          pos += 1;
        } else {
          let len: number;
          let trail: number;
          if ((w & 0x4000_0000) === 0) {
            pos += 2;
            len = 64 - winLead - winTrail;
            trail = winTrail;
          } else {
            const lead = (w >>> 25) & 31;
            const lenField = (w >>> 19) & 63;
            len = lenField === 0 ? 64 : lenField;
            if (lead + len > 64) throw damage('impossible XOR window', k - offset);
            pos += 13;
            trail = 64 - lead - len;
            winLead = lead;
            winTrail = trail;
          }
          let mhi = 0;
          let mlo: number;
          if (len > 32) {
            mhi = peekBits(b, pos) >>> (64 - len);
            mlo = peekBits(b, pos + len - 32) >>> 0;
          } else {
            mlo = peekBits(b, pos) >>> (32 - len);
          }
          pos += len;
          if (trail === 0) {
            cHi ^= mhi;
            cLo ^= mlo;
          } else if (trail < 32) {
            cHi ^= (mhi << trail) | (mlo >>> (32 - trail));
            cLo ^= mlo << trail;
          } else {
            cHi ^= mlo << (trail - 32);
          }
        }
        scratchU32[HI] = cHi;
        scratchU32[LO] = cLo;
        v = scratchF64[0]!;
        break;
      }
      let x: number;
      if (w >= 0) {
        pos += 1;
        x = 0;
      } else {
        const ones = Math.clz32(~w);
        if (ones === 1) {
          x = (w << 2) >> 27;
          pos += 7;
        } else if (ones === 2) {
          x = (w << 3) >> 22;
          pos += 13;
        } else if (ones === 3) {
          x = (w << 4) >> 14;
          pos += 22;
        } else if (ones === 4) {
          x = peekBits(b, pos + 5);
          pos += 37;
        } else {
          const op = (w >>> 23) & 15;
          pos += 9;
          if (op === OP_LITERAL) {
            scratchU32[HI] = peekBits(b, pos);
            scratchU32[LO] = peekBits(b, pos + 32);
            pos += 64;
            v = scratchF64[0]!;
            break;
          }
          if (op === OP_WIDE) {
            const m = (peekBits(b, pos + 1) >>> 11) * TWO_32 + (peekBits(b, pos + 22) >>> 0);
            const d = peekBits(b, pos) < 0 ? -m : m;
            pos += 54;
            prevD = d;
            base += d;
            v = base / scale;
            break;
          }
          if (op !== RAW && (op <= mode || op > MAX_SCALE)) throw damage(`bad switch from value mode ${mode} to ${op}`, k - offset);
          if (op === RAW) {
            scratchF64[0] = base / scale;
            cHi = scratchU32[HI]!;
            cLo = scratchU32[LO]!;
            scale = 1;
          } else {
            const factor = POW10[op - mode]!;
            base = scaleInt(base, factor);
            prevD = scaleInt(prevD, factor);
            scale = POW10[op]!;
          }
          mode = op;
          if (pos > endBits) throw damage('truncated', k - offset);
          valueWord = peekBits(b, pos);
          continue;
        }
      }
      const d = counter ? prevD + x : x;
      prevD = d;
      base += d;
      v = base / scale;
      break;
    }
    if (pos > endBits) throw damage('truncated', k - offset);
    ts[k] = t;
    vs[k] = v;
    k++;
    if (t > stopAfter) return k - offset;
  }
  if (endBits - pos >= 8) throw damage('bytes after the last sample', k - offset);
  return k - offset;
}

/**
 * Number of samples a chunk holds, from its header.
 * @throws RangeError if the header is missing or of an unknown version.
 */
export function chunkSampleCount(bytes: Uint8Array): number {
  if (bytes.length < HEADER_BYTES) throw corrupt('shorter than its header');
  if (bytes[0] !== VERSION) throw corrupt(`unknown version ${bytes[0]}`);
  return (bytes[1]! << 8) | bytes[2]!;
}

/** The buffers decodeChunk decodes into, reused from one call to the next. */
let callbackBuffers: { t: Float64Array; v: Float64Array } | null = null;

/**
 * Calls fn for each sample in order and returns how many times it did. `from`/`to` (inclusive, ms)
 * skip the samples outside a range: those before `from` are decoded but not passed on, and
 * decoding stops at the first sample after `to`.
 * @throws RangeError on truncated or malformed bytes (after fn has seen the samples before the
 * damage). Damage that still forms a valid chunk decodes to other samples: chunks carry no checksum.
 */
export function decodeChunk(
  bytes: Uint8Array,
  fn: (t: number, v: number) => void,
  from = -Infinity,
  to = Infinity,
): number {
  const count = chunkSampleCount(bytes);
  // the buffers are taken while fn runs: a callback that decodes a chunk itself gets its own
  let buf = callbackBuffers;
  callbackBuffers = null;
  if (!buf || buf.t.length < count) buf = { t: new Float64Array(Math.max(count, 512)), v: new Float64Array(Math.max(count, 512)) };
  const { t, v } = buf;
  try {
    let n: number;
    let error: unknown = null;
    try {
      n = decodeSamples(bytes, t, v, 0, to);
    } catch (err) {
      error = err;
      n = decodedBeforeDamage;
    }
    let calls = 0;
    for (let i = 0; i < n && t[i]! <= to; i++) {
      if (t[i]! >= from) {
        fn(t[i]!, v[i]!);
        calls++;
      }
    }
    if (error) throw error;
    return calls;
  } finally {
    callbackBuffers = buf;
  }
}

/**
 * Decodes a chunk into `t` and `v` from index `offset` (they must have room for its
 * {@link chunkSampleCount} samples); returns how many it wrote. For readers that reuse buffers.
 * @throws RangeError as {@link decodeChunk} does.
 */
export function decodeChunkInto(bytes: Uint8Array, t: Float64Array, v: Float64Array, offset = 0): number {
  return decodeSamples(bytes, t, v, offset, Infinity);
}

/** All samples of a chunk as typed arrays. @throws RangeError as {@link decodeChunk} does. */
export function decodeChunkArrays(bytes: Uint8Array): { t: Float64Array; v: Float64Array } {
  const count = chunkSampleCount(bytes);
  const t = new Float64Array(count);
  const v = new Float64Array(count);
  decodeSamples(bytes, t, v, 0, Infinity);
  return { t, v };
}
