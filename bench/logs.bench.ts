/**
 * Logs benchmark: OTLP/HTTP protobuf log ingest into a real `ethos serve` (SQLite, loopback), then
 * full-text searches over everything stored.
 *
 *   node bin/run-ts.js bench/logs.bench.ts [--records 10000000] [--per-request 1000] [--concurrency 4]
 *
 * Records: 20 services; bodies of 8–14 words from a vocabulary of 5,000 (Zipf-like: a few words in
 * most records, most words rare) plus an order number; severities mostly info, some warn and error;
 * two attributes; one record in ten with a trace id. Timestamps spread over the last 6 hours.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { adminToken, benchArgs, log, machineLine, percentile, startEthos } from './support.ts';

const args = benchArgs();
const RECORDS = Number(args.get('records') ?? 10_000_000);
const PER_REQUEST = Number(args.get('per-request') ?? 1000);
const CONCURRENCY = Number(args.get('concurrency') ?? 4);
const PASSWORD = 'bench-admin-password';

const require = createRequire(import.meta.url);
const proto = require('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto;
const Req = proto.collector.logs.v1.ExportLogsServiceRequest;

let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'qu', 'sa', 'do', 'fi', 'gu', 'ha', 'je'];
const vocabulary = Array.from({ length: 5000 }, (_, i) => {
  let w = '';
  let n = i + 1;
  while (n > 0) {
    w += syllables[n % 16];
    n = Math.floor(n / 16);
  }
  return w;
});
/** A word drawn with a Zipf-like skew: word 0 is in most records, word 4999 in very few. */
const word = () => vocabulary[Math.min(4999, Math.floor(Math.pow(rand(), 3) * 5000))]!;

function request(from: number, n: number, now: number): Buffer {
  const byService = new Map<number, unknown[]>();
  for (let i = from; i < from + n; i++) {
    const svc = i % 20;
    const words = Array.from({ length: 8 + Math.floor(rand() * 7) }, word);
    const r = rand();
    const severity = r < 0.02 ? 17 : r < 0.1 ? 13 : 9;
    const record: Record<string, unknown> = {
      timeUnixNano: `${BigInt(now - 6 * 3600_000 + Math.floor((i / RECORDS) * 6 * 3600_000)) * 1_000_000n}`,
      severityNumber: severity,
      body: { stringValue: `${words.join(' ')} order ${i}` },
      attributes: [
        { key: 'http.route', value: { stringValue: `/api/v1/${vocabulary[i % 40]}` } },
        { key: 'region', value: { stringValue: `r${i % 5}` } },
      ],
    };
    if (i % 10 === 0) record.traceId = Buffer.from((i.toString(16) + '0'.repeat(32)).slice(0, 32), 'hex').toString('base64');
    const list = byService.get(svc) ?? [];
    list.push(record);
    byService.set(svc, list);
  }
  const resourceLogs = [...byService].map(([svc, logRecords]) => ({ resource: { attributes: [{ key: 'service.name', value: { stringValue: `logsvc-${svc}` } }] }, scopeLogs: [{ logRecords }] }));
  return Buffer.from(Req.encode(Req.fromObject({ resourceLogs })).finish());
}

async function main() {
  log(machineLine());
  const port = 4900 + Math.floor(Math.random() * 200);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ethos-logs-bench-'));
  const server = await startEthos({ port, password: PASSWORD, env: { ETHOS_DATA_DIR: dataDir } });
  try {
    const ingest = await adminToken(base, PASSWORD, { name: 'collector', type: 'ingest', scopes: ['ingest'] });
    const reader = await adminToken(base, PASSWORD, { name: 'reader', scopes: ['read'] });
    const now = Date.now();
    log(`load: ${RECORDS} records, ${PER_REQUEST} per OTLP/HTTP protobuf request, ${CONCURRENCY} requests in flight (encoded by the sender as it goes)`);
    let next = 0;
    let sent = 0;
    let encodeMs = 0;
    const t0 = performance.now();
    let lastReport = t0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < RECORDS) {
          const from = next;
          const n = Math.min(PER_REQUEST, RECORDS - from);
          next += n;
          const e = performance.now();
          const body = request(from, n, now);
          encodeMs += performance.now() - e;
          for (;;) {
            const res = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${ingest}` }, body: body as unknown as BodyInit });
            await res.arrayBuffer();
            if (res.status === 200) break;
            if (res.status === 503 || res.status === 429) {
              await new Promise((r) => setTimeout(r, 100));
              continue;
            }
            throw new Error(`ingest: ${res.status}`);
          }
          sent += n;
          if (performance.now() - lastReport > 30_000) {
            lastReport = performance.now();
            log(`  … ${sent} records, ${(sent / ((lastReport - t0) / 1000)).toFixed(0)} records/s so far`);
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    log(`ingest: ${RECORDS} records in ${seconds.toFixed(1)} s: ${(RECORDS / seconds).toFixed(0)} records/s acknowledged (the sender spent ${(encodeMs / 1000).toFixed(1)} s encoding, on the same 2 cores)`);
    log(`logs.db: ${(fs.statSync(path.join(dataDir, 'telemetry', 'logs.db')).size / 2 ** 30).toFixed(2)} GiB`);

    const search = async (label: string, params: string) => {
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < 13; i++) {
        const s = performance.now();
        const res = await fetch(`${base}/api/v1/telemetry/logs?from=now-7h&${params}`, { headers: { authorization: `Bearer ${reader}` } });
        const body = (await res.json()) as { items?: unknown[] };
        if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`);
        if (i >= 3) times.push(performance.now() - s);
        found = body.items!.length;
      }
      times.sort((a, b) => a - b);
      log(`search ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (10 runs, ${found} records returned)`);
    };
    await search('a common word, all services, newest 100', `q=${vocabulary[0]}&limit=100`);
    await search('a rare word, all services, newest 100', `q=${vocabulary[4990]}&limit=100`);
    await search('two words, one service, newest 100', `q=${vocabulary[1]}%20${vocabulary[3]}&service=logsvc-7&limit=100`);
    await search('a rare word, one service, errors only', `q=${vocabulary[4000]}&service=logsvc-3&severity=error&limit=100`);
    await search('a word in no record', `q=nosuchwordanywhere&limit=100`);
    await search('one service, no text, newest 100', `service=logsvc-11&limit=100`);
  } finally {
    server.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  log(`load average at the end: ${os.loadavg()[0]!.toFixed(2)}`);
}

await main();
