import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, teamDoc, type TestContext } from '../../test-support.ts';
import { createSurveyTestContext, type SentMail } from './survey-test-support.ts';

/*
 * What an observer learns from the API while a round runs and after a survey is deleted: a small
 * team's count never shows, the anonymous endpoints leave no count or request id behind, and
 * nobody but the team that ran a survey inherits its results by taking its name.
 */

const PS = [1, 2, 3, 4, 5, 6, 7].map((n) => `psychological-safety.${n}`);
const answers = (v: number) => Object.fromEntries(PS.map((id) => [id, v]));

describe.each(databases)('survey disclosure on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string; // people: runs the survey
  let eve: string; // evil: in no targeted team
  let mails: SentMail[] = [];
  let logLines: string[] = [];
  const teamA = ['a1', 'a2', 'a3', 'a4'];
  const teamB = ['b1', 'b2', 'b3'];

  const survey = (owner: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'ethos/v1',
    kind: 'Survey',
    metadata: { name: 'pulse', owner },
    spec: { title: 'Pulse', targets: ['ta', 'tb'], anonymity: { minimumResponses: 3 }, ...spec },
  });
  const codeOf = (who: string) => /#code=([A-Za-z0-9_-]+)/.exec(mails.filter((m) => m.to === `${who}@example.com`).at(-1)!.text)![1]!;
  const respond = (who: string) => t.req('POST', '/api/v1/survey-responses', { body: { code: codeOf(who), answers: answers(4) } });
  const participation = async (as: string) => (await t.req('GET', '/api/v1/surveys/pulse/rounds/1', { as })).body.participation as { group: string; responses: number | null }[];

  beforeAll(async () => {
    ({ t, mails, logLines } = await createSurveyTestContext(dbKind));
    alice = await t.user('alice');
    eve = await t.user('eve');
    for (const name of [...teamA, ...teamB]) {
      expect((await t.req('POST', '/api/v1/users', { as: t.admin, body: { name, email: `${name}@example.com` } })).status).toBe(201);
    }
    await t.req('PUT', '/api/v1/resources/Team/people', { as: alice, body: teamDoc('people') });
    await t.req('PUT', '/api/v1/resources/Team/evil', { as: eve, body: teamDoc('evil') });
    expect((await t.req('PUT', '/api/v1/resources/Team/ta', { as: t.admin, body: teamDoc('ta', teamA.map((user) => ({ user }))) })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Team/tb', { as: t.admin, body: teamDoc('tb', teamB.map((user) => ({ user }))) })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Survey/pulse', { as: alice, body: survey('people') })).status).toBe(201);
  });
  afterAll(() => t.close());

  it('a round cannot be scheduled more than a year ahead', async () => {
    const opensAt = new Date(t.clock.now().getTime() + 400 * 86400_000).toISOString();
    const closesAt = new Date(t.clock.now().getTime() + 401 * 86400_000).toISOString();
    const far = await t.req('POST', '/api/v1/surveys/pulse/rounds', { as: alice, body: { opensAt, closesAt } });
    expect(far.status).toBe(400);
    expect(far.body.error).toMatchObject({ code: 'SURVEY_ROUND_INVALID', details: { field: 'opensAt' } });
  });

  it('while a round runs, a small team’s count cannot be read off the counts as they change', async () => {
    const closesAt = new Date(t.clock.now().getTime() + 86400_000).toISOString();
    expect((await t.req('POST', '/api/v1/surveys/pulse/rounds', { as: alice, body: { closesAt } })).status).toBe(201);
    for (const who of ['a1', 'a2', 'a3']) expect((await respond(who)).status).toBe(201);
    const before = await participation(eve);
    expect((await respond('b1')).status).toBe(201);
    const after = await participation(eve);
    // team tb went from 0 to 1: had team ta's 3 shown beside the organisation's 3 and then 4, that would tell
    expect(before).toEqual([
      { group: 'ta', invited: 4, responses: null },
      { group: 'tb', invited: 3, responses: null },
      { group: 'organisation', invited: 7, responses: 3 },
    ]);
    expect(after.map((p) => p.responses)).toEqual([null, null, 4]);
    // the maintainers see no more than anyone else while it runs
    expect((await participation(alice)).map((p) => p.responses)).toEqual([null, null, 4]);
  });

  it('answers leave no count in /metrics and no gap in the request ids of logged requests', async () => {
    const metrics = String((await t.req('GET', '/metrics')).body);
    expect(metrics).toContain('ethos_http_request_duration_seconds_count');
    expect(metrics).not.toContain('survey-responses');
    const ids = logLines.map((l) => (JSON.parse(l) as { reqId?: string }).reqId).filter((id): id is string => !!id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('after the round closes, each team’s count shows where the minimum allows', async () => {
    for (const who of ['b2', 'b3']) expect((await respond(who)).status).toBe(201);
    const closed = await t.req('POST', '/api/v1/surveys/pulse/rounds/1/close', { as: alice });
    expect(closed.body.participation).toEqual([
      { group: 'ta', invited: 4, responses: 3 },
      { group: 'tb', invited: 3, responses: 3 },
      { group: 'organisation', invited: 7, responses: 6 },
    ]);
  });

  it('a deleted survey’s name, and its rounds’ results, stay with the team that ran it', async () => {
    expect((await t.req('DELETE', '/api/v1/resources/Survey/pulse', { as: alice })).status).toBe(200);
    const taken = await t.req('PUT', '/api/v1/resources/Survey/pulse', { as: eve, body: survey('evil', { targets: ['evil'] }) });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'SURVEY_NAME_TAKEN', details: { field: 'metadata.name', owner: 'people' } });
    expect((await t.req('GET', '/api/v1/resources/Survey/pulse', { as: eve })).status).toBe(404);
    expect((await t.req('GET', '/api/v1/surveys/pulse/rounds/1/results', { as: eve })).status).toBe(404);

    // the team that ran it may make it again, with the minimum its responses were given under
    const lower = await t.req('PUT', '/api/v1/resources/Survey/pulse', { as: alice, body: survey('people', { anonymity: { minimumResponses: 4 } }) });
    expect(lower.status).toBe(409);
    expect(lower.body.error.code).toBe('SURVEY_ANONYMITY_LOCKED');
    expect((await t.req('PUT', '/api/v1/resources/Survey/pulse', { as: alice, body: survey('people') })).status).toBe(201);
    expect((await t.req('GET', '/api/v1/surveys/pulse/rounds/1/results', { as: eve })).status).toBe(403);
    expect((await t.req('GET', '/api/v1/surveys/pulse/rounds/1/results', { as: alice })).body.groups.map((g: { group: string; shown: boolean }) => [g.group, g.shown])).toEqual([
      ['ta', true],
      ['tb', true],
      ['organisation', true],
    ]);
  });
});
