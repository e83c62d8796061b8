import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createHeapGovernor, exposedCollector } from './heap-governor.ts';

describe('the heap governor', () => {
  it('collects once the heap has grown to twice what the last collection left, past the floor, at most so often', () => {
    let t = 0;
    let used = 100;
    let collections = 0;
    const governor = createHeapGovernor({ floorBytes: 150, minIntervalMs: 1000, now: () => t, heapUsed: () => used, collect: () => ((collections += 1), (used = 120)) });
    used = 190;
    expect(governor.check()).toBe(false); // under twice the 100 live at the start
    used = 210;
    expect(governor.check()).toBe(true);
    expect(collections).toBe(1);
    // what the collection left (120) is the new measure: 230 is under twice that
    used = 230;
    t += 5000;
    expect(governor.check()).toBe(false);
    used = 250;
    expect(governor.check()).toBe(true);
    // not again within a second, however large
    used = 10_000;
    t += 500;
    expect(governor.check()).toBe(false);
    t += 600;
    expect(governor.check()).toBe(true);
    expect(collections).toBe(3);
  });

  it("V8's own full collection, as the governor calls it, frees unreachable memory", () => {
    const collect = exposedCollector();
    let garbage: number[] | null = Array.from({ length: 5_000_000 }, (_, i) => i * 1.5);
    expect(garbage.length).toBe(5_000_000);
    garbage = null;
    const before = v8.getHeapStatistics().used_heap_size;
    collect();
    expect(v8.getHeapStatistics().used_heap_size).toBeLessThan(before - 20 * 1024 * 1024);
  });
});
