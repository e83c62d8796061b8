import { describe, expect, it } from 'vitest';
import { ChunkEncoder, MAX_CHUNK_SAMPLES, chunkSampleCount, decodeChunk, decodeChunkArrays } from './xor-chunk.ts';
import type { ChunkOptions } from './xor-chunk.ts';

const T0 = Date.UTC(2026, 0, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Seeded xorshift32 in [0, 1), so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** A value's exact identity: distinguishes -0 and prints the shortest round-tripping digits. */
function show(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Both kinds of chunk, for the behaviours they share. */
const KINDS: { kind: string; options: ChunkOptions }[] = [
  { kind: 'default', options: {} },
  { kind: 'counter', options: { counter: true } },
];
const COUNTER: ChunkOptions = { counter: true };

function encode(ts: readonly number[], vs: readonly number[], options?: ChunkOptions, capacity?: number): ChunkEncoder {
  const enc = new ChunkEncoder(capacity, options);
  for (let i = 0; i < ts.length; i++) enc.append(ts[i]!, vs[i]!);
  return enc;
}

function decodeAll(bytes: Uint8Array, from?: number, to?: number): { ts: number[]; vs: string[]; calls: number } {
  const ts: number[] = [];
  const vs: string[] = [];
  const calls = decodeChunk(
    bytes,
    (t, v) => {
      ts.push(t);
      vs.push(show(v));
    },
    from,
    to,
  );
  return { ts, vs, calls };
}

/** Encodes, decodes both ways and expects every sample back exactly; returns the chunk. */
function expectRoundTrip(ts: readonly number[], vs: readonly number[], options?: ChunkOptions): Uint8Array {
  const bytes = encode(ts, vs, options).bytes();
  expect(chunkSampleCount(bytes)).toBe(ts.length);
  const out = decodeAll(bytes);
  expect(out.calls).toBe(ts.length);
  expect(out.ts).toEqual(ts);
  expect(out.vs).toEqual(vs.map(show));
  const arrays = decodeChunkArrays(bytes);
  expect(Array.from(arrays.t)).toEqual(ts);
  expect(Array.from(arrays.v, show)).toEqual(vs.map(show));
  return bytes;
}

/** Every `step` ms from T0. */
function regularTimestamps(n: number, step = 15_000): number[] {
  return Array.from({ length: n }, (_, i) => T0 + i * step);
}

/** The values of a counter that starts at `start` and grows by each of `increments` in turn. */
function accumulate(start: number, increments: readonly number[]): number[] {
  const vs = [start];
  for (const inc of increments) vs.push(vs.at(-1)! + inc);
  return vs;
}

/** Values of every kind the codec distinguishes, mixed at random. */
function mixedValues(rnd: () => number, n: number): number[] {
  const specials = [NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, -Number.MIN_VALUE, 5e-324, 2 ** 52, -(2 ** 53)];
  const vs: number[] = [];
  let walk = 100;
  let counter = 0;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.15 && i > 0) vs.push(vs[i - 1]!);
    else if (r < 0.25) vs.push(specials[Math.floor(rnd() * specials.length)]!);
    else if (r < 0.4) vs.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20));
    else if (r < 0.6) vs.push((counter += Math.floor(rnd() * 2 ** Math.floor(rnd() * 40))));
    else {
      walk += (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 2);
      const k = Math.floor(rnd() * 8);
      vs.push(Math.round(walk * 10 ** k) / 10 ** k);
    }
  }
  return vs;
}

/** Non-decreasing safe timestamps: regular, jittered, repeated, and jumps of years. */
function mixedTimestamps(rnd: () => number, n: number): number[] {
  const ts: number[] = [];
  let t = Math.floor(rnd() * T0);
  let step = 15_000;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.05) step = Math.floor(rnd() * 20 * YEAR_MS);
    else if (r < 0.15) step = 0;
    else if (r < 0.3) step = Math.floor(rnd() * 2 ** Math.floor(rnd() * 25));
    else if (r < 0.6) step = 15_000 + Math.floor(rnd() * 9) - 4;
    else if (r < 0.7) step = 60_000;
    t = Math.min(t + step, Number.MAX_SAFE_INTEGER);
    ts.push(t);
  }
  return ts;
}

