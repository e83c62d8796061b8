import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactPointSpecSchema } from '../../../shared/alerting.schema.ts';
import { authPlugin } from '../../platform/auth.ts';
import { registerErrorHandler } from '../../platform/errors.ts';
import { createTestContext, databases, teamDoc, type TestContext } from '../../test-support.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { outboxRoutes } from './outbox.routes.ts';

describe.each(databases)('delivery routes on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let api: ReturnType<typeof Fastify>;
  let outbox: Outbox;
  let receiver: http.Server;
  let answer = 500;
  let url = '';

  const call = async (method: 'GET' | 'POST', path: string, as: string) => {
    const res = await api.inject({ method, url: path, headers: { authorization: `Bearer ${as}` } });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/SECRET-PATH-123`;
    t = await createTestContext(dbKind);
    outbox = createOutbox({
      db: t.db.kysely,
      clock: t.clock,
      loadContactPoint: async () => contactPointSpecSchema.parse({ type: 'webhook', url }),
      maxAttempts: 1,
    });
    // the module's plugin on its own app, authenticated as the real one is
    const app = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerErrorHandler(app);
    await app.register(cookie);
    await app.register(authPlugin, { authenticator: t.app.services.identity });
    await app.register(outboxRoutes, { outbox });
    api = app as unknown as ReturnType<typeof Fastify>;
  });
  afterAll(async () => {
    await api.close();
    await t.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('lists dead deliveries to admins and the owning team, retries them for members only, and never shows the address', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: bob, body: teamDoc('search') });
    const notification = { groupKey: 'g', status: 'firing' as const, alerts: [], groupLabels: { alertname: 'A' }, commonLabels: {}, commonAnnotations: {}, externalURL: '' };
    await outbox.enqueue([
      { contactPoint: { owner: 'payments', name: 'payments-hook' }, idempotencyKey: 'k1', notification },
      { contactPoint: { owner: 'search', name: 'search-hook' }, idempotencyKey: 'k2', notification },
    ]);
    await outbox.deliverDue();

    const all = await call('GET', '/api/v1/alerting/deliveries?status=dead', t.admin);
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: any) => d.contactPoint.name)).toEqual(['search-hook', 'payments-hook']);
    expect(all.body.items[0]).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 500, lastError: 'the receiver answered HTTP 500 (gave up after 1 attempt)' });
    expect(JSON.stringify(all.body)).not.toContain('SECRET-PATH');

    const mine = await call('GET', '/api/v1/alerting/deliveries?status=dead', alice);
    expect(mine.body.items.map((d: any) => d.contactPoint.name)).toEqual(['payments-hook']);
    expect((await call('GET', '/api/v1/alerting/deliveries?status=delivered', alice)).body.items).toEqual([]);
    expect((await call('GET', '/api/v1/alerting/deliveries?status=lost', alice)).status).toBe(400);

    const paymentsId = mine.body.items[0].id;
    expect((await call('POST', `/api/v1/alerting/deliveries/${paymentsId}/retry`, bob)).status).toBe(404);
    answer = 200;
    const retried = await call('POST', `/api/v1/alerting/deliveries/${paymentsId}/retry`, alice);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: paymentsId, state: 'pending', attempts: 0 });
    await outbox.deliverDue();
    expect((await call('GET', '/api/v1/alerting/deliveries?status=delivered', alice)).body.items.map((d: any) => d.id)).toEqual([paymentsId]);
    expect((await call('POST', `/api/v1/alerting/deliveries/${paymentsId}/retry`, alice)).body.error.code).toBe('ALERTING_DELIVERY_NOT_RETRYABLE');
    expect((await call('POST', '/api/v1/alerting/deliveries/999999/retry', t.admin)).status).toBe(404);
  });
});
