import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/ethos.js', import.meta.url));

/** What a run of the CLI printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/ethos.js` as a child process against a test server, with only ETHOS_URL, the
 * token and a HOME of its own in its environment (tests of the verbs that talk to the API).
 */
export function runEthos(target: { url: string; home: string; token: string }, args: string[]): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: target.home, ETHOS_URL: target.url, ETHOS_TOKEN: target.token };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return new Promise((resolve, reject) => {
    // async on purpose: the server answering the CLI runs in the test's own process
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
