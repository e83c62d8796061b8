import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, type TestContext } from '../server/test-support.ts';
import { createApiClient } from './api-client.ts';
import { DEMO_SERVICES, DEMO_TEAMS, seedDemoOrganisation } from './demo.seed.ts';

const PASSWORD = 'demo-password-1234';

describe.each(databases)('seeding the demo organisation on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let first: Record<string, string>;
  let second: Record<string, string>;

  /** Sends one log record for `service` with `token`: the OTLP answer's status and rejections. */
  const ingest = async (token: string, service: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({
        resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, body: { stringValue: 'hello' } }] }] }],
      }),
    });
    return { status: res.statusCode, rejected: Number(JSON.parse(res.body || '{}').partialSuccess?.rejectedLogRecords ?? 0) };
  };

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const api = createApiClient({ url: `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`, token: t.admin });
    first = await seedDemoOrganisation(api, { memberPassword: PASSWORD });
    second = await seedDemoOrganisation(api, { memberPassword: PASSWORD });
  });
  afterAll(() => t.close());

  it('creates the teams with their maintainers and members, and the people as users', async () => {
    for (const team of DEMO_TEAMS) {
      const res = await t.req('GET', `/api/v1/resources/Team/${team.name}`, { as: t.admin });
      expect(res.status).toBe(200);
      expect(res.body.spec.members).toEqual(team.members.map((m) => ({ user: m.user, role: m.role })));
      // written once: the second run changed nothing
      expect(res.body.metadata.revision).toBe(1);
    }
    const users = (await t.req('GET', '/api/v1/users?limit=100', { as: t.admin })).body.items.map((u: { name: string }) => u.name);
    expect(users).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']));
    // the people sign in with the demo password and must choose their own
    const login = await t.req('POST', '/api/v1/auth/login', { body: { username: 'alice', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.user.mustChangePassword).toBe(true);
  });

  it('creates the services, each owned by its team', async () => {
    const res = await t.req('GET', '/api/v1/resources/Service?limit=100', { as: t.admin });
    const owners = Object.fromEntries(res.body.items.map((s: { metadata: { name: string; owner: string } }) => [s.metadata.name, s.metadata.owner]));
    expect(owners).toEqual(Object.fromEntries(DEMO_SERVICES.map((s) => [s.name, s.owner])));
    const checkout = await t.req('GET', '/api/v1/resources/Service/checkout', { as: t.admin });
    expect(checkout.body.spec).toMatchObject({ lifecycle: 'production', dependsOn: ['payments', 'notifications'] });
  });

  it("gives each team an ingest token that may send for the team's services only", async () => {
    expect(Object.keys(second).sort()).toEqual(DEMO_TEAMS.map((team) => team.name).sort());
    expect(await ingest(second.payments!, 'payments')).toEqual({ status: 200, rejected: 0 });
    expect(await ingest(second.payments!, 'checkout')).toEqual({ status: 200, rejected: 1 });
    expect(await ingest(second.storefront!, 'checkout')).toEqual({ status: 200, rejected: 0 });
  });

  it('revokes the tokens of an earlier run', async () => {
    expect((await ingest(first.payments!, 'payments')).status).toBe(401);
    const tokens = (await t.req('GET', '/api/v1/tokens?team=payments', { as: t.admin })).body.items;
    expect(tokens.filter((k: { name: string; revokedAt: string | null }) => k.name === 'ethos-demo' && !k.revokedAt)).toHaveLength(1);
  });
});
