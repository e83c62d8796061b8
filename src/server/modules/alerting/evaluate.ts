import { createHash } from 'node:crypto';
import { breaches } from '../../../shared/comparison.ts';
import { durationMs, type AlertRuleSpec, type Condition } from '../../../shared/alerting.schema.ts';
import type { QueryResult } from '../telemetry/tsdb/metric-query.ts';
import { evaluateSlo, readIncrease, type SloCondition } from './slo.ts';

/** What the evaluator reads from telemetry (the telemetry service provides it). */
export interface EvalSource {
  /** One value per series over (from, to] (an instant query); throws AppError when it cannot answer. */
  queryMetric(q: { service: string; metric: string; fn: string; from: number; to: number; by: string[]; where: Record<string, string> }): QueryResult;
  /** The time of the newest sample of any series of a metric matching `where`, or null. */
  lastSample(service: string, metric: string, where: Record<string, string>): number | null;
  /** Log records of a service matching a search in (from, to]. */
  countLogs(q: { service: string; from: number; to: number; text: string; minSeverity?: number; where: Record<string, string> }): number;
  /** Exception groups of a service active in (from, to]. */
  exceptionGroups(q: { service: string; from: number; to: number }): { id: number; type: string; firstSeen: number; lastSeen: number; regressed: boolean; status: string; count(from: number, to: number): number }[];
}

/** A rule's spec as the evaluator holds it: an AlertRule's, or one derived from an Slo (an `slo` condition). */
export type RuleSpec = Omit<AlertRuleSpec, 'condition'> & { condition: Condition | SloCondition };

/** A rule as the evaluator holds it. */
export interface CompiledRule {
  /** The rule's name, lower-cased: its key in state tables. */
  key: string;
  name: string;
  owner: string;
  ownerKey: string;
  revision: number;
  spec: RuleSpec;
  forMs: number;
  keepFiringForMs: number;
}

/** One label set's outcome of an evaluation. */
export interface Sample {
  labels: Record<string, string>;
  value: number | null;
  breach: boolean;
}

/** An evaluation's outcome: the label sets it saw, or that there was no data. */
export type Outcome = { kind: 'samples'; samples: Sample[] } | { kind: 'nodata' } | { kind: 'error'; message: string };

