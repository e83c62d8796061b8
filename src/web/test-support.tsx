/**
 * Renders the web UI in happy-dom against a real, in-process Ethos API: fetch goes to
 * `app.inject` with a cookie jar, so pages talk to the same routes as in production. Test files
 * using it start with `// @vitest-environment happy-dom`. (Excluded from the UI's own build.)
 */
import { act } from 'react';
import { createRoot, type Root as ReactRoot } from 'react-dom/client';
import { createMemoryRouter } from 'react-router';
import { createTestContext, type TestContext } from '../server/test-support.ts';
import { setCsrfToken } from './app/api.ts';
import { createQueryClient, Root } from './app/root.tsx';
import { buildRoutes } from './app/router.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let context: TestContext | null = null;
const jar = new Map<string, string>();
let root: ReactRoot | null = null;

/** Starts an app on a fresh SQLite database and sends the UI's requests to it. */
export async function startUi(): Promise<TestContext & { admin: string }> {
  const t = await createTestContext('sqlite');
  installFetch(t);
  return t;
}

/** Takes the UI off the page and closes its app. */
export async function stopUi(t: TestContext): Promise<void> {
  unmount();
  await t.close();
}

/** The fetch of the test's process, before the UI's replaced it. */
const realFetch = globalThis.fetch;

/** Sends the UI's requests to `t`'s app, keeping the cookies it sets. */
function installFetch(t: TestContext): void {
  context = t;
  const networkFetch = realFetch;
  globalThis.fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    // the server's own requests (the outbox calling a receiver on loopback) go to the network
    if (url.host !== 'localhost') return networkFetch(input, init);
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await context!.app.inject({ method: (init.method ?? 'GET') as 'GET', url: url.pathname + url.search, headers, ...(init.body ? { payload: String(init.body) } : {}) });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=');
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) jar.delete(name!);
      else jar.set(name!, value);
    }
    return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') } });
  }) as typeof fetch;
}

/**
 * Creates a user as the admin and signs them in, past the new-password step, as the UI would:
 * the session cookie lands in the jar. Returns the password they chose.
 */
export async function signInNewUser(t: TestContext & { admin: string }, name: string): Promise<string> {
  const temporary = 'a temporary password';
  const password = 'correct horse battery staple';
  const created = await t.req('POST', '/api/v1/users', { as: t.admin, body: { name, password: temporary } });
  if (created.status !== 201) throw new Error(`creating ${name}: ${JSON.stringify(created.body)}`);
  const post = async (path: string, body: unknown, csrf?: string) => {
    const res = await fetch(`/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path} for ${name}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : ((await res.json()) as { csrfToken: string });
  };
  jar.clear();
  const first = await post('/auth/login', { username: name, password: temporary });
  await post('/me/password', { currentPassword: temporary, newPassword: password }, first!.csrfToken);
  await post('/auth/login', { username: name, password });
  setCsrfToken(null);
  return password;
}

/** Shows the whole app at `path`, with a fresh query cache (as after a reload). */
export async function show(path: string): Promise<void> {
  unmount();
  document.body.innerHTML = '<div id="root"></div>';
  const router = createMemoryRouter(buildRoutes(), { initialEntries: [path] });
  root = createRoot(document.getElementById('root')!);
  await act(async () => root!.render(<Root router={router as never} queryClient={createQueryClient()} />));
}

/** Takes the app off the page. */
function unmount(): void {
  if (root) act(() => root!.unmount());
  root = null;
}

/** Waits, letting React and the requests run, until `check` holds. */
export async function until(check: () => boolean, what: string, ms = 8000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}; page text: ${text().slice(-1500)}`);
    await act(async () => new Promise((r) => setTimeout(r, 25)));
  }
}

/** What a reader sees: the page's text without the style elements' CSS. */
export function text(): string {
  const copy = document.body.cloneNode(true) as HTMLElement;
  for (const s of copy.querySelectorAll('style')) s.remove();
  return copy.textContent ?? '';
}

/** Waits until the page shows `s`. */
export const see = (s: string) => until(() => text().includes(s), `“${s}”`);

/** The field with this label. */
export function input(label: string): HTMLInputElement | HTMLTextAreaElement {
  const l = [...document.querySelectorAll('label')].find((x) => x.textContent?.replace(/\s*\*$/, '').trim() === label);
  const el = l?.htmlFor ? document.getElementById(l.htmlFor) : null;
  if (!el) throw new Error(`no field labelled ${label}`);
  return el as HTMLInputElement;
}

/** Types into the field with this label. */
export async function type(label: string, value: string): Promise<void> {
  const el = input(label);
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Clicks the confirming button of the open dialog. */
export async function confirm(name: string): Promise<void> {
  await until(() => !!document.querySelector('[role="dialog"]'), 'a dialog');
  const dialog = [...document.querySelectorAll('[role="dialog"]')].at(-1)!;
  const el = [...dialog.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
  if (!el) throw new Error(`no “${name}” in the dialog: ${dialog.textContent}`);
  await act(async () => el.click());
}

/** The button, link or label with this text or accessible name, if the page has one. */
export function control(name: string): HTMLElement | undefined {
  return [...document.querySelectorAll('button, a, label')].find((b) => b.textContent?.trim() === name || b.getAttribute('aria-label') === name) as HTMLElement | undefined;
}

/** Clicks the button, link or label with this text or accessible name. */
export async function click(name: string): Promise<void> {
  const el = control(name);
  if (!el) throw new Error(`no button or link “${name}”; page text: ${text().slice(0, 400)}`);
  await act(async () => el.click());
}

/** The first link whose text is exactly `name`. */
export const link = (name: string) => [...document.querySelectorAll('a')].find((a) => a.textContent === name);

/** Clicks an element found by the test (fails naming `what`, with the page's text, when missing). */
export async function clickElement(el: Element | null | undefined, what: string): Promise<void> {
  if (!el) throw new Error(`no ${what}; page text: ${text().slice(0, 600)}`);
  await act(async () => (el as HTMLElement).click());
}

/** Picks `option` in the Mantine select labelled `label`. */
export async function choose(label: string, option: string): Promise<void> {
  await clickElement(input(label), `select ${label}`);
  await until(() => [...document.querySelectorAll('[role="option"]')].some((o) => o.textContent === option), `the option “${option}”`);
  await clickElement(
    [...document.querySelectorAll('[role="option"]')].find((o) => o.textContent === option),
    option,
  );
}
