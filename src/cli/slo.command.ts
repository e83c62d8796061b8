import type { Command } from 'commander';
import { BURN_WINDOWS, sloListSchema, sloStatusSchema, type SloStatus, type SloSummary } from '../shared/alerting.schema.ts';
import { alertStatesText, budgetText, burnText, percentText } from '../shared/slo-words.ts';
import { apiPath, type ApiClient } from './api-client.ts';
import { connect } from './config.ts';
import { note, outputOption, print, printData, printList, type OutputFormat } from './output.ts';

/** Every SLO (of a team, of a service), every page of them. */
async function listSlos(api: ApiClient, q: { team?: string; service?: string }): Promise<SloSummary[]> {
  const all: SloSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request('GET', '/api/v1/slos', { query: { owner: q.team, service: q.service, limit: 200, cursor }, schema: sloListSchema });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** An SLO's status as `slo show` prints it: one field a line. */
function printStatus(s: Omit<SloStatus, 'history'>): void {
  const fields: [string, string][] = [
    ['slo', s.name],
    ['team', s.owner],
    ['service', s.service],
    ['objective', `${s.objective}% over ${s.window}`],
    ['sli', s.sli === null ? 'no events yet' : `${percentText(s.sli)} (${s.good} good of ${s.total} events)`],
    ['budget left', budgetText(s)],
    ['burn rates', BURN_WINDOWS.map((w) => `${w} ${burnText(s.burnRates[w])}`).join('  ')],
    ['alerts', alertStatesText(s)],
  ];
  print(fields.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`).join('\n'));
}

/** `ethos slo [list]` and `ethos slo show <name>`: SLOs' SLI, error budget left and burn-rate alerts. */
export function registerSloCommands(program: Command): void {
  const slo = program.command('slo').description('SLOs: their SLI, error budget left (as a share and as time) and burn-rate alerts');

  slo
    .command('list', { isDefault: true })
    .description('SLOs of every team by name (the default)')
    .option('--team <team>', 'only SLOs of this team')
    .option('--service <service>', 'only SLOs of this service')
    .addOption(outputOption())
    .action(async (opts: { team?: string; service?: string; output?: OutputFormat }) => {
      const api = await connect();
      const items = await listSlos(api, opts);
      const format = opts.output ?? 'table';
      if (!items.length && format === 'table') return note(opts.team || opts.service ? 'no SLO matches' : 'no team has an SLO yet');
      printList(
        items,
        [
          { header: 'name', value: (s) => s.name },
          { header: 'team', value: (s) => s.owner },
          { header: 'service', value: (s) => s.service },
          { header: 'objective', value: (s) => `${s.objective}%` },
          { header: 'window', value: (s) => s.window },
          { header: 'sli', value: (s) => (s.sli === null ? null : percentText(s.sli)) },
          { header: 'budget left', value: (s) => budgetText(s) },
          { header: 'alerts', value: (s) => alertStatesText(s) },
        ],
        format,
      );
    });

  slo
    .command('show')
    .description('one SLO: its SLI and error budget over its window, its burn rates from 5m to 3d and its burn-rate alerts')
    .argument('<name>', 'the SLO (`ethos slo` lists them)')
    .addOption(outputOption())
    .action(async (name: string, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const { history: _history, ...status } = await api.request('GET', apiPath('/api/v1/slos', name, 'status'), { schema: sloStatusSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(status, opts.output);
      printStatus(status);
    });
}
