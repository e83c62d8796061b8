import path from 'node:path';
import type { Plugin } from 'vite';

/** What the build writes to dist/web/route-preload.json and `ethos serve` reads. */
export interface RoutePreloadTable {
  /** Each page route: its path pattern (react-router syntax) and the scripts its page needs. */
  routes: { path: string; files: string[] }[];
}

export const ROUTE_PRELOAD_FILE = 'route-preload.json';

type Node = { type: string; [key: string]: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (!isNode(node)) return;
  visit(node);
  for (const [key, value] of Object.entries(node)) if (key !== 'type' && typeof value === 'object') walk(value, visit);
}

/**
 * Finds `lazyPage('/path', () => import('./page.tsx'))` in a feature module (as the build has
 * transformed it): the route's path
 * (`undefined` is the index route, '/') and the page module it loads.
 */
function lazyPages(ast: unknown, importer: string): { path: string; module: string }[] {
  const found: { path: string; module: string }[] = [];
  walk(ast, (n) => {
    if (n.type !== 'CallExpression') return;
    const callee = n.callee as Node;
    if (callee.type !== 'Identifier' || callee.name !== 'lazyPage') return;
    const [first, second] = n.arguments as Node[];
    let routePath: string | null = null;
    if (first?.type === 'Literal' && typeof first.value === 'string') routePath = first.value;
    // `undefined` (the index route) reaches here as `void 0` once the build has transformed it
    else if ((first?.type === 'Identifier' && first.name === 'undefined') || (first?.type === 'UnaryExpression' && first.operator === 'void')) routePath = '/';
    // the build wraps the import in its preload helper: take the import inside the loader
    let source: Node | null = null;
    walk(second, (inner) => {
      if (!source && inner.type === 'ImportExpression') source = inner.source as Node;
    });
    const specifier = (source as Node | null)?.type === 'Literal' ? (source as unknown as { value: unknown }).value : null;
    if (routePath === null || typeof specifier !== 'string') return;
    found.push({ path: routePath, module: path.resolve(path.dirname(importer), specifier) });
  });
  return found;
}

/**
 * Writes which scripts each page route needs, so that the server can name them in the HTML it
 * sends (`<link rel="modulepreload">`): a first visit to /services/x then loads the service page's
 * code together with the app's instead of after it has started.
 */
export function routePreload(): Plugin {
  const pages: { path: string; module: string }[] = [];
  return {
    name: 'ethos:route-preload',
    apply: 'build',
    buildStart() {
      pages.length = 0;
    },
    moduleParsed(info) {
      if (!/[\\/]features[\\/][^\\/]+[\\/]feature\.ts$/.test(info.id) || !info.ast) return;
      pages.push(...lazyPages(info.ast, info.id));
    },
    generateBundle(_options, bundle) {
      const byModule = new Map<string, { fileName: string; imports: string[]; isEntry: boolean }>();
      const byFile = new Map<string, { fileName: string; imports: string[]; isEntry: boolean }>();
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue;
        const chunk = { fileName: out.fileName, imports: out.imports, isEntry: out.isEntry };
        byFile.set(out.fileName, chunk);
        // a page's module is the chunk's facade, or merged into a chunk with others
        for (const id of out.moduleIds) if (!out.isEntry) byModule.set(id, chunk);
      }
      const routes: RoutePreloadTable['routes'] = [];
      for (const page of pages) {
        const chunk = byModule.get(page.module);
        if (!chunk) continue;
        // the page's chunk and every chunk it imports, but not the entry (its <script> is in the HTML)
        const files = new Set<string>();
        const visit = (c: { fileName: string; imports: string[]; isEntry: boolean }) => {
          if (c.isEntry || files.has(c.fileName)) return;
          files.add(c.fileName);
          for (const f of c.imports) {
            const dep = byFile.get(f);
            if (dep) visit(dep);
          }
        };
        visit(chunk);
        routes.push({ path: page.path, files: [...files] });
      }
      const table: RoutePreloadTable = { routes };
      this.emitFile({ type: 'asset', fileName: ROUTE_PRELOAD_FILE, source: JSON.stringify(table, null, 1) });
    },
  };
}
