/**
 * XOR chunk codec micro-benchmark: encode and decode speed and size of the metrics store's chunks,
 * in-process (no server: the codec is pure computation).
 *
 *   node bin/run-ts.js bench/xor-chunk.bench.ts [--samples 2000000] [--chunk 120] [--rounds 7]
 *
 * Load: `samples` points per workload cut into chunks of `chunk` samples (120 = 30 min at 15 s, what
 * the store cuts by default), timestamps from 2026-01-01 every 15 s. Workloads: (a) a counter that
 * grows by 1..10 each scrape, (b) a gauge 100 + a random walk of ±0.1 steps rounded to 2 decimals,
 * (c) uniform random floats in [0, 1), (d) the counter of (a) with ±3 ms scrape jitter, (e) a counter
 * that grows by exactly 5 each scrape. The counters run in default chunks and, as the store writes
 * counter series, in counter chunks (value delta-of-delta). Speeds are the median of `rounds`
 * rounds after one warm-up round; bytes/sample counts every byte of every chunk, header included.
 * The random data are seeded, so sizes are the same on every run.
 */
import { ChunkEncoder, decodeChunk } from '../src/server/modules/telemetry/tsdb/xor-chunk.ts';
import type { ChunkOptions } from '../src/server/modules/telemetry/tsdb/xor-chunk.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SAMPLES = Number(args.get('samples') ?? 2_000_000);
const CHUNK = Number(args.get('chunk') ?? 120);
const ROUNDS = Number(args.get('rounds') ?? 7);
const T0 = Date.UTC(2026, 0, 1);

/** A small seeded generator (xorshift32) so every run sees the same data. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

interface Workload {
  name: string;
  t: Float64Array;
  v: Float64Array;
  options: ChunkOptions;
}

const COUNTER: ChunkOptions = { counter: true };

function makeWorkloads(): Workload[] {
  const rnd = seededRandom(42);
  const regular = new Float64Array(SAMPLES).map((_, i) => T0 + i * 15_000);
  const jittered = new Float64Array(SAMPLES).map((_, i) => T0 + i * 15_000 + Math.floor(rnd() * 7) - 3);
  const counter = new Float64Array(SAMPLES);
  for (let i = 1; i < SAMPLES; i++) counter[i] = counter[i - 1]! + 1 + Math.floor(rnd() * 10);
  const gauge = new Float64Array(SAMPLES);
  let x = 100;
  for (let i = 0; i < SAMPLES; i++) {
    x += (rnd() - 0.5) * 0.2;
    gauge[i] = Math.round(x * 100) / 100;
  }
  const random = new Float64Array(SAMPLES).map(() => (Math.floor(rnd() * 2 ** 21) * 2 ** 32 + Math.floor(rnd() * 2 ** 32)) / 2 ** 53);
  const steady = new Float64Array(SAMPLES).map((_, i) => 1_000_000 + 5 * i);
  return [
    { name: '(a) counter, 15 s', t: regular, v: counter, options: {} },
    { name: '(a) counter, 15 s, counter chunks', t: regular, v: counter, options: COUNTER },
    { name: '(b) gauge 2 decimals, 15 s', t: regular, v: gauge, options: {} },
    { name: '(c) random floats, 15 s', t: regular, v: random, options: {} },
    { name: '(d) counter, 15 s ±3 ms jitter', t: jittered, v: counter, options: {} },
    { name: '(d) counter, 15 s ±3 ms jitter, counter chunks', t: jittered, v: counter, options: COUNTER },
    { name: '(e) steady counter +5, 15 s', t: regular, v: steady, options: {} },
    { name: '(e) steady counter +5, 15 s, counter chunks', t: regular, v: steady, options: COUNTER },
  ];
}

function encodeAll(w: Workload): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < SAMPLES; start += CHUNK) {
    const end = Math.min(start + CHUNK, SAMPLES);
    const enc = new ChunkEncoder(undefined, w.options);
    for (let i = start; i < end; i++) enc.append(w.t[i]!, w.v[i]!);
    chunks.push(enc.bytes());
  }
  return chunks;
}

let sink = 0;
function decodeAll(chunks: Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) {
    n += decodeChunk(c, (t, v) => {
      sink += v;
    });
  }
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function timeIt(f: () => void): number {
  f();
  const runs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    f();
    runs.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(runs);
}

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

log(`xor-chunk: ${SAMPLES} samples per workload, ${CHUNK} samples per chunk, median of ${ROUNDS} rounds, Node ${process.version}`);
for (const w of makeWorkloads()) {
  let chunks: Uint8Array[] = [];
  const encSeconds = timeIt(() => {
    chunks = encodeAll(w);
  });
  let decoded = 0;
  const decSeconds = timeIt(() => {
    decoded = decodeAll(chunks);
  });
  if (decoded !== SAMPLES) throw new Error(`decoded ${decoded} of ${SAMPLES} samples`);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  log(`${w.name}: encode ${(SAMPLES / encSeconds / 1e6).toFixed(1)} M samples/s`);
  log(`${w.name}: decode ${(SAMPLES / decSeconds / 1e6).toFixed(1)} M samples/s`);
  log(`${w.name}: ${(bytes / SAMPLES).toFixed(3)} bytes/sample`);
}
if (Number.isNaN(sink)) log('(NaN checksum)');
