// @vitest-environment happy-dom
/** Editing your own display name and email on the account page, in happy-dom against the real API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from '../../../server/test-support.ts';
import { click, control, input, see, show, signInNewUser, startUi, stopUi, text, type, until } from '../../test-support.tsx';

let t: TestContext & { admin: string };

/** The name on the header's account menu. */
const headerName = () => document.querySelector('header [aria-label="Account menu for alice"]')?.textContent;
/** Alice's profile as the server has it (the fetch carries her session). */
const profileOnServer = async () => {
  const { user } = (await (await fetch('/api/v1/me')).json()) as { user: { displayName: string | null; email: string | null } };
  return { displayName: user.displayName, email: user.email };
};
const saveButton = () => control('Save profile') as HTMLButtonElement | undefined;

describe('the profile form', () => {
  beforeAll(async () => {
    t = await startUi();
    await signInNewUser(t, 'alice');
  });
  afterAll(() => stopUi(t));

  it('refuses a malformed email inline, sending nothing', async () => {
    await show('/account');
    await see('Your profile');
    await until(() => headerName() === 'alice', 'the user name in the header');
    expect(saveButton()?.disabled).toBe(true);
    await type('Display name', 'Alice Martin');
    await type('Email', 'alice-at-example');
    await click('Save profile');
    await see('Enter an email address like name@example.com.');
    expect(saveButton()?.disabled).toBe(true);
    expect(await profileOnServer()).toEqual({ displayName: null, email: null });
    expect(headerName()).toBe('alice');
  });

  it('shows the reason on the field when the server refuses an address', async () => {
    await type('Email', 'alice@example.c');
    await click('Save profile');
    await until(() => input('Email').getAttribute('aria-invalid') === 'true', 'the email field marked invalid');
    expect(text()).toMatch(/Invalid email address/i);
    expect(await profileOnServer()).toEqual({ displayName: null, email: null });
  });

  it('saves a valid profile: a notification, the header shows the new name, and a reload keeps it', async () => {
    await type('Email', 'alice@example.test');
    expect(input('Email').getAttribute('aria-invalid')).not.toBe('true');
    await click('Save profile');
    await see('Profile saved');
    await until(() => headerName() === 'Alice Martin', 'the display name in the header');
    expect(await profileOnServer()).toEqual({ displayName: 'Alice Martin', email: 'alice@example.test' });
    expect(saveButton()?.disabled).toBe(true);

    await show('/account');
    await until(() => !!saveButton(), 'the profile form');
    expect([input('Display name').value, input('Email').value]).toEqual(['Alice Martin', 'alice@example.test']);
    expect(headerName()).toBe('Alice Martin');
  });

  it('an emptied display name is removed, and the header goes back to the user name', async () => {
    await type('Display name', '   ');
    await click('Save profile');
    await until(() => headerName() === 'alice', 'the user name in the header');
    expect(await profileOnServer()).toEqual({ displayName: null, email: 'alice@example.test' });
    expect(input('Display name').value).toBe('');
  });
});
