import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopProcess, type ShopProcess } from '../../src/cli/demo.fleet.ts';
import { systemClock } from '../../src/server/platform/clock.ts';
import { createTestContext, serviceDoc, teamDoc, type TestContext } from '../../src/server/test-support.ts';

/** Quick exports, and a tenth of the simulated work, so the run takes seconds. */
const FAST = { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200', OTEL_METRIC_EXPORT_INTERVAL: '1000', SHOP_LATENCY_SCALE: '0.1' };

describe('the shop example, instrumented with the OpenTelemetry SDK, against a real Ethos', () => {
  let t: TestContext & { admin: string };
  let base: string;
  const services: ShopProcess[] = [];
  let traceOfCheckout = '';

  const get = async (url: string) => {
    const res = await t.req('GET', url, { as: t.admin });
    expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };
  const hit = async (svc: ShopProcess, method: string, path: string, body?: unknown) =>
    (await fetch(`${svc.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).status;

  beforeAll(async () => {
    t = await createTestContext('sqlite', { clock: systemClock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    for (const team of ['storefront', 'payments']) expect((await t.req('PUT', `/api/v1/resources/Team/${team}`, { as: t.admin, body: teamDoc(team) })).status).toBe(201);
    for (const [name, owner] of [['catalog', 'storefront'], ['checkout', 'storefront'], ['payments', 'payments']]) {
      expect((await t.req('PUT', `/api/v1/resources/Service/${name}`, { as: t.admin, body: serviceDoc(name!, owner!) })).status).toBe(201);
    }
    const token = async (team: string) => (await t.req('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'otel', type: 'team', team, scopes: ['ingest'] } })).body.token as string;
    const storefront = await token('storefront');
    const [catalog, payments] = await Promise.all([
      startShopProcess({ serviceName: 'catalog', role: 'catalog', endpoint: base, token: storefront, env: FAST }),
      startShopProcess({ serviceName: 'payments', role: 'payments', endpoint: base, token: await token('payments'), env: FAST }),
    ]);
    const checkout = await startShopProcess({ serviceName: 'checkout', role: 'checkout', endpoint: base, token: storefront, upstreams: { payments: payments.url }, env: FAST });
    services.push(catalog, payments, checkout);

    for (let i = 0; i < 10; i++) expect(await hit(catalog, 'GET', '/products')).toBe(200);
    for (let i = 0; i < 4; i++) expect(await hit(catalog, 'GET', '/products/sku-2')).toBe(200);
    for (let i = 0; i < 2; i++) expect(await hit(catalog, 'GET', '/products/sku-99')).toBe(404);
    // sku-13 has no price: the handler throws a TypeError
    for (let i = 0; i < 3; i++) expect(await hit(catalog, 'GET', '/products/sku-13')).toBe(500);
    // a checkout that reaches payments (the services' simulated faults may fail a try: try again)
    let placed = 0;
    for (let i = 0; i < 8 && placed !== 201; i++) {
      expect(await hit(checkout, 'POST', `/cart/cart-${i}/items`, { sku: 'sku-2', qty: 2 })).toBe(201);
      placed = await hit(checkout, 'POST', '/checkout', { cartId: `cart-${i}` });
    }
    expect(placed).toBe(201);

    // SIGTERM: each service flushes its spans, metrics and logs before it exits
    expect(await Promise.all(services.map((s) => s.stop()))).toEqual([0, 0, 0]);
    // what the server's maintenance tick does every 5 s: write the RED metrics of the spans received
    t.app.services.telemetry.maintain();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop(1000)));
    await t?.close();
  });

  it('stores its server spans as traces, with the route, the status and the resource attributes', async () => {
    const { items } = await get('/api/v1/telemetry/traces?service=catalog&route=/products/:id&status=error&from=now-5m');
    expect(items).toHaveLength(3);
    const { spans } = await get(`/api/v1/telemetry/traces/${items[0].traceId}`);
    expect(spans[0]).toMatchObject({ service: 'catalog', name: 'GET /products/:id', kind: 'server', route: '/products/:id', status: 'error' });
    expect(spans[0].attributes).toMatchObject({ 'http.response.status_code': '500', 'service.version': '1.4.2', 'deployment.environment': 'demo' });
    expect(spans[0].events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.type': 'TypeError' } });
  });

  it('joins the spans of checkout and payments into one trace through the traceparent header', async () => {
    const { items } = await get('/api/v1/telemetry/traces?service=payments&from=now-5m');
    const trace = items.find((s: { service: string; name: string }) => s.service === 'checkout' && s.name === 'POST /checkout');
    expect(trace).toBeDefined();
    expect(trace.services).toEqual(expect.arrayContaining(['checkout', 'payments']));
    traceOfCheckout = trace.traceId;
    const { spans } = await get(`/api/v1/telemetry/traces/${trace.traceId}`);
    const client = spans.find((s: { kind: string; service: string; name: string }) => s.kind === 'client' && s.service === 'checkout' && s.name === 'POST /payments');
    const server = spans.find((s: { kind: string; service: string }) => s.kind === 'server' && s.service === 'payments');
    expect(server.parentSpanId).toBe(client.spanId);
  });

  it('derives RED metrics per route from the server spans', async () => {
    const query = async (metric: string) => {
      const body = await get(`/api/v1/telemetry/services/catalog/metrics/${metric}/query?fn=last&by=http.route&from=now-5m&step=60`);
      return Object.fromEntries(body.series.map((s: { labels: Record<string, string>; values: (number | null)[] }) => [s.labels['http.route'], Math.max(...s.values.map((v) => v ?? 0))]));
    };
    expect(await query('red.requests')).toEqual({ '/products': 10, '/products/:id': 9 });
    expect((await query('red.errors'))['/products/:id']).toBe(3);
  });

  it("keeps the service's own metrics: a histogram, counters and gauges", async () => {
    const { items } = await get('/api/v1/telemetry/services/catalog/metrics');
    const kinds = Object.fromEntries(items.map((m: { name: string; kind: string }) => [m.name, m.kind]));
    expect(kinds).toMatchObject({
      'http.server.request.duration': 'histogram',
      'shop.product.views': 'counter',
      'shop.inventory.units': 'gauge',
      'v8js.memory.heap.used': 'gauge',
      'red.requests': 'counter',
    });
    // a page that failed is no view
    const views = await get('/api/v1/telemetry/services/catalog/metrics/shop.product.views/query?fn=last&by=sku&from=now-5m&step=60');
    expect(views.series.map((s: { labels: Record<string, string>; values: (number | null)[] }) => [s.labels.sku, Math.max(...s.values.map((v) => v ?? 0))])).toEqual([['sku-2', 4]]);
    const p95 = await get('/api/v1/telemetry/services/catalog/metrics/http.server.request.duration/query?fn=p95&by=http.route&from=now-5m&step=60');
    expect(p95.series.map((s: { labels: Record<string, string> }) => s.labels['http.route']).sort()).toEqual(['/products', '/products/:id']);
  });

  it('stores its logs with severity and trace context, the error records carrying the exception', async () => {
    const errors = (await get('/api/v1/telemetry/logs?service=catalog&severity=error&from=now-5m')).items;
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ level: 'error', traceId: expect.stringMatching(/^[0-9a-f]{32}$/), attributes: { 'exception.type': 'TypeError', 'http.route': '/products/:id' } });
    expect(errors[0].attributes['exception.stacktrace']).toContain('roles.ts');
    const placed = (await get(`/api/v1/telemetry/logs?service=checkout&q=placed&from=now-5m`)).items;
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({ level: 'info', traceId: traceOfCheckout });
  });

  it('groups the exceptions of the failing route into one group', async () => {
    const { items } = await get('/api/v1/telemetry/exceptions?service=catalog');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ service: 'catalog', type: 'TypeError', status: 'unresolved' });
    expect(items[0].message).toContain("reading 'amount'");
    // each failure is reported twice, as a span event and as a log record with the span's ids: counted once
    expect(items[0].count).toBe(3);
    expect(items[0].sample.stacktrace).toContain('formatPrice');
  });
});

describe("the shop example's package.json", () => {
  it('pins the OpenTelemetry versions Ethos itself installs, so the example runs the same SDK anywhere', () => {
    const read = (file: string) => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const example = read('../../examples/shop-service/package.json').dependencies;
    const root = read('../../package.json').dependencies;
    const sdk = Object.entries(example).filter(([name]) => name.startsWith('@opentelemetry/'));
    expect(sdk.length).toBeGreaterThan(5);
    for (const [name, version] of sdk) expect(`${name}@${version}`).toBe(`${name}@${root[name]}`);
  });
});