const SEVERITY_NUMBER: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/** Evaluates a rule's condition at `now`. Never throws: a failure is an `error` outcome. */
export function evaluateCondition(source: EvalSource, service: string, c: Condition | SloCondition, now: number): Outcome {
  try {
    switch (c.type) {
      case 'metric': {
        const result = source.queryMetric({ service, metric: c.metric, fn: c.fn, from: now - durationMs(c.window), to: now, by: c.by, where: c.where });
        const samples: Sample[] = [];
        for (const s of result.series) {
          const v = s.values.at(-1) ?? null;
          if (v === null) continue;
          samples.push({ labels: s.labels, value: v, breach: breaches(v, c.op, c.threshold) });
        }
        return samples.length ? { kind: 'samples', samples } : { kind: 'nodata' };
      }
      case 'absence': {
        const last = source.lastSample(service, c.metric, c.where);
        const silentFor = last === null ? Infinity : now - last;
        const breach = silentFor >= durationMs(c.for);
        return { kind: 'samples', samples: [{ labels: {}, value: Number.isFinite(silentFor) ? silentFor / 1000 : null, breach }] };
      }
      case 'logs': {
        const n = source.countLogs({ service, from: now - durationMs(c.window), to: now, text: c.query, minSeverity: c.severity ? SEVERITY_NUMBER[c.severity] : undefined, where: c.where });
        return { kind: 'samples', samples: [{ labels: {}, value: n, breach: breaches(n, c.op, c.threshold) }] };
      }
      case 'exceptions': {
        const from = now - durationMs(c.window);
        const groups = source.exceptionGroups({ service, from, to: now });
        if (c.event === 'rate') {
          const n = groups.reduce((a, g) => a + g.count(from, now), 0);
          return { kind: 'samples', samples: [{ labels: {}, value: n, breach: breaches(n, c.op, c.threshold) }] };
        }
        // one alert per group that is new (first seen in the window) or regressed (and seen in it)
        const hits = groups.filter((g) => (c.event === 'new' ? g.firstSeen > from : g.regressed && g.lastSeen > from) && g.status !== 'ignored');
        return { kind: 'samples', samples: hits.map((g) => ({ labels: { exception_group: String(g.id), exception_type: g.type }, value: 1, breach: true })) };
      }
      case 'slo':
        return evaluateSlo(
          readIncrease((q) => source.queryMetric({ service: q.service, metric: q.metric, fn: 'increase', from: q.from, to: q.to, by: [], where: q.where })),
          service,
          c,
          now,
        );
    }
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

/** An alert's labels: its rule's identity, the rule's labels, then its group's attributes. */
export function alertLabels(rule: CompiledRule, group: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...rule.spec.labels };
  for (const [k, v] of Object.entries(group)) labels[k] = v;
  labels.alertname = rule.name;
  labels.service = rule.spec.service;
  labels.team = rule.owner;
  labels.severity = rule.spec.severity;
  return labels;
}

/** A stable short identity of a label set (the same labels in any order give the same one). */
export function fingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Annotations with `{{ $value }}`, `{{ $labels.name }}` and `{{ $labels["a.b"] }}` filled in. */
export function renderTemplate(text: string, labels: Record<string, string>, value: number | null): string {
  return text.replace(/\{\{\s*(\$value|\$labels\.([A-Za-z_][A-Za-z0-9_.]*)|\$labels\["([^"]+)"\])\s*\}\}/g, (_, all: string, dotted?: string, quoted?: string) => {
    if (all === '$value') return value === null ? '' : formatValue(value);
    return labels[(dotted ?? quoted)!] ?? '';
  });
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Math.round(v * 1000) / 1000);
}

/** Most groups a preview charts. */
const PREVIEW_SERIES = 50;
/** Evaluations a preview makes over its range. */
const PREVIEW_STEPS = 120;

/**
 * A metric condition evaluated as the evaluator would, at {@link PREVIEW_STEPS} times over the last
 * `rangeMs`, and the intervals in which each group would have fired after `forMs`.
 */
export function previewCondition(source: EvalSource, service: string, c: Extract<Condition, { type: 'metric' }>, forMs: number, rangeMs: number, now: number) {
  const step = Math.max(1000, Math.ceil(rangeMs / PREVIEW_STEPS / 1000) * 1000);
  const first = Math.ceil((now - rangeMs) / step) * step;
  const times: number[] = [];
  for (let t = first; t <= now; t += step) times.push(t);
  const window = durationMs(c.window);
  const byKey = new Map<string, { labels: Record<string, string>; values: (number | null)[] }>();
  times.forEach((t, i) => {
    const r = source.queryMetric({ service, metric: c.metric, fn: c.fn, from: t - window, to: t, by: c.by, where: c.where });
    for (const s of r.series) {
      const key = JSON.stringify(s.labels);
      let row = byKey.get(key);
      if (!row) {
        if (byKey.size >= PREVIEW_SERIES) continue;
        byKey.set(key, (row = { labels: s.labels, values: new Array<number | null>(times.length).fill(null) }));
      }
      row.values[i] = s.values.at(-1) ?? null;
    }
  });
  const firing: { labels: Record<string, string>; from: number; to: number }[] = [];
  for (const row of byKey.values()) {
    let since: number | null = null;
    let fired: number | null = null;
    row.values.forEach((v, i) => {
      const t = times[i]!;
      if (v !== null && breaches(v, c.op, c.threshold)) {
        since ??= t;
        if (fired === null && t - since >= forMs) fired = t;
      } else {
        if (fired !== null) firing.push({ labels: row.labels, from: fired, to: t });
        since = null;
        fired = null;
      }
    });
    if (fired !== null) firing.push({ labels: row.labels, from: fired, to: times.at(-1)! });
  }
  return { times, series: [...byKey.values()], op: c.op, threshold: c.threshold, firing };
}
