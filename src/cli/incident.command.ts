import { InvalidArgumentError, type Command } from 'commander';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES, incidentDetailSchema, incidentListSchema, type IncidentDetail, type IncidentEvent, type IncidentPatch } from '../shared/incident.schema.ts';
import { apiPath } from './api-client.ts';
import { connect } from './config.ts';
import { oneOf, positiveInt } from './options.ts';
import { CliError, note, outputOption, print, printData, printList, renderTable, shortTime, type OutputFormat } from './output.ts';

function incidentId(value: string): number {
  const n = Number(value.replace(/^#/, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected an incident number such as 12');
  return n;
}

/** One timeline entry on one line: what happened and its text. */
function eventLine(e: IncidentEvent): string {
  const alert = typeof e.details.alertname === 'string' ? ` ${e.details.alertname}` : '';
  const what = e.type.startsWith('alert-') || e.type === 'acknowledged' ? `${e.type}${alert}` : e.type;
  return [what, e.text].filter(Boolean).join(': ');
}

/** An incident as `show` prints it: its fields, its alerts and its timeline (oldest first). */
function printIncident(i: IncidentDetail): void {
  const fields: [string, string][] = [
    ['incident', `#${i.id} ${i.title}`],
    ['service', `${i.service}${i.owner ? ` (team ${i.owner})` : ''}`],
    ['status', i.status],
    ['severity', i.severity],
    ['commander', i.commander ?? '-'],
    ['impact', i.impact ?? '-'],
    ['resolution', i.resolution ?? '-'],
    ['started', i.startedAt],
    ['resolved', i.resolvedAt ?? '-'],
    ['opened by', i.openedBy],
  ];
  print(fields.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`).join('\n'));
  if (i.alerts.length) {
    print('\nalerts:');
    print(renderTable(i.alerts, [{ header: 'alert', value: (a) => a.alertname }, { header: 'rule', value: (a) => a.rule }, { header: 'fingerprint', value: (a) => a.fingerprint }, { header: 'state', value: (a) => a.state }]));
  }
  print('\ntimeline:');
  print(renderTable(i.events, [{ header: 'at', value: (e) => shortTime(e.at) }, { header: 'by', value: (e) => e.actor ?? 'ethos' }, { header: 'event', value: (e) => eventLine(e), max: 100 }]));
}

/** `ethos incident list|show|open|update|resolve`: incidents of every service; members of the owning team lead them. */
export function registerIncidentCommands(program: Command): void {
  const incident = program.command('incident').description('incidents: a firing page alert opens one for its service; people open, lead and resolve them');

  incident
    .command('list')
    .description('incidents, open ones first, then newest first')
    .option('--service <service>', 'only incidents of this service')
    .option('--team <team>', 'only incidents of services this team owns')
    .option('--status <status>', `only this status: open (all but resolved), ${INCIDENT_STATUSES.join(', ')}`, oneOf(['open', ...INCIDENT_STATUSES] as const))
    .option('--severity <severity>', `only this severity: ${INCIDENT_SEVERITIES.join(', ')}`, oneOf(INCIDENT_SEVERITIES))
    .option('--limit <n>', 'at most this many (up to 200)', positiveInt, 50)
    .addOption(outputOption())
    .action(async (opts: { service?: string; team?: string; status?: string; severity?: string; limit: number; output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', '/api/v1/incidents', { query: { service: opts.service, owner: opts.team, status: opts.status, severity: opts.severity, limit: Math.min(opts.limit, 200) }, schema: incidentListSchema });
      if (!items.length && (opts.output ?? 'table') === 'table') return note('no incidents');
      printList(
        items,
        [
          { header: 'id', value: (i) => i.id },
          { header: 'status', value: (i) => i.status },
          { header: 'severity', value: (i) => i.severity },
          { header: 'service', value: (i) => i.service },
          { header: 'title', value: (i) => i.title, max: 60 },
          { header: 'commander', value: (i) => i.commander },
          { header: 'started', value: (i) => shortTime(i.startedAt) },
          { header: 'resolved', value: (i) => shortTime(i.resolvedAt) },
        ],
        opts.output,
      );
    });

  incident
    .command('show')
    .description('an incident with its alerts and timeline')
    .argument('<id>', 'the incident’s number', incidentId)
    .addOption(outputOption())
    .action(async (id: number, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const view = await api.request('GET', apiPath('/api/v1/incidents', String(id)), { schema: incidentDetailSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      printIncident(view);
    });

  incident
    .command('open')
    .description('open an incident by hand (members of the team owning the service): prints its number')
    .requiredOption('--service <service>', 'the service it affects')
    .requiredOption('--title <title>', 'what is wrong, in a few words')
    .option('--severity <severity>', INCIDENT_SEVERITIES.join(', '), oneOf(INCIDENT_SEVERITIES), 'page')
    .option('--impact <text>', 'what users notice')
    .option('--commander <name>', 'who leads the response')
    .addOption(outputOption())
    .action(async (opts: { service: string; title: string; severity: string; impact?: string; commander?: string; output?: OutputFormat }) => {
      const api = await connect();
      const view = await api.request('POST', '/api/v1/incidents', { body: { service: opts.service, title: opts.title, severity: opts.severity, impact: opts.impact, commander: opts.commander }, schema: incidentDetailSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      print(String(view.id));
      note(`incident #${view.id} opened on ${view.service}: ${view.title}`);
    });

  incident
    .command('update')
    .description('change an incident (members of the owning team); each change goes on its timeline')
    .argument('<id>', 'the incident’s number', incidentId)
    .option('--status <status>', INCIDENT_STATUSES.join(', '), oneOf(INCIDENT_STATUSES))
    .option('--commander <name>', 'who leads the response ("" to clear)')
    .option('--impact <text>', 'what users notice')
    .option('--title <title>', 'a new title')
    .option('--resolution <text>', 'what restored the service')
    .option('--note <text>', 'add a note to the timeline')
    .addOption(outputOption())
    .action(async (id: number, opts: { status?: IncidentPatch['status']; commander?: string; impact?: string; title?: string; resolution?: string; note?: string; output?: OutputFormat }) => {
      const patch: Record<string, unknown> = {};
      if (opts.status) patch.status = opts.status;
      if (opts.commander !== undefined) patch.commander = opts.commander.trim() || null;
      for (const k of ['impact', 'title', 'resolution'] as const) if (opts[k] !== undefined) patch[k] = opts[k];
      if (!Object.keys(patch).length && opts.note === undefined) throw new CliError('give at least one of --status, --commander, --impact, --title, --resolution, --note');
      const api = await connect();
      let view: IncidentDetail | null = null;
      if (Object.keys(patch).length) view = await api.request('PATCH', apiPath('/api/v1/incidents', String(id)), { body: patch, schema: incidentDetailSchema });
      if (opts.note !== undefined) view = await api.request('POST', apiPath('/api/v1/incidents', String(id), 'notes'), { body: { text: opts.note }, schema: incidentDetailSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      print(`#${view!.id} ${view!.status}${view!.commander ? `, commander ${view!.commander}` : ''}`);
    });

  incident
    .command('resolve')
    .description('resolve an incident (members of the owning team): says what restored the service')
    .argument('<id>', 'the incident’s number', incidentId)
    .requiredOption('--resolution <text>', 'what restored the service')
    .addOption(outputOption())
    .action(async (id: number, opts: { resolution: string; output?: OutputFormat }) => {
      const api = await connect();
      const view = await api.request('PATCH', apiPath('/api/v1/incidents', String(id)), { body: { status: 'resolved', resolution: opts.resolution }, schema: incidentDetailSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      print(`#${view.id} resolved at ${view.resolvedAt}`);
    });
}
