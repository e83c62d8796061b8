import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api } from '../../app/api.ts';
import type { EditedDocument } from '../../app/feature.ts';
import type { ResourceList, ResourceView } from '../../app/types.ts';
import type {
  ALERT_RULE_KIND as RuleKind,
  AlertState,
  AlertView as AlertViewDto,
  CONTACT_POINT_KIND as ContactKind,
  DeliveryState,
  DeliveryView,
  NOTIFICATION_POLICY_KIND as PolicyKind,
  SILENCE_KIND as SilenceKind,
} from '../../../shared/alerting.schema.ts';

/*
 * feature.ts imports this module for its prefetches and the navigation's badge, so it ships in the
 * app's entry script: only queries and constants live here (no zod: the kinds' names are typed from
 * the shared schema without importing it); words, tables and actions load with the pages.
 */

export const ALERT_RULE_KIND: typeof RuleKind = 'AlertRule';
export const CONTACT_POINT_KIND: typeof ContactKind = 'ContactPoint';
export const NOTIFICATION_POLICY_KIND: typeof PolicyKind = 'NotificationPolicy';
export const SILENCE_KIND: typeof SilenceKind = 'Silence';

/** An alert as GET /api/v1/alerts shows it (`source` tells alerts posted by a Prometheus from a rule's). */
export type AlertView = AlertViewDto;
export type { AlertState };

/** The states an alert list offers, in the order a reader looks at them. */
export const ALERT_STATES: AlertState[] = ['firing', 'pending', 'nodata', 'error', 'resolved'];
/** What the API lists without a state: everything but resolved. */
export const ACTIVE_STATES: AlertState[] = ['firing', 'pending', 'nodata', 'error'];
export const SEVERITIES = ['page', 'ticket', 'info'] as const;

/** How often alert lists (and the navigation's count) ask again. */
export const ALERTS_REFRESH_MS = 10_000;

/** Which alerts a list shows, as its address says (`/alerts?team=payments&service=checkout&state=firing&severity=page&resolved=1`). */
export interface AlertFilter {
  team: string | null;
  service: string | null;
  state: AlertState | null;
  severity: string | null;
  /** Resolved alerts too (when no state is picked). */
  resolved: boolean;
}

/** The filter from the query string; `service` fixes the service (a service page's tab). */
export function alertFilter(search: URLSearchParams, service?: string): AlertFilter {
  const state = search.get('state');
  const severity = search.get('severity');
  return {
    team: search.get('team')?.trim() || null,
    service: service ?? (search.get('service')?.trim() || null),
    state: (ALERT_STATES as string[]).includes(state ?? '') ? (state as AlertState) : null,
    severity: (SEVERITIES as readonly string[]).includes(severity ?? '') ? severity : null,
    resolved: search.get('resolved') === '1',
  };
}

/** Every alert query starts with this key: acknowledging refreshes them all. */
export const alertsKey = ['alerting', 'alerts'] as const;

/** Alerts, newest first (the severity is filtered here: the API has no such filter). */
export function alertListQuery(f: AlertFilter) {
  const states = f.state ? [f.state] : f.resolved ? ALERT_STATES : undefined;
  return queryOptions({
    queryKey: [...alertsKey, 'list', { team: f.team, service: f.service, states }],
    queryFn: ({ signal }) => api<{ items: AlertView[] }>('/alerts', { query: { owner: f.team, service: f.service, state: states, limit: 1000 }, signal }),
  });
}

/** How many alerts fire now, every team's (the navigation's badge). */
export const firingCountQuery = queryOptions({
  queryKey: [...alertsKey, 'firing-count'],
  queryFn: async ({ signal }) => (await api<{ items: AlertView[] }>('/alerts', { query: { state: 'firing', limit: 1000 }, signal })).items.length,
});

/** Every resource of an alerting kind (of some teams), up to 500: the pages filter and group them. */
export function alertingResourcesQuery(kind: string, owner?: string) {
  return queryOptions({
    queryKey: ['resources', kind, 'list', { owner: owner ? [owner] : [], limit: 500 }],
    queryFn: ({ signal }) => api<ResourceList>(`/resources/${encodeURIComponent(kind)}`, { query: { owner: owner ? [owner] : [], limit: 500 }, signal }),
  });
}

