#!/usr/bin/env node
// Builds the web UI (src/web) with Vite into dist/web, pre-compresses its assets and writes a
// stamp. With --if-stale it builds only when the stamp is missing or older than the newest
// source file, so `npm start` is quick when nothing changed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'web');
const stampFile = path.join(outDir, '.build-stamp');
/** What the build depends on: the app, the shared schemas, the build config and the installed versions. */
const inputs = ['src/web', 'src/shared', 'vite.config.ts', 'scripts/vite-route-preload.ts', 'tsconfig.web.json', 'package-lock.json'].map((p) => path.join(root, p));

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return null;
  }
}

const sourcesAt = Math.max(...inputs.map(newestMtime));
if (process.argv.includes('--if-stale')) {
  const stamp = readStamp();
  if (stamp && stamp.sourcesAt >= sourcesAt && existsSync(path.join(outDir, 'index.html'))) process.exit(0);
  console.log(stamp ? 'The web UI sources changed since the last build: building it (dist/web) …' : 'Building the web UI (dist/web) once …');
}

// Vite keeps a NODE_ENV it finds (vitest sets `test`) and would then bundle React's development
// runtime, slower and larger, into the dist/web that `ethos serve` serves: this build is for production.
process.env.NODE_ENV = 'production';
const { build } = await import('vite');
await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: process.argv.includes('--quiet') ? 'warn' : 'info' });

// serve .br / .gz next to each compressible file (the server picks what the browser accepts)
let files = 0;
function compress(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) compress(p);
    else if (/\.(js|css|svg|json|txt|webmanifest)$/.test(e.name) && statSync(p).size > 1024) {
      const data = readFileSync(p);
      writeFileSync(`${p}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      writeFileSync(`${p}.gz`, gzipSync(data, { level: 9 }));
      files++;
    }
  }
}
compress(outDir);
writeFileSync(stampFile, JSON.stringify({ sourcesAt, builtAt: new Date().toISOString() }) + '\n');
console.log(`web UI built in dist/web (${files} files pre-compressed)`);
