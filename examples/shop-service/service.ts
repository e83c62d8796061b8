/**
 * Runs one shop service: starts OpenTelemetry, listens, optionally sends traffic to itself, and
 * on SIGTERM or SIGINT stops taking requests and flushes its telemetry before exiting.
 *
 * Settings (besides the standard OTEL_* variables telemetry.ts reads):
 * - `SHOP_ROLE` — catalog, checkout, payments, ledger, accounts or notifications (default: the
 *   service name when it is one of them, else checkout);
 * - `PORT` (8080; 0 picks a free port), `HOST` (127.0.0.1);
 * - `SHOP_PAYMENTS_URL`, `SHOP_LEDGER_URL`, `SHOP_NOTIFICATIONS_URL`, … — the other services to
 *   call (`http://host:port`); a call to one not given is simulated;
 * - `SHOP_VERSION` (1.4.2), `SHOP_ENVIRONMENT` (demo) — `service.version` and
 *   `deployment.environment.name`;
 * - `SHOP_LOAD_RATE` — scenarios per second to send to itself (default 0: none);
 * - `SHOP_LATENCY_SCALE` — multiplies the simulated work (default 1).
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startLoad, type Load } from './load.ts';
import { ROLES, type Role } from './roles.ts';
import { createShopServer } from './shop.ts';
import { startTelemetry } from './telemetry.ts';

/** The file to run (`tsx main.ts`, or `node bin/run-ts.js …/main.ts` in the Ethos repository). */
export const MAIN_FILE = fileURLToPath(new URL('./main.ts', import.meta.url));

/** The message a service started by another process (with an IPC channel) sends once it listens. */
export interface ListeningMessage {
  type: 'listening';
  port: number;
}

function roleFrom(env: NodeJS.ProcessEnv): Role {
  const asked = env.SHOP_ROLE || env.OTEL_SERVICE_NAME || 'checkout';
  if ((ROLES as readonly string[]).includes(asked)) return asked as Role;
  if (env.SHOP_ROLE) throw new Error(`SHOP_ROLE must be one of ${ROLES.join(', ')}, not "${env.SHOP_ROLE}"`);
  return 'checkout';
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not "${v}"`);
  return n;
}

/** Starts the service described by `env`; resolves once it listens. */
export async function runShopService(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; stop(): Promise<void> }> {
  const role = roleFrom(env);
  const telemetry = startTelemetry({ serviceName: role, serviceVersion: env.SHOP_VERSION || '1.4.2', environment: env.SHOP_ENVIRONMENT || 'demo', env });
  const upstreams: Partial<Record<Role, string>> = {};
  for (const r of ROLES) {
    const url = env[`SHOP_${r.toUpperCase()}_URL`];
    if (url) upstreams[r] = url;
  }
  const server = createShopServer({ role, upstreams, latencyScale: numberFrom(env, 'SHOP_LATENCY_SCALE', 1) });
  const host = env.HOST || '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(numberFrom(env, 'PORT', 8080), host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const rate = numberFrom(env, 'SHOP_LOAD_RATE', 0);
  const load: Load | null = rate > 0 ? startLoad([{ role, url }], { ratePerSecond: rate }) : null;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await load?.stop();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await telemetry.shutdown();
    })());
  return { url, stop };
}

/** The program: runs the service until SIGTERM/SIGINT (or until the parent process goes away). */
export async function main(): Promise<void> {
  const service = await runShopService(process.env);
  process.stdout.write(`${process.env.OTEL_SERVICE_NAME || roleFrom(process.env)} listening on ${service.url}\n`);
  if (process.send) process.send({ type: 'listening', port: Number(new URL(service.url).port) } satisfies ListeningMessage);
  const exit = () => {
    service.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  // started by another process (ethos demo): do not outlive it
  if (process.send) process.once('disconnect', exit);
}
