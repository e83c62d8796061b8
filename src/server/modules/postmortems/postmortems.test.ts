import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';

const DAY = 86_400_000;
const ROOT = 'The pool size was fixed at 10 while traffic doubled, so the pool was exhausted.';

describe.each(databases)('postmortems on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string; // member of payments
  let carol: string; // member of search
  let bob: string; // in no team
  let incidentId = 0;
  let pmId = 0;

  const get = (id: number, as: string) => t.req('GET', `/api/v1/postmortems/${id}`, { as });
  const list = async (query: string, as: string) => (await t.req('GET', `/api/v1/postmortems${query}`, { as })).body as { items: { id: number; title: string; status: string }[]; nextCursor: string | null };
  const items = async (query: string, as: string) => (await t.req('GET', `/api/v1/action-items${query}`, { as })).body as { items: { id: number; title: string; status: string; overdue: boolean; team: string }[]; nextCursor: string | null };
  const countRows = async (table: 'postmortems' | 'action_items' | 'postmortem_revisions') => Number((await t.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    alice = await t.user('alice');
    carol = await t.user('carol');
    bob = await t.user('bob');
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') })).status).toBe(201);
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, body: serviceDoc('checkout', 'payments') });
    const opened = await t.req('POST', '/api/v1/incidents', { as: alice, body: { service: 'checkout', title: 'checkout returns 500s', impact: 'a third of card payments failed' } });
    incidentId = opened.body.id;
    t.clock.advance(60_000);
    await t.req('POST', `/api/v1/incidents/${incidentId}/notes`, { as: alice, body: { text: 'the connection pool is exhausted' } });
    t.clock.advance(60_000);
    await t.req('PATCH', `/api/v1/incidents/${incidentId}`, { as: alice, body: { status: 'resolved', resolution: 'raised the pool size and restarted' } });
  });
  afterAll(() => t.close());

  it('a member starts a postmortem from an incident: title, impact, resolution, times and timeline come from it', async () => {
    const incident = (await t.req('GET', `/api/v1/incidents/${incidentId}`, { as: alice })).body;
    const created = await t.req('POST', '/api/v1/postmortems', { as: alice, body: { incident: incidentId } });
    expect(created.status).toBe(201);
    pmId = created.body.id;
    expect(created.body).toMatchObject({
      title: 'checkout returns 500s',
      team: 'payments',
      incident: incidentId,
      status: 'draft',
      impact: 'a third of card payments failed',
      resolution: 'raised the pool size and restarted',
      startedAt: incident.startedAt,
      resolvedAt: incident.resolvedAt,
      summary: '',
      revision: 1,
      createdBy: 'alice',
      actionItems: [],
    });
    const lines = created.body.timeline.map((e: { text: string }) => e.text);
    expect(lines).toContain('Note by alice: the connection pool is exhausted');
    expect(lines.at(-1)).toBe('Incident resolved: raised the pool size and restarted');
    expect(created.body.timeline.map((e: { at: string }) => e.at)).toEqual(incident.events.map((e: { at: string }) => e.at));

    // the incident links back to its postmortem
    expect((await list(`?incident=${incidentId}`, alice)).items.map((p) => p.id)).toEqual([pmId]);

    const again = await t.req('POST', '/api/v1/postmortems', { as: alice, body: { incident: incidentId } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'POSTMORTEM_EXISTS', details: { postmortem: pmId } });
    expect((await t.req('POST', '/api/v1/postmortems', { as: alice, body: { incident: 999_999 } })).body.error.code).toBe('POSTMORTEM_INCIDENT_UNKNOWN');
    // a team writes its own postmortems only
    const foreign = await t.req('POST', '/api/v1/postmortems', { as: bob, body: { team: 'payments', title: 'not mine' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('POSTMORTEM_NOT_OWNER');
  });

  it('a draft does not exist for other teams: 404 like a missing one, and not in their lists', async () => {
    const hidden = await get(pmId, carol);
    const missing = await get(999_999, carol);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('POSTMORTEM_NOT_FOUND');
    expect(missing.body.error.code).toBe(hidden.body.error.code);
    expect((await t.req('GET', `/api/v1/postmortems/${pmId}/revisions`, { as: carol })).status).toBe(404);
    expect((await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: carol, body: { summary: 'x' } })).status).toBe(404);
    expect((await t.req('POST', `/api/v1/postmortems/${pmId}/comments`, { as: carol, body: { text: 'x' } })).status).toBe(404);
    expect((await t.req('POST', `/api/v1/postmortems/${pmId}/status`, { as: carol, body: { status: 'published' } })).status).toBe(404);
    expect((await list('', carol)).items).toEqual([]);
    expect((await list(`?incident=${incidentId}`, bob)).items).toEqual([]);
    // its team and admins read it
    expect((await get(pmId, alice)).status).toBe(200);
    expect((await get(pmId, t.admin)).status).toBe(200);
  });

  it('members edit it; each save is a revision with who changed which fields; a stale edit changes nothing', async () => {
    t.clock.advance(60_000);
    const saved = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, {
      as: alice,
      body: { summary: 'Checkout failed for 20 minutes because the database connection pool ran out.', rootCauses: ROOT, baseRevision: 1 },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.revision).toBe(2);
    const unchanged = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: alice, body: { rootCauses: ROOT } });
    expect(unchanged.body.revision).toBe(2);

    const stale = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: alice, body: { summary: 'overwritten', baseRevision: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'POSTMORTEM_STALE', details: { revision: 2 } });
    expect((await get(pmId, alice)).body.summary).toMatch(/^Checkout failed/);

    const timeline = [
      { at: '2026-06-01T12:00:00Z', text: 'Error rate on checkout rises above 5%' },
      { at: '2026-06-01T12:05:00+02:00', text: 'Pool size raised' },
    ];
    const edited = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: alice, body: { timeline, links: [{ title: 'Dashboard', url: 'https://grafana.example/d/1' }] } });
    expect(edited.body.timeline).toEqual([
      { at: '2026-06-01T12:00:00.000Z', text: 'Error rate on checkout rises above 5%' },
      { at: '2026-06-01T10:05:00.000Z', text: 'Pool size raised' },
    ]);

    const history = (await t.req('GET', `/api/v1/postmortems/${pmId}/revisions`, { as: alice })).body.items;
    expect(history.map((h: { revision: number; author: string; action: string }) => [h.revision, h.author, h.action])).toEqual([
      [3, 'alice', 'edited'],
      [2, 'alice', 'edited'],
      [1, 'alice', 'created'],
    ]);
    expect(history[1].changes).toEqual([
      { field: 'summary', from: '', to: 'Checkout failed for 20 minutes because the database connection pool ran out.' },
      { field: 'rootCauses', from: '', to: ROOT },
    ]);
    expect(history[0].changes.map((c: { field: string }) => c.field)).toEqual(['timeline', 'links']);
    expect(history[1].at).toBe(new Date(Date.parse('2026-06-01T12:00:00.000Z') + 3 * 60_000).toISOString());
  });

  it('invalid input is refused with field messages and writes nothing', async () => {
    const before = (await get(pmId, alice)).body;
    const revisions = await countRows('postmortem_revisions');
    const bad = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: alice, body: { summary: 'a new summary', timeline: [{ at: 'yesterday', text: 'x' }], links: [{ title: 'x', url: 'javascript:alert(1)' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const paths = bad.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/timeline/0/at', '/links/0/url']));
    expect(bad.body.error.details.issues.find((i: { path: string }) => i.path === '/timeline/0/at').message).toMatch(/date and time/);
    expect((await get(pmId, alice)).body).toEqual(before);
    expect(await countRows('postmortem_revisions')).toBe(revisions);

    const pms = await countRows('postmortems');
    const noTeam = await t.req('POST', '/api/v1/postmortems', { as: alice, body: { title: 'standalone' } });
    expect(noTeam.status).toBe(400);
    expect(noTeam.body.error.details.issues).toEqual([expect.objectContaining({ path: '/team', message: expect.stringContaining('owning team') })]);
    const unknownTeam = await t.req('POST', '/api/v1/postmortems', { as: alice, body: { team: 'nope', title: 'standalone' } });
    expect(unknownTeam.body.error).toMatchObject({ code: 'POSTMORTEM_TEAM_UNKNOWN', details: { field: 'team' } });
    expect((await t.req('POST', '/api/v1/postmortems', { as: alice, body: { team: 'payments', title: 'x', status: 'published' } })).status).toBe(400);
    expect(await countRows('postmortems')).toBe(pms);

    const actions = await countRows('action_items');
    const badItem = await t.req('POST', '/api/v1/action-items', { as: alice, body: { postmortem: pmId, title: 'x', team: 'payments', dueDate: '2026-13-45', type: 'fix' } });
    expect(badItem.status).toBe(400);
    expect(badItem.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['/dueDate', '/type']);
    expect((await t.req('POST', '/api/v1/action-items', { as: alice, body: { postmortem: pmId, title: 'x', team: 'nope', dueDate: '2026-07-01', type: 'prevent' } })).body.error.code).toBe('ACTION_ITEM_TEAM_UNKNOWN');
    expect(await countRows('action_items')).toBe(actions);
  });

  it('the blameless check advises on every save and never blocks publishing', async () => {
    const saved = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: alice, body: { wentWrong: 'Human error: Carol should have checked the pool size.', wentWell: 'The alert fired within a minute.' } });
    expect(saved.status).toBe(200);
    expect(saved.body.wentWrong).toBe('Human error: Carol should have checked the pool size.');
    expect(saved.body.warnings.map((w: { field: string; phrase: string; kind: string }) => [w.field, w.kind, w.phrase])).toEqual([
      ['wentWrong', 'phrase', 'human error'],
      ['wentWrong', 'name', 'Carol'],
      ['wentWrong', 'phrase', 'should have'],
    ]);
    expect(saved.body.warnings[0].suggestion).toMatch(/system/);
    expect((await t.req('GET', '/api/v1/postmortems/names', { as: bob })).body.names).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));

    const review = await t.req('POST', `/api/v1/postmortems/${pmId}/status`, { as: alice, body: { status: 'in-review' } });
    expect(review.body.status).toBe('in-review');
    expect((await get(pmId, carol)).status).toBe(404);
    const comment = await t.req('POST', `/api/v1/postmortems/${pmId}/comments`, { as: alice, body: { text: 'Can we name the role instead of Carol?' } });
    expect(comment.status).toBe(201);
    expect(comment.body.comments).toEqual([expect.objectContaining({ author: 'alice', text: 'Can we name the role instead of Carol?' })]);

    t.clock.advance(60_000);
    const published = await t.req('POST', `/api/v1/postmortems/${pmId}/status`, { as: alice, body: { status: 'published' } });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', publishedAt: t.clock.now().toISOString() });
    expect(published.body.warnings.length).toBeGreaterThan(0);
  });

  it('published, everyone reads it; only its team edits it (403 with a stable code)', async () => {
    const read = await get(pmId, carol);
    expect(read.status).toBe(200);
    expect(read.body.summary).toMatch(/^Checkout failed/);
    expect((await list('', bob)).items.map((p) => p.id)).toEqual([pmId]);
    const denied = await t.req('PATCH', `/api/v1/postmortems/${pmId}`, { as: carol, body: { summary: 'mine now' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('POSTMORTEM_NOT_OWNER');
    const unpublish = await t.req('POST', `/api/v1/postmortems/${pmId}/status`, { as: bob, body: { status: 'draft' } });
    expect(unpublish.body.error.code).toBe('POSTMORTEM_NOT_OWNER');
    expect((await get(pmId, carol)).body.summary).toMatch(/^Checkout failed/);
    // anyone who reads it may comment
    expect((await t.req('POST', `/api/v1/postmortems/${pmId}/comments`, { as: carol, body: { text: 'We saw this in search too.' } })).status).toBe(201);
  });

  it('publishing needs a summary', async () => {
    const pm = (await t.req('POST', '/api/v1/postmortems', { as: carol, body: { team: 'search', title: 'index rebuild stalled' } })).body;
    const refused = await t.req('POST', `/api/v1/postmortems/${pm.id}/status`, { as: carol, body: { status: 'published' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'POSTMORTEM_INVALID', details: { field: 'summary' } });
    expect((await get(pm.id, carol)).body.status).toBe('draft');
  });

  it('search finds published postmortems only, by stemmed word prefixes', async () => {
    const draft = (
      await t.req('POST', '/api/v1/postmortems', { as: alice, body: { team: 'payments', title: 'Ledger pool exhaustion', summary: 'The ledger database connection pool was exhausted too.' } })
    ).body;
    expect((await list('?q=connection+pools', alice)).items.map((p) => p.id)).toEqual([pmId]);
    expect((await list('?q=exhaustion', alice)).items.map((p) => p.id)).toEqual([pmId]);
    expect((await list('?q=traff', carol)).items.map((p) => p.id)).toEqual([pmId]);
    expect((await list('?q=ledger', alice)).items).toEqual([]);
    expect((await list('?q=pool+kubernetes', alice)).items).toEqual([]);
    expect((await t.req('GET', `/api/v1/postmortems?q=${encodeURIComponent('"*) OR 1=1 --')}`, { as: alice })).status).toBe(200);
    // stop words are left out on both databases: alone they find nothing, beside a word they change nothing
    expect((await list('?q=the', alice)).items).toEqual([]);
    expect((await list('?q=the+pool', alice)).items.map((p) => p.id)).toEqual([pmId]);
    expect((await list('?q=%21%21%21', alice)).items).toEqual([]);
    // lessons are searched too
    expect((await list('?q=alert+minute', bob)).items.map((p) => p.id)).toEqual([pmId]);
    // the draft is still listed for its team without a search
    expect((await list('?team=payments&status=draft', alice)).items.map((p) => p.id)).toEqual([draft.id]);
  });

  it('action items: the postmortem’s team assigns them to any team, whose members alone change the status', async () => {
    const created = await t.req('POST', '/api/v1/action-items', { as: alice, body: { postmortem: pmId, title: 'Size the pool from load tests', team: 'search', dueDate: '2026-06-10', type: 'prevent', trackerUrl: 'https://jira.example/browse/OPS-1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ team: 'search', status: 'open', postmortem: pmId, postmortemTitle: 'checkout returns 500s', overdue: false, completedAt: null });
    const id = created.body.id as number;
    const inbox = (await t.req('GET', '/api/v1/inbox', { as: carol })).body.items;
    expect(inbox[0]).toMatchObject({ type: 'action_item.assigned', summary: `Action item #${id} for search, due 2026-06-10: Size the pool from load tests` });
    expect((await t.req('GET', '/api/v1/inbox', { as: alice })).body.items).toEqual([]);

    const notOwner = await t.req('PATCH', `/api/v1/action-items/${id}`, { as: alice, body: { status: 'done' } });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error.code).toBe('ACTION_ITEM_NOT_OWNER');
    // a change mixing a status the actor may not set with a title they may: nothing is written
    expect((await t.req('PATCH', `/api/v1/action-items/${id}`, { as: alice, body: { title: 'renamed', status: 'done' } })).status).toBe(403);
    expect((await t.req('GET', `/api/v1/action-items/${id}`, { as: alice })).body).toMatchObject({ title: 'Size the pool from load tests', status: 'open' });
    expect((await t.req('PATCH', `/api/v1/action-items/${id}`, { as: bob, body: { title: 'bob was here' } })).body.error.code).toBe('ACTION_ITEM_NOT_OWNER');
    // the postmortem's team edits the rest
    expect((await t.req('PATCH', `/api/v1/action-items/${id}`, { as: alice, body: { title: 'Size the pool from load tests (p99)' } })).body.title).toBe('Size the pool from load tests (p99)');
    const started = await t.req('PATCH', `/api/v1/action-items/${id}`, { as: carol, body: { status: 'in-progress' } });
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('in-progress');
    // standalone items: the owner team's own
    expect((await t.req('POST', '/api/v1/action-items', { as: alice, body: { title: 'x', team: 'search', dueDate: '2026-07-01', type: 'process' } })).body.error.code).toBe('ACTION_ITEM_NOT_OWNER');
    expect((await get(pmId, bob)).body.actionItems.map((a: { id: number }) => a.id)).toEqual([id]);
  });

  it('an action item of a draft is seen only by the teams involved', async () => {
    const draft = (await t.req('POST', '/api/v1/postmortems', { as: alice, body: { team: 'payments', title: 'secret draft' } })).body;
    const item = (await t.req('POST', '/api/v1/action-items', { as: alice, body: { postmortem: draft.id, title: 'rotate the leaked key', team: 'search', dueDate: '2026-06-20', type: 'mitigate' } })).body;
    expect((await items(`?postmortem=${draft.id}`, carol)).items.map((i) => i.id)).toEqual([item.id]);
    expect((await items(`?postmortem=${draft.id}`, alice)).items.map((i) => i.id)).toEqual([item.id]);
    expect((await items(`?postmortem=${draft.id}`, bob)).items).toEqual([]);
    expect((await t.req('GET', `/api/v1/action-items/${item.id}`, { as: bob })).status).toBe(404);
    // bob cannot add items to a draft he cannot see: 404, not 403
    expect((await t.req('POST', '/api/v1/action-items', { as: bob, body: { postmortem: draft.id, title: 'x', team: 'search', dueDate: '2026-07-01', type: 'process' } })).status).toBe(404);
  });

  it('overdue comes from the injected clock: overdue items first; each team sees its completion rate', async () => {
    const add = async (title: string, dueDate: string) =>
      (await t.req('POST', '/api/v1/action-items', { as: carol, body: { title, team: 'search', dueDate, type: 'detect' } })).body.id as number;
    // today is 2026-06-01 (plus a few minutes)
    const soon = await add('alert on pool saturation', '2026-06-03');
    const later = await add('runbook for pool exhaustion', '2026-06-30');
    const early = await add('dashboard for connections', '2026-06-02');
    expect((await items('?team=search&overdue=true', carol)).items).toEqual([]);

    t.clock.advance(3 * DAY); // 2026-06-04
    const overdue = (await items('?team=search&overdue=true', carol)).items;
    expect(overdue.map((i) => i.title).sort()).toEqual(['alert on pool saturation', 'dashboard for connections']);
    expect(overdue.every((i) => i.overdue)).toBe(true);
    // overdue first (by due date), then the rest by due date
    const all = (await items('?team=search', bob)).items;
    // (bob does not see the draft's key rotation)
    expect(all.map((i) => i.title)).toEqual(['dashboard for connections', 'alert on pool saturation', 'Size the pool from load tests (p99)', 'runbook for pool exhaustion']);
    expect((await items('?team=search', carol)).items.map((i) => i.title)).toContain('rotate the leaked key');
    // pages follow the same order
    const p1 = await items('?team=search&limit=3', bob);
    const p2 = await items(`?team=search&limit=3&cursor=${p1.nextCursor}`, bob);
    expect([...p1.items, ...p2.items].map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(p2.nextCursor).toBeNull();

    // done late, done on time (the due day counts), won't do
    expect((await t.req('PATCH', `/api/v1/action-items/${early}`, { as: carol, body: { status: 'done' } })).body).toMatchObject({ status: 'done', overdue: false, completedAt: t.clock.now().toISOString() });
    await t.req('PATCH', `/api/v1/action-items/${later}`, { as: carol, body: { status: 'done' } });
    await t.req('PATCH', `/api/v1/action-items/${soon}`, { as: carol, body: { status: 'wont-do' } });
    const stats = (await t.req('GET', '/api/v1/action-items/stats?team=search', { as: bob })).body;
    // search owns 5: two done (one late), one won't do, two unfinished (the draft's key rotation is due 06-20, the pool sizing 06-10)
    expect(stats).toEqual({ team: 'search', total: 5, open: 2, overdue: 0, done: 2, doneOnTime: 1, wontDo: 1, completionRate: 2 / 4, onTimeRate: 1 / 2 });

    t.clock.advance(7 * DAY); // 2026-06-11: the pool sizing (due 06-10) is overdue
    const later2 = (await t.req('GET', '/api/v1/action-items/stats?team=search', { as: bob })).body;
    expect(later2).toMatchObject({ open: 2, overdue: 1 });
    expect((await t.req('GET', '/api/v1/action-items/stats?team=payments', { as: bob })).body).toMatchObject({ total: 0, completionRate: null, onTimeRate: null });
    // reopening a done item clears its completion time
    expect((await t.req('PATCH', `/api/v1/action-items/${later}`, { as: carol, body: { status: 'open' } })).body.completedAt).toBeNull();
  });

  it('the digest lists recently published postmortems with their lessons', async () => {
    const digest = (await t.req('GET', '/api/v1/postmortems/digest?days=30', { as: bob })).body;
    expect(digest.items).toEqual([
      expect.objectContaining({ id: pmId, team: 'payments', wentWell: 'The alert fired within a minute.', wentWrong: 'Human error: Carol should have checked the pool size.', actionItems: { total: 1, done: 0 } }),
    ]);
    t.clock.advance(40 * DAY);
    expect((await t.req('GET', '/api/v1/postmortems/digest?days=30', { as: bob })).body.items).toEqual([]);
    expect((await t.req('GET', '/api/v1/postmortems/digest?days=0', { as: bob })).status).toBe(400);
  });

  it('the OpenAPI document describes the postmortem and action item routes from their schemas', async () => {
    const doc = (await t.req('GET', '/api/v1/openapi.json')).body;
    for (const p of ['/api/v1/postmortems', '/api/v1/postmortems/{id}', '/api/v1/postmortems/{id}/status', '/api/v1/postmortems/digest', '/api/v1/action-items', '/api/v1/action-items/{id}', '/api/v1/action-items/stats']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const body = doc.paths['/api/v1/action-items'].post.requestBody.content['application/json'].schema;
    expect(body.properties.type.enum).toEqual(['prevent', 'mitigate', 'detect', 'process']);
    expect(body.required).toEqual(expect.arrayContaining(['title', 'team', 'dueDate', 'type']));
  });
});