function counterSeries(n: number, seed: number): { ts: number[]; vs: number[] } {
  const rnd = seededRandom(seed);
  const ts: number[] = [];
  const vs: number[] = [];
  let v = Math.floor(rnd() * 1e6);
  for (let i = 0; i < n; i++) {
    ts.push(T0 + i * 15_000);
    vs.push(v);
    v += 1 + Math.floor(rnd() * 10);
  }
  return { ts, vs };
}

describe.each(KINDS)('ChunkEncoder and decodeChunk, $kind chunks', ({ options }) => {
  it('random samples of every kind come back exactly, in order', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = seededRandom(seed);
      const n = 1 + Math.floor(rnd() * 500);
      expectRoundTrip(mixedTimestamps(rnd, n), mixedValues(rnd, n), options);
    }
  });

  it('NaN, ±Infinity and -0 survive as the first value, amid decimals and amid raw floats', () => {
    const specials = [NaN, Infinity, -Infinity, -0];
    for (const special of specials) {
      const ts = [T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5];
      expectRoundTrip(ts, [special, 1.5, special, 2.25, 0, special], options);
      expectRoundTrip(ts, [Math.PI, special, Math.E, special, special, -0.1 / 3], options);
    }
  });

  it('the canonical NaN keeps its bit pattern', () => {
    const vs = [NaN, 1, NaN, NaN, 2.5, Math.PI, NaN, NaN];
    const { v } = decodeChunkArrays(encode(vs.map((_, i) => T0 + i * 1000), vs, options).bytes());
    const bits = new Uint32Array(v.buffer);
    const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    vs.forEach((x, i) => {
      if (Number.isNaN(x)) expect([bits[2 * i + (le ? 1 : 0)], bits[2 * i + (le ? 0 : 1)]]).toEqual([0x7ff80000, 0]);
    });
  });

  it('values that need more decimals, then none that fit, switch the chunk to wider modes', () => {
    const vs = [1, 2, 1.5, 1.25, 1.125, -7.0625, 123456.789, Math.PI, 2, 2, 3, 1e300, -1e-300, 0.1 + 0.2];
    expectRoundTrip(vs.map((_, i) => T0 + i * 15_000), vs, options);
  });

  it('deltas at the edges of every bucket, and integers near 2^52, come back exactly', () => {
    const deltas = [15, 16, -16, -17, 511, 512, -512, -513, 2 ** 17 - 1, 2 ** 17, -(2 ** 17), -(2 ** 17) - 1];
    deltas.push(2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 52 - 1, -(2 ** 52) + 1);
    const vs = [0];
    for (const d of deltas) vs.push(vs.at(-1)! + d, 0);
    vs.push(2 ** 52 - 1, -(2 ** 52) + 1, 2 ** 52 - 1, 2 ** 52, 2 ** 52 + 2, -(2 ** 53));
    expectRoundTrip(vs.map((_, i) => T0 + i), vs, options);
  });

  it('timestamps at the edges of every delta-of-delta bucket come back exactly', () => {
    const dods = [0, 31, 32, -32, -33, 4095, 4096, -4096, -4097, 2 ** 19 - 1, 2 ** 19, -(2 ** 19), -(2 ** 19) - 1];
    const ts = [T0, T0 + 3 * 2 ** 19];
    let delta = 3 * 2 ** 19;
    for (const dod of dods) {
      delta += dod;
      ts.push(ts.at(-1)! + delta);
    }
    expectRoundTrip(ts, ts.map((_, i) => i), options);
  });

  it('repeated timestamps, jumps of decades and the largest safe timestamp are kept', () => {
    const ts = [0, 0, 0, 15_000, 15_000, 50 * YEAR_MS, 50 * YEAR_MS + 1, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER];
    expectRoundTrip(ts, ts.map((_, i) => i * 0.5), options);
    expectRoundTrip([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], [1, 2], options);
  });

  it(`holds at most ${MAX_CHUNK_SAMPLES} samples and decodes a full chunk`, () => {
    const { ts, vs } = counterSeries(MAX_CHUNK_SAMPLES, 7);
    const enc = encode(ts, vs, options);
    expect(() => enc.append(ts.at(-1)! + 15_000, 1)).toThrow(RangeError);
    expect(enc.count).toBe(MAX_CHUNK_SAMPLES);
    const bytes = enc.bytes();
    expect(chunkSampleCount(bytes)).toBe(MAX_CHUNK_SAMPLES);
    const { t, v } = decodeChunkArrays(bytes);
    expect(Array.from(t)).toEqual(ts);
    expect(Array.from(v)).toEqual(vs);
  });

  it('bytes() taken mid-stream decodes to the samples appended so far, after more appends too', () => {
    const rnd = seededRandom(99);
    const ts = mixedTimestamps(rnd, 300);
    const vs = mixedValues(rnd, 300);
    const enc = new ChunkEncoder(32, options);
    const snapshots: Uint8Array[] = [enc.bytes()];
    for (let i = 0; i < ts.length; i++) {
      enc.append(ts[i]!, vs[i]!);
      snapshots.push(enc.bytes());
    }
    snapshots.forEach((bytes, n) => {
      const out = decodeAll(bytes);
      expect(out.ts).toEqual(ts.slice(0, n));
      expect(out.vs).toEqual(vs.slice(0, n).map(show));
    });
  });

  it('a range-limited decode passes only samples within [from, to] and stops at the first after it', () => {
    const ts = [10, 20, 20, 30, 40, 50, 60].map((x) => T0 + x);
    const vs = [1, 2, 3, 4, 5, 6, 7];
    const bytes = encode(ts, vs, options).bytes();
    expect(decodeAll(bytes, T0 + 20, T0 + 40)).toEqual({ ts: [20, 20, 30, 40].map((x) => T0 + x), vs: ['2', '3', '4', '5'], calls: 4 });
    expect(decodeAll(bytes, T0 + 21, T0 + 29).calls).toBe(0);
    expect(decodeAll(bytes, T0 + 60).vs).toEqual(['7']);
    expect(decodeAll(bytes, -Infinity, T0 + 10).vs).toEqual(['1']);
    expect(decodeAll(bytes, T0 + 70).calls).toBe(0);

    // stopping early means the damaged tail beyond `to` is never read
    const { ts: longTs, vs: longVs } = counterSeries(1000, 3);
    const long = encode(longTs, longVs, options).bytes();
    const cut = long.subarray(0, long.length >> 1);
    expect(() => decodeAll(cut)).toThrow(RangeError);
    expect(decodeAll(cut, longTs[10], longTs[20]).vs).toEqual(longVs.slice(10, 21).map(show));
  });

  it('a callback may decode other chunks, and a damaged chunk passes on its samples before the damage', () => {
    const outer = counterSeries(300, 5);
    const inner = counterSeries(700, 6);
    const outerBytes = encode(outer.ts, outer.vs, options).bytes();
    const innerBytes = encode(inner.ts, inner.vs, options).bytes();
    const seen: number[] = [];
    let nested: number[] = [];
    decodeChunk(outerBytes, (_, v) => {
      seen.push(v);
      if (seen.length === 2) {
        nested = [];
        decodeChunk(innerBytes, (__, w) => nested.push(w));
      }
    });
    expect(seen).toEqual(outer.vs);
    expect(nested).toEqual(inner.vs);
    const passed: number[] = [];
    expect(() => decodeChunk(innerBytes.subarray(0, innerBytes.length >> 1), (_, v) => passed.push(v))).toThrow(RangeError);
    expect(passed.length).toBeGreaterThan(10);
    expect(passed).toEqual(inner.vs.slice(0, passed.length));
  });
});

