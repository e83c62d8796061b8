import { InvalidArgumentError, type Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ALERT_STATES, alertViewSchema, durationMs, parseMatcher, SILENCE_KIND, type AlertState, type AlertView, type SilenceSpec } from '../shared/alerting.schema.ts';
import { resourceListSchema } from '../shared/api.schema.ts';
import { resourceViewSchema, type ResourceView } from '../shared/resource.schema.ts';
import { apiPath, type ApiClient } from './api-client.ts';
import { connect } from './config.ts';
import { positiveInt } from './options.ts';
import { note, outputOption, print, printData, printList, shortTime, type OutputFormat } from './output.ts';

const alertListSchema = z.object({ items: z.array(alertViewSchema) });

/** Labels another column already shows. */
const SHOWN = new Set(['alertname', 'service', 'team', 'severity']);

/** An alert's own labels: `pool=a,region=eu`. */
const ownLabels = (a: AlertView) =>
  Object.entries(a.labels)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function alertState(value: string, previous: AlertState[] = []): AlertState[] {
  if (!(ALERT_STATES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${ALERT_STATES.join(', ')}`);
  return [...previous, value as AlertState];
}

/** A duration as Prometheus writes them: 30m, 2h, 1h30m, 1d. */
function duration(value: string): number {
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(value) || durationMs(value) <= 0) throw new InvalidArgumentError('expected a duration such as 30m, 2h, 1h30m or 1d');
  return durationMs(value);
}

function matcher(value: string, previous: string[] = []): string[] {
  if (!parseMatcher(value)) throw new InvalidArgumentError('expected name=value, name!=value, name=~regex or name!~regex');
  return [...previous, value];
}

function time(value: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\dT/.test(value)) throw new InvalidArgumentError('expected an RFC 3339 time such as 2027-01-31T18:00:00Z');
  return new Date(t).toISOString();
}

type SilenceStatus = 'active' | 'pending' | 'expired';

/** A silence as `silence list` prints it; without startsAt it started when it was written (as the server reads it). */
interface SilenceRow {
  name: string;
  team: string;
  status: SilenceStatus;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  comment: string;
}

function silenceRow(r: ResourceView, now = Date.now()): SilenceRow {
  const spec = r.spec as Partial<SilenceSpec>;
  const startsAt = spec.startsAt ?? r.metadata.updatedAt;
  const endsAt = spec.endsAt ?? startsAt;
  const status: SilenceStatus = now >= Date.parse(endsAt) ? 'expired' : now < Date.parse(startsAt) ? 'pending' : 'active';
  return { name: r.metadata.name, team: r.metadata.owner, status, matchers: spec.matchers ?? [], startsAt, endsAt, comment: spec.comment ?? '' };
}

/** Every silence (of a team), every page of them. */
async function listSilences(api: ApiClient, team: string | undefined): Promise<ResourceView[]> {
  const all: ResourceView[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request('GET', apiPath('/api/v1/resources', SILENCE_KIND), { query: { owner: team, limit: 500, cursor }, schema: resourceListSchema });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** The document to write back: without the fields a GET adds. */
function writable(r: ResourceView, spec: Record<string, unknown>) {
  const { revision: _r, createdAt: _c, updatedAt: _u, ...metadata } = r.metadata;
  return { apiVersion: r.apiVersion, kind: r.kind, metadata, spec };
}

/**
 * `ethos alerts`: alerts of every team (or one team or service), acknowledged with `alerts ack`;
 * `ethos silence create|list|expire`: a team's silences (Silence resources).
 */
export function registerAlertingCommands(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alerts, firing first: firing, pending, no-data and error ones (--state resolved for resolved ones); ack / unack one')
    .option('--team <team>', 'only alerts of this team')
    .option('--service <service>', 'only alerts of this service')
    .option('--state <state>', `only this state (repeatable): ${ALERT_STATES.join(', ')}`, alertState)
    .option('--limit <n>', 'at most this many', positiveInt, 200)
    .addOption(outputOption())
    .action(async (opts: { team?: string; service?: string; state?: AlertState[]; limit: number; output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', '/api/v1/alerts', { query: { owner: opts.team, service: opts.service, state: opts.state, limit: opts.limit }, schema: alertListSchema });
      const rank: Record<string, number> = { firing: 0, error: 1, nodata: 2, pending: 3, resolved: 4 };
      const sorted = [...items].sort((a, b) => (rank[a.state] ?? 9) - (rank[b.state] ?? 9) || Date.parse(b.activeAt) - Date.parse(a.activeAt));
      if (!sorted.length && (opts.output ?? 'table') === 'table') return note(opts.state ? 'no alerts in that state' : 'no alert is firing or pending');
      printList(
        sorted,
        [
          { header: 'state', value: (a) => a.state },
          { header: 'severity', value: (a) => a.severity },
          { header: 'rule', value: (a) => a.rule },
          { header: 'fingerprint', value: (a) => a.fingerprint },
          { header: 'service', value: (a) => a.service },
          { header: 'labels', value: (a) => ownLabels(a), max: 60 },
          { header: 'value', value: (a) => (a.value === null ? null : Number(a.value.toPrecision(6))) },
          { header: 'active since', value: (a) => shortTime(a.activeAt) },
          { header: 'acknowledged by', value: (a) => a.acknowledgedBy },
          { header: 'silenced by', value: (a) => a.silencedBy },
        ],
        opts.output,
      );
    });

  for (const acknowledge of [true, false]) {
    alerts
      .command(acknowledge ? 'ack' : 'unack')
      .description(acknowledge ? 'acknowledge an alert (members of the team that owns its rule)' : 'take back an acknowledgement')
      .argument('<rule>', 'the alert’s rule')
      .argument('<fingerprint>', 'the alert’s fingerprint (`ethos alerts` lists them)')
      .configureHelp({ showGlobalOptions: true })
      .action(async (rule: string, fingerprint: string, _opts: unknown, command: Command) => {
        const { output } = command.optsWithGlobals<{ output?: OutputFormat }>();
        const api = await connect();
        const view = await api.request(acknowledge ? 'POST' : 'DELETE', apiPath('/api/v1/alerts', rule, fingerprint, 'ack'), { schema: alertViewSchema });
        if (output === 'json' || output === 'yaml') return printData(view, output);
        print(acknowledge ? `${view.rule}/${view.fingerprint} acknowledged by ${view.acknowledgedBy} (${view.state})` : `${view.rule}/${view.fingerprint} no longer acknowledged (${view.state})`);
      });
  }

  const silence = program.command('silence').description("a team's silences: mute the notifications of its alerts whose labels match, for a while");

  silence
    .command('create')
    .description('silence a team’s alerts now (members of the team): prints the new silence’s name')
    .requiredOption('--team <team>', 'the team whose alerts it mutes (it owns the silence)')
    .requiredOption('--matcher <matcher>', 'name=value, name!=value, name=~regex or name!~regex (repeatable: all must match)', matcher)
    .option('--duration <duration>', 'how long it lasts, e.g. 30m, 2h, 1d', '2h')
    .option('--starts-at <time>', 'when it starts (RFC 3339; default now)', time)
    .requiredOption('--comment <text>', 'why')
    .option('--name <name>', 'the Silence resource’s name (default silence-<random>)')
    .addOption(outputOption())
    .action(async (opts: { team: string; matcher: string[]; duration: string; startsAt?: string; comment: string; name?: string; output?: OutputFormat }) => {
      const ms = duration(opts.duration);
      const start = opts.startsAt ? Date.parse(opts.startsAt) : Date.now();
      const name = opts.name ?? `silence-${randomBytes(4).toString('hex')}`;
      const spec = { matchers: opts.matcher, ...(opts.startsAt ? { startsAt: opts.startsAt } : {}), endsAt: new Date(start + ms).toISOString(), comment: opts.comment };
      const api = await connect();
      const view = await api.request('PUT', apiPath('/api/v1/resources', SILENCE_KIND, name), {
        body: { apiVersion: 'ethos/v1', kind: SILENCE_KIND, metadata: { name, owner: opts.team }, spec },
        headers: { 'if-none-match': '*' },
        schema: resourceViewSchema,
      });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      print(name);
      note(`silence ${name} of ${view.metadata.owner} mutes ${opts.matcher.join(', ')} until ${spec.endsAt}`);
    });

  silence
    .command('list')
    .description('active and pending silences (--all: expired ones too)')
    .option('--team <team>', 'only this team’s')
    .option('--all', 'expired silences too', false)
    .addOption(outputOption())
    .action(async (opts: { team?: string; all: boolean; output?: OutputFormat }) => {
      const api = await connect();
      const now = Date.now();
      const order: Record<SilenceStatus, number> = { active: 0, pending: 1, expired: 2 };
      const rows = (await listSilences(api, opts.team))
        .map((r) => silenceRow(r, now))
        .filter((r) => opts.all || r.status !== 'expired')
        .sort((a, b) => order[a.status] - order[b.status] || Date.parse(b.endsAt) - Date.parse(a.endsAt));
      if (!rows.length && (opts.output ?? 'table') === 'table') return note(opts.all ? 'no silences' : 'no active or pending silence (--all: expired ones too)');
      printList(
        rows,
        [
          { header: 'name', value: (r) => r.name },
          { header: 'team', value: (r) => r.team },
          { header: 'status', value: (r) => r.status },
          { header: 'matchers', value: (r) => r.matchers.join(','), max: 60 },
          { header: 'starts', value: (r) => shortTime(r.startsAt) },
          { header: 'ends', value: (r) => shortTime(r.endsAt) },
          { header: 'comment', value: (r) => r.comment, max: 50 },
        ],
        opts.output,
      );
    });

  silence
    .command('expire')
    .description('end a silence now (members of its team): its alerts are notified again')
    .argument('<name>', 'the silence')
    .action(async (name: string) => {
      const api = await connect();
      const current = await api.request('GET', apiPath('/api/v1/resources', SILENCE_KIND, name), { schema: resourceViewSchema });
      const now = new Date();
      const row = silenceRow(current, now.getTime());
      if (row.status === 'expired') return note(`${current.metadata.name} already ended at ${row.endsAt}`);
      // one that has not started loses its start too: an end before the start is refused
      const { startsAt: _s, ...rest } = current.spec as Partial<SilenceSpec>;
      const spec = { ...(row.status === 'pending' ? rest : current.spec), endsAt: now.toISOString() };
      await api.request('PUT', apiPath('/api/v1/resources', SILENCE_KIND, name), {
        body: writable(current, spec),
        query: { message: 'expired' },
        headers: { 'if-match': `"${current.metadata.revision}"` },
        schema: resourceViewSchema,
      });
      print(`${current.metadata.name} expired`);
    });
}
