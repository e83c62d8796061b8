import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BURN_WINDOWS,
  durationMs,
  SLO_HISTORY_RANGES,
  SLO_KIND,
  sloHistorySchema,
  sloListSchema,
  sloSpecSchema,
  sloStatusSchema,
  type SloHistory,
  type SloHistoryRange,
  type SloSpec,
  type SloStatus,
} from '../../../shared/alerting.schema.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { ResourceService } from '../resources/resources.service.ts';
import type { MetricQuery, QueryResult } from '../telemetry/tsdb/metric-query.ts';
import type { Alerting } from './index.ts';
import { burnRate, errorBudget, PAGE_WINDOWS, readIncrease, sloCounts, TICKET_WINDOWS, type IncreaseQuery } from './slo.ts';

/** The step of an SLO's burn-down chart: hourly, read from the 1-minute and 1-hour rollups. */
const HISTORY_STEP_MS = 3600_000;

/** What an SLO's status is computed from. */
export interface SloStatusDeps {
  /** The telemetry service's metric query (instant and stepped). */
  query(q: MetricQuery): QueryResult;
  alerting: Pick<Alerting, 'engine'>;
  now(): number;
}

/** An Slo's spec, or a refusal when it no longer parses (written before the schema changed). */
function parseSlo(doc: ResourceView): SloSpec {
  const parsed = sloSpecSchema.safeParse(doc.spec);
  if (!parsed.success) throw new AppError('RESOURCE_INVALID', `Slo/${doc.metadata.name} no longer matches the Slo schema: write it again`);
  return parsed.data;
}

/** A counter's increase through the telemetry query: per step, or over the whole range when `step` is null. */
const increaseQuery = (deps: Pick<SloStatusDeps, 'query'>) => (q: IncreaseQuery) =>
  deps.query({ service: q.service, metric: q.metric, fn: 'increase', where: q.where, from: q.from, to: q.to, step: q.step ?? q.to - q.from, instant: q.step === null });

/**
 * An SLO's standing at `now`: its SLI and error budget over its window, burn rates over the
 * alerting windows, its open burn-rate alerts and (with `history`) an hourly burn-down.
 */
export function sloStatus(deps: SloStatusDeps, doc: ResourceView, history: boolean): SloStatus {
  const spec = parseSlo(doc);
  const now = deps.now();
  const read = readIncrease(increaseQuery(deps));
  const budget = errorBudget(spec.objective);
  const windowMs = durationMs(spec.window);
  const whole = sloCounts(read, spec.service, spec.sli, now - windowMs, now);
  const good = whole?.good[0] ?? 0;
  const total = whole?.total[0] ?? 0;
  const burn = burnRate(good, total, budget);

  const burnRates = {} as SloStatus['burnRates'];
  for (const w of BURN_WINDOWS) {
    const c = sloCounts(read, spec.service, spec.sli, now - durationMs(w), now);
    burnRates[w] = c ? burnRate(c.good[0] ?? 0, c.total[0] ?? 0, budget) : null;
  }

  const points: SloStatus['history'] = [];
  if (history) {
    const from = now - windowMs;
    const steps = sloCounts(read, spec.service, spec.sli, from, now, HISTORY_STEP_MS);
    if (steps) {
      // the steps end on whole hours; the last holds `now`
      const first = Math.ceil(from / HISTORY_STEP_MS) * HISTORY_STEP_MS;
      let g = 0;
      let n = 0;
      steps.total.forEach((stepTotal, i) => {
        g += steps.good[i]!;
        n += stepTotal;
        const b = burnRate(g, n, budget);
        points.push({ t: Math.min(first + i * HISTORY_STEP_MS, now), budgetRemaining: b === null ? null : 1 - b });
      });
    }
  }

  const name = doc.metadata.name;
  const alerts = deps.alerting.engine
    .list({ owner: doc.metadata.owner, states: ['pending', 'firing', 'nodata', 'error'] })
    .filter((a) => a.labels.slo === name)
    .map((a) => ({ severity: a.severity, state: a.state }));
  return {
    name,
    owner: doc.metadata.owner,
    service: spec.service,
    objective: spec.objective,
    window: spec.window,
    sli: total > 0 ? good / total : null,
    total,
    good,
    errorBudget: budget,
    budgetRemaining: burn === null ? null : 1 - burn,
    burnRates,
    alerting: { page: spec.alerting.page, ticket: spec.alerting.ticket },
    alerts,
    history: points,
  };
}

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The step of each history range: a whole number of steps makes an hour, so each burn rate adds up whole steps. */
const HISTORY_STEPS: Record<SloHistoryRange, number> = { '6h': 5 * MIN, '1d': 5 * MIN, '7d': 30 * MIN, '28d': HOUR, '30d': HOUR };
/** The burn rates the history charts, as [name, milliseconds]. */
const HISTORY_BURN_WINDOWS = [
  ['1h', HOUR],
  ['6h', 6 * HOUR],
] as const;

/**
 * An SLO's error budget remaining and its 1h and 6h burn rates at each step of `range` (default:
 * the SLO's window) up to now, read with one stepped query per counter from the rollups (and one
 * more for the part of the SLO's window before the range).
 */
