import type { Command } from 'commander';
import { z } from 'zod';
import { applyResultSchema, type ApplyResult } from '../shared/api.schema.ts';
import { ApiError, type ApiClient } from './api-client.ts';
import { connect } from './config.ts';
import { readDocumentsOrFail, type SourceDocument } from './document-files.ts';
import { CliError, note, outputOption, print, printData, type OutputFormat } from './output.ts';

/** Documents per apply request: the server takes up to 2000, half keeps requests modest. */
export const APPLY_BATCH_SIZE = 1000;

const applyAnswerSchema = z.object({ dryRun: z.boolean(), results: z.array(applyResultSchema) });

/** The outcome of one document, with the file it came from. */
export interface AppliedDocument {
  source: SourceDocument;
  result: ApplyResult;
}

function isTeam(d: SourceDocument): boolean {
  return !!d.value && typeof d.value === 'object' && (d.value as { kind?: unknown }).kind === 'Team';
}

function describeSource(d: SourceDocument | undefined): string {
  return d ? `${d.file}:${d.line}` : 'unknown document';
}

/** Turns a refused batch into an error naming the files of the offending documents. */
function batchError(err: ApiError, batch: SourceDocument[], batchNo: number, batches: number): CliError {
  const lines = [err.message];
  const invalid = (err.details as { documents?: { index?: unknown; message?: unknown }[] } | undefined)?.documents;
  if (Array.isArray(invalid)) {
    for (const d of invalid) {
      const source = typeof d.index === 'number' ? batch[d.index] : undefined;
      lines.push(`  ${describeSource(source)}: ${typeof d.message === 'string' ? d.message : 'invalid'}`);
    }
  }
  if (batchNo > 0) lines.push(`batches 1-${batchNo} of ${batches} were applied before this one failed; fix the error and apply again`);
  return new CliError(lines.join('\n'));
}

/**
 * Sends documents to POST /api/v1/apply in batches of at most APPLY_BATCH_SIZE, Team documents
 * first so later batches can name the teams as owners.
 * @remarks Each batch is one transaction on the server; a dry run of several batches judges each
 * batch alone, so a dry run of more than APPLY_BATCH_SIZE documents may miss cross-batch effects.
 */
export async function applyDocuments(api: ApiClient, docs: SourceDocument[], opts: { dryRun: boolean; message?: string }): Promise<AppliedDocument[]> {
  const ordered = [...docs.filter(isTeam), ...docs.filter((d) => !isTeam(d))];
  const batches: SourceDocument[][] = [];
  for (let i = 0; i < ordered.length; i += APPLY_BATCH_SIZE) batches.push(ordered.slice(i, i + APPLY_BATCH_SIZE));
  const applied: AppliedDocument[] = [];
  for (const [n, batch] of batches.entries()) {
    let answer;
    try {
      answer = await api.request('POST', '/api/v1/apply', {
        body: { documents: batch.map((d) => d.value), dryRun: opts.dryRun, message: opts.message },
        schema: applyAnswerSchema,
      });
    } catch (err) {
      if (err instanceof ApiError) throw batchError(err, batch, n, batches.length);
      throw err;
    }
    answer.results.forEach((result, i) => applied.push({ source: batch[i]!, result }));
  }
  return applied;
}

/** `Kind/name: outcome` as `ethos apply` prints it. */
export function describeOutcome(r: ApplyResult, dryRun = false): string {
  const label = `${r.kind ?? '?'}/${r.name ?? '?'}`;
  switch (r.outcome) {
    case 'proposed':
      return `${label}: proposed (${r.changeRequest !== null ? `change request #${r.changeRequest}` : dryRun ? 'would open a change request' : 'change request'})`;
    case 'denied':
    case 'invalid':
      return `${label}: ${r.outcome} (${r.error?.message ?? 'no reason given'})`;
    default:
      return `${label}: ${r.outcome}`;
  }
}

/** True when an outcome makes the command fail. */
export function isFailure(r: ApplyResult): boolean {
  return r.outcome === 'denied' || r.outcome === 'invalid';
}

/**
 * Prints each outcome and its diff (or all results, with `extra`, as data); sets a failing exit
 * status on denials.
 */
export function reportApplied(applied: AppliedDocument[], opts: { dryRun: boolean; format?: OutputFormat; diffsOnly?: boolean; extra?: Record<string, unknown> }): void {
  const results = applied.map((a) => a.result);
  if (opts.format === 'json' || opts.format === 'yaml') {
    printData({ dryRun: opts.dryRun, ...opts.extra, results }, opts.format);
  } else {
    for (const r of results) {
      if (opts.diffsOnly) {
        if (r.diff) print(r.diff);
        if (isFailure(r)) note(describeOutcome(r, opts.dryRun));
        continue;
      }
      print(describeOutcome(r, opts.dryRun));
      if (r.diff) print(r.diff);
    }
    const counts = new Map<string, number>();
    for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    const summary = [...counts.entries()].map(([k, v]) => `${v} ${k}`).join(', ') || 'no documents';
    note(`${summary}${opts.dryRun ? ' (dry run: nothing was written)' : ''}`);
  }
  if (results.some(isFailure)) process.exitCode = 1;
}

async function loadDocuments(target: string): Promise<SourceDocument[]> {
  const docs = await readDocumentsOrFail(target);
  if (!docs.length) throw new CliError(`no documents found in ${target}`);
  return docs;
}

/** `ethos apply` and `ethos diff`: declarative writes from YAML/JSON files. */
export function registerApplyCommands(program: Command): void {
  program
    .command('apply')
    .description('create or update resources from files; what you do not own becomes a change request')
    .requiredOption('-f, --file <path>', 'a file, or a directory read recursively (*.yaml, *.yml, *.json)')
    .option('--dry-run', 'show what would happen without writing', false)
    .option('-m, --message <text>', 'message recorded on each revision or change request')
    .addOption(outputOption())
    .action(async (opts: { file: string; dryRun: boolean; message?: string; output?: OutputFormat }) => {
      const docs = await loadDocuments(opts.file);
      const api = await connect();
      const applied = await applyDocuments(api, docs, { dryRun: opts.dryRun, message: opts.message });
      reportApplied(applied, { dryRun: opts.dryRun, format: opts.output });
    });

  program
    .command('diff')
    .description('show the diffs "ethos apply" would make, without writing')
    .requiredOption('-f, --file <path>', 'a file, or a directory read recursively (*.yaml, *.yml, *.json)')
    .action(async (opts: { file: string }) => {
      const docs = await loadDocuments(opts.file);
      const api = await connect();
      const applied = await applyDocuments(api, docs, { dryRun: true });
      reportApplied(applied, { dryRun: true, diffsOnly: true });
    });
}
