import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../test-support.ts';

type Principal = 'member' | 'maintainer' | 'otherTeam' | 'admin' | 'anonymous' | 'lacksScope' | 'disabled' | 'expired';
type Call = { method: string; url: string; body?: unknown };
interface Row {
  path: string;
  /** Prepares fresh state for one principal and returns the request to send. */
  setup(n: number): Promise<Call>;
  /** Expected status for the four principals with valid write credentials. */
  expect: Record<'member' | 'maintainer' | 'otherTeam' | 'admin', number>;
  /** Overrides for the principals without valid write credentials. */
  others?: Partial<Record<Principal, number>>;
}

describe.each(databases)('permission matrix on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  const tokens = {} as Record<Principal, string | undefined>;
  let erin: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    tokens.maintainer = await t.user('alice');
    tokens.member = await t.user('bob');
    tokens.otherTeam = await t.user('carol');
    erin = await t.user('erin');
    tokens.lacksScope = await t.user('rita', { scopes: ['read'] });
    tokens.disabled = await t.user('dave');
    tokens.admin = t.admin;
    tokens.anonymous = undefined;
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: tokens.maintainer, body: teamDoc('payments', [{ user: 'bob' }, { user: 'dave' }, { user: 'rita' }]) });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: tokens.otherTeam, body: teamDoc('search') });
    const exp = await t.req('POST', '/api/v1/tokens', { as: tokens.member, body: { name: 'short', scopes: ['read', 'write'], expiresAt: new Date(t.clock.now().getTime() + 3600_000).toISOString() } });
    tokens.expired = exp.body.token;
    await t.req('PATCH', '/api/v1/users/dave', { as: t.admin, body: { disabled: true } });
    t.clock.advance(2 * 3600_000);
  });
  afterAll(() => t.close());

  const svc = async (name: string) => {
    await t.req('PUT', `/api/v1/resources/Service/${name}`, { as: tokens.maintainer, body: serviceDoc(name, 'payments') });
  };
  const openCr = async (name: string) => {
    await svc(name);
    const cr = await t.req('POST', '/api/v1/change-requests', { as: erin, body: { document: serviceDoc(name, 'payments', { tier: 'p' }) } });
    return cr.body.id as number;
  };

  /** An exception group of a payments service (sent with the admin's ingest-scoped token). */
  const exceptionGroup = async (i: number) => {
    await svc(`exc${i}`);
    const record = { timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, body: { stringValue: 'boom' }, attributes: [{ key: 'exception.type', value: { stringValue: `Boom${i}` } }] };
    await t.req('POST', '/v1/logs', { as: t.admin, body: { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: `exc${i}` } }] }, scopeLogs: [{ logRecords: [record] }] }] } });
    const [group] = (await t.req('GET', `/api/v1/telemetry/exceptions?service=exc${i}`, { as: t.admin })).body.items;
    return group.id as number;
  };

  const rows: Row[] = [
    { path: 'PUT a team’s telemetry quotas', expect: { member: 403, maintainer: 403, otherTeam: 403, admin: 200 }, setup: async () => ({ method: 'PUT', url: '/api/v1/telemetry/quotas/payments', body: { spansPerSecond: 5000 } }) },
    { path: 'PATCH resolve an exception group', expect: { member: 200, maintainer: 200, otherTeam: 403, admin: 200 }, setup: async (i) => ({ method: 'PATCH', url: `/api/v1/telemetry/exceptions/${await exceptionGroup(i)}`, body: { status: 'resolved' } }) },
    { path: 'PUT update a service', expect: { member: 200, maintainer: 200, otherTeam: 403, admin: 200 }, setup: async (i) => (await svc(`u${i}`), { method: 'PUT', url: `/api/v1/resources/Service/u${i}`, body: serviceDoc(`u${i}`, 'payments', { tier: '2' }) }) },
    { path: 'PUT create a service', expect: { member: 201, maintainer: 201, otherTeam: 403, admin: 201 }, setup: async (i) => ({ method: 'PUT', url: `/api/v1/resources/Service/c${i}`, body: serviceDoc(`c${i}`, 'payments') }) },
    // rules follow their service's owner; another team proposes them (see exception-rules.test.ts)
    {
      path: 'PUT create exception fingerprint rules of a service',
      expect: { member: 201, maintainer: 201, otherTeam: 403, admin: 201 },
      setup: async (i) => (await svc(`er${i}`), { method: 'PUT', url: `/api/v1/resources/ExceptionRules/er${i}`, body: { apiVersion: 'ethos/v1', kind: 'ExceptionRules', metadata: { name: `er${i}`, owner: 'payments' }, spec: { rules: [{ match: { type: '^TimeoutError$' }, group: 'timeouts' }] } } }),
    },
    { path: 'DELETE a service', expect: { member: 200, maintainer: 200, otherTeam: 403, admin: 200 }, setup: async (i) => (await svc(`d${i}`), { method: 'DELETE', url: `/api/v1/resources/Service/d${i}` }) },
    {
      path: 'POST rollback',
      expect: { member: 200, maintainer: 200, otherTeam: 403, admin: 200 },
      setup: async (i) => {
        await svc(`r${i}`);
        await t.req('PUT', `/api/v1/resources/Service/r${i}`, { as: tokens.maintainer, body: serviceDoc(`r${i}`, 'payments', { tier: 'x' }) });
        return { method: 'POST', url: `/api/v1/resources/Service/r${i}/rollback`, body: { revision: 1 } };
      },
    },
    {
      path: 'PUT change team membership',
      expect: { member: 403, maintainer: 200, otherTeam: 403, admin: 200 },
      setup: async (i) => {
        await t.req('PUT', `/api/v1/resources/Team/m${i}`, { as: tokens.maintainer, body: teamDoc(`m${i}`, [{ user: 'bob' }]) });
        return { method: 'PUT', url: `/api/v1/resources/Team/m${i}`, body: teamDoc(`m${i}`, [{ user: 'alice', role: 'maintainer' }, { user: 'bob' }, { user: 'erin' }]) };
      },
    },
    {
      path: 'DELETE a team',
      expect: { member: 403, maintainer: 200, otherTeam: 403, admin: 200 },
      setup: async (i) => {
        await t.req('PUT', `/api/v1/resources/Team/x${i}`, { as: tokens.maintainer, body: teamDoc(`x${i}`, [{ user: 'bob' }]) });
        return { method: 'DELETE', url: `/api/v1/resources/Team/x${i}` };
      },
    },
    {
      path: 'POST hand a service to another team',
      expect: { member: 403, maintainer: 403, otherTeam: 403, admin: 200 },
      setup: async (i) => (await svc(`h${i}`), { method: 'PUT', url: `/api/v1/resources/Service/h${i}`, body: serviceDoc(`h${i}`, 'search') }),
    },
    { path: 'POST open a change request', expect: { member: 201, maintainer: 201, otherTeam: 201, admin: 201 }, setup: async (i) => (await svc(`o${i}`), { method: 'POST', url: '/api/v1/change-requests', body: { document: serviceDoc(`o${i}`, 'payments', { tier: 'z' }) } }) },
    { path: 'POST approve a change request', expect: { member: 201, maintainer: 201, otherTeam: 403, admin: 201 }, setup: async (i) => ({ method: 'POST', url: `/api/v1/change-requests/${await openCr(`a${i}`)}/reviews`, body: { verdict: 'approve' } }) },
    {
      path: 'POST merge a change request',
      expect: { member: 200, maintainer: 200, otherTeam: 403, admin: 200 },
      setup: async (i) => {
        const id = await openCr(`g${i}`);
        await t.req('POST', `/api/v1/change-requests/${id}/reviews`, { as: tokens.maintainer, body: { verdict: 'approve' } });
        return { method: 'POST', url: `/api/v1/change-requests/${id}/merge` };
      },
    },
    { path: 'PATCH close a change request', expect: { member: 200, maintainer: 200, otherTeam: 403, admin: 200 }, setup: async (i) => ({ method: 'PATCH', url: `/api/v1/change-requests/${await openCr(`k${i}`)}`, body: { state: 'closed' } }) },
    // apply answers 200 with a per-document outcome; a read-only token's documents come back "denied"
    { path: 'POST apply', expect: { member: 200, maintainer: 200, otherTeam: 200, admin: 200 }, others: { lacksScope: 200 }, setup: async (i) => ({ method: 'POST', url: '/api/v1/apply', body: { documents: [serviceDoc(`ap${i}`, 'search')] } }) },
    { path: 'POST create a team token', expect: { member: 403, maintainer: 201, otherTeam: 403, admin: 201 }, setup: async () => ({ method: 'POST', url: '/api/v1/tokens', body: { name: 'ci', type: 'team', team: 'payments', scopes: ['write'] } }) },
    { path: 'POST create an ingest token', expect: { member: 403, maintainer: 403, otherTeam: 403, admin: 201 }, setup: async () => ({ method: 'POST', url: '/api/v1/tokens', body: { name: 'collector', type: 'ingest', scopes: ['ingest'] } }) },
    { path: 'POST create a personal token', expect: { member: 201, maintainer: 201, otherTeam: 201, admin: 201 }, setup: async () => ({ method: 'POST', url: '/api/v1/tokens', body: { name: 'mine', scopes: ['read'] } }) },
    {
      path: 'DELETE revoke a team token',
      expect: { member: 404, maintainer: 204, otherTeam: 404, admin: 204 },
      setup: async () => {
        const tok = await t.req('POST', '/api/v1/tokens', { as: tokens.maintainer, body: { name: 'ci', type: 'team', team: 'payments', scopes: ['write'] } });
        return { method: 'DELETE', url: `/api/v1/tokens/${tok.body.id}` };
      },
    },
    { path: 'POST create a user', expect: { member: 403, maintainer: 403, otherTeam: 403, admin: 201 }, setup: async (i) => ({ method: 'POST', url: '/api/v1/users', body: { name: `new${i}` } }) },
    { path: 'PATCH your own profile', expect: { member: 200, maintainer: 200, otherTeam: 200, admin: 200 }, setup: async (i) => ({ method: 'PATCH', url: '/api/v1/me', body: { displayName: `Name ${i}`, email: `p${i}@example.test` } }) },
    { path: 'PATCH disable a user', expect: { member: 403, maintainer: 403, otherTeam: 403, admin: 200 }, setup: async () => ({ method: 'PATCH', url: '/api/v1/users/erin', body: { displayName: 'Erin' } }) },
  ];

  const fixed: Record<'anonymous' | 'lacksScope' | 'disabled' | 'expired', number> = { anonymous: 401, lacksScope: 403, disabled: 401, expired: 401 };

  for (const row of rows) {
    it(`${row.path}: owners, maintainers and admins as the rules say; others refused`, async () => {
      const seen: Record<string, number> = {};
      const want: Record<string, number> = { ...row.expect, ...fixed, ...row.others };
      for (const p of Object.keys(want) as Principal[]) {
        const call = await row.setup(n++);
        const res = await t.req(call.method, call.url, { as: tokens[p], body: call.body });
        seen[p] = res.status;
        if (row.path === 'POST apply' && p === 'lacksScope') expect(res.body.results[0].outcome).toBe('denied');
        if (res.status >= 400) expect(res.body.error.code).toMatch(/^[A-Z_]+$/);
      }
      expect(seen).toEqual(want);
    });
  }

  it('ingest: a team may send telemetry for its own services and unregistered ones, never for another team\'s', async () => {
    await svc('ing-svc');
    const mint = async (as: string | undefined, body: object) => (await t.req('POST', '/api/v1/tokens', { as, body })).body.token as string;
    const senders: Record<string, string | undefined> = {
      teamToken: await mint(tokens.maintainer, { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] }),
      memberPersonal: await mint(tokens.member, { name: 'otel', scopes: ['ingest'] }),
      otherTeamToken: await mint(tokens.otherTeam, { name: 'otel', type: 'team', team: 'search', scopes: ['ingest'] }),
      organisation: await mint(t.admin, { name: 'collector', type: 'ingest', scopes: ['ingest'] }),
      admin: t.admin,
      writeNoIngest: tokens.member,
      anonymous: undefined,
    };
    const point = (service: string) => ({
      resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ timeUnixNano: `${BigInt(t.clock.now().getTime()) * 1_000_000n}`, asDouble: 1 }] } }] }] }],
    });
    const outcome = async (token: string | undefined, service: string) => {
      const res = await t.req('POST', '/v1/metrics', { as: token, body: point(service) });
      return res.status !== 200 ? res.status : res.body.partialSuccess ? 'rejected' : 'stored';
    };
    const seen: Record<string, [unknown, unknown]> = {};
    for (const [who, token] of Object.entries(senders)) seen[who] = [await outcome(token, 'ing-svc'), await outcome(token, `unregistered-${who.toLowerCase()}`)];
    expect(seen).toEqual({
      teamToken: ['stored', 'stored'],
      memberPersonal: ['stored', 'stored'],
      otherTeamToken: ['rejected', 'stored'],
      organisation: ['stored', 'stored'],
      admin: ['stored', 'stored'],
      writeNoIngest: [403, 403],
      anonymous: [401, 401],
    });
  });

  it('a service-account token of a team writes that team\'s resources only', async () => {
    const tok = (await t.req('POST', '/api/v1/tokens', { as: tokens.maintainer, body: { name: 'deployer', type: 'team', team: 'payments', scopes: ['read', 'write'] } })).body.token;
    expect((await t.req('PUT', '/api/v1/resources/Service/sa-ok', { as: tok, body: serviceDoc('sa-ok', 'payments') })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Service/sa-no', { as: tok, body: serviceDoc('sa-no', 'search') })).status).toBe(403);
    const rev = await t.req('GET', '/api/v1/resources/Service/sa-ok/revisions', { as: tok });
    expect(rev.body.items[0].author).toBe('payments/deployer');
  });
});
