import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { resourceViewSchema } from '../shared/resource.schema.ts';
import { invitationListSchema, questionnaireViewSchema, roundListSchema, roundResultsSchema, roundViewSchema, SURVEY_KIND, type RoundResults, type RoundView } from '../shared/survey.schema.ts';
import { apiPath, createApiClient, type ApiClient } from './api-client.ts';
import { connect, resolveConnection } from './config.ts';
import { positiveInt } from './options.ts';
import { CliError, note, outputOption, print, printData, printList, renderTable, shortTime, type OutputFormat } from './output.ts';

const surveyListSchema = z.object({ items: z.array(resourceViewSchema) });

/** A client of the server that sends no token: the code is the credential, and nothing should name the person. */
async function connectAnonymously(): Promise<ApiClient> {
  return createApiClient({ url: (await resolveConnection()).url });
}

/** `14d` from now, a date (end of that day, UTC) or an instant. */
export function parseWhen(value: string, now = Date.now()): string {
  const days = /^(\d{1,3})d$/.exec(value);
  if (days) return new Date(now + Number(days[1]) * 86400_000).toISOString();
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59Z` : value);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected a number of days (14d), a date (2026-12-31) or an instant (2026-12-31T17:00:00Z)');
  return new Date(t).toISOString();
}

/** `id=value,id=value` → answers. */
function parseAnswers(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const out = { ...previous };
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([\w.-]+)=([1-7])$/.exec(part);
    if (!m) throw new InvalidArgumentError(`"${part}": expected statement=answer with an answer from 1 to 7 (see: ethos survey questions <code>)`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

const participation = (r: RoundView) => r.participation.map((p) => `${p.group} ${p.responses ?? 'hidden'}/${p.invited}`).join(', ');

function printResults(r: RoundResults, items: boolean): void {
  print(`survey ${r.survey}, round ${r.round} (${shortTime(r.opensAt)} – ${shortTime(r.closesAt)}); groups under ${r.minimumResponses} responses are not shown`);
  const instruments = [...new Set(r.groups.flatMap((g) => g.instruments.map((i) => i.instrument)))];
  print(
    renderTable(r.groups, [
      { header: 'group', value: (g) => g.group },
      { header: 'responses', value: (g) => (g.shown ? `${g.responses}/${g.invited}` : g.withheld === 'below-minimum' ? `under ${r.minimumResponses}` : 'withheld (derivable)') },
      ...instruments.map((ins) => ({ header: ins, value: (g: RoundResults['groups'][number]) => g.instruments.find((i) => i.instrument === ins)?.score.toFixed(2) ?? '-' })),
    ]),
  );
  if (!items) return;
  for (const g of r.groups.filter((x) => x.shown)) {
    print(`\n${g.group}:`);
    print(renderTable(g.instruments.flatMap((i) => i.items), [{ header: 'statement', value: (i) => i.id }, { header: 'score', value: (i) => i.mean.toFixed(2) }, { header: 'answers 1..7', value: (i) => i.distribution.join(' ') }, { header: 'text', value: (i) => i.text, max: 70 }]));
    if (g.comments.length) print(`comments:\n${g.comments.map((c) => `  - ${c}`).join('\n')}`);
  }
}

/** `ethos survey …`: anonymous team surveys — rounds, invitations, answers and results. */
export function registerSurveyCommands(program: Command): void {
  const survey = program.command('survey').description('anonymous team surveys (psychological safety, Westrum culture): rounds, your invitations, answers and results');

  survey
    .command('list')
    .description('every survey, with the team running it and the teams it asks')
    .addOption(outputOption())
    .action(async (opts: { output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', apiPath('/api/v1/resources', SURVEY_KIND), { query: { limit: 200 }, schema: surveyListSchema });
      if (!items.length && (opts.output ?? 'table') === 'table') return note('no surveys');
      printList(
        items,
        [
          { header: 'name', value: (s) => s.metadata.name },
          { header: 'owner', value: (s) => s.metadata.owner },
          { header: 'title', value: (s) => String(s.spec.title), max: 50 },
          { header: 'asks', value: (s) => (s.spec.targets as string[]).join(',') },
        ],
        opts.output,
      );
    });

  survey
    .command('rounds <name>')
    .description("a survey's rounds, newest first, with responses where the reporting minimum allows")
    .addOption(outputOption())
    .action(async (name: string, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', apiPath('/api/v1/surveys', name, 'rounds'), { schema: roundListSchema });
      if (!items.length && (opts.output ?? 'table') === 'table') return note(`survey ${name} has no rounds yet`);
      printList(
        items,
        [
          { header: 'round', value: (r) => r.number },
          { header: 'status', value: (r) => r.status },
          { header: 'opens', value: (r) => shortTime(r.opensAt) },
          { header: 'closes', value: (r) => shortTime(r.closesAt) },
          { header: 'responses/invited', value: participation },
        ],
        opts.output,
      );
    });

  survey
    .command('open <name>')
    .description('open (or schedule) a round: every member of the target teams is invited (members of the team running the survey)')
    .requiredOption('--closes <when>', 'when it closes: 14d, a date (end of day, UTC) or an instant')
    .option('--opens <when>', 'when it opens (default: now)')
    .action(async (name: string, opts: { closes: string; opens?: string }) => {
      const body = { closesAt: parseWhen(opts.closes), ...(opts.opens ? { opensAt: parseWhen(opts.opens) } : {}) };
      const api = await connect();
      const round = await api.request('POST', apiPath('/api/v1/surveys', name, 'rounds'), { body, schema: roundViewSchema });
      const invited = round.participation.find((p) => p.group === 'organisation')?.invited ?? 0;
      note(`round ${round.number} of ${name} is ${round.status} until ${round.closesAt}: ${invited} people invited`);
      print(String(round.number));
    });

  survey
    .command('close <name> <round>')
    .description('close a round now; its results appear at once (members of the team running the survey)')
    .action(async (name: string, round: string) => {
      const n = positiveInt(round);
      const api = await connect();
      const view = await api.request('POST', apiPath('/api/v1/surveys', name, 'rounds', n, 'close'), { schema: roundViewSchema });
      note(`round ${view.number} of ${name} closed: ${participation(view)}`);
    });

  survey
    .command('remind <name> <round>')
    .description('remind everyone invited who has not answered yet, at most once a day (members of the team running the survey)')
    .action(async (name: string, round: string) => {
      const n = positiveInt(round);
      const api = await connect();
      await api.request('POST', apiPath('/api/v1/surveys', name, 'rounds', n, 'remind'));
      note(`reminders sent for round ${n} of ${name} to everyone who has not answered`);
    });

  survey
    .command('results <name>')
    .description('results of a closed round (default: the latest closed one): scores per group you may see')
    .option('--round <n>', 'this round', positiveInt)
    .option('--items', 'also each statement: score, how people answered, comments')
    .addOption(outputOption())
    .action(async (name: string, opts: { round?: number; items?: boolean; output?: OutputFormat }) => {
      const api = await connect();
      let round = opts.round;
      if (round === undefined) {
        const { items } = await api.request('GET', apiPath('/api/v1/surveys', name, 'rounds'), { schema: roundListSchema });
        round = items.find((r) => r.status === 'closed')?.number;
        if (round === undefined) throw new CliError(`survey ${name} has no closed round yet: results appear when a round closes`);
      }
      const results = await api.request('GET', apiPath('/api/v1/surveys', name, 'rounds', round, 'results'), { schema: roundResultsSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(results, opts.output);
      printResults(results, !!opts.items);
    });

  survey
    .command('invitations')
    .description('your invitations, with your personal code while a round takes answers')
    .addOption(outputOption())
    .action(async (opts: { output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', '/api/v1/me/survey-invitations', { schema: invitationListSchema });
      if (!items.length && (opts.output ?? 'table') === 'table') return note('no survey has asked you anything yet');
      printList(
        items,
        [
          { header: 'survey', value: (i) => i.survey },
          { header: 'round', value: (i) => i.round },
          { header: 'team', value: (i) => i.team },
          { header: 'status', value: (i) => i.status },
          { header: 'closes', value: (i) => shortTime(i.closesAt) },
          { header: 'code', value: (i) => i.code ?? '-' },
        ],
        opts.output,
      );
    });

  survey
    .command('questions <code>')
    .description('what a personal code asks: statement ids and the answer scale')
    .action(async (code: string) => {
      const api = await connectAnonymously();
      const view = await api.request('POST', '/api/v1/survey-responses/questionnaire', { body: { code }, schema: questionnaireViewSchema });
      print(`${view.questionnaire.title} — about team ${view.team}, round ${view.round}, ${view.status}, closes ${view.closesAt}`);
      for (const s of view.questionnaire.sections) {
        print(`\n${s.title} (1 = ${s.scale[0]} … 7 = ${s.scale[6]})`);
        print(renderTable(s.items, [{ header: 'statement', value: (i) => i.id }, { header: 'text', value: (i) => i.text, max: 90 }]));
      }
      if (view.questionnaire.freeText) print(`\nfree text (--comment): ${view.questionnaire.freeText}`);
    });

  survey
    .command('respond <code>')
    .description('answer anonymously, once: every statement 1–7 (stored with no link to you, the code or the time)')
    .requiredOption('--answers <list>', 'statement=answer pairs, comma-separated (repeatable)', parseAnswers)
    .option('--comment <text>', 'the optional free-text answer')
    .action(async (code: string, opts: { answers: Record<string, number>; comment?: string }) => {
      const api = await connectAnonymously();
      await api.request('POST', '/api/v1/survey-responses', { body: { code, answers: opts.answers, ...(opts.comment ? { comment: opts.comment } : {}) } });
      note('answers recorded, anonymously');
    });
}
