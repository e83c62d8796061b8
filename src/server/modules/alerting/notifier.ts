import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  durationMs,
  notificationPolicySpecSchema,
  parseMatcher,
  silenceSpecSchema,
  type Matcher,
  type NotificationPolicySpec,
  type SilenceSpec,
} from '../../../shared/alerting.schema.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db.ts';
import type { AlertPayload, GroupNotification } from './contact-formats.ts';
import type { AlertInstance, AlertListener } from './engine.ts';
import { fingerprint } from './evaluate.ts';
import type { OutboxItem } from './outbox.ts';

/** Where notifications go: the durable outbox (or, in tests, a collector). */
export interface NotificationSink {
  enqueue(items: OutboxItem[]): Promise<number>;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(v);
    default:
      return !new RegExp(`^(?:${m.value})$`).test(v);
  }
}

const parseAll = (list: string[]) => list.map((t) => parseMatcher(t)).filter((m): m is Matcher => m !== null);
const matchAll = (ms: Matcher[], labels: Record<string, string>) => ms.every((m) => matches(m, labels));

/** Whether `now` falls in a time interval (weekdays and times of day in its time zone). */
export function inTimeInterval(interval: NotificationPolicySpec['timeIntervals'][number], now: number): boolean {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: interval.location, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = get('weekday').toLowerCase();
  if (interval.weekdays.length && !interval.weekdays.includes(weekday as never)) return false;
  if (!interval.times.length) return true;
  const minute = Number(get('hour')) * 60 + Number(get('minute'));
  return interval.times.some((t) => {
    const [sh, sm] = t.start.split(':').map(Number);
    const [eh, em] = t.end.split(':').map(Number);
    return minute >= sh! * 60 + sm! && minute < eh! * 60 + em!;
  });
}

interface Policy {
  name: string;
  owner: string;
  ownerKey: string;
  spec: NotificationPolicySpec;
  routes: { matchers: Matcher[]; spec: NotificationPolicySpec['routes'][number] }[];
  inhibit: { source: Matcher[]; target: Matcher[]; equal: string[] }[];
}

interface Silence {
  name: string;
  ownerKey: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
}

/** A notification group: the alerts one route gathers by its groupBy labels. */
interface Group {
  key: string;
  policy: Policy;
  routeIndex: number;
  groupLabels: Record<string, string>;
  alerts: Map<string, AlertInstance>;
  firstAt: number;
  lastNotifiedAt: number | null;
  lastHash: string | null;
  sequence: number;
  changed: boolean;
  /** Resolved alerts already told, so they are not told again. */
  toldResolved: Set<string>;
}

/** What a group's notification told, as a short hash of its alerts and their states: unchanged means nothing new to tell. */
function hashOfAlerts(active: AlertInstance[]): string {
  return createHash('sha256')
    .update(active.map((a) => `${a.fingerprint}:${a.state}`).sort().join(','))
    .digest('hex')
    .slice(0, 16);
}

function payload(a: AlertInstance, externalURL: string): AlertPayload {
  const resolved = a.state === 'resolved';
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.firedAt ?? a.activeAt).toISOString(),
    endsAt: resolved && a.resolvedAt !== null ? new Date(a.resolvedAt).toISOString() : ZERO_TIME,
    generatorURL: `${externalURL}/alerts?rule=${encodeURIComponent(a.labels.alertname ?? '')}`,
    fingerprint: a.fingerprint,
  };
}

