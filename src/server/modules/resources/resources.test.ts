import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../test-support.ts';

describe.each(databases)('resources on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string; // maintainer of payments
  let bob: string; // member of payments
  let carol: string; // maintainer of search (another team)

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    alice = await t.user('alice');
    bob = await t.user('bob');
    carol = await t.user('carol');
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments', [{ user: 'bob', role: 'member' }]) })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') })).status).toBe(201);
  });
  afterAll(() => t.close());

  it('a new team makes its creator a maintainer and owns itself', async () => {
    const team = await t.req('GET', '/api/v1/resources/Team/payments', { as: bob });
    expect(team.status).toBe(200);
    expect(team.body.metadata.owner).toBe('payments');
    expect(team.body.spec.members).toEqual([
      { user: 'alice', role: 'maintainer' },
      { user: 'bob', role: 'member' },
    ]);
    const me = await t.req('GET', '/api/v1/me', { as: alice });
    expect(me.body.teams).toEqual([{ team: 'payments', role: 'maintainer' }]);
  });

  it('an owner creates a service, reads it with its revision as ETag, and updates it guarded by If-Match', async () => {
    const created = await t.req('PUT', '/api/v1/resources/Service/checkout', { as: bob, body: serviceDoc('checkout', 'payments', { tier: '1' }) });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const got = await t.req('GET', '/api/v1/resources/Service/checkout', { as: carol });
    expect(got.body.spec).toMatchObject({ lifecycle: 'production', tier: '1', dependsOn: [] });
    expect(got.headers.etag).toBe('"1"');

    const updated = await t.req('PUT', '/api/v1/resources/Service/checkout', { as: bob, headers: { 'if-match': '"1"' }, body: serviceDoc('checkout', 'payments', { tier: '2' }) });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('"2"');

    const stale = await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, headers: { 'if-match': '"1"' }, body: serviceDoc('checkout', 'payments', { tier: '3' }) });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('RESOURCE_CONFLICT');
    const createOnly = await t.req('PUT', '/api/v1/resources/Service/checkout', { as: alice, headers: { 'if-none-match': '*' }, body: serviceDoc('checkout', 'payments') });
    expect(createOnly.status).toBe(412);
    expect((await t.req('GET', '/api/v1/resources/Service/checkout', { as: bob })).body.spec.tier).toBe('2');
  });

  it('writing the same document again makes no new revision', async () => {
    await t.req('PUT', '/api/v1/resources/Service/idem', { as: bob, body: serviceDoc('idem', 'payments') });
    const again = await t.req('PUT', '/api/v1/resources/Service/idem', { as: bob, body: serviceDoc('idem', 'payments') });
    expect(again.headers.etag).toBe('"1"');
    const revs = await t.req('GET', '/api/v1/resources/Service/idem/revisions', { as: bob });
    expect(revs.body.items).toHaveLength(1);
  });

  it('a document fetched with GET can be written back as it is', async () => {
    await t.req('PUT', '/api/v1/resources/Service/roundtrip', { as: bob, body: serviceDoc('roundtrip', 'payments') });
    const got = (await t.req('GET', '/api/v1/resources/Service/roundtrip', { as: bob })).body;
    const back = await t.req('PUT', '/api/v1/resources/Service/roundtrip', { as: bob, body: { ...got, spec: { ...got.spec, tier: '7' } } });
    expect([back.status, back.headers.etag]).toEqual([200, '"2"']);
  });

  it('a team keeps at least one maintainer', async () => {
    await t.req('PUT', '/api/v1/resources/Team/solo', { as: carol, body: teamDoc('solo') });
    const res = await t.req('PUT', '/api/v1/resources/Team/solo', { as: carol, body: teamDoc('solo', [{ user: 'bob', role: 'member' }]) });
    expect(res.body.error.code).toBe('RESOURCE_INVALID');
    expect(res.body.error.message).toMatch(/maintainer/);
    expect((await t.req('GET', '/api/v1/me', { as: carol })).body.teams).toContainEqual({ team: 'solo', role: 'maintainer' });
  });

  it('names are unique per kind ignoring case', async () => {
    await t.req('PUT', '/api/v1/resources/Service/Ledger', { as: bob, body: serviceDoc('Ledger', 'payments') });
    const other = await t.req('PUT', '/api/v1/resources/Service/ledger', { as: bob, headers: { 'if-none-match': '*' }, body: serviceDoc('ledger', 'payments') });
    expect(other.status).toBe(412);
    const got = await t.req('GET', '/api/v1/resources/Service/LEDGER', { as: bob });
    expect(got.body.metadata.name).toBe('Ledger');
  });

  it('history lists revisions, diffs any two and rolls back to one as a new revision', async () => {
    const doc = serviceDoc('history-svc', 'payments', { tier: 'a' }, { description: 'first' });
    await t.req('PUT', '/api/v1/resources/Service/history-svc', { as: bob, body: doc });
    await t.req('PUT', '/api/v1/resources/Service/history-svc?message=raise%20tier', { as: alice, body: serviceDoc('history-svc', 'payments', { tier: 'b' }, { description: 'second' }) });
    const revs = await t.req('GET', '/api/v1/resources/Service/history-svc/revisions', { as: carol });
    expect(revs.body.items.map((r: any) => [r.revision, r.author, r.message])).toEqual([
      [2, 'alice', 'raise tier'],
      [1, 'bob', ''],
    ]);
    const diff = await t.req('GET', '/api/v1/resources/Service/history-svc/diff?from=1&to=2', { as: carol });
    expect(diff.body.patch).toContain('-  tier: a');
    expect(diff.body.patch).toContain('+  tier: b');
    const one = await t.req('GET', '/api/v1/resources/Service/history-svc/revisions/1', { as: carol });
    expect(one.body.document.metadata.description).toBe('first');

    const rb = await t.req('POST', '/api/v1/resources/Service/history-svc/rollback', { as: bob, body: { revision: 1 } });
    expect(rb.status).toBe(200);
    expect(rb.body.revision).toBe(3);
    expect((await t.req('GET', '/api/v1/resources/Service/history-svc', { as: bob })).body.spec.tier).toBe('a');
    const nonOwner = await t.req('POST', '/api/v1/resources/Service/history-svc/rollback', { as: carol, body: { revision: 2 } });
    expect(nonOwner.status).toBe(403);
    expect(nonOwner.body.error.code).toBe('NOT_OWNER');
    expect((await t.req('GET', '/api/v1/resources/Service/history-svc/revisions/9', { as: bob })).body.error.code).toBe('REVISION_NOT_FOUND');
  });

  it('delete writes a tombstone; rollback restores the resource', async () => {
    await t.req('PUT', '/api/v1/resources/Service/temp', { as: bob, body: serviceDoc('temp', 'payments', { tier: 'x' }) });
    const del = await t.req('DELETE', '/api/v1/resources/Service/temp', { as: bob });
    expect(del.status).toBe(200);
    expect(del.body.revision).toBe(2);
    const gone = await t.req('GET', '/api/v1/resources/Service/temp', { as: bob });
    expect(gone.status).toBe(404);
    const list = await t.req('GET', '/api/v1/resources/Service?q=temp', { as: bob });
    expect(list.body.items.map((i: any) => i.metadata.name)).not.toContain('temp');
    const revs = await t.req('GET', '/api/v1/resources/Service/temp/revisions', { as: bob });
    expect(revs.body.items[0]).toMatchObject({ revision: 2, deleted: true, document: null });
    const rb = await t.req('POST', '/api/v1/resources/Service/temp/rollback', { as: bob, body: { revision: 1 } });
    expect(rb.body.revision).toBe(3);
    expect((await t.req('GET', '/api/v1/resources/Service/temp', { as: bob })).body.spec.tier).toBe('x');
  });

  it("a non-owner's write is refused with NOT_OWNER and a hint to propose", async () => {
    const res = await t.req('PUT', '/api/v1/resources/Service/checkout', { as: carol, body: serviceDoc('checkout', 'payments', { tier: '0' }) });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('NOT_OWNER');
    expect(res.body.error.message).toMatch(/change request/);
    const del = await t.req('DELETE', '/api/v1/resources/Service/checkout', { as: carol });
    expect(del.body.error.code).toBe('NOT_OWNER');
    const create = await t.req('PUT', '/api/v1/resources/Service/carols', { as: carol, body: serviceDoc('carols', 'payments') });
    expect(create.body.error.code).toBe('NOT_OWNER');
    expect((await t.req('GET', '/api/v1/resources/Service/carols', { as: carol })).status).toBe(404);
  });

  it('bad input gets a 4xx with a stable code and writes nothing', async () => {
    const cases: [unknown, string, number][] = [
      [{ ...serviceDoc('bad', 'payments'), kind: 'Nope' }, 'RESOURCE_KIND_UNKNOWN', 400],
      [serviceDoc('bad', 'payments', { lifecycle: 'retired' }), 'RESOURCE_INVALID', 400],
      [serviceDoc('bad', 'payments', { unknownField: 1 }), 'RESOURCE_INVALID', 400],
      [serviceDoc('bad', 'nobody-team'), 'RESOURCE_OWNER_UNKNOWN', 400],
      [{ ...serviceDoc('bad', 'payments'), apiVersion: 'v2' }, 'RESOURCE_INVALID', 400],
      [serviceDoc('other-name', 'payments'), 'RESOURCE_INVALID', 400],
    ];
    for (const [body, code, status] of cases) {
      const res = await t.req('PUT', '/api/v1/resources/Service/bad', { as: bob, body });
      expect([res.status, res.body.error.code]).toEqual([status, code]);
      expect(res.body.error.message.length).toBeGreaterThan(10);
    }
    const badName = await t.req('PUT', '/api/v1/resources/Service/-bad', { as: bob, body: serviceDoc('-bad', 'payments') });
    expect(badName.body.error.code).toBe('RESOURCE_INVALID');
    const long = 'a'.repeat(64);
    expect((await t.req('PUT', `/api/v1/resources/Service/${long}`, { as: bob, body: serviceDoc(long, 'payments') })).status).toBe(400);
    const unknownUser = await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }, { user: 'ghost' }]) });
    expect(unknownUser.body.error.code).toBe('USER_UNKNOWN');
    const badJson = await t.req('PUT', '/api/v1/resources/Service/bad', { as: bob, body: '{"apiVersion":', headers: { 'content-type': 'application/json' } });
    expect([badJson.status, badJson.body.error.code]).toEqual([400, 'BAD_JSON']);
    const huge = await t.req('PUT', '/api/v1/resources/Service/bad', {
      as: bob,
      body: serviceDoc('bad', 'payments', {}, { description: 'x'.repeat(17 * 1024 * 1024) }),
    });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    expect((await t.req('GET', '/api/v1/resources/Service/bad', { as: bob })).status).toBe(404);
    expect((await t.req('GET', '/api/v1/resources/Team/payments', { as: bob })).body.metadata.revision).toBe(1);
  });

  it('a team that still owns resources cannot be deleted', async () => {
    const res = await t.req('DELETE', '/api/v1/resources/Team/payments', { as: alice });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('TEAM_NOT_EMPTY');
    expect(res.body.error.details.owns).toContainEqual({ kind: 'Service', name: 'checkout' });
    await t.req('PUT', '/api/v1/resources/Team/empty', { as: carol, body: teamDoc('empty') });
    expect((await t.req('DELETE', '/api/v1/resources/Team/empty', { as: carol })).status).toBe(200);
  });

  it('members write the team, only maintainers change membership', async () => {
    const team = (await t.req('GET', '/api/v1/resources/Team/payments', { as: bob })).body;
    const withLinks = { ...team, metadata: { name: 'payments', owner: 'payments' }, spec: { ...team.spec, chat: '#payments' } };
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: bob, body: withLinks })).status).toBe(200);
    const promote = { ...withLinks, spec: { ...withLinks.spec, members: [{ user: 'alice', role: 'maintainer' }, { user: 'bob', role: 'maintainer' }] } };
    const denied = await t.req('PUT', '/api/v1/resources/Team/payments', { as: bob, body: promote });
    expect(denied.body.error.code).toBe('NOT_OWNER');
    expect((await t.req('GET', '/api/v1/me', { as: bob })).body.teams).toEqual([{ team: 'payments', role: 'member' }]);
  });

  it('handing a service to another team needs a maintainer of both teams, or an admin', async () => {
    await t.req('PUT', '/api/v1/resources/Service/handover', { as: alice, body: serviceDoc('handover', 'payments') });
    const byAlice = await t.req('PUT', '/api/v1/resources/Service/handover', { as: alice, body: serviceDoc('handover', 'search') });
    expect(byAlice.status).toBe(403);
    const byAdmin = await t.req('PUT', '/api/v1/resources/Service/handover', { as: t.admin, body: serviceDoc('handover', 'search') });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.metadata.owner).toBe('search');
  });

  it('lists filter by owner, labels and text, with cursor pagination', async () => {
    for (let i = 0; i < 7; i++) {
      await t.req('PUT', `/api/v1/resources/Service/list-${i}`, {
        as: carol,
        body: serviceDoc(`list-${i}`, 'search', {}, { labels: { tier: i % 2 ? 'odd' : 'even', region: 'eu' }, title: i === 3 ? 'The Indexer' : undefined }),
      });
    }
    const names = (r: any) => r.body.items.map((i: any) => i.metadata.name);
    const byOwner = await t.req('GET', '/api/v1/resources/Service?owner=search&limit=100', { as: bob });
    expect(names(byOwner)).toEqual(['handover', 'list-0', 'list-1', 'list-2', 'list-3', 'list-4', 'list-5', 'list-6']);
    const byLabels = await t.req('GET', '/api/v1/resources/Service?label=tier=odd&label=region=eu', { as: bob });
    expect(names(byLabels)).toEqual(['list-1', 'list-3', 'list-5']);
    const ownerAndLabel = await t.req('GET', '/api/v1/resources/Service?owner=search&label=tier=odd&limit=2', { as: bob });
    expect(names(ownerAndLabel)).toEqual(['list-1', 'list-3']);
    const labelPage2 = await t.req('GET', `/api/v1/resources/Service?label=tier=odd&label=region=eu&limit=2&cursor=${ownerAndLabel.body.nextCursor}`, { as: bob });
    expect(names(labelPage2)).toEqual(['list-5']);
    expect(names(await t.req('GET', '/api/v1/resources/Service?q=indexer', { as: bob }))).toEqual(['list-3']);
    expect(names(await t.req('GET', '/api/v1/resources/Service?q=st-', { as: bob }))).toHaveLength(7);
    const p1 = await t.req('GET', '/api/v1/resources/Service?owner=search&limit=3', { as: bob });
    expect(names(p1)).toEqual(['handover', 'list-0', 'list-1']);
    const p2 = await t.req('GET', `/api/v1/resources/Service?owner=search&limit=3&cursor=${p1.body.nextCursor}`, { as: bob });
    expect(names(p2)).toEqual(['list-2', 'list-3', 'list-4']);
    await t.req('PUT', '/api/v1/resources/Service/under_score', { as: carol, body: serviceDoc('under_score', 'search') });
    await t.req('PUT', '/api/v1/resources/Service/underxscore', { as: carol, body: serviceDoc('underxscore', 'search') });
    expect(names(await t.req('GET', '/api/v1/resources/Service?q=r_s', { as: bob }))).toEqual(['under_score']);
    expect(names(await t.req('GET', '/api/v1/resources/Service?q=RXS', { as: bob }))).toEqual(['underxscore']);
    const bad = await t.req('GET', '/api/v1/resources/Service?label=novalue', { as: bob });
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lists filter by several owners at once, and the activity feed shows recent revisions of my teams', async () => {
    const both = await t.req('GET', '/api/v1/resources/Service?owner=payments&owner=search&limit=500', { as: bob });
    const owners = new Set(both.body.items.map((i: any) => i.metadata.owner));
    expect(owners).toEqual(new Set(['payments', 'search']));
    const feed = await t.req('GET', '/api/v1/activity?limit=5', { as: bob });
    expect(feed.body.items).toHaveLength(5);
    expect(feed.body.items.every((e: any) => e.owner === 'payments')).toBe(true);
    const times = feed.body.items.map((e: any) => e.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    const carolsFeed = await t.req('GET', '/api/v1/activity?owner=search&limit=200', { as: bob });
    expect(carolsFeed.body.items.some((e: any) => e.kind === 'Service' && e.name === 'list-3' && e.author === 'carol')).toBe(true);
  });

  it('a kind describes its spec as JSON Schema for forms', async () => {
    const res = await t.req('GET', '/api/v1/kinds/Service', { as: bob });
    expect(res.body.kind).toBe('Service');
    expect(res.body.specSchema.properties.lifecycle.enum).toEqual(['experimental', 'production', 'deprecated']);
    expect(res.body.secretFields).toEqual([]);
    expect((await t.req('GET', '/api/v1/kinds/Nope', { as: bob })).body.error.code).toBe('RESOURCE_KIND_UNKNOWN');
  });

  it('secret fields are encrypted at rest, never returned, and shown only as set or changed', async () => {
    if (!t.app.services.kinds.get('Webhook')) {
      t.app.services.kinds.register({ kind: 'Webhook', spec: z.object({ url: z.string(), token: z.string().optional() }).strict(), secretFields: ['token'] });
    }
    const doc = { apiVersion: 'ethos/v1', kind: 'Webhook', metadata: { name: 'hook', owner: 'payments' }, spec: { url: 'https://example.test/h', token: 's3cr3t-value' } };
    const created = await t.req('PUT', '/api/v1/resources/Webhook/hook', { as: bob, body: doc });
    expect(created.status).toBe(201);
    expect(created.body.spec.token).toBe('<secret:set>');
    const raw = await t.db.kysely.selectFrom('resources').select('spec').where('kind', '=', 'Webhook').executeTakeFirstOrThrow();
    expect(raw.spec).not.toContain('s3cr3t-value');
    const revRaw = await t.db.kysely.selectFrom('revisions').select('document').execute();
    expect(JSON.stringify(revRaw)).not.toContain('s3cr3t-value');
    // the marker keeps the stored value; the same plaintext is unchanged
    const keep = await t.req('PUT', '/api/v1/resources/Webhook/hook', { as: bob, body: { ...doc, spec: { url: 'https://example.test/h2', token: '<secret:set>' } } });
    expect(keep.headers.etag).toBe('"2"');
    const same = await t.req('PUT', '/api/v1/resources/Webhook/hook', { as: bob, body: { ...doc, spec: { url: 'https://example.test/h2', token: 's3cr3t-value' } } });
    expect(same.headers.etag).toBe('"2"');
    await t.req('PUT', '/api/v1/resources/Webhook/hook', { as: bob, body: { ...doc, spec: { url: 'https://example.test/h2', token: 'n3w-value' } } });
    const revs = await t.req('GET', '/api/v1/resources/Webhook/hook/revisions', { as: carol });
    expect(revs.body.items.map((r: any) => r.secretsChanged)).toEqual([['token'], [], ['token']]);
    const diff = await t.req('GET', '/api/v1/resources/Webhook/hook/diff?from=2&to=3', { as: carol });
    expect(diff.body.patch).toContain('+  token: <secret:changed>');
    const carolsProposal = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: { ...doc, spec: { url: 'https://example.test/h2', token: 'carols-guess' } } } });
    expect(carolsProposal.body.diff).toContain('+  token: <secret:changed>');
    expect(carolsProposal.body.document.spec.token).toBe('<secret:set>');
    const crRow = await t.db.kysely.selectFrom('change_requests').select('document').where('id', '=', carolsProposal.body.id).executeTakeFirstOrThrow();
    expect(crRow.document).not.toContain('carols-guess');
    const everything = JSON.stringify([carolsProposal.body, revs.body, diff.body, (await t.req('GET', '/api/v1/audit?limit=500', { as: t.admin })).body]);
    expect(everything).not.toContain('s3cr3t-value');
    expect(everything).not.toContain('n3w-value');
    expect(everything).not.toContain('carols-guess');
  });

  it('200 concurrent writers to distinct resources lose no revision', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => t.req('PUT', `/api/v1/resources/Service/conc-${i}`, { as: bob, body: serviceDoc(`conc-${i}`, 'payments') })),
    );
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
    const updates = await Promise.all(
      Array.from({ length: 200 }, (_, i) => t.req('PUT', `/api/v1/resources/Service/conc-${i}`, { as: bob, body: serviceDoc(`conc-${i}`, 'payments', { tier: 't' }) })),
    );
    expect(updates.map((r) => r.headers.etag).every((e) => e === '"2"')).toBe(true);
    const count = await t.db.kysely
      .selectFrom('revisions')
      .innerJoin('resources', 'resources.id', 'revisions.resource_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('resources.name_key', 'like', 'conc-%')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(400);
  });
});
