import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BURN_WINDOWS, durationMs, SLO_KIND, sloSpecSchema, sloStatusSchema, type SloStatus } from '../../../shared/alerting.schema.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { ResourceService } from '../resources/resources.service.ts';
import type { MetricQuery, QueryResult } from '../telemetry/tsdb/metric-query.ts';
import type { Alerting } from './index.ts';
import { burnRate, errorBudget, readIncrease, sloCounts } from './slo.ts';

/** The step of an SLO's burn-down chart: hourly, read from the 1-minute and 1-hour rollups. */
const HISTORY_STEP_MS = 3600_000;

/** What an SLO's status is computed from. */
export interface SloStatusDeps {
  /** The telemetry service's metric query (instant and stepped). */
  query(q: MetricQuery): QueryResult;
  alerting: Pick<Alerting, 'engine'>;
  now(): number;
}

/**
 * An SLO's standing at `now`: its SLI and error budget over its window, burn rates over the
 * alerting windows, its open burn-rate alerts and (with `history`) an hourly burn-down.
 */
export function sloStatus(deps: SloStatusDeps, doc: ResourceView, history: boolean): SloStatus {
  const parsed = sloSpecSchema.safeParse(doc.spec);
  if (!parsed.success) throw new AppError('RESOURCE_INVALID', `Slo/${doc.metadata.name} no longer matches the Slo schema: write it again`);
  const spec = parsed.data;
  const now = deps.now();
  const read = readIncrease((q) =>
    deps.query({ service: q.service, metric: q.metric, fn: 'increase', where: q.where, from: q.from, to: q.to, step: q.step ?? q.to - q.from, instant: q.step === null }),
  );
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
    alerts,
    history: points,
  };
}

const sloSummarySchema = sloStatusSchema.omit({ history: true }).extend({ sliType: z.enum(['availability', 'latency', 'ratio']) });

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
        response: { 200: z.object({ items: z.array(sloSummarySchema), nextCursor: z.string().nullable() }) },
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
