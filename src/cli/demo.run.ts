import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startLoad, type Load } from '../../examples/shop-service/load.ts';
import { tokenViewSchema } from '../shared/api.schema.ts';
import { apiPath, createApiClient, type ApiClient } from './api-client.ts';
import { startFleet, type Fleet } from './demo.fleet.ts';
import { signIn } from './demo.people.ts';
import { DEMO_SERVICES, DEMO_SLOS, DEMO_TEAMS, seedDemoOrganisation } from './demo.seed.ts';
import { DEMO_SURVEY } from './demo.survey.ts';
import { CliError, note, print } from './output.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Written in a data directory the demo created: marks it as the demo's and keeps its password. */
const MARKER = 'ethos-demo.json';

/** Options of `ethos demo`. */
export interface DemoOptions {
  port: number;
  host: string;
  /** Kept after the demo stops; without it, a temporary directory that is removed. */
  dataDir?: string;
  /** Scenarios per second of synthetic traffic. */
  rate: number;
  /** Build the web UI first when its build is missing or stale. */
  webBuild: boolean;
}

function progress(text: string): void {
  note(`ethos demo: ${text}`);
}

/**
 * The data directory and the admin's password: a new temporary directory, or the given one — new,
 * or made by an earlier demo (whose password it keeps).
 * @remarks A directory holding an Ethos the demo did not create is refused: the demo signs in as
 * its admin and adds users, teams and tokens, which have no place in a real installation.
 */
function prepareDataDir(dir: string | undefined): { dir: string; temporary: boolean; adminPassword: string } {
  const fresh = () => randomBytes(12).toString('base64url');
  if (!dir) {
    const tmp = mkdtempSync(path.join(tmpdir(), 'ethos-demo-'));
    return { dir: tmp, temporary: true, adminPassword: fresh() };
  }
  const abs = path.resolve(dir);
  const marker = path.join(abs, MARKER);
  if (existsSync(marker)) {
    const { adminPassword } = z.object({ adminPassword: z.string().min(10) }).parse(JSON.parse(readFileSync(marker, 'utf8')));
    return { dir: abs, temporary: false, adminPassword };
  }
  if (existsSync(path.join(abs, 'ethos.db'))) {
    throw new CliError(`${abs} holds an Ethos that "ethos demo" did not create; give the demo a directory of its own (--data-dir)`);
  }
  mkdirSync(abs, { recursive: true });
  const adminPassword = fresh();
  writeFileSync(marker, JSON.stringify({ adminPassword }, null, 2) + '\n', { mode: 0o600 });
  return { dir: abs, temporary: false, adminPassword };
}

/** Where the demo's own processes reach Ethos, and the address to show a person. */
function addresses(host: string, port: number): { local: string; shown: string } {
  const any = host === '0.0.0.0' || host === '::';
  const h = any ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { local: `http://${h}:${port}`, shown: `http://${any || host === '127.0.0.1' ? 'localhost' : h}:${port}` };
}

/** Runs scripts/build-web.js --if-stale, as `npm start` does; a failed build only loses the UI. */
async function buildWebUi(): Promise<void> {
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/build-web.js'), '--if-stale', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolve(1));
    child.once('exit', resolve);
  });
  if (code !== 0) progress('the web UI could not be built (see above): the API runs, the pages will not');
}

/** Signs in as `admin` and returns a client with a new admin token, and how to revoke it. */
async function signInAsAdmin(url: string, password: string): Promise<{ api: ApiClient; done(): Promise<void> }> {
  const session = await signIn(url, 'admin', password);
  const created = await session.api.request('POST', '/api/v1/tokens', {
    body: { name: 'ethos-demo-setup', type: 'personal', scopes: ['read', 'write'] },
    schema: tokenViewSchema.extend({ token: z.string() }),
  });
  const api = createApiClient({ url, token: created.token });
  return {
    api,
    async done() {
      await api.request('DELETE', apiPath('/api/v1/tokens', created.id));
      await session.signOut();
    },
  };
}

