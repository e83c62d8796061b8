import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';

/* What another team can do to, and learn from, a team's postmortems. */

describe.each(databases)('postmortem ownership on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string; // payments, which owns the incident
  let carol: string; // search
  let incident = 0;

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    alice = await t.user('alice');
    carol = await t.user('carol');
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') })).status).toBe(201);
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    incident = (await t.req('POST', '/api/v1/incidents', { as: alice, body: { service: 'checkout', title: 'checkout returns 500s' } })).body.id;
  });
  afterAll(() => t.close());

  it('another team cannot take an incident’s postmortem, which would shut out the incident’s team', async () => {
    const taken = await t.req('POST', '/api/v1/postmortems', { as: carol, body: { incident, team: 'search' } });
    expect(taken.status).toBe(403);
    expect(taken.body.error).toMatchObject({ code: 'POSTMORTEM_NOT_OWNER', details: { field: 'incident' } });
    expect(Number((await t.db.kysely.selectFrom('postmortems').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
    const own = await t.req('POST', '/api/v1/postmortems', { as: alice, body: { incident } });
    expect(own.status).toBe(201);
    expect(own.body.team).toBe('payments');
    // an administrator may still start it for the team
    const other = (await t.req('POST', '/api/v1/incidents', { as: alice, body: { service: 'checkout', title: 'slow checkout' } })).body.id;
    expect((await t.req('POST', '/api/v1/postmortems', { as: t.admin, body: { incident: other } })).body.team).toBe('payments');
  });

  it('once published, other teams see who changed which sections, not the draft’s wording', async () => {
    const pm = (await t.req('POST', '/api/v1/postmortems', { as: alice, body: { team: 'payments', title: 'Cache stampede', summary: 'Bob should have checked the cache.' } })).body;
    expect((await t.req('PATCH', `/api/v1/postmortems/${pm.id}`, { as: alice, body: { summary: 'The cache had no request coalescing.' } })).status).toBe(200);
    expect((await t.req('POST', `/api/v1/postmortems/${pm.id}/status`, { as: alice, body: { status: 'published' } })).status).toBe(200);

    const theirs = (await t.req('GET', `/api/v1/postmortems/${pm.id}/revisions`, { as: carol })).body.items;
    expect(theirs.map((r: { action: string; author: string }) => [r.action, r.author])).toEqual([
      ['status', 'alice'],
      ['edited', 'alice'],
      ['created', 'alice'],
    ]);
    expect(theirs[0].changes).toEqual([{ field: 'status', from: 'draft', to: 'published' }]);
    expect(theirs[1].changes).toEqual([{ field: 'summary' }]);
    expect(JSON.stringify(theirs)).not.toContain('should have');

    const ours = (await t.req('GET', `/api/v1/postmortems/${pm.id}/revisions`, { as: alice })).body.items;
    expect(ours[1].changes).toEqual([{ field: 'summary', from: 'Bob should have checked the cache.', to: 'The cache had no request coalescing.' }]);
    expect((await t.req('GET', `/api/v1/postmortems/${pm.id}/revisions`, { as: t.admin })).body.items[1].changes[0].from).toBe('Bob should have checked the cache.');
  });

  it('a team hands an action item of its own to another team only when that team or the postmortem’s team does', async () => {
    const mine = await t.req('POST', '/api/v1/action-items', { as: carol, body: { title: 'Rotate the search keys', team: 'search', dueDate: '2026-01-01', type: 'process' } });
    expect(mine.status).toBe(201);
    const passed = await t.req('PATCH', `/api/v1/action-items/${mine.body.id}`, { as: carol, body: { team: 'payments', title: 'Rotate the keys' } });
    expect(passed.status).toBe(403);
    expect(passed.body.error).toMatchObject({ code: 'ACTION_ITEM_NOT_OWNER', details: { field: 'team' } });
    expect((await t.req('GET', `/api/v1/action-items/${mine.body.id}`, { as: carol })).body).toMatchObject({ team: 'search', title: 'Rotate the search keys' });
    expect((await t.req('GET', '/api/v1/action-items/stats?team=payments', { as: alice })).body.total).toBe(0);

    // the postmortem's team assigns its items to any team, and moves them between teams
    const pm = (await t.req('POST', '/api/v1/postmortems', { as: alice, body: { team: 'payments', title: 'Key leak' } })).body;
    const item = (await t.req('POST', '/api/v1/action-items', { as: alice, body: { postmortem: pm.id, title: 'Rotate the keys', team: 'search', dueDate: '2026-07-01', type: 'mitigate' } })).body;
    expect((await t.req('PATCH', `/api/v1/action-items/${item.id}`, { as: alice, body: { team: 'payments' } })).body.team).toBe('payments');
    expect((await t.req('PATCH', `/api/v1/action-items/${item.id}`, { as: alice, body: { team: 'search' } })).body.team).toBe('search');
    // the item's team may not pass it on by itself
    expect((await t.req('PATCH', `/api/v1/action-items/${item.id}`, { as: carol, body: { team: 'payments' } })).status).toBe(403);
    expect((await t.req('GET', `/api/v1/action-items/${item.id}`, { as: carol })).body.team).toBe('search');
  });
});