describe('ChunkEncoder', () => {
  it('rejects negative, fractional, unsafe and decreasing timestamps, leaving the chunk as it was', () => {
    const enc = new ChunkEncoder();
    for (const bad of [-1, -T0, 1.5, NaN, Infinity, 2 ** 53]) expect(() => enc.append(bad, 1)).toThrow(RangeError);
    expect(enc.count).toBe(0);
    enc.append(T0, 1);
    enc.append(T0 + 10, 2);
    const before = enc.bytes();
    expect(() => enc.append(T0 + 9, 3)).toThrow(RangeError);
    expect(() => enc.append(-5, 3)).toThrow(RangeError);
    expect(enc.count).toBe(2);
    expect(enc.bytes()).toEqual(before);
    enc.append(T0 + 10, 4);
    expect(decodeAll(enc.bytes()).vs).toEqual(['1', '2', '4']);
  });

  it('regular counter data takes under 1.5 bytes per sample in chunks of 120', () => {
    const { ts, vs } = counterSeries(120 * 100, 5);
    let bytes = 0;
    for (let i = 0; i < ts.length; i += 120) bytes += encode(ts.slice(i, i + 120), vs.slice(i, i + 120)).bytes().length;
    expect(bytes / ts.length).toBeLessThan(1.5);
  });

  it('a 2-decimal gauge takes under 1.5 bytes per sample, a constant one a fraction of a byte', () => {
    const rnd = seededRandom(11);
    let x = 100;
    const ts = regularTimestamps(120);
    const gauge = ts.map(() => Math.round((x += (rnd() - 0.5) * 0.2) * 100) / 100);
    expect(encode(ts, gauge).bytes().length / 120).toBeLessThan(1.5);
    const constant = encode(ts, ts.map(() => 0.25)).bytes();
    expect(constant.length / 120).toBeLessThan(0.5);
  });

  it('random floats cost little more than their raw 8 bytes', () => {
    const rnd = seededRandom(13);
    const ts = regularTimestamps(1000);
    const vs = ts.map(() => (Math.floor(rnd() * 2 ** 21) * 2 ** 32 + Math.floor(rnd() * 2 ** 32)) / 2 ** 53);
    expect(expectRoundTrip(ts, vs).length / 1000).toBeLessThan(8.5);
  });

  it('reports its first and last sample, its count and its memory, with NaN while empty', () => {
    const enc = new ChunkEncoder(32);
    expect([enc.count, enc.firstT, enc.lastT, enc.lastV]).toEqual([0, NaN, NaN, NaN]);
    expect(enc.capacity).toBe(32);
    expect(decodeAll(enc.bytes()).calls).toBe(0);
    const { ts, vs } = counterSeries(200, 1);
    for (let i = 0; i < ts.length; i++) enc.append(ts[i]!, vs[i]!);
    enc.append(ts.at(-1)!, -0);
    expect([enc.count, enc.firstT, enc.lastT, show(enc.lastV)]).toEqual([201, ts[0], ts.at(-1), '-0']);
    expect(enc.capacity).toBeGreaterThanOrEqual(enc.bytes().length);
    expect(enc.capacity).toBeLessThan(4 * enc.bytes().length);
  });

  it('bytes() returns a copy that later appends and changes to it do not affect', () => {
    const enc = encode([T0, T0 + 1], [1, 2]);
    const first = enc.bytes();
    first.fill(0xff);
    enc.append(T0 + 2, 3);
    expect(decodeAll(enc.bytes()).vs).toEqual(['1', '2', '3']);
  });
});

