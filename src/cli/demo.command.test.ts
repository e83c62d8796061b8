import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './demo.fleet.ts';
import { DEMO_SERVICES } from './demo.seed.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('ethos demo', () => {
  let demo: ChildProcess | null = null;
  afterAll(() => {
    demo?.kill('SIGKILL');
  });

  it('serves live telemetry of every demo service, and stops cleanly on Ctrl-C', async () => {
    const port = await freePort();
    demo = spawn(process.execPath, ['bin/ethos.js', 'demo', '--port', String(port), '--no-web-build', '--rate', '20'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    demo.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => demo!.once('exit', resolve));

    // the banner: where, how to sign in, and the data directory
    await until('the banner', async () => out.includes('Ctrl-C'), 45_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${out}\n${err}`);
    });
    expect(err).toContain('ethos demo: creating the demo organisation');
    expect(out).toContain(`http://localhost:${port}`);
    const password = /password:\s+(\S+)/.exec(out)![1]!;
    const dataDir = /Data: (\S+)/.exec(out)![1]!;
    expect(existsSync(dataDir)).toBe(true);

    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const get = async (url: string) => (await fetch(`${base}${url}`, { headers: { cookie } })).json();

    // every service's spans, RED metrics and logs arrive (the server writes RED metrics every 5 s)
    for (const s of DEMO_SERVICES) {
      await until(
        `red.requests of ${s.name}`,
        async () => (await get(`/api/v1/telemetry/services/${s.name}/metrics/red.requests/query?fn=last&from=now-5m&step=60`)).series?.length,
        30_000,
      );
      await until(`logs of ${s.name}`, async () => (await get(`/api/v1/telemetry/logs?service=${s.name}&from=now-5m&limit=1`)).items?.length, 30_000);
    }
    // checkout calls payments, which calls the ledger: one trace crosses the three
    await until(
      'a trace across checkout, payments and ledger',
      async () => (await get('/api/v1/telemetry/traces?service=ledger&from=now-5m&limit=100')).items.some((t: { services: string[] }) => t.services.includes('checkout') && t.services.includes('payments')),
      30_000,
    );

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toContain('ethos demo: stopped');
    // a temporary data directory goes with the demo
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);
});
