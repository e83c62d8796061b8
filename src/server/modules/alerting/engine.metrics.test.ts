import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db.ts';
import { createMetrics } from '../../platform/metrics.ts';
import { databases, openTestDatabase } from '../../test-support.ts';
import { createAlertEngine, EVAL_INTERVAL_MS, type EvalPassStats } from './engine.ts';
import type { EvalSource } from './evaluate.ts';

/** An AlertRule resource as the resource service lists it. */
function ruleDoc(name: string, service: string): ResourceView {
  return {
    apiVersion: 'ethos/v1',
    kind: 'AlertRule',
    metadata: { name, owner: 'payments', labels: {}, revision: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' },
    spec: { service, condition: { type: 'metric', metric: 'queue.depth', fn: 'last', window: '1m', op: '>', threshold: 100 } },
  };
}

/** One series, never breaching. */
const source: EvalSource = {
  queryMetric: (q) => ({ metric: q.metric, kind: 'gauge', fn: 'last', step: q.to - q.from, times: [q.to], series: [{ labels: {}, values: [1] }] }) as never,
  lastSample: () => null,
  countLogs: () => 0,
  exceptionGroups: () => [],
};

describe.each(databases)('evaluation pass metrics on %s', (dbKind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(dbKind));
  });
  afterAll(async () => {
    await drop();
  });

  it('counts a rule evaluated more than 1.5 intervals after its previous evaluation as late, and only that', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const passes: EvalPassStats[] = [];
    const engine = createAlertEngine({
      db: db.kysely,
      clock,
      source,
      rules: { version: async () => 'v1', list: async () => [ruleDoc('a', 'checkout'), ruleDoc('b', 'ledger')] },
      onPass: (s) => passes.push(s),
    });
    // first evaluation: nothing to be late against
    expect(await engine.tick()).toBe(2);
    expect(passes.at(-1)).toMatchObject({ evaluated: 2, late: 0, rules: 2 });
    // on time: one interval later
    clock.advance(EVAL_INTERVAL_MS);
    expect(await engine.tick()).toBe(2);
    expect(passes.at(-1)).toMatchObject({ evaluated: 2, late: 0 });
    // exactly 1.5 intervals is not late yet
    clock.advance(EVAL_INTERVAL_MS * 1.5);
    expect(await engine.tick()).toBe(2);
    expect(passes.at(-1)).toMatchObject({ evaluated: 2, late: 0 });
    // new data for checkout: rule "a" is evaluated at once, "b" is not due
    clock.advance(5_000);
    engine.dataArrived('checkout');
    expect(await engine.tick()).toBe(1);
    expect(passes.at(-1)).toMatchObject({ evaluated: 1, late: 0 });
    // the evaluator stalled for 11 s: "a" (11 s since its last) is on time, "b" (16 s) is late
    clock.advance(11_000);
    expect(await engine.tick()).toBe(2);
    expect(passes.at(-1)).toMatchObject({ evaluated: 2, late: 1 });
    // nothing due: an empty pass, still reported
    expect(await engine.tick()).toBe(0);
    expect(passes.at(-1)).toMatchObject({ evaluated: 0, late: 0, rules: 2 });
    expect(passes.every((p) => p.durationMs >= 0)).toBe(true);
  });

  it('reaches /metrics as a pass histogram, evaluation and late counters, and a rules gauge', async () => {
    const metrics = createMetrics();
    metrics.observeAlertPass({ durationMs: 30, evaluated: 1000, late: 3, rules: 1001 });
    metrics.observeAlertPass({ durationMs: 2, evaluated: 10, late: 0, rules: 1001 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('ethos_alert_evaluation_pass_duration_seconds_count 2');
    expect(text).toMatch(/ethos_alert_evaluation_pass_duration_seconds_bucket\{le="0.025"\} 1\n/);
    expect(text).toContain('ethos_alert_rule_evaluations_total 1010');
    expect(text).toContain('ethos_alert_rule_evaluations_late_total 3');
    expect(text).toContain('ethos_alert_rules 1001');
  });
});
