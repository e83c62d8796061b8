import { durationMs, sloSpecSchema, type Sli, type SloSpec } from '../../../shared/alerting.schema.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { CompiledRule, Outcome } from './evaluate.ts';

/** The RED metrics an availability or latency SLI reads (the telemetry module derives them from server spans). */
const RED = { requests: 'red.requests', errors: 'red.errors', duration: 'red.duration' } as const;

/** A long window, its short companion, and the burn rate both must exceed (Google SRE workbook, ch. 5). */
export type BurnWindow = readonly [long: string, short: string, factor: number];

/** Fast burn: 2% of a 30-day budget in an hour, or 5% in six hours. */
export const PAGE_WINDOWS: readonly BurnWindow[] = [
  ['1h', '5m', 14.4],
  ['6h', '30m', 6],
];
/** Slow burn: 10% of the budget in a day, or all of it over three days at this pace. */
export const TICKET_WINDOWS: readonly BurnWindow[] = [
  ['1d', '2h', 3],
  ['3d', '6h', 1],
];

/** The condition of a rule the evaluator derives from an Slo: one per severity. */
export interface SloCondition {
  type: 'slo';
  slo: string;
  sli: Sli;
  objective: number;
  windows: readonly BurnWindow[];
  minRequests: number;
}

/** A read of how much a counter grew over (from, to]: per `step`, or in one value when it is null. */
export interface IncreaseQuery {
  service: string;
  metric: string;
  where: Record<string, string>;
  from: number;
  to: number;
  step: number | null;
}

/**
 * How much a counter grew over (from, to] in each step (one value for an instant read), summed
 * over its series; null when the service has no such metric.
 */
export type IncreaseReader = (q: IncreaseQuery) => number[] | null;

/** Good and total events per step. */
export interface SloCounts {
  good: number[];
  total: number[];
}

/** Reads an increase, a missing metric as null; other failures throw. */
export function readIncrease(run: (q: IncreaseQuery) => { series: { values: (number | null)[] }[]; times: number[] }): IncreaseReader {
  return (q) => {
    let r;
    try {
      r = run(q);
    } catch (err) {
      if (err instanceof AppError && err.code === 'TELEMETRY_METRIC_NOT_FOUND') return null;
      throw err;
    }
    const out = new Array<number>(r.times.length).fill(0);
    for (const s of r.series) s.values.forEach((v, i) => (out[i]! += v ?? 0));
    return out;
  };
}

/** Good and total events of an SLI over (from, to], per step (or one value when step is null); null: no data at all. */
export function sloCounts(read: IncreaseReader, service: string, sli: Sli, from: number, to: number, step: number | null = null): SloCounts | null {
  const q = (metric: string, where: Record<string, string>) => read({ service, metric, where, from, to, step });
  const route: Record<string, string> = sli.type !== 'ratio' && sli.route ? { 'http.route': sli.route } : {};
  switch (sli.type) {
    case 'availability': {
      const total = q(RED.requests, route);
      if (!total) return null;
      const errors = q(RED.errors, route) ?? total.map(() => 0);
      return { total, good: total.map((n, i) => Math.max(0, n - errors[i]!)) };
    }
    case 'latency': {
      // a histogram's count is every request; its bucket `le` those no slower than the bound
      const total = q(RED.duration, route);
      if (!total) return null;
      const good = q(RED.duration, { ...route, le: String(sli.threshold) }) ?? total.map(() => 0);
      return { total, good: good.map((g, i) => Math.min(g, total[i]!)) };
    }
    case 'ratio': {
      const total = q(sli.total.metric, sli.total.where);
      if (!total) return null;
      const good = q(sli.good.metric, sli.good.where);
      if (!good) throw new AppError('SLO_METRIC_NOT_FOUND', `the service "${service}" has no metric "${sli.good.metric}" (the SLO's good events)`);
      return { total, good };
    }
  }
}

/** The share of events allowed to be bad: 1 − objective. */
export const errorBudget = (objective: number) => 1 - objective / 100;

