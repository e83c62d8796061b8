import type { Command } from 'commander';
import { z } from 'zod';
import { resourceListSchema, revisionViewSchema } from '../shared/api.schema.ts';
import { resourceViewSchema, type ResourceView } from '../shared/resource.schema.ts';
import { apiPath, type ApiClient } from './api-client.ts';
import { connect } from './config.ts';
import { collect, positiveInt } from './options.ts';
import { CliError, note, outputOption, print, printData, printList, shortTime, type Column, type OutputFormat } from './output.ts';

const kindsSchema = z.object({ items: z.array(z.string()) });
const revisionsSchema = z.object({ items: z.array(revisionViewSchema) });
const rollbackSchema = z.object({ outcome: z.string(), revision: z.number().int(), resource: resourceViewSchema.nullable() });

/**
 * The registered kind a user means: exact, any case, or a plural (`services` → `Service`).
 */
export async function resolveKind(api: ApiClient, input: string): Promise<string> {
  const { items } = await api.request('GET', '/api/v1/kinds', { schema: kindsSchema });
  if (items.includes(input)) return input;
  const lower = input.toLowerCase();
  const found = items.find((k) => k.toLowerCase() === lower) ?? items.find((k) => `${k.toLowerCase()}s` === lower);
  if (!found) throw new CliError(`unknown kind "${input}"; known kinds: ${items.join(', ')}`);
  return found;
}

const resourceColumns: Column<ResourceView>[] = [
  { header: 'name', value: (r) => r.metadata.name },
  { header: 'owner', value: (r) => r.metadata.owner },
  { header: 'title', value: (r) => r.metadata.title, max: 50 },
  { header: 'revision', value: (r) => r.metadata.revision },
  { header: 'updated', value: (r) => shortTime(r.metadata.updatedAt) },
];

interface GetOptions {
  owner?: string;
  label: string[];
  query?: string;
  limit?: number;
  all: boolean;
  output?: OutputFormat;
}

async function getResources(kindInput: string, name: string | undefined, opts: GetOptions): Promise<void> {
  const api = await connect();
  const kind = await resolveKind(api, kindInput);
  if (name) {
    const view = await api.request('GET', apiPath('/api/v1/resources', kind, name), { schema: resourceViewSchema });
    const format = opts.output ?? 'yaml';
    if (format === 'table') printList([view], resourceColumns);
    else printData(view, format);
    return;
  }
  for (const l of opts.label) {
    if (l.indexOf('=') <= 0) throw new CliError(`--label "${l}" must look like key=value`);
  }
  const items: ResourceView[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await api.request('GET', apiPath('/api/v1/resources', kind), {
      query: { owner: opts.owner, label: opts.label, q: opts.query, limit: opts.limit, cursor },
      schema: resourceListSchema,
    });
    items.push(...page.items);
    if (!page.nextCursor) break;
    if (!opts.all) {
      note(`more ${kind} resources exist; add --all to list every one`);
      break;
    }
    cursor = page.nextCursor;
  }
  if (!items.length && (opts.output ?? 'table') === 'table') note(`no ${kind} resources found`);
  printList(items, resourceColumns, opts.output);
}

/** `ethos get`, `ethos history` and `ethos rollback`: reading resources and their revisions. */
export function registerResourceCommands(program: Command): void {
  program
    .command('get')
    .description('list resources of a kind, or show one')
    .argument('<kind>', 'resource kind, e.g. Service or Team')
    .argument('[name]', 'a resource name: show this one (YAML by default)')
    .option('--owner <team>', 'only resources owned by this team')
    .option('-l, --label <key=value>', 'only resources with this label (repeatable)', collect, [])
    .option('-q, --query <text>', 'only resources whose name, title or description contains this text')
    .option('--limit <n>', 'page size (server default 50, at most 500)', positiveInt)
    .option('--all', 'follow pages until every resource is listed', false)
    .addOption(outputOption())
    .action((kind: string, name: string | undefined, opts: GetOptions) => getResources(kind, name, opts));

  program
    .command('history')
    .description('list the revisions of a resource, newest first')
    .argument('<kind>', 'resource kind')
    .argument('<name>', 'resource name')
    .addOption(outputOption())
    .action(async (kindInput: string, name: string, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const kind = await resolveKind(api, kindInput);
      const { items } = await api.request('GET', apiPath('/api/v1/resources', kind, name, 'revisions'), { schema: revisionsSchema });
      printList(
        items,
        [
          { header: 'revision', value: (r) => r.revision },
          { header: 'time', value: (r) => shortTime(r.createdAt) },
          { header: 'author', value: (r) => r.author },
          { header: 'source', value: (r) => (r.changeRequest !== null ? `${r.source} #${r.changeRequest}` : r.source) },
          { header: 'message', value: (r) => (r.deleted ? `[deleted] ${r.message}` : r.message), max: 80 },
        ],
        opts.output,
      );
    });

  program
    .command('rollback')
    .description('make a new revision equal to an earlier one (restores a deleted resource too)')
    .argument('<kind>', 'resource kind')
    .argument('<name>', 'resource name')
    .argument('<revision>', 'the revision to return to', positiveInt)
    .option('-m, --message <text>', 'message recorded on the new revision')
    .addOption(outputOption())
    .action(async (kindInput: string, name: string, revision: number, opts: { message?: string; output?: OutputFormat }) => {
      const api = await connect();
      const kind = await resolveKind(api, kindInput);
      const result = await api.request('POST', apiPath('/api/v1/resources', kind, name, 'rollback'), {
        body: { revision, message: opts.message },
        schema: rollbackSchema,
      });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(result, opts.output);
      print(
        result.outcome === 'unchanged'
          ? `${kind}/${name}: unchanged (revision ${result.revision} already equals revision ${revision})`
          : `${kind}/${name}: rolled back to revision ${revision} as revision ${result.revision}`,
      );
    });
}
