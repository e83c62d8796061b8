#!/usr/bin/env node
// Prints the JavaScript (gzip) that each page of the built web UI loads before it shows:
// the entry chunk, the page's lazy chunk, and every chunk they import statically.
// Run after `npm run build`: `node scripts/bundle-report.js [page-module …]`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
const entry = Object.entries(manifest).find(([, c]) => c.isEntry)?.[0];
const pages = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['features/identity/sign-in.page.tsx', 'features/home/home.page.tsx', 'features/catalog/services.page.tsx', 'features/catalog/service.page.tsx', 'features/changes/change-request.page.tsx', 'features/resources/editor.page.tsx'];

function closure(keys, seen = new Set()) {
  for (const k of keys) {
    if (seen.has(k) || !manifest[k]) continue;
    seen.add(k);
    closure(manifest[k].imports ?? [], seen);
  }
  return seen;
}

const gz = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
for (const page of pages) {
  const chunks = [...closure([entry, page])].map((k) => manifest[k].file).filter((f) => f.endsWith('.js'));
  const total = chunks.reduce((n, f) => n + gz(f), 0);
  console.log(`${page.replace(/^features\//, '')}: ${(total / 1024).toFixed(1)} KiB gzip JavaScript in ${chunks.length} files`);
}
