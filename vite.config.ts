import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { routePreload } from './scripts/vite-route-preload.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The web UI: src/web, built into dist/web and served by `ethos serve`. */
export default defineConfig({
  root: here('./src/web'),
  publicDir: here('./src/web/public'),
  base: '/',
  // route-preload.json: which scripts each page needs (the server names them in the HTML)
  plugins: [react(), routePreload()],
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // no inline data: fonts or scripts: the CSP admits 'self' only
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    // .vite/manifest.json: which chunks each page loads (scripts/bundle-report.js sums them)
    manifest: true,
    chunkSizeWarningLimit: 700,
    // merge the many sub-kilobyte chunks of shared components: each is a request of its own, and a
    // first visit over HTTP/1.1 (six connections) queues the API calls behind them
    rollupOptions: { output: { experimentalMinChunkSize: 20_000 } },
  },
  server: {
    port: Number(process.env.ETHOS_DEV_PORT ?? 5173),
    proxy: { '/api': `http://127.0.0.1:${process.env.ETHOS_DEV_API_PORT ?? 4680}` },
  },
});
