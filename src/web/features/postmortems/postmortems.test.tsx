// @vitest-environment happy-dom
/**
 * The postmortem pages, in happy-dom against the real API: alice (payments) writes the postmortem
 * of an incident from its page, sees the blameless hints as she types, publishes it and adds action
 * items; the action items page, the team page, the home page and the search read them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { choose, click, clickElement, control, link, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let incidentId = 0;
let pmId = 0;

const rows = (table: string) => [...document.querySelectorAll(`table[aria-label="${table}"] tbody tr`)].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? ''));
const hints = (label: string) => [...document.querySelectorAll(`[aria-label="Blameless hints: ${label}"] [data-finding]`)].map((e) => e.textContent ?? '');
const pm = async () => (await t.req('GET', `/api/v1/postmortems/${pmId}`, { as: t.admin })).body;

describe('postmortems in the web UI', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search') });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    await t.req('POST', '/api/v1/users', { as: t.admin, body: { name: 'carol', password: 'a temporary password' } });
    incidentId = (await t.req('POST', '/api/v1/incidents', { as: t.admin, body: { service: 'checkout', title: 'checkout returns 500s', impact: 'a third of card payments failed' } })).body.id;
    await t.req('POST', `/api/v1/incidents/${incidentId}/notes`, { as: t.admin, body: { text: 'the connection pool is exhausted' } });
  });
  afterAll(() => stopUi(t));

  it('“Write postmortem” on the incident page starts one, pre-filled from the incident, in the editor', async () => {
    await show(`/incidents/${incidentId}`);
    await until(() => !!control('Write postmortem'), 'the Write postmortem button');
    await click('Write postmortem');
    await see(`incident #${incidentId} checkout returns 500s`);
    await click('Start postmortem');
    await until(() => !!document.querySelector('form[aria-label="Edit the postmortem"]'), 'the editor');
    pmId = (await t.req('GET', `/api/v1/postmortems?incident=${incidentId}`, { as: t.admin })).body.items[0].id;
    const entries = [...document.querySelectorAll('textarea[aria-label^="What happened (entry"]')].map((e) => (e as HTMLTextAreaElement).value);
    expect(entries).toContain('Note by admin: the connection pool is exhausted');
    expect(entries[0]).toBe('Incident opened by admin: checkout returns 500s');
    expect((document.querySelector('textarea[aria-label="What happened (entry 1)"]') as HTMLTextAreaElement).value).toBe(entries[0]);
  });

  it('the editor flags blaming words as they are typed, and saving keeps them (advice only)', async () => {
    await type('Summary', 'Human error: carol should have resized the connection pool.');
    await until(() => hints('Summary').length === 3, 'three hints on the summary');
    expect(hints('Summary')[0]).toMatch(/^“Human error” — Say what about the system/);
    expect(hints('Summary')[1]).toMatch(/^“carol” — Name the role/);
    expect(hints('Summary')[2]).toMatch(/^“should have” — Hindsight/);
    await type('Summary', 'Checkout failed for 20 minutes: the connection pool was sized for half the traffic.');
    await until(() => hints('Summary').length === 0, 'the hints gone');
    await type('What went wrong', 'A careless resize.');
    await type('What went well', 'The page alert fired within a minute.');
    await until(() => hints('What went wrong').length === 1, 'a hint on what went wrong');
    await click('Save');
    await see('Revision 2 of postmortem');
    expect(await pm()).toMatchObject({ summary: 'Checkout failed for 20 minutes: the connection pool was sized for half the traffic.', wentWrong: 'A careless resize.', revision: 2 });
    // the read view names what reads as blame, and keeps everything
    await see('1 place reads as blame (“careless”)');
  });

  it('the history says who changed which sections, and from what to what', async () => {
    await until(() => rows('Revisions').length === 2, 'two revisions');
    expect(rows('Revisions')[0]![2]).toContain('alice changed Summary, What went well, What went wrong');
    expect(rows('Revisions')[1]![2]).toContain('alice started the postmortem');
    expect(text()).toContain('Summary before: (empty)');
  });

  it('status buttons send it for review and publish it; the incident links to it', async () => {
    await see('A draft');
    await click('Send for review');
    await until(() => !!control('Publish') && text().includes('In review'), 'in review');
    await click('Publish');
    await until(() => !text().includes('In review'), 'published');
    expect((await pm()).status).toBe('published');
    await show(`/incidents/${incidentId}`);
    await until(() => !!link('checkout returns 500s'), 'the link to the postmortem');
    expect(link('checkout returns 500s')?.getAttribute('href')).toBe(`/postmortems/${pmId}`);
    expect(control('Write postmortem')).toBeUndefined();
  });

  it('action items: added for any team; only the owner team gets a status control', async () => {
    await show(`/postmortems/${pmId}`);
    await until(() => !!control('Add action item'), 'the action item form');
    await type('What to do', 'Size the pool from load tests');
    await type('Owner team', 'search');
    await type('Due', '2026-05-31');
    await choose('Type', 'detect');
    await click('Add action item');
    await until(() => rows('Action items of the postmortem').length === 1, 'the first item');
    await type('What to do', 'Alert on pool saturation');
    await type('Owner team', 'payments');
    await type('Due', '2026-06-20');
    await click('Add action item');
    await until(() => rows('Action items of the postmortem').length === 2, 'the second item');
    const [searchItem, paymentsItem] = (await pm()).actionItems as { id: number; team: string }[];
    expect([searchItem!.team, paymentsItem!.team]).toEqual(['search', 'payments']);
    // alice is not in search: she sees its status; she changes her own team's
    expect(document.querySelector(`[aria-label="Status of action item #${searchItem!.id}"]`)).toBeNull();
    await clickElement(document.querySelector(`input[aria-label="Status of action item #${paymentsItem!.id}"]`), 'the status of the payments item');
    await until(() => [...document.querySelectorAll('[role="option"]')].some((o) => o.textContent === 'in progress'), 'the status options');
    await clickElement([...document.querySelectorAll('[role="option"]')].find((o) => o.textContent === 'in progress'), 'in progress');
    await see(`Action item #${paymentsItem!.id} is in progress.`);
    expect((await t.req('GET', `/api/v1/action-items/${paymentsItem!.id}`, { as: t.admin })).body.status).toBe('in-progress');
  });

  it('the action items page lists overdue items first, with each team’s completion rate; home and the team page show them', async () => {
    // today is 2026-06-01: due 05-30 is overdue (the search item, due 05-31, too)
    await t.req('POST', '/api/v1/action-items', { as: t.admin, body: { title: 'Runbook for pool exhaustion', team: 'payments', dueDate: '2026-05-30', type: 'process' } });
    await show('/action-items');
    await until(() => rows('Action items').length === 2, 'the payments items');
    expect(rows('Action items').map((r) => r[3])).toEqual([expect.stringContaining('Runbook for pool exhaustion'), expect.stringContaining('Alert on pool saturation')]);
    expect(rows('Action items')[0]![1]).toContain('overdue');
    await see('0 %');
    expect(text()).toContain('1 overdue');
    await show('/action-items?team=search&overdue=1');
    await until(() => rows('Action items').length === 1, 'search’s overdue item');
    expect(rows('Action items')[0]![3]).toContain('Size the pool from load tests');

    await show('/');
    await until(() => rows('Overdue action items of your teams').length === 1, 'the overdue item at home');
    expect(rows('Overdue action items of your teams')[0]![3]).toContain('Runbook for pool exhaustion');

    await show('/teams/payments');
    await until(() => rows('Overdue action items of payments').length === 1, 'the team page’s overdue item');
    expect(document.querySelector('[aria-label="Completion rate of payments"]')?.textContent).toContain('1 overdue');
  });

  it('the postmortems list searches published postmortems and shows recent lessons', async () => {
    await t.req('POST', '/api/v1/postmortems', { as: t.admin, body: { team: 'payments', title: 'A draft about the pool' } });
    await show('/postmortems');
    await until(() => rows('Postmortems').length === 2, 'both postmortems (alice’s team)');
    await see('Lessons from recent postmortems');
    expect(document.querySelector('section[aria-label="Lessons from recent postmortems"]')?.textContent).toContain('What went well: The page alert fired within a minute.');
    await show('/postmortems?q=pool');
    await until(() => rows('Postmortems').length === 1, 'the published one only');
    expect(rows('Postmortems')[0]![1]).toContain('checkout returns 500s');
  });

  it('someone outside the team reads the published postmortem without edit controls, and not the draft', async () => {
    await signInNewUser(t, 'bob');
    await show(`/postmortems/${pmId}`);
    await see('Checkout failed for 20 minutes');
    expect(control('Edit')).toBeUndefined();
    expect(control('Publish')).toBeUndefined();
    expect(control('Add action item')).toBeUndefined();
    // anyone who reads it may comment
    await type('Comment', 'We saw the same in search: pools sized by hand.');
    await click('Add comment');
    await until(() => !!document.querySelector('section[aria-label="Comments"]')?.textContent?.includes('bob,'), 'the comment');
    expect((await pm()).comments.at(-1)).toMatchObject({ author: 'bob', text: 'We saw the same in search: pools sized by hand.' });
    await show('/postmortems');
    await until(() => rows('Postmortems').length === 1, 'the published one');
    const draft = (await t.req('GET', '/api/v1/postmortems?status=draft', { as: t.admin })).body.items[0].id;
    await show(`/postmortems/${draft}`);
    await see('Page not found');
    await clickElement(document.querySelector('a[href="/postmortems"]'), 'a link back');
  });
});
