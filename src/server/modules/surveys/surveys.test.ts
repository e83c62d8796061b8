import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, teamDoc, type TestContext } from '../../test-support.ts';
import { createSurveyTestContext, type SentMail } from './survey-test-support.ts';

const survey = (spec: Record<string, unknown>) => ({ apiVersion: 'ethos/v1', kind: 'Survey', metadata: { name: 'safety', owner: 'people' }, spec });
const baseSpec = {
  title: 'How safe is it to speak up?',
  targets: ['payments', 'search'],
  instruments: ['psychological-safety'],
  items: [{ id: 'on-call', text: 'Our on-call load is fair.' }],
  freeText: { question: 'What one thing would make it safer to speak up?' },
  anonymity: { minimumResponses: 3 },
};
const PS = [1, 2, 3, 4, 5, 6, 7].map((n) => `psychological-safety.${n}`);
/** Answers where every psychological-safety item scores `score` after reverse-scoring (items 1, 3, 5 reversed). */
const answersScoring = (score: number, onCall = 4): Record<string, number> => ({
  ...Object.fromEntries(PS.map((id, i) => [id, [0, 2, 4].includes(i) ? 8 - score : score])),
  'custom.on-call': onCall,
});

describe.each(databases)('surveys on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string; // people team: runs the survey
  let bob: string; // payments
  let carol: string; // search
  let dave: string; // in no targeted team
  let mails: SentMail[] = [];
  let logLines: string[] = [];
  const payments = ['bob', 'pia', 'pete', 'paz', 'pol'];
  const search = ['carol', 'sam'];
  /** Each invitee's code, from the emails they got. */
  const codes = new Map<string, string>();

  const put = (body: unknown, as = alice) => t.req('PUT', '/api/v1/resources/Survey/safety', { as, body });
  const respond = (body: unknown) => t.req('POST', '/api/v1/survey-responses', { body });
  const results = (round: number, as: string) => t.req('GET', `/api/v1/surveys/safety/rounds/${round}/results`, { as });
  const count = async (table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(t.db.kysely)).rows[0]!.n);

  beforeAll(async () => {
    ({ t, mails, logLines } = await createSurveyTestContext(dbKind));
    alice = await t.user('alice');
    bob = await t.user('bob');
    carol = await t.user('carol');
    dave = await t.user('dave');
    for (const name of ['pia', 'pete', 'paz', 'pol', 'sam']) {
      expect((await t.req('POST', '/api/v1/users', { as: t.admin, body: { name, email: `${name}@example.com` } })).status).toBe(201);
    }
    for (const name of ['bob', 'carol']) await t.req('PATCH', `/api/v1/users/${name}`, { as: t.admin, body: { email: `${name}@example.com` } });
    await t.req('PUT', '/api/v1/resources/Team/people', { as: alice, body: teamDoc('people') });
    expect((await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', payments.map((user) => ({ user }))) })).status).toBe(201);
    expect((await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search', search.map((user) => ({ user }))) })).status).toBe(201);
  });
  afterAll(() => t.close());

  it('refuses a survey with an unknown team or a reporting minimum below 3, pointing at the field', async () => {
    const unknown = await put(survey({ ...baseSpec, targets: ['payments', 'nobody'] }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'SURVEY_TARGET_UNKNOWN', details: { field: 'spec.targets.1' } });
    const tooLow = await put(survey({ ...baseSpec, anonymity: { minimumResponses: 2 } }));
    expect(tooLow.status).toBe(400);
    expect(tooLow.body.error.message).toContain('never below 3');
    expect((await t.req('GET', '/api/v1/resources/Survey/safety', { as: alice })).status).toBe(404);
    expect((await put(survey(baseSpec))).status).toBe(201);
  });

  it('only the team running the survey opens a round; a round invites every member of each target team', async () => {
    const closesAt = new Date(t.clock.now().getTime() + 7 * 86400_000).toISOString();
    const refused = await t.req('POST', '/api/v1/surveys/safety/rounds', { as: bob, body: { closesAt } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('NOT_OWNER');
    const bad = await t.req('POST', '/api/v1/surveys/safety/rounds', { as: alice, body: { closesAt: t.clock.now().toISOString() } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('SURVEY_ROUND_INVALID');
    expect(await count('survey_rounds')).toBe(0);

    const opened = await t.req('POST', '/api/v1/surveys/safety/rounds', { as: alice, body: { closesAt } });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ number: 1, status: 'open', minimumResponses: 3, targets: ['payments', 'search'] });
    // nobody answered yet: counts below the minimum are not shown
    expect(opened.body.participation).toEqual([
      { group: 'payments', invited: 5, responses: null },
      { group: 'search', invited: 2, responses: null },
      { group: 'organisation', invited: 7, responses: null },
    ]);
    const again = await t.req('POST', '/api/v1/surveys/safety/rounds', { as: alice, body: { closesAt } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SURVEY_ROUND_ACTIVE');

    // each invitee got an email with a personal link; the code is in the fragment, never sent to the server in a URL
    expect(mails.map((m) => m.to).sort()).toEqual([...payments, ...search].map((n) => `${n}@example.com`).sort());
    for (const m of mails) {
      const code = /\/surveys\/respond#code=([A-Za-z0-9_-]+)/.exec(m.text)?.[1];
      expect(code).toBeTruthy();
      codes.set(m.to.split('@')[0]!, code!);
    }
    expect(new Set(codes.values()).size).toBe(7);
    const inbox = await t.req('GET', '/api/v1/inbox', { as: bob });
    expect(inbox.body.items[0].summary).toContain('How safe is it to speak up?');
  });

  it('each person sees their own invitation and code; the code shows the questionnaire without sign-in', async () => {
    const mine = await t.req('GET', '/api/v1/me/survey-invitations', { as: bob });
    expect(mine.body.items).toEqual([expect.objectContaining({ survey: 'safety', round: 1, team: 'payments', status: 'pending', code: codes.get('bob') })]);
    expect((await t.req('GET', '/api/v1/me/survey-invitations', { as: dave })).body.items).toEqual([]);

    const q = await t.req('POST', '/api/v1/survey-responses/questionnaire', { body: { code: codes.get('carol') } });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ survey: 'safety', team: 'search', status: 'open', minimumResponses: 3 });
    expect(q.body.questionnaire.sections.map((s: { instrument: string; items: unknown[] }) => [s.instrument, s.items.length])).toEqual([
      ['psychological-safety', 7],
      ['custom', 1],
    ]);
    expect(q.body.questionnaire.sections[0].items[0]).toEqual({ id: 'psychological-safety.1', text: 'If you make a mistake on this team, it is often held against you.', reversed: true });
    expect(q.body.questionnaire.freeText).toBe('What one thing would make it safer to speak up?');
    const wrong = await t.req('POST', '/api/v1/survey-responses/questionnaire', { body: { code: 'not-a-real-code-at-all' } });
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.code).toBe('SURVEY_CODE_UNKNOWN');
  });

  it('an incomplete or unknown answer is refused and the code stays usable', async () => {
    const { 'psychological-safety.4': _, ...partial } = answersScoring(6);
    const missing = await respond({ code: codes.get('bob'), answers: partial });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'SURVEY_ANSWERS_INVALID', details: { missing: ['psychological-safety.4'] } });
    const extra = await respond({ code: codes.get('bob'), answers: { ...answersScoring(6), 'custom.nope': 3 } });
    expect(extra.body.error.details.unknown).toEqual(['custom.nope']);
    const outOfScale = await respond({ code: codes.get('bob'), answers: { ...answersScoring(6), 'custom.on-call': 8 } });
    expect(outOfScale.status).toBe(400);
    // no sign-in guards these endpoints: a body far larger than any answer is refused before it is read
    const huge = await respond({ code: codes.get('bob'), answers: answersScoring(6), comment: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('REQUEST_TOO_LARGE');
    expect(await count('survey_responses')).toBe(0);
    expect((await t.req('GET', '/api/v1/me/survey-invitations', { as: bob })).body.items[0].status).toBe('pending');
  });

  it('an answer is taken once per code, without sign-in, and is neither logged nor audited', async () => {
    const auditBefore = await count('audit_log');
    const linesBefore = logLines.length;
    const ok = await respond({ code: codes.get('bob'), answers: answersScoring(6, 2), comment: 'More time for postmortems.' });
    expect(ok.status).toBe(201);
    expect(await count('audit_log')).toBe(auditBefore);
    expect(logLines.slice(linesBefore).join('')).not.toMatch(/survey-responses/);
    const twice = await respond({ code: codes.get('bob'), answers: answersScoring(1) });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('SURVEY_ALREADY_ANSWERED');
    expect((await t.req('GET', '/api/v1/me/survey-invitations', { as: bob })).body.items[0]).toMatchObject({ status: 'answered', code: null });
  });

  it('locks the reporting minimum once the first response has arrived; other edits still go through', async () => {
    const changed = await put(survey({ ...baseSpec, anonymity: { minimumResponses: 4 } }));
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'SURVEY_ANONYMITY_LOCKED', details: { field: 'spec.anonymity.minimumResponses' } });
    expect((await put(survey({ ...baseSpec, title: 'Speaking up, Q4' }))).status).toBe(200);
  });

  it('reminds those who have not answered, at most once a day, without saying how many', async () => {
    expect((await t.req('POST', '/api/v1/surveys/safety/rounds/1/remind', { as: bob })).status).toBe(403);
    mails.length = 0;
    const sent = await t.req('POST', '/api/v1/surveys/safety/rounds/1/remind', { as: alice });
    expect(sent.status).toBe(202);
    expect(Object.keys(sent.body)).toEqual(['remindedAt']);
    // everyone but bob, who answered; the same personal links as before
    expect(mails.map((m) => m.to.split('@')[0]).sort()).toEqual(['carol', 'paz', 'pete', 'pia', 'pol', 'sam']);
    expect(mails.every((m) => m.subject.startsWith('[Ethos] Reminder: Survey:'))).toBe(true);
    expect(mails.find((m) => m.to.startsWith('pia'))!.text).toContain(codes.get('pia'));
    const again = await t.req('POST', '/api/v1/surveys/safety/rounds/1/remind', { as: alice });
    expect(again.status).toBe(429);
    expect(again.body.error.code).toBe('SURVEY_REMINDED_RECENTLY');
    expect(Number(again.headers['retry-after'])).toBe(86400);
    t.clock.advance(86400_000);
    expect((await t.req('POST', '/api/v1/surveys/safety/rounds/1/remind', { as: alice })).status).toBe(202);
    const audit = await t.req('GET', '/api/v1/audit?action=survey.round.remind', { as: t.admin });
    expect(audit.body.items).toHaveLength(2);
    expect(JSON.stringify(audit.body.items)).not.toMatch(/pia|carol|invited|count/);
  });

  it('stores answers with no person, invitation, time or order, and participation apart from them', async () => {
    // four of one team at once: each answer rewrites the team's rows, one after the other
    const sent = await Promise.all(
      ([['pia', 5], ['pete', 4], ['paz', 7], ['pol', 3]] as const).map(([name, score]) => respond({ code: codes.get(name), answers: answersScoring(score), ...(name === 'paz' ? { comment: 'Leads admit their own mistakes.' } : {}) })),
    );
    expect(sent.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect((await respond({ code: codes.get('carol'), answers: answersScoring(2, 1) })).status).toBe(201);

    const columns = async (table: string) =>
      dbKind === 'sqlite'
        ? (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(t.db.kysely)).rows.map((r) => r.name).sort()
        : (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = ${table}`.execute(t.db.kysely)).rows.map((r) => r.name).sort();
    expect(await columns('survey_responses')).toEqual(['answers', 'id', 'round_id', 'team_key']);
    expect(await columns('survey_comments')).toEqual(['body', 'id', 'round_id', 'team_key']);

    const responses = await t.db.kysely.selectFrom('survey_responses').selectAll().execute();
    const comments = await t.db.kysely.selectFrom('survey_comments').selectAll().execute();
    const invitations = await t.db.kysely.selectFrom('survey_invitations').selectAll().execute();
    expect(responses).toHaveLength(6);
    expect(comments).toHaveLength(2);
    const stored = JSON.stringify([responses, comments]);
    // no user, no invitation id, no code or its hash, no timestamp anywhere in what was answered
    for (const inv of invitations) {
      expect(stored).not.toContain(inv.user_key);
      expect(stored).not.toContain(inv.id);
      expect(stored).not.toContain(inv.code_hash);
    }
    for (const code of codes.values()) expect(stored).not.toContain(code);
    expect(stored).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    for (const r of [...responses, ...comments]) expect(r.id).toMatch(/^[0-9a-f]{32}$/);
    // answers are stored in the questionnaire's order, whatever order they were sent in
    expect(Object.keys(JSON.parse(responses[0]!.answers))).toEqual([...PS, 'custom.on-call']);
    if (dbKind === 'postgres') {
      // PostgreSQL stamps rows with the transaction that wrote them: a team's rows all share the last one
      const xmins = async (table: string) => new Set((await sql<{ x: string }>`select xmin::text as x from ${sql.table(table)} where team_key = 'payments'`.execute(t.db.kysely)).rows.map((r) => r.x));
      const [r, c, i] = [await xmins('survey_responses'), await xmins('survey_comments'), await xmins('survey_invitations')];
      expect(r.size).toBe(1);
      expect(c).toEqual(r);
      expect(i).toEqual(r);
    }
    if (dbKind === 'sqlite') {
      // no hidden rowid keeps the arrival order: a scan returns rows in random-id order
      await expect(sql`select rowid from survey_responses`.execute(t.db.kysely)).rejects.toThrow(/rowid/);
      const scan = (await sql<{ id: string; team_key: string }>`select id, team_key from survey_responses`.execute(t.db.kysely)).rows;
      for (const team of ['payments', 'search']) {
        const ids = scan.filter((r) => r.team_key === team).map((r) => r.id);
        expect(ids).toEqual([...ids].sort());
      }
    }
    // participation: who answered, without what or when
    expect(Object.keys(invitations[0]!).sort()).toEqual(['answered', 'code_hash', 'id', 'round_id', 'team_key', 'user_key']);
    expect(invitations.filter((i) => i.answered).map((i) => i.user_key).sort()).toEqual(['bob', 'carol', 'paz', 'pete', 'pia', 'pol']);
  });

  it('shows no results while the round is open, and counts only for groups at the minimum', async () => {
    const early = await results(1, alice);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('SURVEY_RESULTS_NOT_READY');
    const round = await t.req('GET', '/api/v1/surveys/safety/rounds/1', { as: dave });
    // search has 1 response: below the minimum, and payments (5) would reveal it as organisation − payments
    expect(round.body.participation).toEqual([
      { group: 'payments', invited: 5, responses: null },
      { group: 'search', invited: 2, responses: null },
      { group: 'organisation', invited: 7, responses: 6 },
    ]);
  });

  it('after the round closes, results show per group above the minimum; a group that could be derived is withheld', async () => {
    const notOwner = await t.req('POST', '/api/v1/surveys/safety/rounds/1/close', { as: bob });
    expect(notOwner.status).toBe(403);
    const closed = await t.req('POST', '/api/v1/surveys/safety/rounds/1/close', { as: alice });
    expect(closed.body).toMatchObject({ status: 'closed', closedEarly: true });
    const late = await respond({ code: codes.get('sam'), answers: answersScoring(4) });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('SURVEY_ROUND_NOT_OPEN');

    const all = (await results(1, alice)).body;
    expect(all.groups.map((g: { group: string; shown: boolean; withheld: string | null; responses: number | null }) => [g.group, g.shown, g.withheld, g.responses])).toEqual([
      ['payments', false, 'could-be-derived', null],
      ['search', false, 'below-minimum', null],
      ['organisation', true, null, 6],
    ]);
    const org = all.groups[2];
    // psychological safety: every item scored 6, 5, 4, 7, 3 and 2 → 4.5
    expect(org.instruments[0]).toMatchObject({ instrument: 'psychological-safety', score: 4.5 });
    expect(org.instruments[0].items[0]).toMatchObject({ id: 'psychological-safety.1', reversed: true, mean: 4.5, distribution: [1, 1, 1, 1, 1, 1, 0] });
    expect(org.instruments[1].items[0]).toMatchObject({ id: 'custom.on-call', mean: 3.17 });
    expect(org.participation).toBe(0.86);
    expect([...org.comments].sort()).toEqual(['Leads admit their own mistakes.', 'More time for postmortems.']);
    expect(all.freeTextQuestion).toBe('What one thing would make it safer to speak up?');
    // no individual response leaves the server in any form
    expect(JSON.stringify(all)).not.toMatch(/"answers"|"respondent"|"user/);
  });

  it('a member of a targeted team sees that team and the organisation; others are refused', async () => {
    const asBob = (await results(1, bob)).body;
    expect(asBob.groups.map((g: { group: string }) => g.group)).toEqual(['payments', 'organisation']);
    const asCarol = (await results(1, carol)).body;
    expect(asCarol.groups.map((g: { group: string }) => g.group)).toEqual(['search', 'organisation']);
    const asDave = await results(1, dave);
    expect(asDave.status).toBe(403);
    expect(asDave.body.error.code).toBe('SURVEY_RESULTS_FORBIDDEN');
    const asAdmin = (await results(1, t.admin)).body;
    expect(asAdmin.groups).toHaveLength(3);
  });

  it('a later round shows a team at the minimum, and the trend follows each group across rounds', async () => {
    mails.length = 0;
    const closesAt = new Date(t.clock.now().getTime() + 86400_000).toISOString();
    expect((await t.req('POST', '/api/v1/surveys/safety/rounds', { as: alice, body: { closesAt } })).status).toBe(201);
    const round2 = new Map(mails.map((m) => [m.to.split('@')[0]!, /#code=([A-Za-z0-9_-]+)/.exec(m.text)![1]!]));
    expect(round2.get('bob')).not.toBe(codes.get('bob'));
    for (const [name, score] of [['bob', 6], ['pia', 6], ['pete', 5], ['paz', 7]] as const) {
      expect((await respond({ code: round2.get(name), answers: answersScoring(score) })).status).toBe(201);
    }
    t.clock.advance(86400_000 + 1000);
    const r2 = (await results(2, alice)).body;
    expect(r2.groups.map((g: { group: string; shown: boolean; responses: number | null }) => [g.group, g.shown, g.responses])).toEqual([
      ['payments', true, 4],
      ['search', false, null],
      ['organisation', true, 4],
    ]);
    expect(r2.groups[0].instruments[0].score).toBe(6);
    const trend = (await t.req('GET', '/api/v1/surveys/safety/trend', { as: bob })).body;
    expect(trend.groups).toEqual([
      { group: 'organisation', points: [expect.objectContaining({ round: 1, scores: { 'psychological-safety': 4.5, custom: 3.17 } }), expect.objectContaining({ round: 2, scores: { 'psychological-safety': 6, custom: 4 } })] },
      { group: 'payments', points: [expect.objectContaining({ round: 2, participation: 0.8 })] },
    ]);
    expect((await t.req('GET', '/api/v1/surveys/safety/trend', { as: dave })).status).toBe(403);
  });

  it('a survey with an open round cannot be deleted', async () => {
    const closesAt = new Date(t.clock.now().getTime() + 86400_000).toISOString();
    expect((await t.req('POST', '/api/v1/surveys/safety/rounds', { as: alice, body: { closesAt } })).status).toBe(201);
    const del = await t.req('DELETE', '/api/v1/resources/Survey/safety', { as: alice });
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('SURVEY_ROUND_ACTIVE');
  });
});
