/** What the SLO tests send: a service's RED counters, as an instrumented service exports them. */
import type { TestContext } from '../../test-support.ts';

const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

/**
 * A service's red.requests and red.errors exporter: each call adds `requests` requests (of which
 * `errors` failed) to the service's cumulative totals and posts both as OTLP sums at the clock's
 * time, with `http.route=/pay`.
 */
export function redExporter(t: TestContext, ingestToken: string) {
  const totals = new Map<string, { requests: number; errors: number }>();
  return async function serve(service: string, requests: number, errors: number): Promise<void> {
    const c = totals.get(service) ?? { requests: 0, errors: 0 };
    c.requests += requests;
    c.errors += errors;
    totals.set(service, c);
    const point = (v: number) => ({ timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, asDouble: v, attributes: [attr('http.route', '/pay')] });
    const sum = (name: string, v: number) => ({ name, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point(v)] } });
    const body = { resourceMetrics: [{ resource: { attributes: [attr('service.name', service)] }, scopeMetrics: [{ metrics: [sum('red.requests', c.requests), sum('red.errors', c.errors)] }] }] };
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` }, payload: JSON.stringify(body) });
    if (res.statusCode !== 200) throw new Error(`exporting ${service}'s RED counters: ${res.statusCode} ${res.body}`);
  };
}
