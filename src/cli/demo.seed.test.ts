import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, type TestContext } from '../server/test-support.ts';
import { createApiClient } from './api-client.ts';
import { DEMO_STORIES } from './demo.incidents.ts';
import { signIn } from './demo.people.ts';
import { DEMO_SERVICES, DEMO_SLOS, DEMO_SURVEY_TARGETS, DEMO_TEAMS, seedDemoOrganisation } from './demo.seed.ts';
import { DEMO_SURVEY } from './demo.survey.ts';

const PASSWORD = 'demo-password-1234';

describe.each(databases)('seeding the demo organisation on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let first: Record<string, string>;
  let second: Record<string, string>;
  let url: string;
  /** A client signed in as a demo person with the demo password. */
  const as = async (user: string) => (await signIn(url, user, PASSWORD)).api;
  const active = (team: string) => DEMO_TEAMS.find((x) => x.name === team)!.members.filter((m) => m.active);

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
    url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const api = createApiClient({ url, token: t.admin });
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
    expect(users).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'marisol', 'hannah']));
    // the people sign in with the demo password and must choose their own
    const login = await t.req('POST', '/api/v1/auth/login', { body: { username: 'alice', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.user.mustChangePassword).toBe(true);
    // … except the active ones, who have signed in before (to answer the survey)
    const marisol = await t.req('POST', '/api/v1/auth/login', { body: { username: 'marisol', password: PASSWORD } });
    expect([marisol.status, marisol.body.user.mustChangePassword]).toEqual([200, false]);
  });

  it('creates the services, each owned by its team', async () => {
    const res = await t.req('GET', '/api/v1/resources/Service?limit=100', { as: t.admin });
    const owners = Object.fromEntries(res.body.items.map((s: { metadata: { name: string; owner: string } }) => [s.metadata.name, s.metadata.owner]));
    expect(owners).toEqual(Object.fromEntries(DEMO_SERVICES.map((s) => [s.name, s.owner])));
    const checkout = await t.req('GET', '/api/v1/resources/Service/checkout', { as: t.admin });
    expect(checkout.body.spec).toMatchObject({ lifecycle: 'production', dependsOn: ['payments', 'notifications'] });
  });

  it("gives each team an ingest token that may send for the team's services only", async () => {
    // the people team owns no services and sends nothing
    expect(Object.keys(second).sort()).toEqual(['payments', 'platform', 'storefront']);
    expect(await ingest(second.payments!, 'payments')).toEqual({ status: 200, rejected: 0 });
    expect(await ingest(second.payments!, 'checkout')).toEqual({ status: 200, rejected: 1 });
    expect(await ingest(second.storefront!, 'checkout')).toEqual({ status: 200, rejected: 0 });
  });

  it('revokes the tokens of an earlier run', async () => {
    expect((await ingest(first.payments!, 'payments')).status).toBe(401);
    const tokens = (await t.req('GET', '/api/v1/tokens?team=payments', { as: t.admin })).body.items;
    expect(tokens.filter((k: { name: string; revokedAt: string | null }) => k.name === 'ethos-demo' && !k.revokedAt)).toHaveLength(1);
  });

  it('gives two services an SLO of their team', async () => {
    const res = await t.req('GET', '/api/v1/slos?limit=100', { as: t.admin });
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { name: string; owner: string; service: string }) => [s.name, s.owner, s.service])).toEqual(DEMO_SLOS.map((o) => [o.name, o.owner, o.service]));
  });

  it("runs the people team's survey: one closed round with each targeted team's results, and one open round", async () => {
    const survey = await t.req('GET', `/api/v1/resources/Survey/${DEMO_SURVEY}`, { as: t.admin });
    expect(survey.body.metadata.owner).toBe('people');
    expect(survey.body.spec.instruments).toEqual(['psychological-safety', 'westrum']);
    // the second run opened no further round
    const rounds = (await t.req('GET', `/api/v1/surveys/${DEMO_SURVEY}/rounds`, { as: t.admin })).body.items;
    expect(rounds.map((r: { number: number; status: string }) => [r.number, r.status])).toEqual([
      [2, 'open'],
      [1, 'closed'],
    ]);

    const results = (await t.req('GET', `/api/v1/surveys/${DEMO_SURVEY}/rounds/1/results`, { as: t.admin })).body;
    for (const team of DEMO_SURVEY_TARGETS) {
      const group = results.groups.find((g: { group: string }) => g.group === team);
      // every active member answered once, however often the seed ran
      expect([group.shown, group.responses, group.invited]).toEqual([true, active(team).length, DEMO_TEAMS.find((x) => x.name === team)!.members.length]);
      expect(group.instruments.map((i: { instrument: string }) => i.instrument)).toEqual(['psychological-safety', 'westrum', 'custom']);
    }
    const organisation = results.groups.find((g: { group: string }) => g.group === 'organisation');
    expect(organisation.shown).toBe(true);
    // the answers vary: people of one team do not all give the same answer to a statement
    const items = organisation.instruments.flatMap((i: { items: { distribution: number[] }[] }) => i.items);
    expect(items.filter((i: { distribution: number[] }) => i.distribution.filter((n) => n > 0).length > 1).length).toBeGreaterThan(items.length / 2);
    // and the teams differ: payments feels least safe after its outage
    const score = (team: string) => results.groups.find((g: { group: string }) => g.group === team).instruments[0].score;
    expect(score('payments')).toBeLessThan(score('platform'));
    expect(results.groups.flatMap((g: { comments: string[] }) => g.comments).length).toBeGreaterThanOrEqual(3);

    // a member of a targeted team reads their own team's results and the organisation's
    const mine = await (await as('nadia')).request('GET', `/api/v1/surveys/${DEMO_SURVEY}/rounds/1/results`);
    expect((mine as { groups: { group: string }[] }).groups.map((g) => g.group).sort()).toEqual(['organisation', 'payments']);

    // in the open round payments and platform have answered (only the organisation's count shows while it runs) …
    const participation = Object.fromEntries(rounds[0].participation.map((p: { group: string; responses: number | null }) => [p.group, p.responses]));
    expect(participation).toEqual({ organisation: active('payments').length + active('platform').length, payments: null, platform: null, storefront: null });
    // … and storefront's people have not yet
    const invitations = (await (await as('judith')).request('GET', '/api/v1/me/survey-invitations')) as { items: { round: number; status: string; code: string | null }[] };
    expect(invitations.items.map((i) => [i.round, i.status, !!i.code])).toEqual([
      [2, 'pending', true],
      [1, 'answered', false],
    ]);
  });

  it('has resolved incidents with a published postmortem that others find, and a draft only its team reads', async () => {
    const incidents = (await t.req('GET', '/api/v1/incidents?limit=200', { as: t.admin })).body.items;
    expect(incidents.map((i: { title: string; status: string }) => [i.title, i.status]).sort()).toEqual(DEMO_STORIES.map((s) => [s.incident.title, 'resolved']).sort());

    // someone of another team searches the published postmortems
    const storefront = await as('judith');
    const found = (await storefront.request('GET', '/api/v1/postmortems', { query: { q: 'acquirer retries' } })) as { items: { id: number; status: string; team: string }[] };
    expect(found.items.map((p) => [p.status, p.team])).toEqual([['published', 'payments']]);
    const published = (await storefront.request('GET', `/api/v1/postmortems/${found.items[0]!.id}`)) as Record<string, any>;
    for (const section of ['summary', 'impact', 'rootCauses', 'trigger', 'resolution', 'detection', 'wentWell', 'wentWrong', 'whereWeGotLucky']) expect(published[section]).not.toBe('');
    expect(published.timeline.length).toBeGreaterThanOrEqual(5);
    expect(published.resolvedAt > published.startedAt).toBe(true);
    // written blamelessly: the language check has nothing to say
    expect(published.warnings).toEqual([]);
    expect(published.comments).toHaveLength(2);
    const history = (await storefront.request('GET', `/api/v1/postmortems/${published.id}/revisions`)) as { items: { action: string }[] };
    expect(history.items.map((r) => r.action)).toEqual(['status', 'status', 'edited', 'created']);

    // the draft: its team and admins see it, nobody else
    const all = (await t.req('GET', '/api/v1/postmortems', { as: t.admin })).body.items;
    const draft = all.find((p: { status: string }) => p.status === 'draft');
    expect(draft.team).toBe('platform');
    expect((await (await as('rosalind')).request('GET', '/api/v1/postmortems', { query: { status: 'draft' } }) as { items: unknown[] }).items).toHaveLength(1);
    expect(((await storefront.request('GET', '/api/v1/postmortems')) as { items: { id: number }[] }).items.map((p) => p.id)).toEqual([published.id]);
  });

  it("tracks the postmortems' action items: one overdue for platform, one done by payments, one open for storefront", async () => {
    const overdue = (await t.req('GET', '/api/v1/action-items?team=platform&overdue=true', { as: t.admin })).body.items;
    expect(overdue.map((i: { title: string }) => i.title)).toEqual([DEMO_STORIES[0]!.actionItems[0]!.title]);
    // the platform team sees it on its list, overdue first
    const platform = (await (await as('quentin')).request('GET', '/api/v1/action-items', { query: { team: 'platform' } })) as { items: { title: string; overdue: boolean }[] };
    expect(platform.items[0]).toMatchObject({ title: DEMO_STORIES[0]!.actionItems[0]!.title, overdue: true });

    const items = (await t.req('GET', '/api/v1/action-items?limit=200', { as: t.admin })).body.items;
    const byTeam = (team: string) => items.filter((i: { team: string }) => i.team === team).map((i: { status: string; overdue: boolean }) => [i.status, i.overdue]);
    expect(byTeam('payments')).toEqual(expect.arrayContaining([['done', false], ['in-progress', false]]));
    expect(byTeam('storefront')).toEqual([['open', false]]);
    // each written once however often the seed ran
    expect(items).toHaveLength(DEMO_STORIES.flatMap((s) => s.actionItems).length);
    const stats = (await t.req('GET', '/api/v1/action-items/stats?team=payments', { as: t.admin })).body;
    expect([stats.done, stats.doneOnTime]).toEqual([1, 1]);
  });
});