/** How fast the budget burns: (1 − SLI)/budget; null without events. */
export function burnRate(good: number, total: number, budget: number): number | null {
  if (!(total > 0)) return null;
  return (1 - good / total) / budget;
}

/**
 * An SLO's multi-window, multi-burn-rate condition at `now`: it breaches when, for any pair, the
 * burn rate over both the long and the short window exceeds the pair's factor and the long window
 * holds at least `minRequests` events. Its value is the long window's burn rate.
 */
export function evaluateSlo(read: IncreaseReader, service: string, c: SloCondition, now: number): Outcome {
  const budget = errorBudget(c.objective);
  const cache = new Map<string, SloCounts | null>();
  const over = (w: string) => {
    if (!cache.has(w)) cache.set(w, sloCounts(read, service, c.sli, now - durationMs(w), now));
    const counts = cache.get(w);
    return counts ? { good: counts.good[0] ?? 0, total: counts.total[0] ?? 0 } : null;
  };
  let value: number | null = null;
  let any = false;
  for (const [long, short, factor] of c.windows) {
    const l = over(long);
    if (!l || !(l.total > 0)) continue;
    any = true;
    const burnLong = burnRate(l.good, l.total, budget)!;
    value ??= burnLong;
    if (l.total < c.minRequests || !(burnLong > factor)) continue;
    const s = over(short);
    const burnShort = s ? burnRate(s.good, s.total, budget) : null;
    if (burnShort !== null && burnShort > factor) return { kind: 'samples', samples: [{ labels: {}, value: burnLong, breach: true }] };
  }
  return any ? { kind: 'samples', samples: [{ labels: {}, value, breach: false }] } : { kind: 'nodata' };
}

/** The alertname of an SLO's burn-rate alert of a severity. */
export const sloAlertName = (slo: string, severity: 'page' | 'ticket') => `${slo}-burn-rate-${severity}`;

/** How many of the evaluator's rules an Slo spec stands for (one per severity it alerts on; 0 when it no longer parses): what it weighs against the alert-rule quota. */
export function sloRuleCount(spec: unknown): number {
  const parsed = sloSpecSchema.safeParse(spec);
  return parsed.success ? Number(parsed.data.alerting.page) + Number(parsed.data.alerting.ticket) : 0;
}

/**
 * The evaluator's rules an Slo resource stands for: one per severity it alerts on, named
 * `<slo>-burn-rate-page|ticket`, labelled `slo=<name>`, so they go through the same alert states,
 * routing, silences and pages as AlertRules. Empty when the spec no longer parses.
 */
export function compileSloRules(doc: ResourceView): CompiledRule[] {
  const parsed = sloSpecSchema.safeParse(doc.spec);
  if (!parsed.success) return [];
  const spec: SloSpec = parsed.data;
  const name = doc.metadata.name;
  const out: CompiledRule[] = [];
  for (const severity of ['page', 'ticket'] as const) {
    if (!spec.alerting[severity]) continue;
    const windows = severity === 'page' ? PAGE_WINDOWS : TICKET_WINDOWS;
    const alertname = sloAlertName(name, severity);
    out.push({
      key: alertname.toLowerCase(),
      name: alertname,
      owner: doc.metadata.owner,
      ownerKey: doc.metadata.owner.toLowerCase(),
      revision: doc.metadata.revision,
      spec: {
        service: spec.service,
        severity,
        condition: { type: 'slo', slo: name, sli: spec.sli, objective: spec.objective, windows, minRequests: spec.alerting.minRequests },
        for: '0s',
        keepFiringFor: '0s',
        noDataState: 'ok',
        errorState: 'error',
        labels: { ...spec.alerting.labels, slo: name },
        annotations: {
          summary: `SLO ${name} (${spec.objective}% over ${spec.window}) is burning its error budget {{ $value }}× too fast`,
          description: `the burn rate exceeded ${windows.map(([l, s, f]) => `${f}× over ${l} and ${s}`).join(', or ')}`,
        },
        runbook: spec.alerting.runbook,
        paused: false,
      },
      forMs: 0,
      keepFiringForMs: 0,
    });
  }
  return out;
}
