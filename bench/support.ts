import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** What every benchmark prints first: the machine it ran on. */
export function machineLine(extra = ''): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${extra}; load average ${os.loadavg()[0]!.toFixed(2)}`;
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Command-line options `--name value` with defaults. */
export function benchArgs(): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
  return args;
}

/** A real `ethos serve` child process on loopback, waited for until it answers /healthz. */
export async function startEthos(opts: { port: number; password: string; env?: Record<string, string> }): Promise<ChildProcess> {
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/ethos.js', 'serve'], {
    env: {
      ...process.env,
      ETHOS_OTLP_PORT: 'off',
      ETHOS_OTLP_GRPC_PORT: 'off',
      // the benchmarks measure Ethos's own limits, not a team's quota
      ETHOS_QUOTA_ACTIVE_SERIES: '100000000',
      ETHOS_QUOTA_LOG_RECORDS_PER_SECOND: '100000000',
      ETHOS_QUOTA_SPANS_PER_SECOND: '100000000',
      ...opts.env, ETHOS_PORT: String(opts.port), ETHOS_HOST: '127.0.0.1', ETHOS_ADMIN_PASSWORD: opts.password, ETHOS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(`http://127.0.0.1:${opts.port}/healthz`);
  return child;
}

/** Waits until `url` answers 200 (30 s at most). */
export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** Signs in as the admin and mints a token with these scopes. */
export async function adminToken(base: string, password: string, body: Record<string, unknown> = { name: 'bench', scopes: ['read', 'write'] }): Promise<string> {
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify(body) });
  const created = (await res.json()) as { token?: string };
  if (!created.token) throw new Error(`token: ${JSON.stringify(created)}`);
  return created.token;
}

/** Resident memory of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : NaN;
}

/** Total size of the files under a directory. */
export function duBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(`${e.parentPath}/${e.name}`).size;
  }
  return total;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
