import { InvalidArgumentError, type Command } from 'commander';
import { resourceListSchema } from '../shared/api.schema.ts';
import { quotaViewSchema, type QuotaViewDto } from '../shared/telemetry.schema.ts';
import { apiPath, type ApiClient } from './api-client.ts';
import { connect } from './config.ts';
import { CliError, note, outputOption, printData, printList, type OutputFormat } from './output.ts';

type Measure = keyof QuotaViewDto['limits'];

/** The measures in the order they are printed, with their names on the command line. */
const MEASURES: { key: Measure; label: string; option: string }[] = [
  { key: 'activeSeries', label: 'active series', option: '--active-series' },
  { key: 'logRecordsPerSecond', label: 'log records/s', option: '--log-records-per-second' },
  { key: 'spansPerSecond', label: 'spans/s', option: '--spans-per-second' },
];

/** How many teams' quotas are asked for at once when listing. */
const CONCURRENCY = 8;
const TEAMS_PER_PAGE = 100;

/**
 * Parses a limit option: a whole number, or "default" (the server's default again).
 * @remarks Commander turns a parser's null into '', so "default" stays a string until the body is built.
 */
function limitValue(value: string): number | 'default' {
  if (value === 'default') return value;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, or "default"');
  return Number(value);
}

/** "80%": the share of a limit used (a limit of 0 is always full). */
function percent(used: number, limit: number): string {
  return `${limit > 0 ? Math.round((used / limit) * 100) : 100}%`;
}

/** "4/5 (80%)": usage of a limit. */
const usage = (used: number, limit: number) => `${used}/${limit} (${percent(used, limit)})`;

/** One team's quota as a table: a row per measure. */
function printQuota(view: QuotaViewDto, format: OutputFormat = 'table'): void {
  if (format !== 'table') return printData(view, format);
  printList(
    MEASURES,
    [
      { header: 'measure', value: (m) => m.label },
      { header: 'used', value: (m) => view.usage[m.key] },
      { header: 'limit', value: (m) => view.limits[m.key] },
      { header: 'use', value: (m) => percent(view.usage[m.key], view.limits[m.key]) },
      { header: 'limit set by', value: (m) => (view.overrides[m.key] === null ? 'default' : 'admin') },
    ],
    'table',
  );
}

/** The names of the teams, a page of them, or every page with `all`. */
async function listTeams(api: ApiClient, all: boolean): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await api.request('GET', '/api/v1/resources/Team', { query: { limit: TEAMS_PER_PAGE, cursor }, schema: resourceListSchema });
    names.push(...page.items.map((t) => t.metadata.name));
    if (!page.nextCursor) return names;
    if (!all) {
      note('more teams exist; add --all to list every one');
      return names;
    }
    cursor = page.nextCursor;
  }
}

/** The quotas of these teams, in their order (a few requests at a time: the API has one team per request). */
async function quotasOf(api: ApiClient, teams: string[]): Promise<QuotaViewDto[]> {
  const views: QuotaViewDto[] = new Array(teams.length);
  let next = 0;
  const worker = async () => {
    while (next < teams.length) {
      const i = next++;
      views[i] = await api.request('GET', apiPath('/api/v1/telemetry/quotas', teams[i]!), { schema: quotaViewSchema });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, teams.length) }, worker));
  return views;
}

/** `ethos quotas`: teams' telemetry usage against their quotas; `ethos quotas set` changes a team's limits (admins). */
export function registerQuotaCommands(program: Command): void {
  const quotas = program
    .command('quotas')
    .description("telemetry usage against each team's quotas (active series, log records and spans per second); with a team, that team's")
    .argument('[team]', 'one team: a row per measure')
    .option('--all', 'every team, not just the first 100', false)
    .addOption(outputOption())
    .action(async (team: string | undefined, opts: { all: boolean; output?: OutputFormat }) => {
      const api = await connect();
      if (team) return printQuota(await api.request('GET', apiPath('/api/v1/telemetry/quotas', team), { schema: quotaViewSchema }), opts.output);
      const views = await quotasOf(api, await listTeams(api, opts.all));
      if (!views.length && (opts.output ?? 'table') === 'table') return note('no teams yet');
      printList(
        views,
        [
          { header: 'team', value: (v) => v.team },
          ...MEASURES.map((m) => ({ header: m.label, value: (v: QuotaViewDto) => usage(v.usage[m.key], v.limits[m.key]) })),
          { header: 'limits', value: (v) => (Object.values(v.overrides).some((o) => o !== null) ? 'admin' : 'default') },
        ],
        opts.output,
      );
    });

  quotas
    .command('set')
    .description('set a team\'s telemetry limits (admins); "default" puts one back to the server\'s default')
    .argument('<team>', 'team name')
    .option('--active-series <n>', 'most series of the team\'s services', limitValue)
    .option('--log-records-per-second <n>', 'most log records accepted per second', limitValue)
    .option('--spans-per-second <n>', 'most spans accepted per second', limitValue)
    // `quotas` reads -o wherever it stands, so set takes it from there
    .configureHelp({ showGlobalOptions: true })
    .action(async (team: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<Partial<Record<Measure, number | 'default'>> & { output?: OutputFormat }>();
      const body = Object.fromEntries(MEASURES.filter((m) => opts[m.key] !== undefined).map((m) => [m.key, opts[m.key] === 'default' ? null : opts[m.key]]));
      if (!Object.keys(body).length) throw new CliError(`give at least one of ${MEASURES.map((m) => m.option).join(', ')}`);
      const api = await connect();
      printQuota(await api.request('PUT', apiPath('/api/v1/telemetry/quotas', team), { body, schema: quotaViewSchema }), opts.output);
    });
}