describe('default chunks stay as version 1 wrote them', () => {
  // written by the encoder of commit 65290f1, before counter chunks existed: integers, a NaN, a
  // switch to 2 decimals, -0, +Infinity, a switch to raw; timestamps 15 s apart with ms jitter
  const V1_HEX =
    '01000c0080d0eab6b7334059000000000000e03a988a8b05fd7ff8000000000000bb8b09b8dbff8e065fd800000000' +
    '00000007cb0fafebff80000000000003ff3fee99999999999a241e4d70fbb3346a80';
  const V1_TS = [0, 15_000, 30_000, 45_002, 59_999, 75_000, 90_000, 105_000, 120_000, 135_000, 150_000, 165_000].map((x) => T0 + x);
  const V1_VS = [100, 105, 110, NaN, 115, 0, 2.5, -0, 3.75, Infinity, 0.1 + 0.2, 1e300];

  it('a chunk written before counter chunks decodes to the same samples', () => {
    const bytes = Uint8Array.from(Buffer.from(V1_HEX, 'hex'));
    expect(chunkSampleCount(bytes)).toBe(12);
    expect(decodeAll(bytes)).toEqual({ ts: V1_TS, vs: V1_VS.map(show), calls: 12 });
    const { t, v } = decodeChunkArrays(bytes);
    expect(Array.from(t)).toEqual(V1_TS);
    expect(Array.from(v, show)).toEqual(V1_VS.map(show));
  });

  it('the default encoder, with no options or counter: false, still writes those exact bytes', () => {
    for (const options of [undefined, {}, { counter: false }]) {
      expect(Buffer.from(encode(V1_TS, V1_VS, options).bytes()).toString('hex')).toBe(V1_HEX);
    }
  });

  it('gauges, a sine-like temperature and random floats take the bytes they took before counter chunks', () => {
    // sizes from the encoder of commit 65290f1 on these seeded 480-sample chunks, ±1 ms jitter
    const rnd = seededRandom(11);
    const ts = regularTimestamps(480).map((t, i) => t + (i % 3) - 1);
    let x = 100;
    const gauge = ts.map(() => Math.round((x += (rnd() - 0.5) * 0.2) * 100) / 100);
    const temperature = ts.map((_, i) => Math.round((20 + 5 * Math.sin(i / 40) + rnd()) * 10) / 10);
    const random = ts.map(() => rnd());
    expect([gauge, temperature, random].map((vs) => encode(ts, vs).bytes().length)).toEqual([756, 739, 2550]);
  });
});