/**
 * `ethos demo`: Ethos on the embedded database with a demo organisation, the shop example running
 * as one process per service and exporting to it, and synthetic traffic — until SIGINT/SIGTERM.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const data = prepareDataDir(opts.dataDir);
  const { local, shown } = addresses(opts.host, opts.port);
  let server: { stop(): Promise<void> } | null = null;
  let fleet: Fleet | null = null;
  let load: Load | null = null;
  const cleanUp = async () => {
    await load?.stop();
    await fleet?.stop();
    await server?.stop();
    if (data.temporary) rmSync(data.dir, { recursive: true, force: true });
  };

  try {
    if (opts.webBuild) await buildWebUi();

    progress(`starting Ethos on port ${opts.port} (SQLite in ${data.dir}) …`);
    const { readSettings } = await import('../server/settings.ts');
    const { startServer } = await import('../server/main.ts');
    // only what the demo chooses: never the PostgreSQL, SMTP or ports of a real installation in the environment
    const settings = readSettings({
      ETHOS_DATA_DIR: data.dir,
      ETHOS_PORT: String(opts.port),
      ETHOS_HOST: opts.host,
      ETHOS_ADMIN_PASSWORD: data.adminPassword,
      ETHOS_OTLP_PORT: 'off',
      ETHOS_OTLP_GRPC_PORT: 'off',
      ETHOS_LOG_LEVEL: process.env.ETHOS_LOG_LEVEL || 'warn',
    });
    try {
      server = await startServer(settings);
    } catch (err) {
      if ((err as { code?: string }).code === 'EADDRINUSE') throw new CliError(`port ${opts.port} is in use (is another Ethos running?): choose another with --port`);
      throw err;
    }

    const people = DEMO_TEAMS.flatMap((t) => t.members.map((m) => m.user));
    progress(
      `creating the demo organisation: ${DEMO_TEAMS.length} teams, ${people.length} people, ${DEMO_SERVICES.length} services with ${DEMO_SLOS.length} SLOs, an ingest token per team; a survey with results, incidents, postmortems and action items …`,
    );
    const admin = await signInAsAdmin(local, data.adminPassword);
    const tokens = await seedDemoOrganisation(admin.api, { memberPassword: data.adminPassword });
    await admin.done();

    progress(`starting ${DEMO_SERVICES.length} instrumented services (examples/shop-service, one process each) …`);
    fleet = await startFleet(
      DEMO_SERVICES.map((s) => ({ name: s.name, role: s.role, calls: s.dependsOn, token: tokens[s.owner]! })),
      { endpoint: local, env: { OTEL_METRIC_EXPORT_INTERVAL: '10000', SHOP_ENVIRONMENT: 'demo' }, onEvent: (line) => note(`  ${line}`) },
    );

    progress(`sending synthetic traffic (about ${opts.rate} shopper actions per second) …`);
    load = startLoad(
      DEMO_SERVICES.map((s) => ({ role: s.role, url: fleet!.urls.get(s.name)! })),
      { ratePerSecond: opts.rate },
    );
  } catch (err) {
    await cleanUp().catch(() => undefined);
    throw err;
  }

  const members = (active: boolean) => DEMO_TEAMS.flatMap((t) => t.members.filter((m) => !!m.active === active).map((m) => m.user)).join(', ');
  const teams = DEMO_TEAMS.filter((t) => DEMO_SERVICES.some((s) => s.owner === t.name)).map((t) => `${DEMO_SERVICES.filter((s) => s.owner === t.name).map((s) => s.name).join(', ')} (${t.name})`).join(' · ');
  print(
    [
      '',
      `  Ethos demo: ${shown}`,
      '',
      `  Sign in as admin with the password:  ${data.adminPassword}`,
      `  The teams' people have the same password: ${members(false)} change it at their first sign-in; ${members(true)} have signed in before.`,
      '',
      `  Sending telemetry: ${teams}`,
      `  Look at Metrics, Logs, Traces and Exceptions, and a service's Health tab: ${shown}/services/checkout/health`,
      '  (charts fill in over the first minute)',
      `  SLOs (${shown}/slos), Incidents, Postmortems and Action items, and the survey's results: ${shown}/surveys/${DEMO_SURVEY}`,
      '',
      data.temporary ? `  Data: ${data.dir} (removed when the demo stops; --data-dir keeps it)` : `  Data: ${data.dir} (kept; run the demo with the same --data-dir to go on)`,
      '  Ctrl-C stops the demo.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        progress('stopping at once');
        process.exit(130);
      }
      signalled = true;
      progress(`${signal}: stopping the traffic, the services (they send what they hold) and Ethos … (again to stop at once)`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await cleanUp();
  progress('stopped');
}
