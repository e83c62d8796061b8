import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from '../../examples/shop-service/roles.ts';
import { MAIN_FILE, type ListeningMessage } from '../../examples/shop-service/service.ts';

const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));

/** How to run one instance of the shop example. */
export interface ShopProcessOptions {
  /** `service.name` (OTEL_SERVICE_NAME). */
  serviceName: string;
  role: Role;
  /** Ethos's OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint: string;
  /** A token with the `ingest` scope. */
  token: string;
  /** Port to listen on (0: any free port). */
  port?: number;
  /** Base URLs of the services it calls. */
  upstreams?: Partial<Record<Role, string>>;
  /** More environment variables (export intervals, SHOP_LATENCY_SCALE …). */
  env?: Record<string, string>;
  /** Each line the process writes to its standard output or error. */
  onOutput?: (line: string) => void;
}

/** A running instance of the shop example. */
export interface ShopProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Resolves with the exit code once the process has ended (for whatever reason). */
  readonly exited: Promise<number | null>;
  /** Asks it to stop (SIGTERM: it flushes its telemetry), kills it after `graceMs`; resolves once it ended. */
  stop(graceMs?: number): Promise<number | null>;
}

/** The environment of a child: ours without OTEL_* settings meant for something else. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && !k.startsWith('SHOP_')) env[k] = v;
  return { ...env, ...extra };
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l) onLine(l);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
}

/**
 * Starts the shop example (examples/shop-service) as a child process that exports to Ethos with
 * the standard OTEL_* variables; resolves once it listens.
 */
export async function startShopProcess(opts: ShopProcessOptions): Promise<ShopProcess> {
  const env = childEnv({
    OTEL_SERVICE_NAME: opts.serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.endpoint,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${opts.token}`,
    SHOP_ROLE: opts.role,
    PORT: String(opts.port ?? 0),
    HOST: '127.0.0.1',
    ...Object.fromEntries(Object.entries(opts.upstreams ?? {}).map(([role, url]) => [`SHOP_${role.toUpperCase()}_URL`, url])),
    ...opts.env,
  });
  const child = spawn(process.execPath, [RUN_TS, MAIN_FILE], { cwd: path.dirname(MAIN_FILE), env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output: string[] = [];
  const onLine = (line: string) => {
    output.push(line);
    if (output.length > 20) output.shift();
    opts.onOutput?.(line);
  };
  pipeLines(child.stdout, onLine);
  pipeLines(child.stderr, onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${opts.serviceName} did not start within 60 s`));
    }, 60_000);
    child.on('message', (m: ListeningMessage) => {
      if (m?.type !== 'listening') return;
      clearTimeout(timer);
      resolve(m.port);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.serviceName} exited with code ${code} before listening${output.length ? `:\n${output.join('\n')}` : ''}`));
    });
  });

  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A free TCP port on the loopback interface, for a service whose address others must know first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One service of a fleet: its name, the role it plays, whom it calls and the token it sends with. */
export interface FleetMember {
  name: string;
  role: Role;
  /** Services of the fleet it calls, by name. */
  calls: string[];
  token: string;
}

/** Several shop services that know each other's addresses, restarted when one dies. */
export interface Fleet {
  /** Name → base URL. */
  readonly urls: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts every member (all at once: the ports are chosen first, so each knows whom it calls) and
 * restarts any that dies unexpectedly, waiting longer after each crash (at most 30 s).
 */
export async function startFleet(members: FleetMember[], opts: { endpoint: string; env?: Record<string, string>; onEvent?: (line: string) => void }): Promise<Fleet> {
  const ports = new Map<string, number>();
  for (const m of members) ports.set(m.name, await freePort());
  const urls = new Map([...ports].map(([name, port]) => [name, `http://127.0.0.1:${port}`]));
  const byName = new Map(members.map((m) => [m.name, m]));
  const running = new Map<string, ShopProcess>();
  let stopping = false;

  const launch = async (m: FleetMember): Promise<ShopProcess> => {
    const upstreams: Partial<Record<Role, string>> = {};
    for (const name of m.calls) {
      const target = byName.get(name);
      if (target) upstreams[target.role] = urls.get(name)!;
    }
    const p = await startShopProcess({
      serviceName: m.name,
      role: m.role,
      endpoint: opts.endpoint,
      token: m.token,
      port: ports.get(m.name)!,
      upstreams,
      env: opts.env,
      onOutput: (line) => {
        if (!line.includes(' listening on ')) opts.onEvent?.(`[${m.name}] ${line}`);
      },
    });
    running.set(m.name, p);
    void p.exited.then((code) => watch(m, code));
    return p;
  };

  const crashes = new Map<string, number>();
  const watch = (m: FleetMember, code: number | null): void => {
    if (stopping) return;
    const n = (crashes.get(m.name) ?? 0) + 1;
    crashes.set(m.name, n);
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(n, 5));
    opts.onEvent?.(`${m.name} exited (code ${code}); restarting it in ${delay / 1000} s`);
    setTimeout(() => {
      if (stopping) return;
      launch(m).catch((err: Error) => {
        opts.onEvent?.(err.message);
        watch(m, null);
      });
    }, delay).unref();
  };

  try {
    await Promise.all(members.map(launch));
  } catch (err) {
    stopping = true;
    await Promise.all([...running.values()].map((p) => p.stop()));
    throw err;
  }
  return {
    urls,
    async stop() {
      stopping = true;
      await Promise.all([...running.values()].map((p) => p.stop()));
    },
  };
}
