import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router';
import type { Me, ResourceView } from './types.ts';

/** A link in the side navigation. */
export interface NavItem {
  label: string;
  to: string;
  /** main: everyday pages; admin: only for admins; account: the user's own settings. */
  section: 'main' | 'admin' | 'account';
  /** Lower comes first within its section. */
  order: number;
  /** Also active on these path prefixes (e.g. a list's detail pages). */
  activeOn?: string[];
  visible?(me: Me): boolean;
}

/** A tab of the service page, contributed by a feature. Tabs that have nothing to show hide. */
export interface ServiceTab {
  /** The URL segment: /services/<name>/<id>. */
  id: string;
  label: string;
  order: number;
  load(): Promise<{ default: ComponentType<{ service: ResourceView }> }>;
  visible?(service: ResourceView, me: Me): boolean;
}

/**
 * What one feature (a folder under src/web/features, mirroring a server module) adds to the UI.
 * Register it in app/features.ts; nothing else needs to change to add pages, nav links or tabs.
 */
export interface WebFeature {
  name: string;
  /** Pages anyone may open (sign-in). */
  publicRoutes?: RouteObject[];
  /** Pages that need a session but stand outside the app shell (set a new password). */
  sessionRoutes?: RouteObject[];
  /** Pages inside the app shell. */
  routes?: RouteObject[];
  nav?: NavItem[];
  serviceTabs?: ServiceTab[];
}

/** A route whose page module (default export) loads on first visit. */
export function lazyPage(path: string | undefined, load: () => Promise<{ default: ComponentType }>, extra: Partial<RouteObject> = {}): RouteObject {
  return {
    ...(path === undefined ? { index: true } : { path }),
    ...extra,
    lazy: async () => ({ Component: (await load()).default }),
  } as RouteObject;
}
