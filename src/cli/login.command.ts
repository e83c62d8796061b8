import os from 'node:os';
import readline from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { tokenViewSchema, userViewSchema } from '../shared/api.schema.ts';
import { ApiError, apiPath, createApiClient, type ApiClient } from './api-client.ts';
import { configPath, DEFAULT_URL, normalizeUrl, readConfig, writeConfig } from './config.ts';
import { CliError, note, print } from './output.ts';

const loginAnswerSchema = z.object({ user: userViewSchema, csrfToken: z.string() });
const createdTokenSchema = tokenViewSchema.extend({ token: z.string() });

/** Name of the session cookie the server sets at sign-in. */
const SESSION_COOKIE = 'ethos_session';

/** The name of the token `ethos login` creates: says which machine holds it. */
export function cliTokenName(hostname = os.hostname()): string {
  return `ethos-cli@${hostname}`.slice(0, 100);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks a question on the terminal; with `hidden` the answer is not echoed. */
async function ask(question: string, hidden = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) process.stderr.write(chunk, encoding);
      callback();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  try {
    process.stderr.write(question);
    muted = hidden;
    return await rl.question('');
  } finally {
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

interface LoginOptions {
  url?: string;
  username?: string;
  passwordStdin: boolean;
  newPasswordStdin: boolean;
}

/**
 * The secrets of a login: from standard input (one per line: password, then the new password
 * when asked for) or, on a terminal, from hidden prompts.
 * @remarks Passwords are never taken from the command line, where other users see them.
 */
async function readSecrets(opts: LoginOptions): Promise<{ password: string; newPassword?: string }> {
  if (opts.passwordStdin || opts.newPasswordStdin) {
    const lines = (await readStdin()).split(/\r?\n/);
    const password = lines[0] ?? '';
    if (!password) throw new CliError('no password on standard input');
    if (!opts.newPasswordStdin) return { password };
    const newPassword = lines[1] ?? '';
    if (!newPassword) throw new CliError('--new-password-stdin: give the new password on the second line of standard input');
    return { password, newPassword };
  }
  if (!process.stdin.isTTY) throw new CliError('standard input is not a terminal: pipe the password in and add --password-stdin');
  return { password: await ask('Password: ', true) };
}

function sessionCookie(headers: Headers): string {
  for (const c of headers.getSetCookie()) {
    const pair = c.split(';', 1)[0]!;
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  throw new CliError('the server accepted the sign-in but set no session cookie; is this an Ethos server?');
}

async function changePassword(session: ApiClient, headers: Record<string, string>, currentPassword: string, given: string | undefined, user: string): Promise<void> {
  let newPassword = given;
  if (!newPassword) {
    if (!process.stdin.isTTY) {
      throw new CliError(
        `the password of ${user} is temporary and must be changed first: sign in to the web UI, or run ` +
          `"ethos login --username ${user} --password-stdin --new-password-stdin" with the current and the new password on two lines of standard input`,
      );
    }
    note(`the password of ${user} is temporary; choose a new one (at least 10 characters)`);
    newPassword = await ask('New password: ', true);
    if ((await ask('Repeat the new password: ', true)) !== newPassword) throw new CliError('the two new passwords differ; nothing was changed');
  }
  await session.request('POST', '/api/v1/me/password', { headers, body: { currentPassword, newPassword } });
  note(`changed the password of ${user}`);
}

async function login(opts: LoginOptions): Promise<void> {
  const file = configPath();
  const previous = await readConfig(file);
  const url = normalizeUrl(opts.url || process.env.ETHOS_URL || previous.url || DEFAULT_URL);
  const username = opts.username || (process.stdin.isTTY && !opts.passwordStdin ? await ask('User name: ') : '');
  if (!username) throw new CliError('give --username');
  const { password, newPassword } = await readSecrets(opts);

  const anonymous = createApiClient({ url });
  const signIn = await anonymous.requestRaw('POST', '/api/v1/auth/login', { body: { username, password } });
  const parsed = loginAnswerSchema.safeParse(signIn.body);
  if (!parsed.success) throw new CliError(`${url} answered the sign-in with something other than Ethos' answer; is this an Ethos server?`);
  const answer = parsed.data;
  const session = createApiClient({ url });
  const headers = { cookie: sessionCookie(signIn.headers), 'x-csrf-token': answer.csrfToken };
  try {
    if (answer.user.mustChangePassword) await changePassword(session, headers, password, newPassword, answer.user.name);
    const created = await session.request('POST', '/api/v1/tokens', {
      headers,
      body: { name: cliTokenName(), type: 'personal', scopes: ['read', 'write'] },
      schema: createdTokenSchema,
    });
    try {
      await writeConfig({ url, token: created.token, tokenId: created.id }, file);
    } catch (err) {
      await session.request('DELETE', apiPath('/api/v1/tokens', created.id), { headers }).catch(() => undefined);
      throw err;
    }
    if (previous.tokenId && previous.token && normalizeUrl(previous.url || DEFAULT_URL) === url) {
      // the token of the previous login on this machine is replaced: revoke it so it cannot leak later
      await session.request('DELETE', apiPath('/api/v1/tokens', previous.tokenId), { headers }).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.code === 'TOKEN_NOT_FOUND')) note(`could not revoke the previous token ${previous.tokenId}: ${(err as Error).message}`);
      });
    }
    print(`signed in to ${url} as ${answer.user.name}; token ${created.id} saved in ${file}`);
  } finally {
    // the CLI works with the token; the session is not needed any more
    await session.request('POST', '/api/v1/auth/logout', { headers }).catch(() => undefined);
  }
}

/** `ethos login`: sign in once and keep a personal token in the config file. */
export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description('sign in and save a personal API token (read, write) in the config file')
    .option('--url <url>', `server URL (default: ETHOS_URL, the saved one, or ${DEFAULT_URL})`)
    .option('-u, --username <name>', 'user name')
    .option('--password-stdin', 'read the password from the first line of standard input', false)
    .option('--new-password-stdin', 'when the password is temporary, read a new one from the second line of standard input', false)
    .action((opts: LoginOptions) => login(opts));
}
