import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, readConfig, resolveConnection, writeConfig } from './config.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-config-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('configPath', () => {
  it('prefers ETHOS_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ ETHOS_CONFIG: '/x/ethos.json', XDG_CONFIG_HOME: '/xdg' })).toBe('/x/ethos.json');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/ethos/config.json');
    expect(configPath({})).toBe(path.join(os.homedir(), '.config', 'ethos', 'config.json'));
  });
});

describe('writeConfig', () => {
  it('creates the directory and a file only its owner can read, also over a looser existing file', async () => {
    const file = path.join(dir, 'nested', 'config.json');
    await fs.mkdir(path.dirname(file));
    await fs.writeFile(file, '{}', { mode: 0o644 });
    await writeConfig({ url: 'http://h:1', token: 'ethos_x', tokenId: 'tok_1' }, file);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await readConfig(file)).toEqual({ url: 'http://h:1', token: 'ethos_x', tokenId: 'tok_1' });
  });

  it('reads a missing file as an empty config and rejects a broken one by name', async () => {
    expect(await readConfig(path.join(dir, 'absent.json'))).toEqual({});
    const broken = path.join(dir, 'broken.json');
    await fs.writeFile(broken, '{"url": ');
    await expect(readConfig(broken)).rejects.toThrow(`the config file ${broken} is not valid`);
  });
});

describe('resolveConnection', () => {
  const saved = async () => {
    const file = path.join(dir, 'config.json');
    await writeConfig({ url: 'http://saved:4680/', token: 'ethos_saved' }, file);
    return file;
  };

  it('uses the saved server and token when the environment names none', async () => {
    expect(await resolveConnection({ ETHOS_CONFIG: await saved() })).toMatchObject({ url: 'http://saved:4680', token: 'ethos_saved' });
  });

  it('lets ETHOS_URL and ETHOS_TOKEN override the file', async () => {
    const env = { ETHOS_CONFIG: await saved(), ETHOS_URL: 'https://other', ETHOS_TOKEN: 'ethos_env' };
    expect(await resolveConnection(env)).toMatchObject({ url: 'https://other', token: 'ethos_env' });
  });

  it('never sends the saved token to a server other than the one that issued it', async () => {
    const resolved = await resolveConnection({ ETHOS_CONFIG: await saved(), ETHOS_URL: 'https://elsewhere.example' });
    expect(resolved.token).toBeUndefined();
    expect(resolved.authHint).toContain('is for http://saved:4680');
  });

  it('falls back to http://localhost:4680 without a token', async () => {
    expect(await resolveConnection({ ETHOS_CONFIG: path.join(dir, 'none.json') })).toMatchObject({ url: 'http://localhost:4680', token: undefined });
  });
});
