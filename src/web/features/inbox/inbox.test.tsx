// @vitest-environment happy-dom
/** The inbox page and the header's unread badge, in happy-dom against the real API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDoc, teamDoc, type TestContext } from '../../../server/test-support.ts';
import { click, control, see, show, signInNewUser, startUi, stopUi, text, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };
let carol: string;

/** The header's link to the inbox; its name says how many notifications are unread. */
const inboxLinkName = () => document.querySelector('header a[href="/inbox"]')?.getAttribute('aria-label');
/** The notifications as listed: each row's name starts with "Unread: " while it is unread. */
const rows = () => [...document.querySelectorAll('table[aria-label="Notifications"] tr')].map((r) => r.getAttribute('aria-label'));
/** Alice's unread count as the server has it (the fetch carries her session). */
const unreadOnServer = async () => ((await (await fetch('/api/v1/inbox/count')).json()) as { unread: number }).unread;

/** Carol proposes a tier for checkout, which alice's team owns: alice is notified. */
async function propose(tier: string): Promise<number> {
  const cr = await t.req('POST', '/api/v1/change-requests', { as: carol, body: { document: serviceDoc('checkout', 'payments', { tier }), message: `tier ${tier}` } });
  expect(cr.status).toBe(201);
  return cr.body.id as number;
}

describe('the inbox', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments') });
    carol = await t.user('carol');
  });
  afterAll(() => stopUi(t));

  it('is empty before anything happens, and the header shows no count', async () => {
    await show('/inbox');
    await see('No notifications yet');
    expect(inboxLinkName()).toBe('Inbox');
    expect(control('Mark all as read')?.hasAttribute('disabled')).toBe(true);
  });

  it('the header counts unread notifications and leads to the inbox, where each links to its change request', async () => {
    const first = await propose('1');
    const second = await propose('2');
    await show('/');
    await see('Hello, alice');
    await until(() => inboxLinkName() === 'Inbox: 2 unread', 'the unread count in the header');
    expect(document.querySelector('header')?.textContent).toContain('2');

    await click('Inbox: 2 unread');
    await see(`carol proposes to update Service/checkout (#${second})`);
    expect(rows()).toEqual([`Unread: carol proposes to update Service/checkout (#${second})`, `Unread: carol proposes to update Service/checkout (#${first})`]);
    expect(text()).toContain('Change request opened');
    const link = [...document.querySelectorAll('a')].find((a) => a.textContent === `carol proposes to update Service/checkout (#${first})`);
    expect(link?.getAttribute('href')).toBe(`/change-requests/${first}`);

    // opening a notification shows its change request and marks it read
    await click(`carol proposes to update Service/checkout (#${first})`);
    await see(`#${first} tier 1`);
    await until(() => inboxLinkName() === 'Inbox: 1 unread', 'the count to go down');
    expect(await unreadOnServer()).toBe(1);

    // the header asks again when the page changes: a proposal made meanwhile is counted
    await propose('3');
    await click('Home');
    await see('Hello, alice');
    await until(() => inboxLinkName() === 'Inbox: 2 unread', 'the new notification counted');
  });

  it('lists the unread ones alone, and marks one or all read', async () => {
    await show('/inbox?show=unread');
    await until(() => rows().length === 2, 'the two unread notifications');
    const [newest, older] = rows();
    expect(older).toMatch(/^Unread: carol proposes to update Service\/checkout \(#2\)$/);
    await click(`Mark read: ${newest!.replace('Unread: ', '')}`);
    await until(() => rows().length === 1 && inboxLinkName() === 'Inbox: 1 unread', 'one unread left');
    expect(rows()).toEqual([older]);
    expect(await unreadOnServer()).toBe(1);

    await click('Mark all as read');
    await see('You have read everything');
    await until(() => inboxLinkName() === 'Inbox', 'the count to disappear');
    expect(await unreadOnServer()).toBe(0);
    await show('/inbox');
    await until(() => rows().length === 3, 'all three notifications');
    expect(rows().filter((r) => r?.startsWith('Unread: '))).toEqual([]);
  });
});
