import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { ApiError, type ApiClient } from './api-client.ts';
import { applyDocuments, reportApplied } from './apply.command.ts';
import { mapBackstageEntities, type ImportedUser } from './backstage.mapping.ts';
import { connect } from './config.ts';
import { listFiles, parseDocuments, type SourceDocument } from './document-files.ts';
import { CliError, note, outputOption, print, type OutputFormat } from './output.ts';
import { createUser, listUsers } from './user.command.ts';

/**
 * Reads every YAML document under `dir`. Files that do not parse are skipped with a warning
 * (a repository holds templates that are not YAML), unless they mention `backstage.io/`: a
 * broken catalog file stops the import.
 */
async function readCatalog(dir: string): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  const fatal: string[] = [];
  for (const file of await listFiles(dir, ['.yaml', '.yml'])) {
    const text = await fs.readFile(file, 'utf8');
    const r = parseDocuments(file, text);
    if (r.errors.length) {
      if (text.includes('backstage.io/')) fatal.push(...r.errors);
      else note(`warning: ${file} is not valid YAML; skipped (${r.errors[0]})`);
      continue;
    }
    documents.push(...r.documents);
  }
  if (fatal.length) throw new CliError(`${fatal.length} syntax error(s) in catalog files; nothing was imported:\n  ${fatal.join('\n  ')}`);
  return documents;
}

/** What happened to one imported user. */
interface UserOutcome {
  name: string;
  outcome: 'exists' | 'created' | 'would be created' | 'denied';
  temporaryPassword?: string | null;
  error?: string;
}

/** Creates the users Ethos lacks (admins); `existing` holds the lower-cased names already there. */
async function importUsers(api: ApiClient, users: ImportedUser[], existing: Set<string>, dryRun: boolean): Promise<UserOutcome[]> {
  const outcomes: UserOutcome[] = [];
  for (const u of users) {
    if (existing.has(u.name.toLowerCase())) {
      outcomes.push({ name: u.name, outcome: 'exists' });
      continue;
    }
    if (dryRun) {
      outcomes.push({ name: u.name, outcome: 'would be created' });
      continue;
    }
    try {
      const created = await createUser(api, { name: u.name, displayName: u.displayName, email: u.email });
      outcomes.push({ name: u.name, outcome: 'created', temporaryPassword: created.temporaryPassword });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      outcomes.push(err.code === 'USER_EXISTS' ? { name: u.name, outcome: 'exists' } : { name: u.name, outcome: 'denied', error: err.message });
    }
  }
  return outcomes;
}

function describeUser(u: UserOutcome): string {
  if (u.outcome === 'created') return `user/${u.name}: created (temporary password: ${u.temporaryPassword ?? 'none'})`;
  if (u.outcome === 'denied') return `user/${u.name}: denied (${u.error ?? 'no reason given'})`;
  return `user/${u.name}: ${u.outcome}`;
}

/** In a dry run no user is created: teams leave out the members that would be. */
function withoutMembers(docs: SourceDocument[], leaveOut: Set<string>): SourceDocument[] {
  return docs.map((d) => {
    const doc = d.value as { kind: string; spec: { members?: { user: string }[] } };
    if (doc.kind !== 'Team' || !doc.spec.members) return d;
    const members = doc.spec.members.filter((m) => !leaveOut.has(m.user.toLowerCase()));
    return members.length === doc.spec.members.length ? d : { ...d, value: { ...doc, spec: { ...doc.spec, members } } };
  });
}

/** `ethos import-backstage`: brings a Backstage catalog (Components, Groups, Users) into Ethos. */
export function registerBackstageCommand(program: Command): void {
  program
    .command('import-backstage')
    .description('import Backstage catalog files: Component → Service, Group → Team, User → user (admins create users)')
    .argument('<dir>', 'a directory searched recursively for *.yaml / *.yml catalog files (or one file)')
    .option('--dry-run', 'show what would happen without creating users or writing resources', false)
    .option('-m, --message <text>', 'message recorded on each revision or change request', 'imported from Backstage')
    .addOption(outputOption())
    .action(async (dir: string, opts: { dryRun: boolean; message: string; output?: OutputFormat }) => {
      const mapped = mapBackstageEntities(await readCatalog(dir));
      for (const w of mapped.warnings) note(`warning: ${w}`);
      const skipped = Object.entries(mapped.skipped).map(([kind, n]) => `${n} ${kind}`);
      if (skipped.length) note(`not imported (no Ethos counterpart): ${skipped.join(', ')}`);
      if (!mapped.documents.length && !mapped.users.length) throw new CliError(`no Backstage Component, Group or User entities found in ${dir}`);

      const api = await connect();
      const existing = new Set((mapped.users.length ? await listUsers(api) : []).map((u) => u.name.toLowerCase()));
      const users = await importUsers(api, mapped.users, existing, opts.dryRun);
      const asData = opts.output === 'json' || opts.output === 'yaml';
      if (!asData) for (const u of users) print(describeUser(u));
      let documents = mapped.documents;
      const wouldCreate = new Set(users.filter((u) => u.outcome === 'would be created').map((u) => u.name.toLowerCase()));
      if (wouldCreate.size) {
        documents = withoutMembers(documents, wouldCreate);
        note('dry run: users that would be created are left out of the teams\' members below');
      }
      const applied = documents.length ? await applyDocuments(api, documents, { dryRun: opts.dryRun, message: opts.message }) : [];
      reportApplied(applied, { dryRun: opts.dryRun, format: opts.output, extra: { users } });
      if (users.some((u) => u.outcome === 'denied')) process.exitCode = 1;
    });
}
