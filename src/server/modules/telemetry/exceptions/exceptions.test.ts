import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';
import { fingerprint, maskMessage, parseFrames } from './fingerprint.ts';

const NODE_STACK = (line: number) => `TypeError: Cannot read properties of undefined (reading 'total')
    at priceOrder (/app/src/orders/price.js:${line}:17)
    at async placeOrder (/app/src/orders/place.js:44:3)
    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`;

const JAVA_STACK = `java.lang.IllegalStateException: stock is negative
	at com.acme.stock.Inventory.reserve(Inventory.java:88)
	at com.acme.stock.OrderService.place(OrderService.java:41)
	at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)
	at java.base/java.lang.Thread.run(Thread.java:833)`;

const PYTHON_STACK = `Traceback (most recent call last):
  File "/srv/app/billing/invoice.py", line 31, in render
    total = sum(line.amount for line in lines)
  File "/usr/local/lib/python3.11/site-packages/decimal_helpers.py", line 9, in add
    return a + b
TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'`;

describe('exception fingerprints', () => {
  it('read the frames of JavaScript, Java and Python stack traces and tell in-app code from libraries', () => {
    expect(parseFrames(NODE_STACK(12)).map((f) => [f.fn, f.inApp])).toEqual([
      ['priceOrder', true],
      ['placeOrder', true],
      ['Layer.handle [as handle_request]', false],
      ['process.processTicksAndRejections', false],
    ]);
    expect(parseFrames(JAVA_STACK).map((f) => [f.fn, f.inApp])).toEqual([
      ['com.acme.stock.Inventory.reserve', true],
      ['com.acme.stock.OrderService.place', true],
      ['org.springframework.web.servlet.FrameworkServlet.service', false],
      ['java.base/java.lang.Thread.run', false],
    ]);
    expect(parseFrames(PYTHON_STACK).map((f) => [f.fn, f.file.split('/').pop(), f.inApp])).toEqual([
      ['render', 'invoice.py', true],
      ['add', 'decimal_helpers.py', false],
    ]);
  });

  it('stay the same when only line numbers or the message change, and differ when the code path does', () => {
    const a = fingerprint('checkout', 'TypeError', "Cannot read properties of undefined (reading 'total')", NODE_STACK(12));
    const b = fingerprint('checkout', 'TypeError', 'something else entirely', NODE_STACK(57));
    expect(a).toEqual(b);
    expect(a.basis).toBe('frames');
    expect(fingerprint('checkout', 'TypeError', 'x', NODE_STACK(12).replace('priceOrder', 'discountOrder')).fingerprint).not.toBe(a.fingerprint);
    expect(fingerprint('billing', 'TypeError', 'x', NODE_STACK(12)).fingerprint).not.toBe(a.fingerprint);
  });

  it('fall back to the type and the message with numbers and ids masked', () => {
    expect(maskMessage('order 1234 for user 0f8fad5b-d9cb-469f-a165-70867728950e failed after 3.5 s: "card declined"')).toBe('order <n> for user <uuid> failed after <n> s: <str>');
    const one = fingerprint('checkout', 'TimeoutError', 'upstream 10.0.0.12 timed out after 3000 ms', '');
    const two = fingerprint('checkout', 'TimeoutError', 'upstream 10.0.0.99 timed out after 2999 ms', '');
    expect(one).toEqual(two);
    expect(one.basis).toBe('message');
    expect(fingerprint('checkout', 'TimeoutError', 'database timed out', '').fingerprint).not.toBe(one.fingerprint);
  });
});

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

