import { type Command, Option } from 'commander';
import { z } from 'zod';
import { changeRequestViewSchema, type ChangeRequestView } from '../shared/api.schema.ts';
import { ApiError, apiPath } from './api-client.ts';
import { connect } from './config.ts';
import { positiveInt } from './options.ts';
import { CliError, note, outputOption, print, printData, printList, shortTime, type OutputFormat } from './output.ts';

const listSchema = z.object({ items: z.array(changeRequestViewSchema), nextCursor: z.string().nullable() });

const VERDICT_WORDS = { approve: 'approved', request_changes: 'requested changes', comment: 'commented' } as const;

function indent(text: string, by = '  '): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

/** The human form of one change request: summary, diff, reviews, and the conflict when stale. */
export function renderChangeRequest(cr: ChangeRequestView): string {
  const out: string[] = [];
  out.push(`#${cr.id} ${cr.operation} ${cr.kind}/${cr.name} (owner: ${cr.owner}): ${cr.state}`);
  out.push(`author:    ${cr.author}, ${shortTime(cr.createdAt)}`);
  if (cr.message) out.push(`message:   ${cr.message.includes('\n') ? `\n${indent(cr.message)}` : cr.message}`);
  out.push(`revision:  proposed against ${cr.baseRevision}, current ${cr.currentRevision}${cr.stale ? ' (stale: the resource changed since)' : ''}`);
  if (cr.state === 'merged') out.push(`merged:    by ${cr.mergedBy ?? '?'} as revision ${cr.mergedRevision ?? '?'}`);
  else if (cr.state === 'open') {
    out.push(`approvals: ${cr.approvals.length ? cr.approvals.join(', ') : 'none'}`);
    out.push(`mergeable: ${cr.mergeable ? 'yes' : 'no'}`);
  }
  out.push('', cr.diff ? cr.diff.replace(/\n$/, '') : '(no changes)');
  if (cr.conflict) {
    out.push('', `conflict: the resource changed since revision ${cr.baseRevision}; the author must update the proposal`);
    out.push('changes made since the proposal was opened:', indent(cr.conflict.baseToCurrent || '(none)'));
    out.push('the proposal, against the revision it was based on:', indent(cr.conflict.baseToProposed || '(none)'));
  }
  const reviews = cr.reviews ?? [];
  out.push('', reviews.length ? 'reviews:' : 'reviews:   none');
  for (const r of reviews) {
    out.push(`  ${shortTime(r.createdAt)} ${r.author} ${VERDICT_WORDS[r.verdict]}${r.current ? '' : ` (on version ${r.version}, outdated)`}${r.body ? ':' : ''}`);
    if (r.body) out.push(indent(r.body, '    '));
  }
  return `${out.join('\n')}\n`;
}

async function getChangeRequest(id: number): Promise<ChangeRequestView> {
  const api = await connect();
  return api.request('GET', apiPath('/api/v1/change-requests', id), { schema: changeRequestViewSchema });
}

/** Prints a change request in the chosen format, the human form by default. */
function printChangeRequest(cr: ChangeRequestView, format: OutputFormat | undefined, headline?: string): void {
  if (format === 'json' || format === 'yaml') return printData(cr, format);
  if (headline) return print(headline);
  print(renderChangeRequest(cr));
}

