import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApiClient, type ApiClient } from './api-client.ts';
import { CliError } from './output.ts';

/** The server the CLI talks to when nothing says otherwise. */
export const DEFAULT_URL = 'http://localhost:4680';

/** What `ethos login` saves: the server and a personal token for it. */
export interface CliConfig {
  url?: string;
  token?: string;
  /** Id of the saved token, so a later login can revoke it. */
  tokenId?: string;
}

/** Where the config file lives: ETHOS_CONFIG, else `$XDG_CONFIG_HOME/ethos/config.json`, else `~/.config/ethos/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ETHOS_CONFIG) return path.resolve(env.ETHOS_CONFIG);
  const base = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(os.homedir(), '.config');
  return path.join(base, 'ethos', 'config.json');
}

/** Reads the config file; an absent file is an empty config. */
export async function readConfig(file = configPath()): Promise<CliConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  try {
    const data: unknown = JSON.parse(text);
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a JSON object');
    const { url, token, tokenId } = data as Record<string, unknown>;
    return {
      url: typeof url === 'string' ? url : undefined,
      token: typeof token === 'string' ? token : undefined,
      tokenId: typeof tokenId === 'string' ? tokenId : undefined,
    };
  } catch (err) {
    throw new CliError(`the config file ${file} is not valid: ${(err as Error).message}; run "ethos login" again`);
  }
}

/**
 * Saves the config readable by its owner only.
 * @remarks The file holds a bearer token: it is written to a 0600 temporary file and renamed
 * over the old one, so it is never readable by others, not even for a moment.
 */
export async function writeConfig(config: CliConfig, file = configPath()): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new CliError(`cannot write the config file ${file}: ${(err as Error).message}`);
  }
}

/** Drops a trailing slash so paths can be appended. */
export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`"${url}" is not a URL; give one such as ${DEFAULT_URL}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`"${url}" is not an http(s) URL`);
  return url.replace(/\/+$/, '');
}

/**
 * The server URL and token every verb but `login` uses: ETHOS_URL and ETHOS_TOKEN override the
 * config file.
 * @remarks The saved token is only sent to the server it was issued by: when ETHOS_URL names
 * another server, the saved token is left out.
 */
export async function resolveConnection(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; token?: string; authHint: string }> {
  const file = configPath(env);
  const config = await readConfig(file);
  const url = normalizeUrl(env.ETHOS_URL || config.url || DEFAULT_URL);
  if (env.ETHOS_TOKEN) return { url, token: env.ETHOS_TOKEN, authHint: 'check ETHOS_TOKEN, or unset it and run "ethos login"' };
  const savedUrl = normalizeUrl(config.url || DEFAULT_URL);
  if (config.token && savedUrl !== url) {
    return { url, authHint: `the token in ${file} is for ${savedUrl}; run "ethos login --url ${url}" or set ETHOS_TOKEN` };
  }
  return { url, token: config.token, authHint: `run "ethos login --url ${url}" or set ETHOS_TOKEN` };
}

/** An API client for the resolved server and token. */
export async function connect(): Promise<ApiClient> {
  return createApiClient(await resolveConnection());
}
