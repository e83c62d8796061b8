import { type Command, Option } from 'commander';
import { z } from 'zod';
import { scopeSchema, tokenViewSchema, type TokenView } from '../shared/api.schema.ts';
import { apiPath } from './api-client.ts';
import { connect } from './config.ts';
import { collect } from './options.ts';
import { CliError, note, outputOption, print, printData, printList, shortTime, type OutputFormat } from './output.ts';

const createdSchema = tokenViewSchema.extend({ token: z.string() });
const listSchema = z.object({ items: z.array(tokenViewSchema) });

/** Whether a token still works, from its revocation and expiry times. */
export function tokenStatus(t: TokenView, now = new Date()): 'active' | 'revoked' | 'expired' {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && new Date(t.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** Reads `--expires`: an ISO date or time, or a duration such as `30d` or `12h`. */
export function parseExpiry(value: string, now = new Date()): string {
  const rel = /^(\d+)([hdw])$/.exec(value.trim());
  if (rel) {
    const hours = Number(rel[1]) * { h: 1, d: 24, w: 24 * 7 }[rel[2] as 'h' | 'd' | 'w'];
    return new Date(now.getTime() + hours * 3_600_000).toISOString();
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new CliError(`--expires "${value}" is neither an ISO date/time (2027-01-31, 2027-01-31T12:00:00Z) nor a duration (30d, 12h, 2w)`);
  return new Date(t).toISOString();
}

interface CreateOptions {
  name: string;
  team?: string;
  ingest?: boolean;
  scope?: string[];
  expires?: string;
  output?: OutputFormat;
}

/** `ethos token …`: create, list and revoke API tokens. */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens for scripts, CI and ingestion');

  token
    .command('create')
    .description('create a token: personal (default), a team token (--team) or an ingest token (--ingest, admins); the secret is shown once')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(new Option('--team <team>', 'a service-account token of this team (its maintainers)').conflicts('ingest'))
    .option('--ingest', 'an organisation-wide ingest token (admins)')
    .option('--scope <scope>', 'read, write or ingest (repeatable; default read, or ingest for --ingest)', collect)
    .option('--expires <when>', 'expiry: ISO date/time or a duration such as 30d')
    .addOption(outputOption())
    .action(async (opts: CreateOptions) => {
      const scopes = opts.scope ?? (opts.ingest ? ['ingest'] : ['read']);
      for (const s of scopes) if (!scopeSchema.safeParse(s).success) throw new CliError(`--scope "${s}" is not one of ${scopeSchema.options.join(', ')}`);
      const api = await connect();
      const created = await api.request('POST', '/api/v1/tokens', {
        body: {
          name: opts.name,
          type: opts.team ? 'team' : opts.ingest ? 'ingest' : 'personal',
          team: opts.team,
          scopes,
          expiresAt: opts.expires ? parseExpiry(opts.expires) : undefined,
        },
        schema: createdSchema,
      });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(created, opts.output);
      print(created.token);
      note(`created token ${created.id} (${created.type}${created.team ? ` of team ${created.team}` : ''}, scopes ${created.scopes.join(',')}${created.expiresAt ? `, expires ${shortTime(created.expiresAt)}` : ''}); store the secret now: it is not shown again`);
    });

  token
    .command('list')
    .description('list your tokens, a team\'s (--team, maintainers) or every token (--all, admins)')
    .option('--team <team>', 'the tokens of this team')
    .option('--all', 'every token (admins)', false)
    .addOption(outputOption())
    .action(async (opts: { team?: string; all: boolean; output?: OutputFormat }) => {
      const api = await connect();
      const { items } = await api.request('GET', '/api/v1/tokens', { query: { team: opts.team, all: opts.all || undefined }, schema: listSchema });
      if (!items.length && (opts.output ?? 'table') === 'table') note('no tokens found');
      printList(
        items,
        [
          { header: 'id', value: (t) => t.id },
          { header: 'name', value: (t) => t.name, max: 40 },
          { header: 'type', value: (t) => t.type },
          { header: 'for', value: (t) => t.team ?? t.user },
          { header: 'scopes', value: (t) => t.scopes.join(',') },
          { header: 'status', value: (t) => tokenStatus(t) },
          { header: 'expires', value: (t) => shortTime(t.expiresAt) },
          { header: 'last used', value: (t) => shortTime(t.lastUsedAt) },
        ],
        opts.output,
      );
    });

  token
    .command('revoke')
    .description('revoke a token (its owner, a maintainer of its team, or an admin)')
    .argument('<id>', 'token id (tok_…), from "ethos token list"')
    .action(async (id: string) => {
      const api = await connect();
      await api.request('DELETE', apiPath('/api/v1/tokens', id));
      print(`revoked ${id}`);
    });
}
