import fastifyStatic from '@fastify/static';
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTE_PRELOAD_FILE, type RoutePreloadTable } from '../../../../scripts/vite-route-preload.ts';
import { pagePreloads, type PageRoute } from './route-match.ts';

/** Where `npm run build` (Vite) writes the web UI, relative to the package root. */
export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../dist/web');

/** The placeholder in index.html that each answer replaces with its style nonce. */
export const NONCE_PLACEHOLDER = '__ETHOS_CSP_NONCE__';

/**
 * Paths that belong to APIs and protocols, never to the UI: unknown ones answer the API's JSON 404
 * instead of the app's index.html.
 */
const API_PREFIXES = ['/api', '/v1', '/metrics', '/healthz', '/readyz', '/prometheus', '/alertmanager', '/otlp'];

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The Content-Security-Policy of the app's HTML; `nonce` admits the style tags Mantine injects. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function isApiPath(url: string): boolean {
  return API_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`));
}

function acceptsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return accept === undefined || accept.includes('text/html') || accept.includes('application/xhtml+xml') || accept.includes('*/*');
}

/** The built index.html, re-read when the build changes. */
interface Shell {
  mtimeMs: number;
  html: string;
  /** Top-level files of the build other than index.html (favicon …), served as they are. */
  files: Set<string>;
  /** The page routes and the scripts each needs (written by the build), for modulepreload links. */
  routes: PageRoute[];
}

/**
 * Serves the web UI built by Vite: hashed assets with a long immutable cache, other top-level
 * files, and index.html (with a fresh CSP nonce, never cached) for every other browser GET so that
 * the app's client-side routes work on reload. Registered last: API routes always win.
 * @remarks Without a build the API keeps working; UI routes answer 503 saying how to build it.
 */
export const webRoutes: FastifyPluginAsync<{ root?: string }> = async (app, opts) => {
  const root = opts.root ?? DEFAULT_WEB_ROOT;
  const assets = path.join(root, 'assets');
  let shell: Shell | null = null;

  async function loadShell(): Promise<Shell | null> {
    const index = path.join(root, 'index.html');
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(index)).mtimeMs;
    } catch {
      shell = null;
      return null;
    }
    if (shell?.mtimeMs === mtimeMs) return shell;
    const [html, entries] = await Promise.all([readFile(index, 'utf8'), readdir(root, { withFileTypes: true })]);
    const files = new Set(entries.filter((e) => e.isFile() && e.name !== 'index.html' && e.name !== ROUTE_PRELOAD_FILE && !e.name.startsWith('.') && !/\.(br|gz)$/.test(e.name)).map((e) => e.name));
    let routes: PageRoute[] = [];
    try {
      routes = (JSON.parse(await readFile(path.join(root, ROUTE_PRELOAD_FILE), 'utf8')) as RoutePreloadTable).routes;
    } catch {
      // an older build without the table: pages load their code after the app has started
    }
    shell = { mtimeMs, html, files, routes };
    return shell;
  }

  if (!(await loadShell())) app.log.warn({ root }, 'the web UI is not built: run `npm run build` (or `npm start`); the API works without it');
  await app.register(fastifyStatic, {
    root,
    serve: false,
    preCompressed: true,
    dotfiles: 'deny',
    index: false,
    cacheControl: false,
    // hashed file names change with their content: cache them for good; anything else for an hour
    setHeaders(res, file) {
      res.setHeader('cache-control', file.startsWith(assets + path.sep) ? IMMUTABLE : 'public, max-age=3600');
      res.setHeader('vary', 'accept-encoding');
    },
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    return payload;
  });

  // no user authentication for static files: the app itself asks GET /api/v1/me
  const routeOptions = { schema: { hide: true }, config: { auth: false, csrf: false } as FastifyContextConfig };

  app.get('/assets/*', routeOptions, async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    return reply.sendFile(req.params['*'], assets);
  });

  async function sendShell(req: FastifyRequest, reply: FastifyReply, s: Shell) {
    const nonce = randomBytes(16).toString('base64');
    // A signed-in visitor's page code loads with the app's instead of after it, and so does the
    // question of who is signed in; the meta tag tells the app that the session is valid, so it may
    // ask for the page's data without waiting for that answer. A signed-out visitor is sent to sign
    // in, a user who must change their password to that page: that page's code comes along instead.
    const pathname = req.url.split('?')[0]!;
    const actor = req.actor?.via === 'session' ? req.actor : null;
    const usable = actor !== null && !actor.mustChangePassword;
    const files = pagePreloads(s.routes, usable ? pathname : actor ? '/change-password' : '/sign-in');
    let head = files.map((f) => `<link rel="modulepreload" crossorigin href="/${f}">`).join('');
    if (usable) head += '<meta name="ethos-session" content="present"><link rel="preload" href="/api/v1/me" as="fetch" crossorigin="anonymous" fetchpriority="high">';
    const html = head ? s.html.replace('</head>', `${head}</head>`) : s.html;
    return reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(nonce))
      .send(html.replaceAll(NONCE_PLACEHOLDER, nonce));
  }

  // the app's HTML is answered knowing the session (which page's code to name): user authentication runs
  app.get('/*', { schema: { hide: true }, config: { csrf: false } as FastifyContextConfig }, async (req, reply) => {
    const url = req.url.split('?')[0]!;
    if (isApiPath(url)) return reply.callNotFound();
    const s = await loadShell();
    const file = url.slice(1);
    if (s && s.files.has(file)) {
      return reply.sendFile(file);
    }
    // a missing file (anything with an extension) or a non-browser client gets the API's 404
    if (/\.[A-Za-z0-9]+$/.test(url) || !acceptsHtml(req)) return reply.callNotFound();
    if (!s) {
      return reply
        .status(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('retry-after', '30')
        .send('The Ethos web UI has not been built.\n\nRun `npm run build` (or start Ethos with `npm start`, which builds it when needed), then reload this page.\nThe API under /api/v1 works without it.\n');
    }
    return sendShell(req, reply, s);
  });
};
