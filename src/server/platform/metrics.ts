import type { FastifyInstance } from 'fastify';
import client from 'prom-client';

/** Ethos's own Prometheus metrics: requests per route, database timings, worker lag. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'ethos_process_' });
  const httpDuration = new client.Histogram({
    name: 'ethos_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const dbDuration = new client.Histogram({
    name: 'ethos_db_query_duration_seconds',
    help: 'Database query latency',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const workerLag = new client.Gauge({
    name: 'ethos_worker_lag_seconds',
    help: 'Age of the oldest item a background worker has not yet processed',
    labelNames: ['worker'],
    registers: [registry],
  });
  const alertPass = new client.Histogram({
    name: 'ethos_alert_evaluation_pass_duration_seconds',
    help: 'Wall time of one alert evaluation pass: the due rules evaluated, alert changes stored, the notifier told',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const alertEvaluations = new client.Counter({ name: 'ethos_alert_rule_evaluations_total', help: 'Alert rule evaluations', registers: [registry] });
  const alertLate = new client.Counter({
    name: 'ethos_alert_rule_evaluations_late_total',
    help: 'Alert rule evaluations that came more than 1.5 times the evaluation interval (10 s) after the previous evaluation of the rule: missed evaluation cycles',
    registers: [registry],
  });
  const alertRules = new client.Gauge({ name: 'ethos_alert_rules', help: 'Alert rules the evaluator holds', registers: [registry] });
  const leaseHeld = new client.Gauge({
    name: 'ethos_lease_held',
    help: 'Whether this replica holds the lease of a piece of singleton work (1) or another replica does it (0)',
    labelNames: ['lease'],
    registers: [registry],
  });
  return {
    registry,
    workerLag,
    leaseHeld,
    /** One alert evaluation pass (engine.ts). */
    observeAlertPass(s: { durationMs: number; evaluated: number; late: number; rules: number }) {
      alertPass.observe(s.durationMs / 1000);
      alertEvaluations.inc(s.evaluated);
      alertLate.inc(s.late);
      alertRules.set(s.rules);
    },
    observeQuery(seconds: number, failed: boolean) {
      dbDuration.observe({ outcome: failed ? 'error' : 'ok' }, seconds);
    },
    /**
     * Times every request by its route pattern (not its URL, to keep cardinality bounded), except
     * routes configured with `metrics: false`: anonymous survey answers leave no count over time.
     */
    instrument(app: FastifyInstance) {
      app.addHook('onResponse', async (req, reply) => {
        if ((req.routeOptions.config as { metrics?: boolean } | undefined)?.metrics === false) return;
        const route = req.routeOptions.url ?? 'unmatched';
        httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      });
    },
  };
}

/** The metrics object's public face. */
export type Metrics = ReturnType<typeof createMetrics>;
