import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps the V8 heap near twice what is live, as Go's default garbage collector does: on a machine
 * with plenty of memory V8 lets the old generation fill with garbage for a long time (request
 * objects that lived across I/O), so a busy ingest's resident memory grows far past what the
 * store holds. Checked on a timer; when the heap has grown past `factor` × what the last
 * collection left (and past `floorBytes`), a full collection runs.
 * @remarks A full collection pauses the process (tens to a few hundred milliseconds at hundreds of
 * megabytes); it runs at most every `minIntervalMs`.
 */
export function createHeapGovernor(
  opts: { factor?: number; floorBytes?: number; minIntervalMs?: number; now?: () => number; heapUsed?: () => number; collect?: () => void } = {},
) {
  const factor = opts.factor ?? 2;
  const floor = opts.floorBytes ?? 256 * 1024 * 1024;
  const minInterval = opts.minIntervalMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const heapUsed = opts.heapUsed ?? (() => v8.getHeapStatistics().used_heap_size);
  const collect = opts.collect ?? exposedCollector();
  let live = heapUsed();
  let last = -Infinity;
  return {
    /** Collects when the heap has outgrown what is live; returns whether it did. */
    check(): boolean {
      const used = heapUsed();
      if (used < floor || used < factor * live || now() - last < minInterval) return false;
      collect();
      last = now();
      live = heapUsed();
      return true;
    },
  };
}

/** V8's full collection: not exposed to JavaScript unless asked for; a new context then has it. */
export function exposedCollector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
