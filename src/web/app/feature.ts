import type { QueryClient } from '@tanstack/react-query';
import type { ComponentType } from 'react';
import type { Params, RouteObject } from 'react-router';
import type { Me, ResourceView } from './types.ts';

/**
 * Starts the first requests of a page as soon as its address is known, while its code still loads;
 * the page's own queries (same keys) then find the answers in flight or cached. Runs only for a
 * signed-in user who may use the app.
 */
export type Prefetch = (queryClient: QueryClient, at: { params: Params; search: URLSearchParams }) => void;

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
  /** A count beside the label (firing alerts); loaded with the shell, so keep it light. */
  badge?: ComponentType;
}

/** A tab of the service page, contributed by a feature. Tabs that have nothing to show hide. */
export interface ServiceTab {
  /** The URL segment: /services/<name>/<id>. */
  id: string;
  label: string;
  order: number;
  load(): Promise<{ default: ComponentType<{ service: ResourceView }> }>;
  visible?(service: ResourceView, me: Me): boolean;
  /**
   * Asks the server whether the tab has anything to show for this service (has it sent metrics?);
   * the tab appears once the answer is yes. An open tab (its address) shows whatever the answer.
   */
  hasContent?(service: ResourceView, queryClient: QueryClient): Promise<boolean>;
}

/** A section of a team's page, contributed by a feature (below the team's contacts); loaded on first use. */
export interface TeamSection {
  id: string;
  /** Lower comes first. */
  order: number;
  load(): Promise<{ default: ComponentType<{ team: ResourceView }> }>;
}

/** The document a resource editor holds as it is edited (the form's fields or the parsed YAML). */
export interface EditedDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; owner?: string } & Record<string, unknown>;
  spec: Record<string, unknown>;
}

/**
 * A panel under the resource editor for one kind (an AlertRule's preview), contributed by a
 * feature; its module loads the first time the editor shows it.
 */
export interface EditorPanel {
  id: string;
  /** The kind it is shown for (`AlertRule`). */
  kind: string;
  /** Lower comes first. */
  order: number;
  /**
   * Whether the document as edited calls for the panel (a rule with a metric condition); checked
   * before its module loads, so keep it cheap.
   */
  visible?(document: EditedDocument): boolean;
  /** `stored`: the resource as last saved (null while it is new). */
  load(): Promise<{ default: ComponentType<{ document: EditedDocument; stored: ResourceView | null }> }>;
}

/** A control in the header, left of the colour-scheme switch (a feature's status at a glance). */
export interface HeaderItem {
  id: string;
  /** Lower comes first. */
  order: number;
  Component: ComponentType;
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
  /** Small controls in the header; loaded with the shell, so keep them light. */
  header?: HeaderItem[];
  serviceTabs?: ServiceTab[];
  teamSections?: TeamSection[];
  editorPanels?: EditorPanel[];
}

/** A route whose page module (default export) loads on first visit; `prefetch` starts its data meanwhile. */
export function lazyPage(path: string | undefined, load: () => Promise<{ default: ComponentType }>, { prefetch, ...extra }: Partial<RouteObject> & { prefetch?: Prefetch } = {}): RouteObject {
  return {
    ...(path === undefined ? { index: true } : { path }),
    ...extra,
    ...(prefetch ? { handle: { prefetch } } : {}),
    lazy: async () => ({ Component: (await load()).default }),
  } as RouteObject;
}

/** The prefetch a route declared with lazyPage, if any. */
export function prefetchOf(route: RouteObject): Prefetch | undefined {
  return (route.handle as { prefetch?: Prefetch } | undefined)?.prefetch;
}
