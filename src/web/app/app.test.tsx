// @vitest-environment happy-dom
/**
 * Renders the whole web UI in happy-dom against a real, in-process Ethos API (../test-support.tsx:
 * fetch goes to app.inject with a cookie jar), to catch pages that fail to render or to talk to the API.
 * The browser tests in test/e2e drive the built UI in Chromium; this one needs no browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ADMIN_PASSWORD, serviceDoc, teamDoc, type TestContext } from '../../server/test-support.ts';
import { click, confirm, input, see, show, startUi, stopUi, text, type, until } from '../test-support.tsx';
import { setCsrfToken } from './api.ts';

let t: TestContext & { admin: string };

describe('the web UI against the API', () => {
  beforeAll(async () => {
    t = await startUi();
    // a kind with a secret field, as later capabilities register them
    t.app.services.kinds.register({ kind: 'Webhook', spec: z.object({ url: z.string(), token: z.string().optional() }).strict(), secretFields: ['token'] });
    await t.req('POST', '/api/v1/users', { as: t.admin, body: { name: 'alice', password: 'alice-first-password' } });
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: t.admin, body: teamDoc('search', [{ user: 'admin', role: 'maintainer' }]) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments', { tier: '1', runbook: 'https://wiki.example.com/checkout' }, { labels: { env: 'prod' } }) });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments', { tier: '2', runbook: 'https://wiki.example.com/checkout' }, { labels: { env: 'prod' } }) });
    await t.req('PUT', '/api/v1/resources/Service/finder', { as: t.admin, body: serviceDoc('finder', 'search') });
  });
  afterAll(() => stopUi(t));

  it('sends a visitor to sign-in, and a new user to choose a password before anything else', async () => {
    await show('/services');
    await see('Sign in to Ethos');
    await type('User name', 'alice');
    await type('Password', 'wrong-password-here');
    await click('Sign in');
    await see('Wrong user name or password');
    await type('Password', 'alice-first-password');
    await click('Sign in');
    await see('Choose a new password');
    await type('Current password', 'alice-first-password');
    await type('New password', 'a brand new passphrase');
    await type('Repeat the new password', 'a brand new passphrase');
    await click('Set new password');
    await see('Hello, alice');
    await see('Services of your teams');
    await until(() => text().includes('checkout'), 'checkout on the home page');
  });

  it('lists, searches and opens services; the service page shows owner, links and history', async () => {
    await show('/services');
    await see('finder');
    expect(text()).toContain('checkout');
    await show('/services?q=check');
    await until(() => text().includes('checkout') && !text().includes('finder'), 'the search result');
    await show('/services/checkout');
    await see('Owned by');
    expect(text()).toContain('https://wiki.example.com/checkout');
    expect(text()).toContain('env=prod');
    await show('/services/checkout/history');
    await see('Revision 1 → revision 2');
    await see('Roll back to this');
    await until(() => /removed: +tier: "1"/.test(text()) && /added: +tier: "2"/.test(text()), 'the side-by-side diff of the tier');
  });

  it('proposes a change to a service of another team, and shows the change request with its diff', async () => {
    await show('/resources/Service/finder/edit');
    await see('Propose a change to Service/finder');
    await type('Tier', '3');
    await type('Why this change?', 'finder is tier 3');
    await click('Propose change');
    await see('#1 finder is tier 3');
    await see('Proposed change');
    await see('No reviews yet');
    await until(() => /added: +tier: "3"/.test(text()), 'the proposed tier in the diff');
    const cr = await t.req('GET', '/api/v1/change-requests/1', { as: t.admin });
    expect(cr.body.document.spec.tier).toBe('3');
  });

  it('an owner edits directly with If-Match and sees the new revision', async () => {
    await show('/resources/Service/checkout/edit');
    await see('Edit Service/checkout');
    await type('Title', 'Checkout API');
    await click('Save');
    await see('Checkout API (checkout)');
    const svc = await t.req('GET', '/api/v1/resources/Service/checkout', { as: t.admin });
    expect(svc.body.metadata.revision).toBe(3);
  });

  it('creates a token and shows its secret once; teams and the account page render', async () => {
    await show('/account/tokens');
    await see('No tokens yet');
    await click('New token');
    await type('Name', 'laptop');
    await confirm('Create token');
    await see('shown only now');
    expect(document.querySelector('[data-testid="secret-value"]')?.textContent).toMatch(/^ethos_/);
    await show('/teams/payments');
    await see('You are a maintainer of this team.');
    await show('/account');
    await see('Your profile');
  });

  it('an owner approves and merges a change request from the inbox', async () => {
    const opened = await t.req('POST', '/api/v1/change-requests', { as: t.admin, body: { message: 'checkout goes tier 5', document: serviceDoc('checkout', 'payments', { tier: '5' }) } });
    expect(opened.status).toBe(201);
    await show('/change-requests');
    await see(`#${opened.body.id} checkout goes tier 5`);
    await show(`/change-requests/${opened.body.id}`);
    await see('No approval yet from a member of payments');
    await type('Your review', 'Looks right.');
    await click('Approve');
    await see('ready to merge');
    expect(text()).toContain('Looks right.');
    await click('Merge');
    await see('Merged by alice');
    expect((await t.req('GET', '/api/v1/resources/Service/checkout', { as: t.admin })).body.spec.tier).toBe('5');
  });

  it('a stale change request shows what others changed and what it changes', async () => {
    const opened = await t.req('POST', '/api/v1/change-requests', { as: t.admin, body: { message: 'add a runbook', document: serviceDoc('checkout', 'payments', { tier: '5', runbook: 'https://runbooks.example.com/checkout' }) } });
    await t.req('PUT', '/api/v1/resources/Service/checkout', { as: t.admin, body: serviceDoc('checkout', 'payments', { tier: '6' }) });
    await show(`/change-requests/${opened.body.id}`);
    await see('Conflict: the Service changed after this request was written');
    await see('What others changed');
    await until(() => /added: +tier: "6"/.test(text()) && /added: +runbook: https:\/\/runbooks.example.com\/checkout/.test(text()), 'both sides of the conflict');
  });

  it('creates a team and becomes its maintainer', async () => {
    await show('/teams/new');
    await see('Create a team');
    await type('Name', 'growth');
    await click('Add member');
    await type('User', 'adm');
    await see('admin');
    await type('User', 'admin');
    await click('Create');
    await see('You are a maintainer of this team.');
    expect((await t.req('GET', '/api/v1/resources/Team/growth', { as: t.admin })).body.spec.members).toEqual([
      { user: 'alice', role: 'maintainer' },
      { user: 'admin', role: 'member' },
    ]);
  });

  it('edits a document as YAML', async () => {
    await show('/resources/Service/checkout/edit');
    await see('Edit Service/checkout');
    await click('YAML');
    await until(() => !!document.querySelector('.cm-content') && text().includes('apiVersion: ethos/v1'), 'the YAML editor');
  });

  it('generates the form of any kind; a secret field is write-only and kept when left empty', async () => {
    await show('/resources/Webhook/new');
    await see('New Webhook');
    await type('Name', 'hook');
    await type('Owner team', 'payments');
    await type('Url', 'https://hooks.example.com/a');
    expect(input('Token').getAttribute('type')).toBe('password');
    await type('Token', 'very-secret-value');
    await click('Create');
    await see('History of Webhook/hook');
    expect(text()).not.toContain('very-secret-value');
    const stored = await t.req('GET', '/api/v1/resources/Webhook/hook', { as: t.admin });
    expect(stored.body.spec).toEqual({ url: 'https://hooks.example.com/a', token: '<secret:set>' });
    await show('/resources/Webhook/hook/edit');
    await see('A value is stored (never shown)');
    expect((input('Token') as HTMLInputElement).value).toBe('');
    await type('Url', 'https://hooks.example.com/b');
    await click('Save');
    await see('History of Webhook/hook');
    const revs = await t.req('GET', '/api/v1/resources/Webhook/hook/revisions', { as: t.admin });
    expect(revs.body.items.map((r: { secretsChanged: string[] }) => r.secretsChanged)).toEqual([[], ['token']]);
  });

  it('shows the server’s validation messages on the fields', async () => {
    await show('/resources/Webhook/hook/edit');
    await see('Edit Webhook/hook');
    await type('Title', 'x'.repeat(201));
    await click('Save');
    await see('Not saved');
    await see('metadata.title');
  });

  it('rolls back to an earlier revision from the history', async () => {
    await show('/resources/Webhook/hook/history');
    await see('Roll back to this');
    await click('Roll back to revision 1');
    await see('Roll back to revision 1?');
    await confirm('Roll back');
    await see('Rolled back');
    const now = await t.req('GET', '/api/v1/resources/Webhook/hook', { as: t.admin });
    expect(now.body.spec.url).toBe('https://hooks.example.com/a');
    expect(now.body.metadata.revision).toBe(3);
  });

  it('deletes a resource, whose history stays', async () => {
    await show('/resources/Webhook/hook/edit');
    await see('Edit Webhook/hook');
    await click('Delete webhook');
    await confirm('Delete');
    await see('History of Webhook/hook');
    await see('deleted');
    expect((await t.req('GET', '/api/v1/resources/Webhook/hook', { as: t.admin })).body.error.code).toBe('RESOURCE_NOT_FOUND');
  });

  it('revokes a token', async () => {
    await show('/account/tokens');
    await see('laptop');
    await click('Revoke token laptop');
    await confirm('Revoke');
    await see('revoked');
  });

  it('signs out, and a 401 afterwards lands on sign-in', async () => {
    await show('/');
    await see('Hello, alice');
    await click('Account menu for alice');
    await click('Sign out');
    await see('Sign in to Ethos');
    setCsrfToken(null);
    await show('/change-requests');
    await see('Sign in to Ethos');
  });

  it('an admin creates a user (temporary password shown once) and reads the audit log', async () => {
    await show('/sign-in');
    await see('Sign in to Ethos');
    await type('User name', 'admin');
    await type('Password', ADMIN_PASSWORD);
    await click('Sign in');
    await see('Hello, admin');
    expect(text()).toContain('Administration');
    await show('/admin/users');
    await see('alice');
    await click('New user');
    await type('User name', 'bob');
    await confirm('Create user');
    await see('Temporary password of bob');
    await show('/admin/audit?action=user.create');
    await see('user.create');
    expect(text()).not.toContain('auth.login.failed');
    await show('/admin/tokens');
    await see('laptop');
    await show('/admin/users');
    await see('bob');
    await click('Disable bob');
    await confirm('Disable');
    await until(() => text().includes('disabled') && text().includes('Enable'), 'bob disabled');
    expect((await t.req('GET', '/api/v1/users?q=bob', { as: t.admin })).body.items[0].disabled).toBe(true);
  });
});
