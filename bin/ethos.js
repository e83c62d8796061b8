#!/usr/bin/env node
// Entry point of the `ethos` command. Client verbs run from the bundle scripts/build-cli.js makes
// when it is newer than every source it contains; otherwise, and always for `serve`, `migrate` and
// `demo` (which load the server), the TypeScript sources run through tsx.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli/ethos.mjs', import.meta.url);
const sources = ['../src/cli', '../src/shared'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${e.name}`;
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    const built = fs.statSync(bundle).mtimeMs;
    return sources.every((dir) => newestMtime(dir) <= built);
  } catch {
    return false;
  }
}

const verb = process.argv[2];
if (!['serve', 'migrate', 'demo'].includes(verb) && bundleIsFresh()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
