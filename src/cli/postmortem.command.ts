import { InvalidArgumentError, type Command } from 'commander';
import {
  ACTION_ITEM_STATUSES,
  ACTION_ITEM_TYPES,
  actionItemListSchema,
  actionItemSchema,
  POSTMORTEM_SECTIONS,
  POSTMORTEM_STATUSES,
  postmortemDetailSchema,
  postmortemListSchema,
  SECTION_LABELS,
  type ActionItem,
  type PostmortemDetail,
} from '../shared/postmortem.schema.ts';
import { apiPath } from './api-client.ts';
import { connect } from './config.ts';
import { collect, oneOf, positiveInt } from './options.ts';
import { note, outputOption, print, printData, printList, renderTable, shortTime, type OutputFormat } from './output.ts';

function number(what: string) {
  return (value: string): number => {
    const n = Number(value.replace(/^#/, ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected ${what} number such as 12`);
    return n;
  };
}

function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('expected a date such as 2026-07-01');
  return value;
}

/** The blameless check's advice, on standard error: it never stops anything. */
function adviseOn(p: PostmortemDetail): void {
  if (!p.warnings.length) return;
  note(`blameless language (advice only):`);
  for (const w of p.warnings) note(`  ${w.field ?? ''}: “${w.match}” — ${w.suggestion}`);
}

const ITEM_COLUMNS = [
  { header: 'id', value: (a: ActionItem) => a.id },
  { header: 'team', value: (a: ActionItem) => a.team },
  { header: 'due', value: (a: ActionItem) => `${a.dueDate}${a.overdue ? ' OVERDUE' : ''}` },
  { header: 'status', value: (a: ActionItem) => a.status },
  { header: 'type', value: (a: ActionItem) => a.type },
  { header: 'title', value: (a: ActionItem) => a.title, max: 60 },
  { header: 'postmortem', value: (a: ActionItem) => (a.postmortem === null ? null : `#${a.postmortem}`) },
];

/** A postmortem as `show` prints it: its fields, each written section, the timeline, links and action items. */
function printPostmortem(p: PostmortemDetail): void {
  const fields: [string, string][] = [
    ['postmortem', `#${p.id} ${p.title}`],
    ['team', p.team],
    ['status', p.status],
    ['incident', p.incident === null ? '-' : `#${p.incident}`],
    ['started', p.startedAt ?? '-'],
    ['resolved', p.resolvedAt ?? '-'],
    ['published', p.publishedAt ?? '-'],
    ['revision', `${p.revision} (by ${p.createdBy} first, last change ${p.updatedAt})`],
  ];
  print(fields.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`).join('\n'));
  for (const s of POSTMORTEM_SECTIONS) {
    if (p[s].trim()) print(`\n## ${SECTION_LABELS[s].label}\n${p[s]}`);
  }
  if (p.timeline.length) {
    print('\n## Timeline');
    print(renderTable(p.timeline, [{ header: 'at', value: (e) => shortTime(e.at) }, { header: 'what', value: (e) => e.text, max: 100 }]));
  }
  if (p.links.length) print(`\n## Supporting links\n${p.links.map((l) => `- ${l.title}: ${l.url}`).join('\n')}`);
  if (p.actionItems.length) {
    print('\n## Action items');
    print(renderTable(p.actionItems, ITEM_COLUMNS.filter((c) => c.header !== 'postmortem')));
  }
}

/**
 * `ethos postmortem list|show|create|review|publish` and `ethos actions [add|done]`: blameless
 * postmortems and the action items that come out of them.
 */
export function registerPostmortemCommands(program: Command): void {
  const pm = program.command('postmortem').description('blameless postmortems: drafts are your team’s; published ones are everyone’s to read and search');

  pm.command('list')
    .description('postmortems you may read, newest first')
    .option('--team <team>', 'only this team’s')
    .option('--status <status>', POSTMORTEM_STATUSES.join(', '), oneOf(POSTMORTEM_STATUSES))
    .option('--search <words>', 'words in the title, summary, root causes or lessons (published postmortems only)')
    .option('--incident <n>', 'the postmortem of this incident', number('an incident'))
    .option('--limit <n>', 'at most this many (up to 200)', positiveInt, 50)
    .addOption(outputOption())
    .action(async (opts: { team?: string; status?: string; search?: string; incident?: number; limit: number; output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', '/api/v1/postmortems', {
        query: { team: opts.team, status: opts.status, q: opts.search, incident: opts.incident, limit: Math.min(opts.limit, 200) },
        schema: postmortemListSchema,
      });
      if (!items.length && (opts.output ?? 'table') === 'table') return note('no postmortems');
      printList(
        items,
        [
          { header: 'id', value: (p) => p.id },
          { header: 'status', value: (p) => p.status },
          { header: 'team', value: (p) => p.team },
          { header: 'incident', value: (p) => (p.incident === null ? null : `#${p.incident}`) },
          { header: 'title', value: (p) => p.title, max: 60 },
          { header: 'updated', value: (p) => shortTime(p.updatedAt) },
        ],
        opts.output,
      );
    });

  pm.command('show')
    .description('a postmortem: its sections, timeline, links and action items')
    .argument('<id>', 'the postmortem’s number', number('a postmortem'))
    .addOption(outputOption())
    .action(async (id: number, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const view = await api.request('GET', apiPath('/api/v1/postmortems', String(id)), { schema: postmortemDetailSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      printPostmortem(view);
    });

  pm.command('create')
    .description('start a postmortem (a draft of your team): from an incident, or standalone with --team and --title; prints its number')
    .option('--incident <n>', 'takes the title, impact, resolution, times and timeline from this incident', number('an incident'))
    .option('--team <team>', 'the owning team (default: the incident’s)')
    .option('--title <title>', 'what happened, in a few words (default: the incident’s title)')
    .option('--summary <text>', 'the summary')
    .addOption(outputOption())
    .action(async (opts: { incident?: number; team?: string; title?: string; summary?: string; output?: OutputFormat }) => {
      const api = await connect();
      const view = await api.request('POST', '/api/v1/postmortems', { body: { incident: opts.incident, team: opts.team, title: opts.title, summary: opts.summary }, schema: postmortemDetailSchema });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(view, opts.output);
      print(String(view.id));
      note(`postmortem #${view.id} started for team ${view.team}: ${view.title} (a draft: edit it in the web UI)`);
      adviseOn(view);
    });

  for (const [verb, status, what] of [
    ['review', 'in-review', 'ask the team to review it'],
    ['publish', 'published', 'publish it: everyone can read and search it (it needs a summary)'],
  ] as const) {
    pm.command(verb)
      .description(`${what} (members of the owning team)`)
      .argument('<id>', 'the postmortem’s number', number('a postmortem'))
      .action(async (id: number) => {
        const api = await connect();
        const view = await api.request('POST', apiPath('/api/v1/postmortems', String(id), 'status'), { body: { status }, schema: postmortemDetailSchema });
        print(`#${view.id} ${view.status}`);
        adviseOn(view);
      });
  }

  const actions = program.command('actions').description('action items: `ethos actions [--team T] [--overdue]` lists them, overdue first; `actions add` adds one; `actions done <id>` marks one done');

  actions
    .command('list', { isDefault: true })
    .description('action items you may see, overdue first, then by due date (the default of `ethos actions`)')
    .option('--team <team>', 'only this team’s (repeatable)', collect)
    .option('--overdue', 'only overdue ones')
    .option('--status <status>', `unfinished (open or in progress), ${ACTION_ITEM_STATUSES.join(', ')}`, oneOf(['unfinished', ...ACTION_ITEM_STATUSES] as const))
    .option('--postmortem <n>', 'only this postmortem’s', number('a postmortem'))
    .option('--limit <n>', 'at most this many (up to 200)', positiveInt, 50)
    .addOption(outputOption())
    .action(async (opts: { team?: string[]; overdue?: boolean; status?: string; postmortem?: number; limit: number; output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', '/api/v1/action-items', {
        query: { team: opts.team, overdue: opts.overdue ? 'true' : undefined, status: opts.status, postmortem: opts.postmortem, limit: Math.min(opts.limit, 200) },
        schema: actionItemListSchema,
      });
      if (!items.length && (opts.output ?? 'table') === 'table') return note(opts.overdue ? 'no overdue action items' : 'no action items');
      printList(items, ITEM_COLUMNS, opts.output);
    });

  actions
    .command('add')
    .description('add an action item: to a postmortem of your team (for any team), or standalone for your team; prints its number')
    .requiredOption('--team <team>', 'the owner team: its members do it and mark it done')
    .requiredOption('--title <title>', 'what to do')
    .requiredOption('--due <date>', 'the due date (YYYY-MM-DD)', isoDate)
    .requiredOption('--type <type>', ACTION_ITEM_TYPES.join(', '), oneOf(ACTION_ITEM_TYPES))
    .option('--postmortem <n>', 'the postmortem it comes from', number('a postmortem'))
    .option('--tracker <url>', 'the ticket in your tracker')
    .action(async (opts: { team: string; title: string; due: string; type: string; postmortem?: number; tracker?: string }) => {
      const api = await connect();
      const item = await api.request('POST', '/api/v1/action-items', {
        body: { team: opts.team, title: opts.title, dueDate: opts.due, type: opts.type, postmortem: opts.postmortem, trackerUrl: opts.tracker },
        schema: actionItemSchema,
      });
      print(String(item.id));
      note(`action item #${item.id} for ${item.team}, due ${item.dueDate}`);
    });

  actions
    .command('done')
    .description('mark an action item done (members of its owner team)')
    .argument('<id>', 'the action item’s number', number('an action item'))
    .action(async (id: number) => {
      const api = await connect();
      const item = await api.request('PATCH', apiPath('/api/v1/action-items', String(id)), { body: { status: 'done' }, schema: actionItemSchema });
      print(`#${item.id} done${item.completedAt && item.completedAt.slice(0, 10) > item.dueDate ? ` (due ${item.dueDate})` : ''}`);
    });
}