/** `ethos cr …`: list, show, review, merge and close change requests. */
export function registerChangeRequestCommands(program: Command): void {
  const cr = program.command('cr').description('change requests: proposals to change resources you do not own');

  cr.command('list')
    .description('list change requests, newest first')
    .addOption(new Option('--state <state>', 'only change requests in this state').choices(['open', 'merged', 'closed']))
    .option('--to-review', 'open change requests your teams should review', false)
    .option('--mine', 'change requests you opened', false)
    .option('--owner <team>', 'only change requests to resources of this team')
    .option('--limit <n>', 'at most this many (at most 200)', positiveInt, 50)
    .addOption(outputOption())
    .action(async (opts: { state?: string; toReview: boolean; mine: boolean; owner?: string; limit: number; output?: OutputFormat }) => {
      const api = await connect();
      const page = await api.request('GET', '/api/v1/change-requests', {
        query: { state: opts.state, toReview: opts.toReview || undefined, mine: opts.mine || undefined, owner: opts.owner, limit: opts.limit },
        schema: listSchema,
      });
      if (page.nextCursor) note(`more change requests exist; raise --limit to see them`);
      if (!page.items.length && (opts.output ?? 'table') === 'table') note('no change requests found');
      printList(
        page.items,
        [
          { header: 'id', value: (c) => `#${c.id}` },
          { header: 'state', value: (c) => (c.state === 'open' && c.stale ? 'open (stale)' : c.state) },
          { header: 'operation', value: (c) => c.operation },
          { header: 'resource', value: (c) => `${c.kind}/${c.name}` },
          { header: 'owner', value: (c) => c.owner },
          { header: 'author', value: (c) => c.author },
          { header: 'approvals', value: (c) => c.approvals.join(',') },
          { header: 'updated', value: (c) => shortTime(c.updatedAt) },
          { header: 'message', value: (c) => c.message, max: 60 },
        ],
        opts.output,
      );
    });

  cr.command('show')
    .description('show a change request: its diff, reviews, and the conflict when it is stale')
    .argument('<id>', 'change request number', positiveInt)
    .addOption(outputOption())
    .action(async (id: number, opts: { output?: OutputFormat }) => printChangeRequest(await getChangeRequest(id), opts.output));

  cr.command('review')
    .description('approve or request changes (owning team), or comment (anyone)')
    .argument('<id>', 'change request number', positiveInt)
    .addOption(new Option('--approve', 'approve the change').conflicts(['requestChanges', 'comment']))
    .addOption(new Option('--request-changes', 'block the change until it is updated').conflicts(['comment']))
    .option('--comment', 'comment only (needs -m)')
    .option('-m, --message <text>', 'review text')
    .addOption(outputOption())
    .action(async (id: number, opts: { approve?: boolean; requestChanges?: boolean; comment?: boolean; message?: string; output?: OutputFormat }) => {
      const verdict = opts.approve ? 'approve' : opts.requestChanges ? 'request_changes' : opts.comment ? 'comment' : undefined;
      if (!verdict) throw new CliError('choose one of --approve, --request-changes or --comment');
      if (verdict === 'comment' && !opts.message?.trim()) throw new CliError('a comment needs text: add -m "<text>"');
      const api = await connect();
      const view = await api.request('POST', apiPath('/api/v1/change-requests', id, 'reviews'), {
        body: { verdict, body: opts.message ?? '' },
        schema: changeRequestViewSchema,
      });
      const state = view.mergeable ? 'it can be merged now' : view.stale ? 'it is stale' : `approvals: ${view.approvals.join(', ') || 'none'}`;
      printChangeRequest(view, opts.output, `#${id}: ${VERDICT_WORDS[verdict]} (${state})`);
    });

  cr.command('merge')
    .description('merge an approved, up-to-date change request (owning team)')
    .argument('<id>', 'change request number', positiveInt)
    .addOption(outputOption())
    .action(async (id: number, opts: { output?: OutputFormat }) => {
      const api = await connect();
      let view: ChangeRequestView;
      try {
        view = await api.request('POST', apiPath('/api/v1/change-requests', id, 'merge'), { schema: changeRequestViewSchema });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'CHANGE_REQUEST_STALE') throw new CliError(`${err.message}\nrun "ethos cr show ${id}" to see the conflict`);
        throw err;
      }
      printChangeRequest(view, opts.output, `#${id}: merged into ${view.kind}/${view.name} as revision ${view.mergedRevision ?? '?'}`);
    });

  cr.command('close')
    .description('close a change request without merging (author or owning team)')
    .argument('<id>', 'change request number', positiveInt)
    .addOption(outputOption())
    .action(async (id: number, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const view = await api.request('PATCH', apiPath('/api/v1/change-requests', id), { body: { state: 'closed' }, schema: changeRequestViewSchema });
      printChangeRequest(view, opts.output, `#${id}: closed`);
    });
}
