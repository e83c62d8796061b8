import { z } from 'zod';
import { userViewSchema } from '../shared/api.schema.ts';
import { ApiError, apiPath, createApiClient, type ApiClient } from './api-client.ts';

const loginAnswerSchema = z.object({ user: userViewSchema, csrfToken: z.string() });
const temporaryPasswordSchema = z.object({ temporaryPassword: z.string().nullable() });

/** A signed-in session: a client that sends its cookie and CSRF token, and how to end it. */
export interface Session {
  api: ApiClient;
  /** The account still has to choose its own password: the API refuses everything else. */
  mustChangePassword: boolean;
  signOut(): Promise<void>;
}

/** Signs in with a user name and password, as the web UI does. Throws ApiError (AUTH_FAILED …). */
export async function signIn(url: string, username: string, password: string): Promise<Session> {
  const anonymous = createApiClient({ url });
  const login = await anonymous.requestRaw('POST', '/api/v1/auth/login', { body: { username, password } });
  const { user, csrfToken } = loginAnswerSchema.parse(login.body);
  const headers = { cookie: login.headers.getSetCookie().map((c) => c.split(';', 1)[0]!).join('; '), 'x-csrf-token': csrfToken };
  const api: ApiClient = {
    url: anonymous.url,
    request: (method, path, opts = {}) => anonymous.request(method, path, { ...opts, headers: { ...headers, ...opts.headers } }),
    requestRaw: (method, path, opts = {}) => anonymous.requestRaw(method, path, { ...opts, headers: { ...headers, ...opts.headers } }),
  };
  return {
    api,
    mustChangePassword: user.mustChangePassword,
    async signOut() {
      await api.requestRaw('POST', '/api/v1/auth/logout');
    },
  };
}

/** The demo's people acting as themselves, for what only they may do (their own survey codes). */
export interface DemoPeople {
  /** The address of Ethos. */
  readonly url: string;
  /** Creates the user with a one-time password that `as` replaces by the demo password; false when the user exists. */
  create(user: { name: string; displayName: string }): Promise<boolean>;
  /** A session of `user`, signed in once per seeding; its password becomes the demo password, not to be changed. */
  as(user: string): Promise<ApiClient>;
  /** Signs everyone out. */
  signOut(): Promise<void>;
}

/**
 * Signs demo people in through the API, as each of them would. A person created by an admin must
 * choose a password before the API answers them, so the first sign-in sets the demo password and
 * the person is left as someone who has signed in before.
 * @param admin a client of an administrator (creates the people, resets a forgotten password).
 */
export function demoPeople(admin: ApiClient, password: string): DemoPeople {
  const temporary = new Map<string, string>();
  const sessions = new Map<string, Promise<Session>>();

  async function firstSignIn(user: string, oneTime: string): Promise<Session> {
    const s = await signIn(admin.url, user, oneTime);
    await s.api.request('POST', '/api/v1/me/password', { body: { currentPassword: oneTime, newPassword: password } });
    return s;
  }

  async function open(user: string): Promise<Session> {
    const oneTime = temporary.get(user);
    if (oneTime) return firstSignIn(user, oneTime);
    try {
      const s = await signIn(admin.url, user, password);
      if (!s.mustChangePassword) return s;
      await s.signOut();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'AUTH_FAILED')) throw err;
    }
    // an earlier run stopped before this person chose the demo password: start them again
    const reset = await admin.request('PATCH', apiPath('/api/v1/users', user), { body: { resetPassword: true }, schema: temporaryPasswordSchema });
    return firstSignIn(user, reset.temporaryPassword!);
  }

  return {
    url: admin.url,
    async create(user) {
      try {
        const created = await admin.request('POST', '/api/v1/users', { body: { name: user.name, displayName: user.displayName, email: `${user.name}@example.com`, admin: false }, schema: temporaryPasswordSchema });
        temporary.set(user.name, created.temporaryPassword!);
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.code === 'USER_EXISTS') return false;
        throw err;
      }
    },
    as(user) {
      let s = sessions.get(user);
      if (!s) {
        s = open(user);
        sessions.set(user, s);
        s.catch(() => sessions.delete(user));
      }
      return s.then((x) => x.api);
    },
    async signOut() {
      const all = [...sessions.values()];
      sessions.clear();
      // best effort: a session that stays open expires on its own
      for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.signOut().catch(() => undefined);
    },
  };
}
