import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const PASSWORD = 'crash-test-admin-password';

/** A real `ethos serve` on its own data directory (SQLite), as an operator runs it. */
async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/ethos.js', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ETHOS_DATA_DIR: dataDir, ETHOS_PORT: String(port), ETHOS_HOST: '127.0.0.1', ETHOS_OTLP_PORT: 'off', ETHOS_OTLP_GRPC_PORT: 'off', ETHOS_ADMIN_PASSWORD: PASSWORD, ETHOS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('ethos serve did not start');
}

describe('a crash during sustained ingest', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ethos-crash-'));
  const port = 5200 + Math.floor(Math.random() * 500);
  const base = `http://127.0.0.1:${port}`;
  let server: ChildProcess | null = null;
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged point: after kill -9 and a restart every one is queryable', async () => {
    server = await startServer(dataDir, port);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const tokenRes = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'crash', scopes: ['read', 'ingest'] }) });
    const { token } = (await tokenRes.json()) as { token: string };

    // four writers, each its own series; point i of a writer has value i at start + i seconds
    const start = Math.floor(Date.now() / 1000) * 1000 - 2 * 86400_000;
    const PER_REQUEST = 50;
    const acked = [0, 0, 0, 0];
    let killed = false;
    const writer = async (w: number) => {
      for (let req = 0; !killed && req < 200; req++) {
        const dataPoints = Array.from({ length: PER_REQUEST }, (_, k) => {
          const i = req * PER_REQUEST + k;
          return { timeUnixNano: `${BigInt(start + i * 1000) * 1_000_000n}`, asDouble: i };
        });
        const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'crashy' } }] }, scopeMetrics: [{ metrics: [{ name: 'seq', gauge: { dataPoints: dataPoints.map((p) => ({ ...p, attributes: [{ key: 'writer', value: { stringValue: String(w) } }] })) } }] }] }] };
        try {
          const res = await fetch(`${base}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
          if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
          const answer = (await res.json()) as { partialSuccess?: unknown };
          expect(answer.partialSuccess).toBeUndefined();
          acked[w] = (req + 1) * PER_REQUEST;
        } catch (err) {
          if (killed) return;
          throw err;
        }
      }
    };
    let failure: unknown = null;
    let finished = 0;
    const writers = [0, 1, 2, 3].map((w) =>
      writer(w)
        .catch((err: unknown) => {
          failure = err;
        })
        .finally(() => finished++),
    );
    // kill while the writers are mid-stream
    while (acked.reduce((a, b) => a + b, 0) < 2000 && finished === 0) await new Promise((r) => setTimeout(r, 5));
    if (failure) throw failure;
    expect(finished).toBe(0);
    killed = true;
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGKILL');
    await Promise.all(writers);
    await exited;
    expect(acked.every((n) => n > 0)).toBe(true);

    server = await startServer(dataDir, port);
    for (let w = 0; w < 4; w++) {
      const url = `${base}/api/v1/telemetry/services/crashy/metrics/seq/query?fn=last&step=1&where=writer=${w}&from=${start - 1}&to=${start + 10_000 * 1000}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const { times, series } = (await res.json()) as { times: number[]; series: { values: (number | null)[] }[] };
      const values = series[0]!.values;
      for (let i = 0; i < acked[w]!; i++) {
        const at = times.indexOf(start + i * 1000);
        if (values[at] !== i) expect.fail(`writer ${w}: acknowledged point ${i} is ${values[at]} after the restart`);
      }
    }
  }, 180_000);
});