describe('counter chunks', () => {
  it('are written and read as the format says, byte for byte, so that stored chunks stay readable', () => {
    // +3 a sample; +3.5 in mode 1, the previous delta scaled to 30 (dod 5); a NaN that leaves c and
    // d; a reset to 0; 0.25 in mode 2, the previous delta -12300 (dod 12325); π to raw; -0 and 4 raw
    const vs = [100, 103, 106, 109, 112.5, 116, 119.5, NaN, 123, 0, 0.25, 0.5, Math.PI, -0, 4];
    const ts = vs.map((_, i) => T0 + i * 15_000 + (i === 5 ? 2 : 0));
    const hex =
      '01000f1080d0eab6b7334059000000000000e03a98860f8c5825e20bfafff00000000000003bfb0f7cb830251ff9ffa4' +
      '87ed5110b461600490fdaa22168c30198020';
    expect(Buffer.from(encode(ts, vs, COUNTER).bytes()).toString('hex')).toBe(hex);
    expect(decodeAll(Uint8Array.from(Buffer.from(hex, 'hex')))).toEqual({ ts, vs: vs.map(show), calls: vs.length });
  });

  it('steady, irregular and decimal counters come back exactly', () => {
    const rnd = seededRandom(51);
    const n = 480;
    const ts = regularTimestamps(n);
    expectRoundTrip(ts, accumulate(1_000_000, Array(n - 1).fill(5)), COUNTER);
    expectRoundTrip(ts, accumulate(0, Array(n - 1).fill(0)), COUNTER);
    // mostly a steady rate with noise, some idle scrapes, and bursts of up to 2^40
    const irregular = Array.from({ length: n - 1 }, () => {
      const r = rnd();
      if (r < 0.1) return 0;
      if (r < 0.2) return Math.floor(rnd() * 2 ** Math.floor(rnd() * 41));
      return 100 + Math.floor(rnd() * 21) - 10;
    });
    expectRoundTrip(ts, accumulate(7, irregular), COUNTER);
    // CPU seconds with 2 decimals, the sum rounded as an exporter prints it
    let cpu = 12.34;
    expectRoundTrip(ts, ts.map(() => (cpu = Math.round((cpu + 0.01 + rnd() * 0.5) * 100) / 100)), COUNTER);
    expectRoundTrip(mixedTimestamps(rnd, n), accumulate(3, irregular), COUNTER);
  });

  it('a counter that resets to 0, or to a small count, and grows again comes back exactly', () => {
    const ts = regularTimestamps(60);
    const vs: number[] = [];
    let v = 5_000;
    ts.forEach((_, i) => {
      if (i === 20) v = 0;
      else if (i === 40) v = 3;
      else v += i < 20 ? 50 : i < 40 ? 7 : 1_000_000;
      vs.push(v);
    });
    expectRoundTrip(ts, vs, COUNTER);
    expectRoundTrip(ts.slice(0, 4), [2 ** 52 - 1, 0, 1, 2 ** 52 - 1], COUNTER);
  });

  it('delta-of-deltas at the edges of every bucket, and ones beyond 53 bits, come back exactly', () => {
    const edges = [15, 16, -16, -17, 511, 512, -512, -513, 2 ** 17 - 1, 2 ** 17, -(2 ** 17), -(2 ** 17) - 1];
    edges.push(2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 51);
    // each edge as the change of a zero delta, then back to zero: dods e and -e
    const increments: number[] = [];
    for (const e of edges) increments.push(e, 0);
    const vs = accumulate(0, increments);
    // deltas of -(2^53 - 2) then +(2^53 - 2): a dod of 2^54 - 4, which only the delta itself codes
    vs.push(2 ** 52 - 1, -(2 ** 52) + 1, 2 ** 52 - 1, -(2 ** 52) + 1, 0);
    expectRoundTrip(vs.map((_, i) => T0 + i * 15_000), vs, COUNTER);
  });

  it('a counter that gains decimals and then turns to raw floats mid-chunk comes back exactly', () => {
    // 3 per sample, then 0.5 more (mode 1: the previous delta scales to 30), then 2 decimals, then
    // a value no decimal mode holds (raw), then steady again in raw mode
    const vs = accumulate(100, Array(50).fill(3));
    for (let i = 0; i < 50; i++) vs.push(vs.at(-1)! + 3.5);
    for (let i = 0; i < 50; i++) vs.push(Math.round((vs.at(-1)! + 0.25) * 100) / 100);
    vs.push(vs.at(-1)! + Math.PI);
    for (let i = 0; i < 50; i++) vs.push(vs.at(-1)! + 1);
    expectRoundTrip(regularTimestamps(vs.length), vs, COUNTER);
    // a reset right before the switch: the previous delta, -10^15, would scale past 2^52 and starts over
    expectRoundTrip(regularTimestamps(6), [0, 1e15, 0, 0.5, 1, 1.5], COUNTER);
  });

  it('NaN, ±Infinity and -0 amid a steady counter cost a literal and two small codes', () => {
    for (const special of [NaN, Infinity, -Infinity, -0]) {
      const vs = accumulate(1_000, Array(99).fill(5));
      const steady = encode(regularTimestamps(100), vs, COUNTER).bytes().length;
      vs[50] = special;
      const bytes = expectRoundTrip(regularTimestamps(100), vs, COUNTER);
      // a literal (73 bits) and the two small dods after it
      expect(bytes.length - steady).toBeLessThanOrEqual(12);
    }
    expectRoundTrip(regularTimestamps(4), [NaN, 1, 2, 3], COUNTER);
    expectRoundTrip(regularTimestamps(4), [-0, 5, -0, 10], COUNTER);
  });

  it('raw floats cost the same as in a default chunk: only the mode byte differs', () => {
    const rnd = seededRandom(61);
    const ts = regularTimestamps(300);
    const vs = ts.map(() => rnd() * 1e6);
    const counter = expectRoundTrip(ts, vs, COUNTER);
    const plain = encode(ts, vs).bytes();
    expect(counter[3]).toBe(plain[3]! | 0x10);
    expect(counter.subarray(4)).toEqual(plain.subarray(4));
  });

  it('a steady counter (+5 per sample every 15 s) takes under 0.3 bytes per sample in chunks of 480', () => {
    const n = 480 * 20;
    const ts = regularTimestamps(n);
    const vs = accumulate(123_456, Array(n - 1).fill(5));
    const size = (options: ChunkOptions): number => {
      let bytes = 0;
      for (let i = 0; i < n; i += 480) bytes += encode(ts.slice(i, i + 480), vs.slice(i, i + 480), options).bytes().length;
      return bytes / n;
    };
    expect(size(COUNTER)).toBeLessThan(0.3);
    expect(size({})).toBeGreaterThan(0.9);
  });

  it('a counter growing by 1..10 at random costs less than in a default chunk', () => {
    const { ts, vs } = counterSeries(480, 71);
    expect(encode(ts, vs, COUNTER).bytes().length).toBeLessThan(encode(ts, vs).bytes().length);
  });
});