describe.each(databases)('exception groups on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let now: number;
  let payments: string;
  let alice: string;
  let carol: string;

  const sendLogError = (version: string, line: number, at: number) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${payments}` },
      payload: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [attr('service.name', 'checkout'), attr('service.version', version)] },
            scopeLogs: [{ logRecords: [{ timeUnixNano: ns(at), severityNumber: 17, body: { stringValue: 'pricing failed' }, attributes: [attr('exception.type', 'TypeError'), attr('exception.message', `Cannot read properties of undefined (reading 'total') at ${line}`), attr('exception.stacktrace', NODE_STACK(line))] }] }],
          },
        ],
      }),
    });

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    now = t.clock.now().getTime();
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    payments = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
  });
  afterAll(() => t.close());

  it('groups occurrences from log records and span events by fingerprint, with versions, counts and a sample', async () => {
    for (const [i, version] of ['1.0.0', '1.0.0', '1.1.0'].entries()) expect((await sendLogError(version, 12 + i, now - 60_000 + i * 1000)).statusCode).toBe(200);
    // the same failure recorded on a span, and another one there
    const span = (id: string, type: string, message: string, stack: string) => ({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: id,
      name: 'POST /orders',
      kind: 2,
      startTimeUnixNano: ns(now - 30_000),
      endTimeUnixNano: ns(now - 29_000),
      events: [{ name: 'exception', timeUnixNano: ns(now - 29_500), attributes: [attr('exception.type', type), attr('exception.message', message), attr('exception.stacktrace', stack)] }],
    });
    const traces = await t.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${payments}` },
      payload: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', 'checkout'), attr('service.version', '1.1.0')] },
            scopeSpans: [{ spans: [span('b7ad6b7169203331', 'TypeError', 'other words', NODE_STACK(99)), span('b7ad6b7169203332', 'TimeoutError', 'stock service timed out after 3000 ms', '')] }],
          },
        ],
      }),
    });
    expect(traces.statusCode).toBe(200);

    const list = await t.req('GET', '/api/v1/telemetry/exceptions?service=checkout', { as: carol });
    expect(list.status).toBe(200);
    // both last seen at the same moment: the newer group first
    expect(list.body.items.map((g: { type: string; count: number; basis: string; status: string }) => [g.type, g.count, g.basis, g.status])).toEqual([
      ['TimeoutError', 1, 'message', 'unresolved'],
      ['TypeError', 4, 'frames', 'unresolved'],
    ]);
    const typeError = list.body.items[1];
    expect(typeError.versions.map((v: { version: string; count: number }) => [v.version, v.count])).toEqual([
      ['1.0.0', 2],
      ['1.1.0', 2],
    ]);
    const detail = await t.req('GET', `/api/v1/telemetry/exceptions/${typeError.id}?from=${now - 120_000}`, { as: carol });
    expect(detail.body.sample.stacktrace).toContain('at priceOrder (/app/src/orders/price.js:99:17)');
    expect(detail.body.sample.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(detail.body.counts.reduce((a: number, c: { count: number }) => a + c.count, 0)).toBe(4);
    expect((await t.req('GET', '/api/v1/telemetry/exceptions/999999', { as: carol })).status).toBe(404);
  });

  it('counts an exception once when it is both recorded on its span and logged with the span’s ids', async () => {
    const trace = '5bf7651916cd43dd8448eb211c80319d';
    const post = (url: string, payload: unknown) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', authorization: `Bearer ${payments}` }, payload: JSON.stringify(payload) });
    const resource = { attributes: [attr('service.name', 'checkout'), attr('service.version', '1.2.0')] };
    const exc = [attr('exception.type', 'LedgerError'), attr('exception.message', 'refund not rounded'), attr('exception.stacktrace', '')];
    for (const spanId of ['c7ad6b7169203331', 'c7ad6b7169203332']) {
      const span = { traceId: trace, spanId, name: 'POST /refunds', kind: 2, startTimeUnixNano: ns(now - 20_000), endTimeUnixNano: ns(now - 19_000), events: [{ name: 'exception', timeUnixNano: ns(now - 19_500), attributes: exc }] };
      expect((await post('/v1/traces', { resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] })).statusCode).toBe(200);
      const log = { timeUnixNano: ns(now - 19_400), severityNumber: 17, traceId: trace, spanId, body: { stringValue: 'refund failed' }, attributes: exc };
      expect((await post('/v1/logs', { resourceLogs: [{ resource, scopeLogs: [{ logRecords: [log] }] }] })).statusCode).toBe(200);
    }
    const list = await t.req('GET', '/api/v1/telemetry/exceptions?service=checkout', { as: carol });
    // two failed requests: two occurrences, not four
    expect(list.body.items.find((g: { type: string }) => g.type === 'LedgerError').count).toBe(2);
  });

  it('lets only the owning team resolve a group, and marks it regressed when it returns in a later version', async () => {
    const [group] = (await t.req('GET', '/api/v1/telemetry/exceptions?service=checkout&status=unresolved', { as: alice })).body.items.filter((g: { type: string }) => g.type === 'TypeError');
    const other = await t.req('PATCH', `/api/v1/telemetry/exceptions/${group.id}`, { as: carol, body: { status: 'resolved' } });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('NOT_OWNER');
    expect((await t.req('PATCH', `/api/v1/telemetry/exceptions/${group.id}`, { as: alice, body: { status: 'fixed' } })).status).toBe(400);
    const resolved = await t.req('PATCH', `/api/v1/telemetry/exceptions/${group.id}`, { as: alice, body: { status: 'resolved' } });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedInVersion: '1.1.0', regressed: false });
    // the version it was resolved in keeps sending it (old instances draining): still resolved
    await sendLogError('1.1.0', 20, now - 5000);
    expect((await t.req('GET', `/api/v1/telemetry/exceptions/${group.id}`, { as: alice })).body.status).toBe('resolved');
    // a later version brings it back
    await sendLogError('1.2.0', 21, now - 1000);
    const back = (await t.req('GET', `/api/v1/telemetry/exceptions/${group.id}`, { as: alice })).body;
    expect(back).toMatchObject({ status: 'unresolved', regressed: true });
    expect((await t.req('GET', '/api/v1/telemetry/exceptions?service=checkout&status=resolved', { as: alice })).body.items).toEqual([]);
    const ignored = await t.req('PATCH', `/api/v1/telemetry/exceptions/${group.id}`, { as: t.admin, body: { status: 'ignored' } });
    expect(ignored.body.status).toBe('ignored');
  });
});