export function sloHistory(deps: SloStatusDeps, doc: ResourceView, range: SloHistoryRange | undefined): SloHistory {
  const spec = parseSlo(doc);
  const now = deps.now();
  const span = range ?? spec.window;
  const step = HISTORY_STEPS[span];
  const budget = errorBudget(spec.objective);
  const alertWindows = (['page', 'ticket'] as const)
    .filter((severity) => spec.alerting[severity])
    .flatMap((severity) => (severity === 'page' ? PAGE_WINDOWS : TICKET_WINDOWS).map(([long, short, factor]) => ({ severity, long, short, factor })));
  const out: SloHistory = {
    name: doc.metadata.name,
    owner: doc.metadata.owner,
    service: spec.service,
    objective: spec.objective,
    window: spec.window,
    range: span,
    step,
    times: [],
    budgetRemaining: [],
    burnRates: { '1h': [], '6h': [] },
    alertWindows,
  };

  // the step ends come from the query itself (each step is the interval ending there)
  let ends: number[] = [];
  const query = increaseQuery(deps);
  const read = readIncrease((q) => {
    const r = query(q);
    if (q.step !== null) ends = r.times;
    return r;
  });
  const from = now - durationMs(span);
  // from six hours earlier, so that the first point's 6h burn rate is whole
  const steps = sloCounts(read, spec.service, spec.sli, from - HISTORY_BURN_WINDOWS[1][1], now, step);
  if (!steps || !ends.length) return out;
  // sums of steps [0, i): the events of steps i … j are at[j + 1] − at[i]
  const goodBefore = [0];
  const totalBefore = [0];
  steps.total.forEach((n, i) => {
    goodBefore.push(goodBefore[i]! + steps.good[i]!);
    totalBefore.push(totalBefore[i]! + n);
  });
  const burnOver = (i: number, j: number, extra = { good: 0, total: 0 }) =>
    burnRate(extra.good + goodBefore[j + 1]! - goodBefore[i]!, extra.total + totalBefore[j + 1]! - totalBefore[i]!, budget);

  // the budget counts the SLO window's events: those before the first step in one more read
  const windowStart = now - durationMs(spec.window);
  const firstStart = ends[0]! - step;
  let before = { good: 0, total: 0 };
  let budgetFrom = ends.findIndex((t) => t > windowStart);
  if (windowStart < firstStart) {
    const c = sloCounts(read, spec.service, spec.sli, windowStart, firstStart);
    before = { good: c?.good[0] ?? 0, total: c?.total[0] ?? 0 };
    budgetFrom = 0;
  }

  ends.forEach((t, i) => {
    if (t < from) return;
    out.times.push(Math.min(t, now));
    for (const [w, ms] of HISTORY_BURN_WINDOWS) out.burnRates[w].push(burnOver(Math.max(0, i - ms / step + 1), i));
    const b = budgetFrom < 0 || i < budgetFrom ? null : burnOver(budgetFrom, i, before);
    out.budgetRemaining.push(b === null ? null : 1 - b);
  });
  return out;
}

/** SLOs: their status and burn-down, for every signed-in reader. */
export const sloRoutes: FastifyPluginAsyncZod<SloStatusDeps & { resources: Pick<ResourceService, 'get' | 'listAllLive'> }> = async (app, deps) => {
  app.get(
    '/api/v1/slos/:name/status',
    {
      schema: {
        tags: ['alerting'],
        summary: 'An SLO’s SLI and error budget remaining over its window, its burn rates (5m … 3d), its open burn-rate alerts and an hourly burn-down',
        params: z.object({ name: z.string().min(1).max(63) }),
        response: { 200: sloStatusSchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      const doc = await deps.resources.get(actor, SLO_KIND, req.params.name);
      return sloStatus(deps, doc, true);
    },
  );

  app.get(
    '/api/v1/slos/:name/history',
    {
      schema: {
        tags: ['alerting'],
        summary: 'An SLO’s error budget remaining and its 1h and 6h burn rates over time, with the burn-rate alerts’ thresholds',
        params: z.object({ name: z.string().min(1).max(63) }),
        querystring: z.object({ range: z.enum(SLO_HISTORY_RANGES).optional().describe('how far back, ending now (default: the SLO’s window)') }),
        response: { 200: sloHistorySchema },
      },
    },
    async (req) => {
      const actor = req.requireActor('read');
      const doc = await deps.resources.get(actor, SLO_KIND, req.params.name);
      return sloHistory(deps, doc, req.query.range);
    },
  );

  app.get(
    '/api/v1/slos',
    {
      schema: {
        tags: ['alerting'],
        summary: 'SLOs by name, with their current status (without the burn-down)',
        querystring: z.object({
          service: z.string().max(63).optional(),
          owner: z.string().max(63).optional().describe('only SLOs of this team'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional().describe('the nextCursor of the previous page'),
        }),
        response: { 200: sloListSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      const q = req.query;
      const after = q.cursor?.toLowerCase();
      const all = (await deps.resources.listAllLive(SLO_KIND)).filter(
        (d) =>
          (!q.owner || d.metadata.owner.toLowerCase() === q.owner.toLowerCase()) &&
          (!q.service || String(d.spec.service).toLowerCase() === q.service.toLowerCase()) &&
          (after === undefined || d.metadata.name.toLowerCase() > after),
      );
      const page = all.slice(0, q.limit);
      const items = page.map((d) => {
        const { history: _history, ...status } = sloStatus(deps, d, false);
        return { ...status, sliType: (d.spec.sli as { type: 'availability' | 'latency' | 'ratio' }).type };
      });
      return { items, nextCursor: all.length > q.limit ? page.at(-1)!.metadata.name.toLowerCase() : null };
    },
  );
};
