import type { Kysely } from 'kysely';
import { alertRuleSpecSchema, durationMs, type AlertState } from '../../../shared/alerting.schema.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { sql, type Database } from '../../platform/db.ts';
import type { Lease } from '../../platform/leases.ts';
import { alertLabels, evaluateCondition, fingerprint, renderTemplate, type CompiledRule, type EvalSource, type Outcome } from './evaluate.ts';
import { compileSloRules } from './slo.ts';

/** An alert: one label set of one rule, and where it stands. */
export interface AlertInstance {
  ruleKey: string;
  fingerprint: string;
  ownerKey: string;
  service: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  value: number | null;
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastBreachAt: number | null;
  /** An alert sent by another system (Prometheus): when it stops firing unless sent again. */
  endsAt: number | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
}

/** An alert as Prometheus posts it to Alertmanager's API. */
export interface PostedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** How long a posted alert without an end fires before it must be sent again (Alertmanager's resolve_timeout). */
export const POSTED_RESOLVE_MS = 5 * 60_000;
/** The rule key of alerts posted by other systems: one per alertname. */
export const postedRuleKey = (alertname: string) => `posted:${alertname.toLowerCase()}`;

/** What the notifier is told after each evaluation: the alerts whose state changed. */
export interface AlertListener {
  alertsChanged(changed: AlertInstance[], now: number): Promise<void>;
}

/** How long a resolved alert stays listed (and can still be notified as resolved). */
export const RESOLVED_KEPT_MS = 15 * 60_000;
/** How often every rule is evaluated even without new data (for `for`, absence and no-data). */
export const EVAL_INTERVAL_MS = 10_000;
/** A rule evaluated more than this many intervals after its previous evaluation missed a cycle. */
export const LATE_FACTOR = 1.5;

/** What one evaluation pass did, for the server's own metrics. */
export interface EvalPassStats {
  /** Wall time of the pass: rules evaluated, changes stored, the notifier told. */
  durationMs: number;
  /** Rules evaluated in the pass. */
  evaluated: number;
  /** Of those, rules whose previous evaluation was more than LATE_FACTOR × the interval before. */
  late: number;
  /** Rules the evaluator holds. */
  rules: number;
}

/** How often the rules are checked for changes made on any replica. */
const RULES_CHECK_MS = 1_000;
/** A pass that has run this long lets the event loop in (ingest, API) before its next rule. */
const PASS_SLICE_MS = 20;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const ms = (s: string | null) => (s === null ? null : Date.parse(s));
const isPosted = (ruleKey: string) => ruleKey.startsWith('posted:');

function instanceOf(r: Database['alert_instances']): AlertInstance {
  return {
    ruleKey: r.rule_key,
    fingerprint: r.fingerprint,
    ownerKey: r.owner_key,
    service: r.service,
    severity: r.severity,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    state: r.state as AlertState,
    value: r.value,
    activeAt: Date.parse(r.active_at),
    firedAt: ms(r.fired_at),
    resolvedAt: ms(r.resolved_at),
    lastBreachAt: ms(r.last_breach_at),
    endsAt: ms(r.ends_at),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: ms(r.acknowledged_at),
  };
}

/** The rule a resource describes, or null when its spec no longer parses (an older schema). */
export function compileRule(doc: ResourceView): CompiledRule | null {
  const spec = alertRuleSpecSchema.safeParse(doc.spec);
  if (!spec.success) return null;
  return {
    key: doc.metadata.name.toLowerCase(),
    name: doc.metadata.name,
    owner: doc.metadata.owner,
    ownerKey: doc.metadata.owner.toLowerCase(),
    revision: doc.metadata.revision,
    spec: spec.data,
    forMs: durationMs(spec.data.for),
    keepFiringForMs: durationMs(spec.data.keepFiringFor),
  };
}

/**
 * The alert evaluator. Rules are evaluated when data they read arrives (ingest calls
 * {@link dataArrived}) and at least every {@link EVAL_INTERVAL_MS}; each evaluation moves its
 * alerts through pending → firing → resolved (Prometheus's `for` and `keep_firing_for`), writes
 * the changes and their history in one transaction, then tells the notifier. One rule that fails
 * goes to its error state; the others carry on.
 * @remarks One evaluator per deployment: with a `lease`, only the replica holding it evaluates and
 * tells the listener. Taking the lease over reloads every alert from the database; while it holds
 * the lease it adopts, at most every second, what other replicas wrote (acknowledgements, alerts
 * posted to them). A replica without the lease evaluates nothing and reloads the alerts from the
 * database at most every second, so its API shows what the holder wrote.
 */
export function createAlertEngine(deps: {
  db: Kysely<Database>;
  clock: Clock;
  source: EvalSource;
  rules: { version(): Promise<string>; list(): Promise<ResourceView[]> };
  listener?: AlertListener;
  intervalMs?: number;
  onError?: (err: unknown) => void;
  /** Told after every evaluation pass (metrics). */
  onPass?: (stats: EvalPassStats) => void;
  /** Only the replica holding this lease evaluates (none: this process always does). */
  lease?: Lease;
  /** Called when this replica took the lease over, after the alerts were reloaded (the notifier rebuilds its groups). */
  onTakeover?: () => void;
}) {
  const interval = deps.intervalMs ?? EVAL_INTERVAL_MS;
  const rules = new Map<string, CompiledRule>();
  /** Rules by the service they read, lower-cased. */
  const byService = new Map<string, Set<string>>();
  const instances = new Map<string, Map<string, AlertInstance>>();
  const lastEval = new Map<string, number>();
  const health = new Map<string, { health: 'ok' | 'error' | 'nodata'; lastError: string | null; lastEvalAt: number }>();
  const dirty = new Set<string>();
  let version: string | null = null;
  let checkedAt = -Infinity;
  let eagerUntil = -Infinity;
  let loaded = false;
  let running: Promise<void> | null = null;
  /** New data came in while a pass ran: another pass follows it. */
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let kickTimer: NodeJS.Timeout | null = null;
  /** The lease term whose alerts memory holds; a new term reloads them. */
  let leaseTerm = 0;
  let takeover: Promise<void> | null = null;
  /** When the database was last read for what other replicas wrote (holder) or for everything (the others). */
  let syncedAt = -Infinity;
  /** Acknowledgements taken on this replica, numbered, so reading the database does not undo one it raced with. */
  let ackSeq = 0;
  const ackedAt = new WeakMap<AlertInstance, number>();

  /** Replaces the alerts (and rules' health) in memory with what the database holds. */
  async function load(): Promise<void> {
    const rows = await deps.db.selectFrom('alert_instances').selectAll().execute();
    const healthRows = await deps.db.selectFrom('alert_rule_health').selectAll().execute();
    instances.clear();
    for (const r of rows) {
      let m = instances.get(r.rule_key);
      if (!m) instances.set(r.rule_key, (m = new Map()));
      m.set(r.fingerprint, instanceOf(r));
    }
    for (const h of healthRows) health.set(h.rule_key, { health: h.health as 'ok' | 'error' | 'nodata', lastError: h.last_error, lastEvalAt: Date.parse(h.last_eval_at) });
    loaded = true;
  }

  /**
   * The holder adopts what other replicas wrote since: acknowledgements (and their removal), and
   * alerts posted to them — new ones and ones firing again are told to the listener; a resend's
   * later end is kept.
   */
  async function adoptOthers(now: number): Promise<void> {
    const readAt = ackSeq;
    const rows = await deps.db.selectFrom('alert_instances').selectAll().execute();
    const changed: AlertInstance[] = [];
    for (const r of rows) {
      const inst = instances.get(r.rule_key)?.get(r.fingerprint);
      const activeAt = Date.parse(r.active_at);
      if (inst && inst.activeAt === activeAt) {
        // an acknowledgement taken here while the rows were read is newer than what they say
        if ((ackedAt.get(inst) ?? 0) <= readAt) {
          inst.acknowledgedBy = r.acknowledged_by;
          inst.acknowledgedAt = ms(r.acknowledged_at);
        }
        if (!isPosted(r.rule_key)) continue;
        const endsAt = ms(r.ends_at);
        if (r.state === 'resolved' && inst.state !== 'resolved') {
          inst.state = 'resolved';
          inst.resolvedAt = ms(r.resolved_at) ?? now;
          inst.endsAt = endsAt;
          changed.push(inst);
        } else if (inst.state === 'firing' && endsAt !== null && endsAt > (inst.endsAt ?? -Infinity)) {
          inst.endsAt = endsAt;
          inst.lastBreachAt = ms(r.last_breach_at);
          inst.annotations = JSON.parse(r.annotations) as Record<string, string>;
        }
      } else if (isPosted(r.rule_key) && (!inst || activeAt > inst.activeAt)) {
        let m = instances.get(r.rule_key);
        if (!m) instances.set(r.rule_key, (m = new Map()));
        const fresh = instanceOf(r);
        m.set(r.fingerprint, fresh);
        if (fresh.state !== 'resolved' || inst) changed.push(fresh);
      }
    }
    if (changed.length && deps.listener) await deps.listener.alertsChanged(changed, now);
  }

  /**
   * Whether this replica does the evaluator's work now: always without a lease; with one, while
   * it holds it (after reloading the alerts when it took it over).
   */
  async function leading(): Promise<boolean> {
    const lease = deps.lease;
    if (!lease) return true;
    const now = deps.clock.now().getTime();
    if (!(await lease.ensure())) {
      if (now - syncedAt >= RULES_CHECK_MS) {
        syncedAt = now;
        await refresh(now);
        await load();
      }
      return false;
    }
    if (lease.term !== leaseTerm && !takeover) {
      leaseTerm = lease.term;
      takeover = (async () => {
        try {
          await load();
        } catch (err) {
          leaseTerm = 0;
          throw err;
        }
        // every rule is due at once: another replica evaluated them until now
        lastEval.clear();
        syncedAt = now;
        deps.onTakeover?.();
      })().finally(() => (takeover = null));
    }
    if (takeover) await takeover;
    else if (now - syncedAt >= RULES_CHECK_MS) {
      syncedAt = now;
      await adoptOthers(now);
    }
    return true;
  }

  async function refresh(now: number): Promise<void> {
    if (now - checkedAt < RULES_CHECK_MS && now > eagerUntil) return;
    checkedAt = now;
    const v = await deps.rules.version();
    if (v === version) return;
    const docs = await deps.rules.list();
    const next = new Map<string, CompiledRule>();
    for (const d of docs) {
      // an Slo stands for up to two rules; an AlertRule of the same name keeps it
      for (const r of d.kind === 'Slo' ? compileSloRules(d) : [compileRule(d)]) if (r && !next.has(r.key)) next.set(r.key, r);
    }
    // a changed rule is evaluated at once
    for (const [k, r] of next) if (rules.get(k)?.revision !== r.revision) dirty.add(k);
    rules.clear();
    byService.clear();
    for (const [k, r] of next) {
      rules.set(k, r);
      // burn rates over hours and days move little with one batch: SLOs wait for the periodic tick
      if (r.spec.condition.type === 'slo') continue;
      const s = r.spec.service.toLowerCase();
      let set = byService.get(s);
      if (!set) byService.set(s, (set = new Set()));
      set.add(k);
    }
    version = v;
  }

  /** Moves a rule's alerts on by an evaluation's outcome; returns those whose state changed (and dropped ones as resolved-less removals). */
  function apply(rule: CompiledRule, outcome: Outcome, now: number): { changed: AlertInstance[]; removed: AlertInstance[] } {
    let current = instances.get(rule.key);
    if (!current) instances.set(rule.key, (current = new Map()));
    const changed: AlertInstance[] = [];
    const removed: AlertInstance[] = [];
    const seen = new Set<string>();

    const breach = (labels: Record<string, string>, value: number | null, special?: 'nodata' | 'error') => {
      const fp = fingerprint(labels);
      seen.add(fp);
      let inst = current.get(fp);
      const annotations: Record<string, string> = {};
      for (const [k, t] of Object.entries(rule.spec.annotations)) annotations[k] = renderTemplate(t, labels, value);
      if (rule.spec.runbook) annotations.runbook_url = rule.spec.runbook;
      if (!inst || inst.state === 'resolved') {
        inst = {
          ruleKey: rule.key,
          fingerprint: fp,
          ownerKey: rule.ownerKey,
          service: rule.spec.service,
          severity: rule.spec.severity,
          labels,
          annotations,
          state: 'pending',
          value,
          activeAt: now,
          firedAt: null,
          resolvedAt: null,
          lastBreachAt: now,
          endsAt: null,
          acknowledgedBy: null,
          acknowledgedAt: null,
        };
        current.set(fp, inst);
        if (!special && rule.forMs > 0) {
          changed.push(inst);
          return;
        }
      }
      inst.value = value;
      inst.annotations = annotations;
      inst.lastBreachAt = now;
      const before = inst.state;
      if (special) inst.state = special;
      else if (inst.state !== 'firing' && now - inst.activeAt >= rule.forMs) inst.state = 'firing';
      if (inst.state !== 'pending') inst.firedAt ??= now;
      if (inst.state !== before) changed.push(inst);
    };
    const clear = (inst: AlertInstance) => {
      if (inst.state === 'resolved') return;
      if (inst.state === 'pending') {
        current.delete(inst.fingerprint);
        removed.push(inst);
        return;
      }
      if (inst.state === 'firing' && inst.lastBreachAt !== null && now - inst.lastBreachAt < rule.keepFiringForMs) return;
      inst.state = 'resolved';
      inst.resolvedAt = now;
      changed.push(inst);
    };
    const clearAllExcept = () => {
      for (const inst of [...current.values()]) if (!seen.has(inst.fingerprint)) clear(inst);
    };

    const special = (state: 'ok' | 'alerting' | 'nodata' | 'error' | 'keep', as: 'nodata' | 'error') => {
      if (state === 'keep') {
        for (const inst of current.values()) seen.add(inst.fingerprint);
        return;
      }
      if (state === 'alerting') breach(alertLabels(rule, {}), null);
      else if (state === 'nodata' || state === 'error') breach(alertLabels(rule, { alertstate: as }), null, as);
      clearAllExcept();
    };

    if (outcome.kind === 'samples') {
      for (const s of outcome.samples) {
        if (s.breach) breach(alertLabels(rule, s.labels), s.value);
        // a label set that does not breach matters only to an alert it already has
        else if (current.size) {
          const inst = current.get(fingerprint(alertLabels(rule, s.labels)));
          if (inst) {
            inst.value = s.value;
            seen.add(inst.fingerprint);
            clear(inst);
          }
        }
      }
      // label sets that no longer report: as if they stopped breaching
      clearAllExcept();
    } else if (outcome.kind === 'nodata') special(rule.spec.noDataState, 'nodata');
    else special(rule.spec.errorState, 'error');

    // resolved alerts are kept a while for the page and for "resolved" notifications
    for (const inst of [...current.values()]) {
      if (inst.state === 'resolved' && inst.resolvedAt !== null && now - inst.resolvedAt >= RESOLVED_KEPT_MS) {
        current.delete(inst.fingerprint);
        removed.push(inst);
      }
    }
    return { changed, removed };
  }

  async function persist(changed: AlertInstance[], removed: AlertInstance[], from: Map<string, AlertState | null>, now: number, healthRow?: { ruleKey: string; health: string; lastError: string | null }): Promise<void> {
    const at = iso(now)!;
    await deps.db.transaction().execute(async (trx) => {
      for (const inst of removed) await trx.deleteFrom('alert_instances').where('rule_key', '=', inst.ruleKey).where('fingerprint', '=', inst.fingerprint).execute();
      for (const inst of changed) {
        const row = {
          rule_key: inst.ruleKey,
          fingerprint: inst.fingerprint,
          owner_key: inst.ownerKey,
          service: inst.service,
          severity: inst.severity,
          labels: JSON.stringify(inst.labels),
          annotations: JSON.stringify(inst.annotations),
          state: inst.state,
          value: inst.value,
          active_at: iso(inst.activeAt)!,
          fired_at: iso(inst.firedAt),
          resolved_at: iso(inst.resolvedAt),
          last_breach_at: iso(inst.lastBreachAt),
          ends_at: iso(inst.endsAt),
          acknowledged_by: inst.acknowledgedBy,
          acknowledged_at: iso(inst.acknowledgedAt),
        };
        // an acknowledgement belongs to one firing: another replica may have written it since this one read it
        const keepAck = (column: 'acknowledged_by' | 'acknowledged_at') =>
          sql<string | null>`case when alert_instances.active_at = excluded.active_at then ${sql.ref(`alert_instances.${column}`)} else ${sql.ref(`excluded.${column}`)} end`;
        await trx
          .insertInto('alert_instances')
          .values(row)
          .onConflict((oc) => oc.columns(['rule_key', 'fingerprint']).doUpdateSet({ ...row, acknowledged_by: keepAck('acknowledged_by'), acknowledged_at: keepAck('acknowledged_at') }))
          .execute();
        await trx
          .insertInto('alert_events')
          .values({ at, rule_key: inst.ruleKey, fingerprint: inst.fingerprint, owner_key: inst.ownerKey, service: inst.service, from_state: from.get(inst.fingerprint) ?? null, to_state: inst.state, value: inst.value, actor: null })
          .execute();
      }
      if (!healthRow) return;
      const h = { rule_key: healthRow.ruleKey, health: healthRow.health, last_error: healthRow.lastError, last_eval_at: at };
      await trx
        .insertInto('alert_rule_health')
        .values(h)
        .onConflict((oc) => oc.column('rule_key').doUpdateSet(h))
        .execute();
    });
  }

  /** Evaluates the rules that are due: new data, a changed rule, or the interval passed. */
  async function evaluateDue(): Promise<number> {
    const started = performance.now();
    if (!(await leading())) return 0;
    if (!loaded) await load();
    const now = deps.clock.now().getTime();
    await refresh(now);
    let evaluated = 0;
    let late = 0;
    const allChanged: AlertInstance[] = [];
    let slice = performance.now();
    for (const rule of rules.values()) {
      if (performance.now() - slice >= PASS_SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
      // each rule at the time it is evaluated: data that came in while the pass ran is in its window
      const now = deps.clock.now().getTime();
      const last = lastEval.get(rule.key) ?? -Infinity;
      const pendingDue = [...(instances.get(rule.key)?.values() ?? [])].some((i) => i.state === 'pending' && now - i.activeAt >= rule.forMs);
      if (!dirty.has(rule.key) && now - last < interval && !pendingDue) continue;
      dirty.delete(rule.key);
      lastEval.set(rule.key, now);
      if (rule.spec.paused) continue;
      if (now - last > LATE_FACTOR * interval && Number.isFinite(last)) late++;
      const outcome = evaluateCondition(deps.source, rule.spec.service, rule.spec.condition, now);
      const before = new Map([...(instances.get(rule.key)?.values() ?? [])].map((i) => [i.fingerprint, i.state] as const));
      const { changed, removed } = apply(rule, outcome, now);
      const h = { health: outcome.kind === 'error' ? 'error' : outcome.kind === 'nodata' ? 'nodata' : 'ok', lastError: outcome.kind === 'error' ? outcome.message : null } as const;
      const prevHealth = health.get(rule.key);
      health.set(rule.key, { ...h, lastEvalAt: now });
      evaluated++;
      // unchanged rules write nothing: the evaluation time is kept in memory between changes
      if (changed.length || removed.length || prevHealth?.health !== h.health || prevHealth?.lastError !== h.lastError) {
        await persist(changed, removed, before, now, { ruleKey: rule.key, ...h });
      }
      allChanged.push(...changed);
    }
    // posted alerts not sent again before their end resolve
    const expired: AlertInstance[] = [];
    const expiredFrom = new Map<string, AlertState | null>();
    for (const [key, m] of instances) {
      if (!key.startsWith('posted:')) continue;
      for (const inst of [...m.values()]) {
        if (inst.state === 'firing' && inst.endsAt !== null && inst.endsAt <= now) {
          expiredFrom.set(inst.fingerprint, inst.state);
          inst.state = 'resolved';
          inst.resolvedAt = inst.endsAt;
          expired.push(inst);
        } else if (inst.state === 'resolved' && inst.resolvedAt !== null && now - inst.resolvedAt >= RESOLVED_KEPT_MS) {
          m.delete(inst.fingerprint);
          await deps.db.deleteFrom('alert_instances').where('rule_key', '=', key).where('fingerprint', '=', inst.fingerprint).execute();
        }
      }
    }
    if (expired.length) {
      await persist(expired, [], expiredFrom, now);
      allChanged.push(...expired);
    }
    // alerts of deleted rules resolve
    for (const [key, m] of instances) {
      if (rules.has(key) || key.startsWith('posted:')) continue;
      for (const inst of m.values()) {
        if (inst.state !== 'resolved') {
          inst.state = 'resolved';
          inst.resolvedAt = now;
          allChanged.push(inst);
        }
      }
      instances.delete(key);
      await deps.db.deleteFrom('alert_instances').where('rule_key', '=', key).execute();
      await deps.db.deleteFrom('alert_rule_health').where('rule_key', '=', key).execute();
    }
    if (allChanged.length && deps.listener) await deps.listener.alertsChanged(allChanged, now);
    deps.onPass?.({ durationMs: performance.now() - started, evaluated, late, rules: rules.size });
    return evaluated;
  }

  /** One evaluation pass at a time; a pass asked for (`follow`) while one runs follows it. */
  function run(follow = false): Promise<void> {
    if (running) {
      again ||= follow;
      return running;
    }
    running = evaluateDue()
      .then(() => undefined)
      .catch((err) => deps.onError?.(err))
      .finally(() => {
        running = null;
        if (again && timer) {
          again = false;
          void run();
        }
      });
    return running;
  }

  return {
    /** Evaluates what is due now (tests call this with a ManualClock; the worker on a timer). */
    async tick(): Promise<number> {
      if (running) await running;
      let n = 0;
      const p = evaluateDue().then((k) => (n = k));
      running = p.then(() => undefined).finally(() => (running = null));
      await p;
      return n;
    },

    /**
     * Whether this replica does the alerting module's singleton work now (evaluation, group
     * flushes, escalation): true without a lease, else while it holds it.
     */
    leading,

    /** Telemetry arrived for a service: its rules are evaluated within a few milliseconds. */
    dataArrived(service: string): void {
      const set = byService.get(service.toLowerCase());
      if (!set) return;
      for (const k of set) dirty.add(k);
      if (timer && !kickTimer) {
        kickTimer = setTimeout(() => {
          kickTimer = null;
          void run(true);
        }, 5);
      }
    },

    /** A rule was written on this replica: look for rule changes on every pass for a while. */
    rulesChanged(): void {
      eagerUntil = deps.clock.now().getTime() + 5_000;
      checkedAt = -Infinity;
    },

    /** Every alert (of one owner, service or state), newest first. */
    list(filter: { owner?: string; service?: string; states?: AlertState[] } = {}): AlertInstance[] {
      const out: AlertInstance[] = [];
      for (const m of instances.values()) {
        for (const inst of m.values()) {
          if (filter.owner && inst.ownerKey !== filter.owner.toLowerCase()) continue;
          if (filter.service && inst.service.toLowerCase() !== filter.service.toLowerCase()) continue;
          if (filter.states && !filter.states.includes(inst.state)) continue;
          out.push(inst);
        }
      }
      return out.sort((a, b) => b.activeAt - a.activeAt);
    },

    get(ruleKey: string, fp: string): AlertInstance | null {
      return instances.get(ruleKey.toLowerCase())?.get(fp) ?? null;
    },

    /** A rule's last evaluation: health and error. */
    healthOf(ruleKey: string) {
      return health.get(ruleKey.toLowerCase()) ?? null;
    },

    rule(ruleKey: string): CompiledRule | null {
      return rules.get(ruleKey.toLowerCase()) ?? null;
    },

    /**
     * Alerts another system (Prometheus) posted: each label set fires until its endsAt (or
     * {@link POSTED_RESOLVE_MS} when it gives none) unless posted again; an endsAt in the past
     * resolves it. `ownerOf` names the team that owns each (its service's, else its `team` label's;
     * '' for the organisation default). Returns how many changed state.
     * @remarks On a replica without the lease they are only written down (resends too), and the
     * holder adopts and notifies them within a second.
     */
    async receivePosted(alerts: PostedAlert[], ownerOf: (labels: Record<string, string>) => string): Promise<number> {
      const lead = await leading();
      if (!loaded) await load();
      const now = deps.clock.now().getTime();
      const changed: AlertInstance[] = [];
      const resent: AlertInstance[] = [];
      const from = new Map<string, AlertState | null>();
      const time = (s: string | undefined) => {
        const t = s ? Date.parse(s) : NaN;
        // Go's zero time (0001-01-01) means "not set"
        return Number.isFinite(t) && t > 0 ? t : null;
      };
      for (const a of alerts) {
        const alertname = a.labels.alertname ?? 'unnamed';
        const ruleKey = postedRuleKey(alertname);
        const fp = fingerprint(a.labels);
        let m = instances.get(ruleKey);
        if (!m) instances.set(ruleKey, (m = new Map()));
        const endsAt = time(a.endsAt) ?? now + POSTED_RESOLVE_MS;
        const startsAt = Math.min(time(a.startsAt) ?? now, now);
        let inst = m.get(fp);
        if (endsAt <= now) {
          if (inst && inst.state !== 'resolved') {
            from.set(fp, inst.state);
            inst.state = 'resolved';
            inst.resolvedAt = endsAt;
            inst.endsAt = endsAt;
            changed.push(inst);
          }
          continue;
        }
        if (!inst || inst.state === 'resolved') {
          from.set(fp, inst?.state ?? null);
          inst = {
            ruleKey,
            fingerprint: fp,
            ownerKey: ownerOf(a.labels),
            service: a.labels.service ?? '',
            severity: a.labels.severity ?? '',
            labels: a.labels,
            annotations: a.annotations,
            state: 'firing',
            value: null,
            activeAt: startsAt,
            firedAt: startsAt,
            resolvedAt: null,
            lastBreachAt: now,
            endsAt,
            acknowledgedBy: null,
            acknowledgedAt: null,
          };
          m.set(fp, inst);
          changed.push(inst);
        } else {
          // sent again: it goes on firing
          inst.endsAt = endsAt;
          inst.annotations = a.annotations;
          inst.lastBreachAt = now;
          resent.push(inst);
        }
      }
      if (changed.length) await persist(changed, [], from, now);
      // a resend's new end is written too: the holder learns of one sent to another replica from the
      // database, and a replica taking the lease over must not end the alert early
      if (resent.length) {
        await deps.db.transaction().execute(async (trx) => {
          for (const inst of resent) {
            await trx
              .updateTable('alert_instances')
              .set({ ends_at: iso(inst.endsAt), last_breach_at: iso(inst.lastBreachAt), annotations: JSON.stringify(inst.annotations) })
              .where('rule_key', '=', inst.ruleKey)
              .where('fingerprint', '=', inst.fingerprint)
              .where('active_at', '=', iso(inst.activeAt)!)
              .execute();
          }
        });
      }
      if (lead && changed.length && deps.listener) await deps.listener.alertsChanged(changed, now);
      return changed.length;
    },

    /** Records who acknowledged an alert (or clears it), with a history event. */
    async acknowledge(ruleKey: string, fp: string, by: string | null): Promise<AlertInstance | null> {
      const inst = instances.get(ruleKey.toLowerCase())?.get(fp);
      if (!inst) return null;
      const now = deps.clock.now().getTime();
      inst.acknowledgedBy = by;
      inst.acknowledgedAt = by ? now : null;
      ackedAt.set(inst, ++ackSeq);
      await deps.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('alert_instances')
          .set({ acknowledged_by: by, acknowledged_at: iso(inst.acknowledgedAt) })
          .where('rule_key', '=', inst.ruleKey)
          .where('fingerprint', '=', fp)
          .execute();
        await trx
          .insertInto('alert_events')
          .values({ at: iso(now)!, rule_key: inst.ruleKey, fingerprint: fp, owner_key: inst.ownerKey, service: inst.service, from_state: inst.state, to_state: by ? 'acknowledged' : 'unacknowledged', value: inst.value, actor: by })
          .execute();
      });
      return inst;
    },

    /** Runs the evaluator every `everyMs` (and at once when data arrives). */
    start(everyMs = 250): void {
      timer ??= setInterval(() => void run(), everyMs);
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (kickTimer) clearTimeout(kickTimer);
      timer = null;
      kickTimer = null;
      if (running) await running;
    },
  };
}

export type AlertEngine = ReturnType<typeof createAlertEngine>;