/** The rules of a service among a list of AlertRules, by name. */
export function rulesOf(list: ResourceList, service: string): ResourceView[] {
  const key = service.toLowerCase();
  return list.items.filter((r) => String(r.spec.service ?? '').toLowerCase() === key).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Whether a service has an alert rule (the service page's Alerts tab); the tab's list then comes from the cache. */
export async function serviceHasRules(service: ResourceView, qc: QueryClient): Promise<boolean> {
  return rulesOf(await qc.fetchQuery(alertingResourcesQuery(ALERT_RULE_KIND, service.metadata.owner)), service.metadata.name).length > 0;
}

/** A service's alert rules: its owner's (a rule is owned by its service's owner), filtered here. */
export function serviceRulesQuery(service: ResourceView) {
  return queryOptions({ ...alertingResourcesQuery(ALERT_RULE_KIND, service.metadata.owner), select: (list: ResourceList) => rulesOf(list, service.metadata.name) });
}

/** Opens the resource editor on a new resource, its name, owner and spec filled in (`?spec=` is JSON). */
export function newResourceUrl(kind: string, fill: { name?: string; owner?: string; spec?: Record<string, unknown> }): string {
  const params = new URLSearchParams();
  if (fill.name) params.set('name', fill.name);
  if (fill.owner) params.set('owner', fill.owner);
  if (fill.spec) params.set('spec', JSON.stringify(fill.spec));
  const q = params.toString();
  return `/resources/${encodeURIComponent(kind)}/new${q ? `?${q}` : ''}`;
}

/** Where a rule is shown (its history: the generic resource page). */
export const ruleUrl = (rule: string) => `/resources/${ALERT_RULE_KIND}/${encodeURIComponent(rule)}/history`;

/** How long a new silence lasts, unless its author changes it. */
export const SILENCE_FOR_MS = 2 * 3600_000;

/** Whether an AlertRule as edited has a metric condition (the editor then shows its preview). */
export const hasMetricCondition = (doc: EditedDocument) => (doc.spec.condition as { type?: unknown } | null | undefined)?.type === 'metric';

/** The states of a notification delivery in the outbox, in the order the page offers them (`dead`: it gave up; the dead-letter list). */
export const DELIVERY_STATES: readonly DeliveryState[] = ['dead', 'pending', 'delivering', 'delivered', 'skipped'];
export type { DeliveryState, DeliveryView };

/** Which deliveries a list shows, as its address says (`/alerts/deliveries?state=all&team=payments&contactPoint=hook&cursor=…`). */
export interface DeliveryFilter {
  /** null: every state. */
  state: DeliveryState | null;
  team: string | null;
  contactPoint: string | null;
  cursor: string | null;
}

/** The filter from the query string: the dead letters unless `state` says otherwise (`all`: every state). */
export function deliveryFilter(search: URLSearchParams): DeliveryFilter {
  const state = search.get('state') ?? 'dead';
  return {
    state: (DELIVERY_STATES as readonly string[]).includes(state) ? (state as DeliveryState) : state === 'all' ? null : 'dead',
    team: search.get('team')?.trim() || null,
    contactPoint: search.get('contactPoint')?.trim() || null,
    cursor: search.get('cursor') || null,
  };
}

/** Every delivery query starts with this key: a retry refreshes them all. */
export const deliveriesKey = ['alerting', 'deliveries'] as const;

/** A page of deliveries, newest first (a contact point is filtered only together with its team). */
export function deliveryListQuery(f: DeliveryFilter) {
  return queryOptions({
    queryKey: [...deliveriesKey, f],
    queryFn: ({ signal }) =>
      api<{ items: DeliveryView[]; nextCursor: string | null }>('/alerting/deliveries', {
        query: { status: f.state, owner: f.team, contactPoint: f.team ? f.contactPoint : null, limit: 50, cursor: f.cursor },
        signal,
      }),
  });
}
