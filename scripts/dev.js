#!/usr/bin/env node
// `npm run dev`: the API (`ethos serve`, restarted by nobody: restart this script after server
// changes) plus Vite's dev server with hot reload, which proxies /api to it. Open the URL Vite prints.
// ETHOS_DEV_API_PORT (default 4680) and ETHOS_DEV_PORT (default 5173) choose the ports; other
// ETHOS_* settings reach the server as usual.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const apiPort = process.env.ETHOS_DEV_API_PORT ?? '4680';
process.env.ETHOS_DEV_API_PORT = apiPort;

const server = spawn(process.execPath, [path.join(root, 'bin', 'ethos.js'), 'serve'], {
  stdio: 'inherit',
  env: { ...process.env, ETHOS_PORT: apiPort, ETHOS_HOST: process.env.ETHOS_HOST ?? '127.0.0.1' },
});
server.on('exit', (code) => {
  console.error(`ethos serve exited (${code}); stopping the dev server`);
  process.exit(code ?? 1);
});

const { createServer } = await import('vite');
const vite = await createServer({ configFile: path.join(root, 'vite.config.ts') });
await vite.listen();
vite.printUrls();
console.log(`  API: ethos serve on http://127.0.0.1:${apiPort} (proxied under /api)\n`);

const stop = () => {
  server.kill('SIGTERM');
  void vite.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
