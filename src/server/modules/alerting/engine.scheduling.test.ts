import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db.ts';
import { databases, openTestDatabase } from '../../test-support.ts';
import { createAlertEngine } from './engine.ts';
import type { EvalSource } from './evaluate.ts';

function ruleDoc(name: string, service: string): ResourceView {
  return {
    apiVersion: 'ethos/v1',
    kind: 'AlertRule',
    metadata: { name, owner: 'payments', labels: {}, revision: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' },
    spec: { service, condition: { type: 'metric', metric: 'queue.depth', fn: 'last', window: '1m', op: '>', threshold: 100 } },
  };
}

const series = (to: number, value: number) => ({ metric: 'queue.depth', kind: 'gauge', fn: 'last', step: 60_000, times: [to], series: [{ labels: {}, values: [value] }] }) as never;
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe.each(databases)('evaluation passes on %s', (dbKind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(dbKind));
  });
  afterAll(async () => {
    await drop();
  });

  it('evaluates each rule at its own time, so a point that arrived while the pass ran is in its window', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const start = clock.now().getTime();
    const source: EvalSource = {
      queryMetric: (q) => {
        // evaluating "a" takes a second, during which a breaching point for ledger arrives
        if (q.service === 'checkout') {
          clock.advance(1000);
          return series(q.to, 1);
        }
        return series(q.to, q.to >= start + 1000 ? 150 : 1);
      },
      lastSample: () => null,
      countLogs: () => 0,
      exceptionGroups: () => [],
    };
    const engine = createAlertEngine({ db: db.kysely, clock, source, rules: { version: async () => 'v1', list: async () => [ruleDoc('a', 'checkout'), ruleDoc('b', 'ledger')] } });
    expect(await engine.tick()).toBe(2);
    expect(engine.list({ states: ['firing'] }).map((a) => a.ruleKey)).toEqual(['b']);
  });

  it('runs another pass at once when data arrives for a rule the running pass has already evaluated', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const evaluations: string[] = [];
    let armed = false;
    let engine: ReturnType<typeof createAlertEngine> | null = null;
    const source: EvalSource = {
      queryMetric: (q) => {
        if (!armed) return series(q.to, 1);
        evaluations.push(q.service);
        // a long pass: it lets the event loop in between rules; data for checkout comes in right after "a"
        busy(25);
        if (evaluations.length === 1) engine!.dataArrived('checkout');
        return series(q.to, 1);
      },
      lastSample: () => null,
      countLogs: () => 0,
      exceptionGroups: () => [],
    };
    engine = createAlertEngine({ db: db.kysely, clock, source, rules: { version: async () => 'v1', list: async () => [ruleDoc('a', 'checkout'), ruleDoc('b', 'ledger'), ruleDoc('c', 'ledger')] } });
    await engine.tick();
    armed = true;
    // the periodic timer would come only after a minute: what evaluates "a" again is the pass that follows
    engine.start(60_000);
    engine.dataArrived('checkout');
    engine.dataArrived('ledger');
    try {
      for (let i = 0; i < 100 && evaluations.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
      expect(evaluations).toEqual(['checkout', 'ledger', 'ledger', 'checkout']);
    } finally {
      await engine.stop();
    }
  });
});