describe('decodeChunk on damaged input', () => {
  function expectRangeErrorOrSamples(bytes: Uint8Array): void {
    let calls = 0;
    try {
      const n = decodeChunk(bytes, () => calls++);
      expect(n).toBe(calls);
      expect(n).toBe(chunkSampleCount(bytes));
    } catch (err) {
      expect(err).toBeInstanceOf(RangeError);
    }
    expect(calls).toBeLessThanOrEqual(MAX_CHUNK_SAMPLES);
  }

  it.each(KINDS)('every truncation of a $kind chunk throws a RangeError', ({ options }) => {
    const rnd = seededRandom(21);
    for (let seed = 0; seed < 5; seed++) {
      const bytes = encode(mixedTimestamps(rnd, 60), mixedValues(rnd, 60), options).bytes();
      for (let len = 0; len < bytes.length; len++) {
        expect(() => decodeChunk(bytes.subarray(0, len), () => {}), `length ${len} of ${bytes.length}`).toThrow(RangeError);
        expect(() => decodeChunkArrays(bytes.subarray(0, len))).toThrow(RangeError);
      }
    }
  });

  it('extra bytes after the last sample, an unknown version or an unknown mode throw a RangeError', () => {
    const bytes = encode([T0, T0 + 15_000], [1, 2]).bytes();
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeChunk(longer, () => {})).toThrow(RangeError);
    expect(() => decodeChunk(Uint8Array.of(1, 0, 0, 0), () => {})).toThrow(RangeError);
    const version = bytes.slice();
    version[0] = 2;
    expect(() => decodeChunk(version, () => {})).toThrow(RangeError);
    // the counter flag is the one bit allowed above the mode, and only beside a known mode
    const mode = bytes.slice();
    for (const bad of [13, 0x10 | 13, 0x20, 0x40 | 15, 0x80, 0x30]) {
      mode[3] = bad;
      expect(() => decodeChunk(mode, () => {}), `mode byte ${bad}`).toThrow(RangeError);
    }
    // the flag alone turns the codes of 1, 2, 3 (deltas 1, 1) into dods: 1, 2, 4
    const three = encode([T0, T0 + 1, T0 + 2], [1, 2, 3]).bytes();
    three[3]! |= 0x10;
    expect(decodeAll(three).vs).toEqual(['1', '2', '4']);
  });

  it('codes no encoder writes (an impossible XOR window, a switch to a narrower mode, a first value its mode cannot hold) throw a RangeError', () => {
    /** A chunk of `count` samples: header, mode byte, t0 = 0, the raw bits of v0, then `bits` padded with zeros. */
    const craft = (count: number, mode: number, v0: number, bits: string): Uint8Array => {
      const raw = new Uint8Array(8);
      new DataView(raw.buffer).setFloat64(0, v0);
      const tail = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0').match(/.{8}/g) ?? [];
      return Uint8Array.from([1, 0, count, mode, 0, ...raw, ...tail.map((b) => parseInt(b, 2))]);
    };
    // the same shapes with valid fields decode, so the fields alone are what is rejected
    expect(decodeChunkArrays(craft(2, 15, 1, '0' + '11' + '00001' + '000001' + '1')).v).toHaveLength(2);
    expect(decodeChunkArrays(craft(2, 5, 1, '0' + '11111' + '0110' + '0')).v).toEqual(Float64Array.of(1, 1));
    expect(decodeChunkArrays(craft(1, 1, 0.5, '')).v).toEqual(Float64Array.of(0.5));
    // a counter chunk: a delta of 2 (mode 0), then a dod of 0 adds 2 again
    expect(decodeChunkArrays(craft(3, 0x10, 1, '0' + '10' + '00010' + '0' + '0')).v).toEqual(Float64Array.of(1, 3, 5));

    expect(() => decodeChunk(craft(2, 15, 1, '0' + '11' + '11111' + '000000' + '1'.repeat(64)), () => {})).toThrow(RangeError);
    expect(() => decodeChunk(craft(2, 5, 1, '0' + '11111' + '0101' + '0'), () => {})).toThrow(RangeError);
    expect(() => decodeChunk(craft(2, 0x15, 1, '0' + '11111' + '0101' + '0'), () => {})).toThrow(RangeError);
    expect(() => decodeChunk(craft(2, 5, 1, '0' + '11111' + '0000' + '0'), () => {})).toThrow(RangeError);
    expect(() => decodeChunk(craft(1, 0, 0.5, ''), () => {})).toThrow(RangeError);
    expect(() => decodeChunk(craft(1, 0x10, 0.5, ''), () => {})).toThrow(RangeError);
  });

  it('random buffers either decode or throw a RangeError, and never hang', () => {
    const rnd = seededRandom(31);
    for (let i = 0; i < 4000; i++) {
      const bytes = new Uint8Array(Math.floor(rnd() * 200));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
      if (bytes.length > 0 && rnd() < 0.9) bytes[0] = 1;
      if (bytes.length > 3 && rnd() < 0.7) {
        bytes[3] = (rnd() < 0.5 ? 15 : Math.floor(rnd() * 13)) | (rnd() < 0.5 ? 0x10 : 0);
      }
      expectRangeErrorOrSamples(bytes);
    }
  });

  it.each(KINDS)('$kind chunks with flipped bits, overwritten bytes or a wrong count either decode or throw a RangeError', ({ options }) => {
    const rnd = seededRandom(41);
    const chunks = Array.from({ length: 8 }, () => encode(mixedTimestamps(rnd, 150), mixedValues(rnd, 150), options).bytes());
    const counter = counterSeries(150, 2);
    chunks.push(encode(counter.ts, counter.vs, options).bytes());
    chunks.push(encode(regularTimestamps(150), accumulate(10, Array(149).fill(5)), options).bytes());
    for (let i = 0; i < 5000; i++) {
      const bytes = chunks[i % chunks.length]!.slice();
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * bytes.length);
        const kind = rnd();
        if (kind < 0.6) bytes[at]! ^= 1 << Math.floor(rnd() * 8);
        else if (kind < 0.9) bytes[at] = Math.floor(rnd() * 256);
        else bytes[1 + Math.floor(rnd() * 2)] = Math.floor(rnd() * 256);
      }
      expectRangeErrorOrSamples(bytes);
    }
  });
});