function common<T extends Record<string, string>>(maps: T[]): Record<string, string> {
  if (!maps.length) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

/**
 * Routes alerts by the NotificationPolicies of the team that owns their rule (else the
 * organisation default), groups them per route by its groupBy labels, holds a new group for
 * groupWait, a changed one until groupInterval since its last notification, repeats an unchanged
 * firing one every repeatInterval, leaves out what the team's silences and inhibit rules mute, and
 * hands each notification to the outbox with an idempotency key of group and sequence.
 */
export function createNotifier(deps: {
  db: Kysely<Database>;
  clock: Clock;
  sink: NotificationSink;
  source: { version(): Promise<string>; policies(): Promise<ResourceView[]>; silences(): Promise<ResourceView[]> };
  externalURL: string;
  /** Every firing alert (for inhibition: a source alert may be in no group of this policy). */
  activeAlerts(): AlertInstance[];
}): AlertListener & { tick(): Promise<number>; silenced(a: AlertInstance): Silence | null; refresh(force?: boolean): Promise<void>; changed(): void; reset(): void } {
  let policies: Policy[] = [];
  let silences: Silence[] = [];
  let version: string | null = null;
  let checkedAt = -Infinity;
  /** Until then every pass asks whether policies or silences changed (a write here may not have committed yet when it tells us). */
  let eagerUntil = -Infinity;
  const groups = new Map<string, Group>();
  let restored = false;

  async function refresh(force = false): Promise<void> {
    const now = deps.clock.now().getTime();
    if (!force && now - checkedAt < 1000 && now > eagerUntil) return;
    checkedAt = now;
    const v = await deps.source.version();
    if (v === version) return;
    const next: Policy[] = [];
    for (const d of await deps.source.policies()) {
      const spec = notificationPolicySpecSchema.safeParse(d.spec);
      if (!spec.success) continue;
      next.push({
        name: d.metadata.name,
        owner: d.metadata.owner,
        ownerKey: d.metadata.owner.toLowerCase(),
        spec: spec.data,
        routes: spec.data.routes.map((r) => ({ matchers: parseAll(r.matchers), spec: r })),
        inhibit: spec.data.inhibitRules.map((r) => ({ source: parseAll(r.sourceMatchers), target: parseAll(r.targetMatchers), equal: r.equal })),
      });
    }
    next.sort((a, b) => a.name.localeCompare(b.name));
    policies = next;
    silences = [];
    for (const d of await deps.source.silences()) {
      const spec = silenceSpecSchema.safeParse(d.spec);
      if (!spec.success) continue;
      const s: SilenceSpec = spec.data;
      silences.push({ name: d.metadata.name, ownerKey: d.metadata.owner.toLowerCase(), matchers: parseAll(s.matchers), startsAt: s.startsAt ? Date.parse(s.startsAt) : Date.parse(d.metadata.updatedAt ?? d.metadata.createdAt ?? new Date(0).toISOString()), endsAt: Date.parse(s.endsAt) });
    }
    version = v;
    // silences or routes changed: every group is looked at again
    for (const g of groups.values()) g.changed = true;
  }

  /** The routes an alert goes to: its team's policies, else the organisation default. */
  function routesOf(a: AlertInstance, now: number): { policy: Policy; index: number }[] {
    const pick = (list: Policy[]) => {
      const out: { policy: Policy; index: number }[] = [];
      for (const p of list) {
        for (const [index, r] of p.routes.entries()) {
          if (!matchAll(r.matchers, a.labels)) continue;
          const active = r.spec.activeTimeIntervals;
          if (active.length && !p.spec.timeIntervals.filter((t) => active.includes(t.name)).some((t) => inTimeInterval(t, now))) continue;
          out.push({ policy: p, index });
          if (!r.spec.continue) return out;
        }
      }
      return out;
    };
    const own = pick(policies.filter((p) => p.ownerKey === a.ownerKey && !p.spec.organisationDefault));
    return own.length ? own : pick(policies.filter((p) => p.spec.organisationDefault));
  }

  function silencedBy(a: AlertInstance, now: number): Silence | null {
    // a team's silences mute its own alerts only
    return silences.find((s) => s.ownerKey === a.ownerKey && s.startsAt <= now && now < s.endsAt && matchAll(s.matchers, a.labels)) ?? null;
  }

  function inhibited(a: AlertInstance, policy: Policy, firing: AlertInstance[]): boolean {
    for (const rule of policy.inhibit) {
      if (!matchAll(rule.target, a.labels)) continue;
      const hit = firing.some((src) => src.fingerprint !== a.fingerprint && src.ownerKey === a.ownerKey && matchAll(rule.source, src.labels) && rule.equal.every((l) => (src.labels[l] ?? '') === (a.labels[l] ?? '')));
      if (hit) return true;
    }
    return false;
  }

  function groupKeyOf(policy: Policy, index: number, a: AlertInstance): { key: string; labels: Record<string, string> } {
    const by = policy.routes[index]!.spec.groupBy;
    const labels: Record<string, string> = {};
    if (by.includes('...')) Object.assign(labels, a.labels);
    else for (const l of by) if (a.labels[l] !== undefined) labels[l] = a.labels[l]!;
    return { key: `${policy.ownerKey}/${policy.name.toLowerCase()}/${index}/${fingerprint(labels)}`, labels };
  }

  async function restore(): Promise<void> {
    if (restored) return;
    restored = true;
    const rows = await deps.db.selectFrom('alert_groups').selectAll().execute();
    const byKey = new Map(rows.map((r) => [r.group_key, r]));
    // groups are rebuilt from the active alerts; what each last told is in its row
    await refresh(true);
    const now = deps.clock.now().getTime();
    for (const a of deps.activeAlerts()) place(a, now);
    for (const g of groups.values()) {
      const row = byKey.get(g.key);
      if (!row) continue;
      g.firstAt = Date.parse(row.first_at);
      g.lastNotifiedAt = row.last_notified_at ? Date.parse(row.last_notified_at) : null;
      g.lastHash = row.last_hash;
      g.sequence = row.sequence;
      g.changed = hashOf(g, now) !== g.lastHash;
    }
  }

  function place(a: AlertInstance, now: number): void {
    for (const { policy, index } of routesOf(a, now)) {
      const { key, labels } = groupKeyOf(policy, index, a);
      let g = groups.get(key);
      if (!g) {
        if (a.state === 'resolved') continue;
        g = { key, policy, routeIndex: index, groupLabels: labels, alerts: new Map(), firstAt: now, lastNotifiedAt: null, lastHash: null, sequence: 0, changed: true, toldResolved: new Set() };
        groups.set(key, g);
      }
      g.policy = policy;
      g.alerts.set(a.fingerprint, a);
      g.changed = true;
    }
  }

  /** What a notification of the group would say now: its alerts to tell, and a hash of them. */
  function contents(g: Group, now: number, firing: AlertInstance[]): { active: AlertInstance[]; resolved: AlertInstance[] } {
    const active: AlertInstance[] = [];
    const resolved: AlertInstance[] = [];
    for (const a of g.alerts.values()) {
      if (silencedBy(a, now) || inhibited(a, g.policy, firing)) continue;
      if (a.state === 'resolved') {
        if (!g.toldResolved.has(a.fingerprint)) resolved.push(a);
      } else if (a.state !== 'pending') active.push(a);
    }
    return { active, resolved };
  }

  function hashOf(g: Group, now: number): string {
    return hashOfAlerts(contents(g, now, deps.activeAlerts()).active);
  }

  return {
    async alertsChanged(changed: AlertInstance[], now: number): Promise<void> {
      await restore();
      await refresh();
      for (const a of changed) place(a, now);
      await this.tick();
    },

    silenced(a: AlertInstance): Silence | null {
      return silencedBy(a, deps.clock.now().getTime());
    },

    refresh,

    /** A policy or silence was written on this replica: look for it on every pass for a while. */
    changed(): void {
      eagerUntil = deps.clock.now().getTime() + 5_000;
    },

    /** Forgets the groups: the next pass rebuilds them from the active alerts and alert_groups (this replica took the alerting lease over). */
    reset(): void {
      groups.clear();
      restored = false;
    },

    /** Sends what is due: new groups after groupWait, changed ones after groupInterval, repeats. */
    async tick(): Promise<number> {
      await restore();
      await refresh();
      const now = deps.clock.now().getTime();
      const firing = deps.activeAlerts();
      let sent = 0;
      for (const g of [...groups.values()]) {
        const route = g.policy.routes[g.routeIndex]?.spec;
        if (!route) {
          groups.delete(g.key);
          continue;
        }
        const { active, resolved } = contents(g, now, firing);
        const hash = hashOfAlerts(active);
        if (hash === g.lastHash && !resolved.length) g.changed = false;
        let due: boolean;
        if (g.changed) {
          due = g.lastNotifiedAt === null ? now >= g.firstAt + durationMs(route.groupWait) : now >= g.lastNotifiedAt + durationMs(route.groupInterval);
        } else due = active.length > 0 && g.lastNotifiedAt !== null && now >= g.lastNotifiedAt + durationMs(route.repeatInterval);
        const muted = route.muteTimeIntervals.length > 0 && g.policy.spec.timeIntervals.filter((t) => route.muteTimeIntervals.includes(t.name)).some((t) => inTimeInterval(t, now));
        if (!due || muted) continue;
        if (!active.length && !resolved.length) {
          // nothing to tell (all silenced, or already told): the group is done once nothing fires
          g.changed = false;
          g.lastHash = hash;
          if (![...g.alerts.values()].some((a) => a.state !== 'resolved')) groups.delete(g.key);
          continue;
        }
        const alerts = [...active, ...resolved].sort((a, b) => a.activeAt - b.activeAt);
        const notification: GroupNotification = {
          groupKey: g.key,
          status: active.length ? 'firing' : 'resolved',
          alerts: alerts.map((a) => payload(a, deps.externalURL)),
          groupLabels: g.groupLabels,
          commonLabels: common(alerts.map((a) => a.labels)),
          commonAnnotations: common(alerts.map((a) => a.annotations)),
          externalURL: deps.externalURL,
        };
        g.sequence++;
        const items = route.contactPoints.map((name) => ({ contactPoint: { owner: g.policy.owner, name }, idempotencyKey: `${g.key}@${g.firstAt}#${g.sequence}/${name.toLowerCase()}`, notification }));
        await deps.sink.enqueue(items);
        sent += items.length;
        g.lastNotifiedAt = now;
        g.lastHash = hash;
        g.changed = false;
        for (const a of resolved) {
          g.toldResolved.add(a.fingerprint);
          g.alerts.delete(a.fingerprint);
        }
        const row = { group_key: g.key, owner_key: g.policy.ownerKey, first_at: new Date(g.firstAt).toISOString(), last_notified_at: new Date(now).toISOString(), last_hash: hash, sequence: g.sequence };
        await deps.db
          .insertInto('alert_groups')
          .values(row)
          .onConflict((oc) => oc.column('group_key').doUpdateSet(row))
          .execute();
        if (![...g.alerts.values()].some((a) => a.state !== 'resolved')) {
          groups.delete(g.key);
          await deps.db.deleteFrom('alert_groups').where('group_key', '=', g.key).execute();
        }
      }
      return sent;
    },
  };
}
