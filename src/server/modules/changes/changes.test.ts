import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';

describe.each(databases)('change requests and apply on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string; // maintainer of payments
  let bob: string; // member of payments
  let carol: string; // search team
  let reader: string; // a token with read only

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    alice = await t.user('alice');
    bob = await t.user('bob');
    carol = await t.user('carol');
    reader = await t.user('rita', { scopes: ['read'] });
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments', [{ user: 'bob' }]) });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments', { tier: '1' }) });
  });
  afterAll(() => t.close());

  it('another team proposes, an owner approves and merges, and the revision records proposer and approver', async () => {
    const opened = await t.req('POST', '/api/v1/change-requests', {
      as: carol,
      body: { document: serviceDoc('checkout', 'payments', { tier: '1', runbook: 'https://runbooks.test/checkout' }), baseRevision: 1, message: 'add the runbook' },
    });
    expect(opened.status).toBe(201);
    const cr = opened.body;
    expect(cr).toMatchObject({ operation: 'update', state: 'open', author: 'carol', owner: 'payments', baseRevision: 1, stale: false, mergeable: false });
    expect(cr.diff).toContain('+  runbook: https://runbooks.test/checkout');

    const inbox = await t.req('GET', '/api/v1/inbox', { as: bob });
    expect(inbox.body.items[0]).toMatchObject({ type: 'change_request.opened', changeRequest: cr.id });
    const toReview = await t.req('GET', '/api/v1/change-requests?toReview=true', { as: alice });
    expect(toReview.body.items.map((c: any) => c.id)).toContain(cr.id);
    const mine = await t.req('GET', '/api/v1/change-requests?mine=true', { as: carol });
    expect(mine.body.items.map((c: any) => c.id)).toEqual([cr.id]);

    const early = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: alice });
    expect([early.status, early.body.error.code]).toEqual([409, 'CHANGE_REQUEST_NOT_APPROVED']);
    const outsiderApproves = await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: carol, body: { verdict: 'approve' } });
    expect(outsiderApproves.body.error.code).toBe('NOT_OWNER');
    const comment = await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: carol, body: { verdict: 'comment', body: 'ping' } });
    expect(comment.status).toBe(201);
    const approved = await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: bob, body: { verdict: 'approve', body: 'lgtm' } });
    expect(approved.body).toMatchObject({ approvals: ['bob'], mergeable: true });
    const outsiderMerges = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: carol });
    expect(outsiderMerges.body.error.code).toBe('NOT_OWNER');
    const merged = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: alice });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ state: 'merged', mergedBy: 'alice', mergedRevision: 2 });

    const rev = await t.req('GET', '/api/v1/resources/Service/checkout/revisions/2', { as: carol });
    expect(rev.body).toMatchObject({ author: 'carol', source: 'change-request', changeRequest: cr.id });
    expect(rev.body.message).toContain('approved by bob');
    expect(rev.body.message).toContain('merged by alice');
    expect((await t.req('GET', '/api/v1/resources/Service/checkout', { as: carol })).body.spec.runbook).toBe('https://runbooks.test/checkout');
    const carolsInbox = await t.req('GET', '/api/v1/inbox', { as: carol });
    expect(carolsInbox.body.items[0]).toMatchObject({ type: 'change_request.merged', changeRequest: cr.id });
    const again = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: alice });
    expect(again.body.error.code).toBe('CHANGE_REQUEST_CLOSED');
  });

  it('the author cannot approve their own request, and an approval by the author does not count', async () => {
    const cr = (await t.req('POST', '/api/v1/change-requests', { as: bob, body: { document: serviceDoc('checkout', 'payments', { tier: '2' }) } })).body;
    const self = await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: bob, body: { verdict: 'approve' } });
    expect(self.body.error.code).toBe('FORBIDDEN');
    const merge = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: bob });
    expect(merge.body.error.code).toBe('CHANGE_REQUEST_NOT_APPROVED');
    await t.req('PATCH', `/api/v1/change-requests/${cr.id}`, { as: bob, body: { state: 'closed' } });
  });

  it('a stale request is refused with 409 and shows the three-way difference; updating drops approvals', async () => {
    const current = (await t.req('GET', '/api/v1/resources/Service/checkout', { as: carol })).body;
    const base = current.metadata.revision;
    const cr = (
      await t.req('POST', '/api/v1/change-requests', {
        as: carol,
        body: { document: serviceDoc('checkout', 'payments', { tier: '1', runbook: 'https://runbooks.test/checkout', system: 'shop' }), baseRevision: base },
      })
    ).body;
    await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: bob, body: { verdict: 'approve' } });
    // the owners change the service meanwhile
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments', { tier: '0', runbook: 'https://runbooks.test/checkout' }) });
    const merge = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: alice });
    expect(merge.status).toBe(409);
    expect(merge.body.error.code).toBe('CHANGE_REQUEST_STALE');
    const shown = (await t.req('GET', `/api/v1/change-requests/${cr.id}`, { as: carol })).body;
    expect(shown.stale).toBe(true);
    expect(shown.conflict.baseToCurrent).toContain('+  tier: "0"');
    expect(shown.conflict.baseToProposed).toContain('+  system: shop');

    const updated = await t.req('PATCH', `/api/v1/change-requests/${cr.id}`, {
      as: carol,
      body: { baseRevision: base + 1, document: serviceDoc('checkout', 'payments', { tier: '0', runbook: 'https://runbooks.test/checkout', system: 'shop' }) },
    });
    expect(updated.body).toMatchObject({ stale: false, version: 2, approvals: [], mergeable: false });
    expect(updated.body.reviews[0]).toMatchObject({ author: 'bob', verdict: 'approve', current: false });
    const byOther = await t.req('PATCH', `/api/v1/change-requests/${cr.id}`, { as: bob, body: { message: 'hijack' } });
    expect(byOther.body.error.code).toBe('FORBIDDEN');
    await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: bob, body: { verdict: 'request_changes', body: 'why?' } });
    await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: alice, body: { verdict: 'approve' } });
    const blocked = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: alice });
    expect(blocked.body.error.code).toBe('CHANGE_REQUEST_NOT_APPROVED');
    await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: bob, body: { verdict: 'approve' } });
    const ok = await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: bob });
    expect(ok.body.state).toBe('merged');
    expect((await t.req('GET', '/api/v1/resources/Service/checkout', { as: carol })).body.spec.system).toBe('shop');
  });

  it("an admin's approval counts; a new team cannot be proposed", async () => {
    const cr = (await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: serviceDoc('checkout', 'payments', { tier: '1', runbook: 'https://runbooks.test/x', system: 'shop' }) } })).body;
    const approved = await t.req('POST', `/api/v1/change-requests/${cr.id}/reviews`, { as: t.admin, body: { verdict: 'approve' } });
    expect(approved.body).toMatchObject({ approvals: ['admin'], mergeable: true });
    await t.req('PATCH', `/api/v1/change-requests/${cr.id}`, { as: carol, body: { state: 'closed' } });
    const team = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: teamDoc('brand-new') } });
    expect(team.body.error.code).toBe('CHANGE_REQUEST_INVALID');
  });

  it('applying a stale proposal again moves it onto the current revision', async () => {
    await t.req('PUT', '/api/v1/resources/Service/rebase', { as: bob, body: serviceDoc('rebase', 'payments') });
    const doc = serviceDoc('rebase', 'payments', { system: 'carols-idea' });
    const first = await t.req('POST', '/api/v1/apply', { as: carol, body: { documents: [doc] } });
    const id = first.body.results[0].changeRequest;
    await t.req('PUT', '/api/v1/resources/Service/rebase', { as: bob, body: serviceDoc('rebase', 'payments', { tier: '2' }) });
    expect((await t.req('GET', `/api/v1/change-requests/${id}`, { as: carol })).body.stale).toBe(true);
    const again = await t.req('POST', '/api/v1/apply', { as: carol, body: { documents: [doc] } });
    expect(again.body.results[0].changeRequest).toBe(id);
    expect((await t.req('GET', `/api/v1/change-requests/${id}`, { as: carol })).body).toMatchObject({ stale: false, baseRevision: 2, version: 2 });
  });

  it('only admins and the user see email addresses in the user list', async () => {
    await t.req('PATCH', '/api/v1/users/bob', { as: t.admin, body: { email: 'bob@example.test' } });
    const emailOf = (r: any) => r.body.items.find((u: any) => u.name === 'bob').email;
    expect(emailOf(await t.req('GET', '/api/v1/users', { as: carol }))).toBeNull();
    expect(emailOf(await t.req('GET', '/api/v1/users', { as: bob }))).toBe('bob@example.test');
    expect(emailOf(await t.req('GET', '/api/v1/users', { as: t.admin }))).toBe('bob@example.test');
  });

  it('a proposed deletion removes the resource when merged; a closed request cannot be merged', async () => {
    await t.req('PUT', '/api/v1/resources/Service/old', { as: bob, body: serviceDoc('old', 'payments') });
    const cr = (await t.req('POST', '/api/v1/change-requests', { as: carol, body: { delete: { kind: 'Service', name: 'old' }, message: 'unused' } })).body;
    expect(cr.operation).toBe('delete');
    const closed = await t.req('PATCH', `/api/v1/change-requests/${cr.id}`, { as: alice, body: { state: 'closed' } });
    expect(closed.body.state).toBe('closed');
    expect((await t.req('POST', `/api/v1/change-requests/${cr.id}/merge`, { as: alice })).body.error.code).toBe('CHANGE_REQUEST_CLOSED');
    const cr2 = (await t.req('POST', '/api/v1/change-requests', { as: carol, body: { delete: { kind: 'Service', name: 'old' } } })).body;
    await t.req('POST', `/api/v1/change-requests/${cr2.id}/reviews`, { as: bob, body: { verdict: 'approve' } });
    expect((await t.req('POST', `/api/v1/change-requests/${cr2.id}/merge`, { as: alice })).body.state).toBe('merged');
    expect((await t.req('GET', '/api/v1/resources/Service/old', { as: carol })).status).toBe(404);
  });

  it('proposals that are invalid or empty are refused and create nothing', async () => {
    const before = (await t.req('GET', '/api/v1/change-requests?limit=200', { as: carol })).body.items.length;
    const invalid = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: serviceDoc('checkout', 'payments', { tier: 5 }) } });
    expect(invalid.body.error.code).toBe('RESOURCE_INVALID');
    const current = (await t.req('GET', '/api/v1/resources/Service/checkout', { as: carol })).body;
    const { revision: _r, createdAt: _c, updatedAt: _u, ...metadata } = current.metadata;
    const same = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: { ...current, metadata } } });
    expect(same.body.error.code).toBe('CHANGE_REQUEST_UNCHANGED');
    const both = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: serviceDoc('x', 'payments'), delete: { kind: 'Service', name: 'x' } } });
    expect(both.body.error.code).toBe('CHANGE_REQUEST_INVALID');
    const readOnly = await t.req('POST', '/api/v1/change-requests', { as: reader, body: { document: serviceDoc('checkout', 'payments', { tier: '9' }) } });
    expect(readOnly.body.error.code).toBe('AUTH_SCOPE');
    expect((await t.req('GET', '/api/v1/change-requests?limit=200', { as: carol })).body.items.length).toBe(before);
  });

  it('apply writes what you own, proposes the rest, and changes nothing the second time', async () => {
    const docs = [
      serviceDoc('apply-a', 'payments'),
      teamDoc('apply-team', [{ user: 'bob', role: 'maintainer' }]),
      serviceDoc('apply-b', 'apply-team', { tier: '3' }),
      serviceDoc('carol-svc', 'search'),
    ];
    const dry = await t.req('POST', '/api/v1/apply', { as: bob, body: { documents: docs, dryRun: true } });
    expect(dry.body.results.map((r: any) => r.outcome)).toEqual(['created', 'created', 'created', 'proposed']);
    expect((await t.req('GET', '/api/v1/resources/Service/apply-a', { as: bob })).status).toBe(404);

    const first = await t.req('POST', '/api/v1/apply', { as: bob, body: { documents: docs } });
    expect(first.body.results.map((r: any) => r.outcome)).toEqual(['created', 'created', 'created', 'proposed']);
    expect(first.body.results[2].diff).toContain('+  tier: "3"');
    const crId = first.body.results[3].changeRequest;
    expect(crId).toBeGreaterThan(0);

    const second = await t.req('POST', '/api/v1/apply', { as: bob, body: { documents: docs } });
    expect(second.body.results.map((r: any) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'proposed']);
    expect(second.body.results[3].changeRequest).toBe(crId);

    docs[0] = serviceDoc('apply-a', 'payments', { tier: 'gold' });
    const third = await t.req('POST', '/api/v1/apply', { as: bob, body: { documents: docs } });
    expect(third.body.results[0]).toMatchObject({ outcome: 'updated', revision: 2 });

    const denied = await t.req('POST', '/api/v1/apply', { as: reader, body: { documents: [serviceDoc('apply-a', 'payments', { tier: 'x' })] } });
    expect(denied.body.results[0].outcome).toBe('denied');
  });

  it('apply with one invalid document writes nothing and names it', async () => {
    const res = await t.req('POST', '/api/v1/apply', {
      as: bob,
      body: { documents: [serviceDoc('good-one', 'payments'), serviceDoc('bad one', 'payments'), { kind: 'Unknown' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.documents.map((d: any) => d.index)).toEqual([1, 2]);
    const dup = await t.req('POST', '/api/v1/apply', { as: bob, body: { documents: [serviceDoc('dup', 'payments'), serviceDoc('DUP', 'payments')] } });
    expect(dup.status).toBe(400);
    const unknownOwner = await t.req('POST', '/api/v1/apply', { as: bob, body: { documents: [serviceDoc('good-two', 'payments'), serviceDoc('orphan', 'no-such-team')] } });
    expect(unknownOwner.body.error.code).toBe('RESOURCE_OWNER_UNKNOWN');
    for (const name of ['good-one', 'dup', 'good-two']) {
      expect((await t.req('GET', `/api/v1/resources/Service/${name}`, { as: bob })).status).toBe(404);
    }
  });

  it('the audit log records writes, reviews and merges, for admins only', async () => {
    const log = await t.req('GET', '/api/v1/audit?limit=500', { as: t.admin });
    const actions = new Set(log.body.items.map((e: any) => e.action));
    for (const a of ['resource.create', 'resource.update', 'resource.delete', 'change_request.open', 'change_request.approve', 'change_request.merge', 'auth.login', 'token.create', 'user.create', 'apply']) {
      expect(actions).toContain(a);
    }
    const filtered = await t.req('GET', '/api/v1/audit?action=change_request.merge', { as: t.admin });
    expect(filtered.body.items.every((e: any) => e.action === 'change_request.merge')).toBe(true);
    expect(filtered.body.items[0].details).toMatchObject({ approvers: expect.any(Array), proposer: expect.any(String) });
    expect((await t.req('GET', '/api/v1/audit', { as: bob })).body.error.code).toBe('FORBIDDEN');
  });
});
