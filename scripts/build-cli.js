#!/usr/bin/env node
// Bundles the `ethos` command line (src/cli) into dist/cli/ethos.mjs, so that it starts in a few
// hundred milliseconds instead of compiling TypeScript at every run. bin/ethos.js uses the bundle
// while it is newer than the sources and falls back to the sources otherwise. Runs on `npm install`
// (the "prepare" script) and by hand: `node scripts/build-cli.js`.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `serve` and `migrate` load the server from its sources through tsx: keep it out of the bundle. */
const serverStaysOutside = {
  name: 'server-stays-outside',
  setup(b) {
    b.onResolve({ filter: /\/server\// }, (args) => ({ path: args.path, external: true }));
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/ethos.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [serverStaysOutside],
  logLevel: 'warning',
});
