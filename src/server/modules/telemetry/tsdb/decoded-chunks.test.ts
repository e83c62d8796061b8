import { describe, expect, it } from 'vitest';
import { DecodedChunkCache, type SampleBuffers } from './decoded-chunks.ts';

const T0 = Date.UTC(2026, 5, 1);

function buffers(ts: number[], vs: number[], at = 0): SampleBuffers {
  const t = new Float64Array(at + ts.length);
  const v = new Float64Array(at + vs.length);
  t.set(ts, at);
  v.set(vs, at);
  return { t, v };
}

/** What the cache gives back for a chunk, read after `before` samples already in the buffers. */
function readBack(cache: DecodedChunkCache, seriesId: number, minT: number, before = 0): { n: number; t: number[]; v: number[] } {
  const into: SampleBuffers = { t: new Float64Array(1), v: new Float64Array(1) };
  const n = cache.read(seriesId, minT, into, before);
  return { n, t: Array.from(into.t.subarray(before, before + Math.max(n, 0))), v: Array.from(into.v.subarray(before, before + Math.max(n, 0))) };
}

describe('the decoded-chunk cache', () => {
  it('gives back evenly spaced and irregular samples exactly, after what the buffers already hold', () => {
    const cache = new DecodedChunkCache(1 << 20);
    const even = Array.from({ length: 120 }, (_, i) => T0 + i * 15_000);
    const irregular = even.map((t, i) => t + ((i * 7) % 5) - 2);
    const values = even.map((_, i) => (i % 3 === 0 ? -0 : Math.sin(i) * 1e6));
    cache.add(1, even[0]!, buffers(even, values, 4), 4, 120);
    cache.add(2, irregular[0]!, buffers(irregular, values), 0, 120);
    const a = readBack(cache, 1, even[0]!, 3);
    expect(a.n).toBe(120);
    expect(a.t).toEqual(even);
    expect(a.v.map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(values.map((v) => Object.is(v, -0) ? '-0' : v));
    const b = readBack(cache, 2, irregular[0]!);
    expect(b.t).toEqual(irregular);
    // irregular times take memory of their own, evenly spaced ones none
    expect(cache.bytes).toBe(3 * 120 * 8);
  });

  it('answers -1 for a chunk it does not hold: another series or another start', () => {
    const cache = new DecodedChunkCache(1 << 20);
    cache.add(1, T0, buffers([T0, T0 + 1000], [1, 2]), 0, 2);
    expect(readBack(cache, 2, T0).n).toBe(-1);
    expect(readBack(cache, 1, T0 + 1000).n).toBe(-1);
    expect(readBack(cache, 1, T0).v).toEqual([1, 2]);
  });

  it('stays within its budget, the chunks decoded first going first', () => {
    const chunk = (seriesId: number, count = 100) => {
      const ts = Array.from({ length: count }, (_, i) => T0 + i * 1000);
      return [seriesId, T0, buffers(ts, ts.map((_, i) => seriesId * 1000 + i)), 0, count] as const;
    };
    const one = 100 * 8;
    // room for two chunks and a half
    const cache = new DecodedChunkCache(2 * one + one / 2);
    cache.add(...chunk(1));
    cache.add(...chunk(2));
    expect(cache.bytes).toBe(2 * one);
    expect(readBack(cache, 1, T0).n).toBe(100);
    cache.add(...chunk(3));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(cache.budgetBytes);
    expect(readBack(cache, 1, T0).n).toBe(-1);
    expect(readBack(cache, 2, T0).v[0]).toBe(2000);
    expect(readBack(cache, 3, T0).v.at(-1)).toBe(3099);
    // a larger one takes the place of the two before it
    cache.add(...chunk(4, 200));
    expect(cache.size).toBe(1);
    expect(readBack(cache, 4, T0).v.at(-1)).toBe(4199);
    // a chunk larger than the whole budget is not kept, and pushes nothing out
    cache.add(...chunk(5, 400));
    expect(readBack(cache, 5, T0).n).toBe(-1);
    expect(readBack(cache, 4, T0).n).toBe(200);
  });

  it('wrapping around, drops the chunks it writes over and those left at the end of the lap before', () => {
    const chunk = (seriesId: number, count: number) => {
      const ts = Array.from({ length: count }, (_, i) => T0 + i * 1000);
      return [seriesId, T0, buffers(ts, ts.map((_, i) => seriesId * 1000 + i)), 0, count] as const;
    };
    // 250 numbers: A 0–100, B 100–200, C 200–240; D and E take A's and B's places, C stays
    const cache = new DecodedChunkCache(250 * 8);
    const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6];
    cache.add(...chunk(a, 100));
    cache.add(...chunk(b, 100));
    cache.add(...chunk(c, 40));
    cache.add(...chunk(d, 100));
    cache.add(...chunk(e, 100));
    expect([a, b, c, d, e].map((id) => readBack(cache, id, T0).n)).toEqual([-1, -1, 40, 100, 100]);
    // F does not fit after E: C, the rest of the lap before, goes, and F takes D's place
    cache.add(...chunk(f, 60));
    expect([c, d, e, f].map((id) => readBack(cache, id, T0).n)).toEqual([-1, -1, 100, 60]);
    expect(readBack(cache, e, T0).v).toEqual(Array.from({ length: 100 }, (_, i) => 5000 + i));
    expect(readBack(cache, f, T0).v).toEqual(Array.from({ length: 60 }, (_, i) => 6000 + i));
    expect(cache.bytes).toBe(160 * 8);
  });

  it('grows its memory as chunks come, keeping them, up to the budget', () => {
    // 2 MiB: the ring starts at 1 MiB and doubles once; 700 chunks of 480 samples need 2.6 MiB
    const cache = new DecodedChunkCache(2 * 2 ** 20);
    const ts = Array.from({ length: 480 }, (_, i) => T0 + i * 15_000);
    for (let id = 1; id <= 700; id++) {
      cache.add(id, T0, buffers(ts, ts.map((_, i) => id * 1000 + i)), 0, 480);
      if (id === 300) {
        // past the first 1 MiB: all still there, the first one too
        expect(cache.size).toBe(300);
        expect(readBack(cache, 1, T0).v.at(-1)).toBe(1479);
        expect(readBack(cache, 300, T0).v[0]).toBe(300_000);
      }
    }
    expect(cache.bytes).toBeLessThanOrEqual(2 * 2 ** 20);
    expect(cache.size).toBe(Math.floor(2 ** 18 / 480));
    expect(readBack(cache, 700 - cache.size, T0).n).toBe(-1);
    for (const id of [701 - cache.size, 600, 700]) expect(readBack(cache, id, T0).v).toEqual(ts.map((_, i) => id * 1000 + i));
  });

  it('forgets the chunks that end before a time (retention), and keeps the others', () => {
    const cache = new DecodedChunkCache(1 << 20);
    cache.add(1, T0, buffers([T0, T0 + 1000], [1, 2]), 0, 2);
    cache.add(1, T0 + 2000, buffers([T0 + 2000, T0 + 3000], [3, 4]), 0, 2);
    cache.dropEndingBefore(T0 + 1001);
    expect(readBack(cache, 1, T0).n).toBe(-1);
    expect(readBack(cache, 1, T0 + 2000).v).toEqual([3, 4]);
    expect(cache.size).toBe(1);
    cache.dropEndingBefore(T0 + 3000);
    expect(cache.size).toBe(1);
    cache.dropEndingBefore(T0 + 3001);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
