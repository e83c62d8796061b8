import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';
import { smtpTransport } from './inbox.service.ts';

describe.each(databases)('notifications on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let smtp: SMTPServer;
  let port = 0;
  const received: { to: string[]; data: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    port = (smtp.server.address() as { port: number }).port;
    t = await createTestContext(dbKind, { emailEnabled: true, baseUrl: 'http://ethos.test' });
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('owners are told of a new change request in their inbox and by email, and read marks clear', async () => {
    const alice = await t.user('alice');
    const carol = await t.user('carol');
    await t.req('PATCH', '/api/v1/users/alice', { as: t.admin, body: { email: 'alice@example.test' } });
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    const cr = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: serviceDoc('checkout', 'payments', { tier: '1' }), message: 'please add a tier' } });

    const unread = await t.req('GET', '/api/v1/inbox?unread=true', { as: alice });
    expect(unread.body.items).toHaveLength(1);
    expect(unread.body.items[0].summary).toContain('carol proposes to update Service/checkout');

    // a failing mail server: the message stays queued and is retried later
    const down = smtpTransport('smtp://127.0.0.1:1', 'ethos@example.test');
    expect(await t.app.services.inbox.deliverEmails(down)).toEqual({ sent: 0, failed: 1 });
    expect(await t.app.services.inbox.deliverEmails(smtpTransport(`smtp://127.0.0.1:${port}`, 'ethos@example.test'))).toEqual({ sent: 0, failed: 0 });
    t.clock.advance(61_000);
    expect(await t.app.services.inbox.deliverEmails(smtpTransport(`smtp://127.0.0.1:${port}`, 'ethos@example.test'))).toEqual({ sent: 1, failed: 0 });
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(['alice@example.test']);
    expect(received[0]!.data).toContain('please add a tier');
    expect(received[0]!.data).toContain(`http://ethos.test/change-requests/${cr.body.id}`);
    expect(await t.app.services.inbox.deliverEmails(smtpTransport(`smtp://127.0.0.1:${port}`, 'ethos@example.test'))).toEqual({ sent: 0, failed: 0 });

    await t.req('POST', '/api/v1/inbox/read', { as: alice, body: { all: true } });
    expect((await t.req('GET', '/api/v1/inbox?unread=true', { as: alice })).body.items).toHaveLength(0);
    expect((await t.req('GET', '/api/v1/inbox', { as: alice })).body.items[0].read).toBe(true);
  });

  it('the unread count follows new notifications and read marks; nobody marks another user’s notifications read', async () => {
    const bob = await t.user('bob');
    const erin = await t.user('erin');
    await t.req('PUT', '/api/v1/resources/Team/growth', { as: bob, body: teamDoc('growth') });
    await t.req('PUT', '/api/v1/resources/Service/signup', { as: bob, body: serviceDoc('signup', 'growth') });
    const count = async (as: string) => (await t.req('GET', '/api/v1/inbox/count', { as })).body;
    expect(await count(bob)).toEqual({ unread: 0 });

    await t.req('POST', '/api/v1/change-requests', { as: erin, body: { document: serviceDoc('signup', 'growth', { tier: '1' }), message: 'tier 1' } });
    await t.req('POST', '/api/v1/change-requests', { as: erin, body: { document: serviceDoc('signup', 'growth', { tier: '2' }), message: 'tier 2' } });
    expect(await count(bob)).toEqual({ unread: 2 });
    expect(await count(erin)).toEqual({ unread: 0 });
    const [newest, oldest] = (await t.req('GET', '/api/v1/inbox', { as: bob })).body.items as { id: number; changeRequest: number }[];

    expect((await t.req('POST', '/api/v1/inbox/read', { as: erin, body: { ids: [newest!.id, oldest!.id] } })).status).toBe(204);
    expect(await count(bob)).toEqual({ unread: 2 });

    expect((await t.req('POST', '/api/v1/inbox/read', { as: bob, body: { ids: [oldest!.id] } })).status).toBe(204);
    expect(await count(bob)).toEqual({ unread: 1 });
    const unread = (await t.req('GET', '/api/v1/inbox?unread=true', { as: bob })).body.items;
    expect(unread).toEqual([expect.objectContaining({ id: newest!.id, changeRequest: newest!.changeRequest, read: false })]);

    expect((await t.req('GET', '/api/v1/inbox/count')).status).toBe(401);
  });
});
