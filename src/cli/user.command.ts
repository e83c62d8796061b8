import type { Command } from 'commander';
import { z } from 'zod';
import { userViewSchema } from '../shared/api.schema.ts';
import { apiPath, type ApiClient } from './api-client.ts';
import { connect } from './config.ts';
import { note, outputOption, print, printData, printList, shortTime, type OutputFormat } from './output.ts';

const userAnswerSchema = z.object({ user: userViewSchema, temporaryPassword: z.string().nullable() });
const userListSchema = z.object({ items: z.array(userViewSchema), nextCursor: z.string().nullable() });

/** A user to create: the fields of POST /api/v1/users the CLI sets. */
export interface NewUser {
  name: string;
  displayName?: string;
  email?: string;
  admin?: boolean;
}

/** Creates a user (admins); the answer carries the temporary password, shown once. */
export async function createUser(api: ApiClient, user: NewUser): Promise<z.infer<typeof userAnswerSchema>> {
  return api.request('POST', '/api/v1/users', { body: { ...user, admin: user.admin ?? false }, schema: userAnswerSchema });
}

/** Every user, following pages. */
export async function listUsers(api: ApiClient): Promise<z.infer<typeof userViewSchema>[]> {
  const users: z.infer<typeof userViewSchema>[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request('GET', '/api/v1/users', { query: { limit: 500, cursor }, schema: userListSchema });
    users.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return users;
}

function printTemporaryPassword(name: string, password: string | null, output: OutputFormat | undefined, data: unknown, action: string): void {
  if (output === 'json' || output === 'yaml') return printData(data, output);
  if (password) {
    print(password);
    note(`${action} ${name}: the temporary password above is shown once; they must change it at their first sign-in`);
  } else {
    note(`${action} ${name}`);
  }
}

/** `ethos user …`: user administration (admins). */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('user accounts (admins)');

  user
    .command('create')
    .description('create a user; prints a temporary password, to be changed at first sign-in')
    .argument('<name>', 'user name (letters and digits, with - _ . between)')
    .option('--admin', 'make the user an administrator', false)
    .option('--email <address>', 'email address, for notifications')
    .option('--display-name <name>', 'full name shown in the UI')
    .addOption(outputOption())
    .action(async (name: string, opts: { admin: boolean; email?: string; displayName?: string; output?: OutputFormat }) => {
      const api = await connect();
      const answer = await createUser(api, { name, admin: opts.admin, email: opts.email, displayName: opts.displayName });
      printTemporaryPassword(answer.user.name, answer.temporaryPassword, opts.output, answer, 'created user');
    });

  user
    .command('list')
    .description('list users')
    .addOption(outputOption())
    .action(async (opts: { output?: OutputFormat }) => {
      const api = await connect();
      printList(
        await listUsers(api),
        [
          { header: 'name', value: (u) => u.name },
          { header: 'display name', value: (u) => u.displayName, max: 40 },
          { header: 'email', value: (u) => u.email },
          { header: 'admin', value: (u) => (u.admin ? 'yes' : '') },
          { header: 'status', value: (u) => (u.disabled ? 'disabled' : u.mustChangePassword ? 'must change password' : 'active') },
          { header: 'created', value: (u) => shortTime(u.createdAt) },
        ],
        opts.output,
      );
    });

  user
    .command('disable')
    .description('disable a user: signs them out and stops their personal tokens')
    .argument('<name>', 'user name')
    .action(async (name: string) => {
      const api = await connect();
      const answer = await api.request('PATCH', apiPath('/api/v1/users', name), { body: { disabled: true }, schema: userAnswerSchema });
      print(`disabled user ${answer.user.name}`);
    });

  user
    .command('reset-password')
    .description('give a user a new temporary password (signs them out)')
    .argument('<name>', 'user name')
    .addOption(outputOption())
    .action(async (name: string, opts: { output?: OutputFormat }) => {
      const api = await connect();
      const answer = await api.request('PATCH', apiPath('/api/v1/users', name), { body: { resetPassword: true }, schema: userAnswerSchema });
      printTemporaryPassword(answer.user.name, answer.temporaryPassword, opts.output, answer, 'reset the password of');
    });
}
