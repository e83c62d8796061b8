// @vitest-environment happy-dom
/**
 * The survey pages, in happy-dom against the real API: a people team opens a round from the
 * survey page, a member answers through the personal link without the code ever being in a
 * request URL, and the results page shows the team against the organisation after closing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamDoc, type TestContext } from '../../../server/test-support.ts';
import { click, clickElement, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let pia = '';
let pete = '';

const spec = {
  title: 'Speaking up on payments',
  targets: ['payments'],
  instruments: ['psychological-safety'],
  freeText: { question: 'What would make it safer to speak up?' },
  anonymity: { minimumResponses: 3 },
};
const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
const answerAll = (score: number) => Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((n) => [`psychological-safety.${n}`, [1, 3, 5].includes(n) ? 8 - score : score]));

/** A member's own code, as the API gives it to them. */
async function codeOf(token: string): Promise<string> {
  const items = (await t.req('GET', '/api/v1/me/survey-invitations', { as: token })).body.items as { code: string | null }[];
  return items[0]!.code!;
}

describe('surveys in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    pia = await t.user('pia');
    pete = await t.user('pete');
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/people', { as: t.admin, body: teamDoc('people', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice' }, { user: 'pia' }, { user: 'pete' }]) });
    const created = await t.req('PUT', '/api/v1/resources/Survey/speak-up', { as: t.admin, body: { apiVersion: 'ethos/v1', kind: 'Survey', metadata: { name: 'speak-up', owner: 'people' }, spec } });
    expect(created.status).toBe(201);
  });
  afterAll(() => stopUi(t));

  it('the survey page opens a round for the teams it asks', async () => {
    await show('/surveys');
    await see('No survey has asked you anything yet.');
    await until(() => !!link('Speaking up on payments'), 'the survey in the list');
    expect(rows('Surveys')[0]).toEqual(['Speaking up on paymentsspeak-up', 'people', 'payments', 'psychological-safety']);
    await clickElement(link('Speaking up on payments'), 'the survey');
    await see('Reporting minimum');
    await see('No rounds yet');
    await type('Closes', new Date(t.clock.now().getTime() + 7 * 86400_000).toISOString().slice(0, 10));
    await click('Open round');
    await see('Round 1 is open: 3 people invited.');
    await see('close it before opening the next');
    await until(() => rows('Rounds').length === 1, 'the round');
    // nobody has answered: the counts stay hidden below the minimum
    expect(rows('Rounds')[0]!.slice(0, 2)).toEqual(['1', 'open']);
    expect(rows('Rounds')[0]![3]).toBe('payments: hidden/3 · organisation: hidden/3');
    await click('Send reminder');
    await until(() => rows('Rounds')[0]![2]!.includes('reminded'), 'the reminder noted');
    await click('Send reminder');
    await see('a reminder went out at');
  });

  it('a member answers through the personal link; the answer cannot be given twice', async () => {
    await show('/surveys');
    await until(() => !!link('Answer'), 'the Answer link');
    const href = link('Answer')!.getAttribute('href')!;
    expect(href).toMatch(/^\/surveys\/respond#code=[A-Za-z0-9_-]+$/);
    await show(href);
    await see('Speaking up on payments');
    await see('If you make a mistake on this team, it is often held against you.');
    await see('7 statements left to answer');
    const groups = [...document.querySelectorAll('[role="radiogroup"]')];
    expect(groups).toHaveLength(7);
    for (const [i, g] of groups.entries()) {
      // "Mostly accurate" (6) everywhere except "Somewhat inaccurate" (3) on the first, reversed item
      await clickElement(g.querySelector(`input[value="${i === 0 ? 3 : 6}"]`), `an answer to statement ${i + 1}`);
    }
    await type('What would make it safer to speak up?', 'Blameless reviews after every incident.');
    await click('Send my answers');
    await see('Thank you');
    expect(text()).toContain('stored without your name, your invitation or the time');
    expect(await t.db.kysely.selectFrom('survey_responses').select('answers').execute()).toHaveLength(1);

    await show(href);
    await see('Already answered');
  });

  it('a wrong link says so', async () => {
    await show('/surveys/respond#code=not-a-valid-code-at-all');
    await see('This survey cannot be opened');
    await see('this survey link is not valid');
  });

  it('after the round closes, the results show the team, its items, guidance and comments', async () => {
    for (const [token, score] of [[pia, 5], [pete, 2]] as const) {
      const res = await t.req('POST', '/api/v1/survey-responses', { body: { code: await codeOf(token), answers: answerAll(score) } });
      expect(res.status).toBe(201);
    }
    await show('/surveys/speak-up');
    await until(() => !!document.querySelector('table[aria-label="Rounds"]'), 'the rounds');
    // while the round runs, only the organisation's count shows: a team's beside it could give away a smaller team's
    expect(rows('Rounds')[0]![3]).toBe('payments: hidden/3 · organisation: 3/3');
    await click('Close now');
    await until(() => !!link('Results'), 'the Results link');
    await clickElement(link('Results'), 'Results');
    await see('Round 1 results');
    await see('Team payments');
    await see('3 of 3 answered (100%)');
    // alice answered 3 on item 1 and 6 elsewhere: after reverse-scoring 5, 6, 2, 6, 2, 6, 6; pia 5 and pete 2 on every item
    // items' means: 4, 4.33, 3, 4.33, 3, 4.33, 4.33 → 3.90
    const team = document.querySelector('section[aria-label="Team payments"]')!;
    expect(team.querySelector('[aria-label^="Team psychological safety score"]')?.getAttribute('aria-label')).toBe('Team psychological safety score 3.90 of 7');
    expect(team.textContent).toContain('Blameless reviews after every incident.');
    expect(team.textContent).toContain('Where to start');
    expect(team.textContent).toContain('organisation 3.90');
    await see('Five dynamics of effective teams');
  });

  it("the team's page shows the surveys that ask it, with its latest score", async () => {
    await show('/teams/payments');
    await until(() => !!document.querySelector('[aria-label="Surveys"]'), 'the Surveys section');
    const section = document.querySelector('[aria-label="Surveys"]')!;
    await until(() => section.textContent!.includes('Team psychological safety 3.90'), 'the score');
    expect(section.textContent).toContain('Speaking up on payments');
    expect(section.textContent).toContain('round 1');
  });
});
