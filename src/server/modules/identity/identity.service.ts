import argon2 from 'argon2';
import type { Kysely } from 'kysely';
import type { ProfilePatch, Scope, TokenView, UserView } from '../../../shared/api.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { randomSecret, sha256 } from '../../platform/crypto.ts';
import { isUniqueViolation, type Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor, type TeamRole } from '../../platform/permissions.ts';
import type { AuditService } from '../audit/index.ts';

/** Settings of sign-in and sessions. */
export interface IdentitySettings {
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** Failed sign-ins allowed per user name within `loginWindowMinutes`. */
  loginMaxFailures: number;
  /** Failed sign-ins allowed per client address within the window. */
  loginMaxFailuresPerIp: number;
  loginWindowMinutes: number;
}

export const defaultIdentitySettings: IdentitySettings = {
  sessionIdleMinutes: 8 * 60,
  sessionAbsoluteHours: 7 * 24,
  loginMaxFailures: 10,
  loginMaxFailuresPerIp: 100,
  loginWindowMinutes: 15,
};

/** Who belongs to which team; answered by the catalog, which owns memberships. */
export type MembershipLookup = (userKey: string) => Promise<Map<string, TeamRole>>;

// OWASP's argon2id baseline: 19 MiB, 2 passes. Hashing stays well under 100 ms on a small machine.
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const TOKEN_PREFIX = 'ethos_';

let dummy: Promise<string> | undefined;
/** A hash of a random password with the same parameters, computed once. */
function dummyHash(): Promise<string> {
  dummy ??= argon2.hash(randomSecret(16), ARGON2);
  return dummy;
}
const ALL_SCOPES: Scope[] = ['read', 'write', 'ingest'];
const key = (s: string) => s.toLowerCase();

type UserRow = Database['users'];

function userView(u: UserRow): UserView {
  return {
    name: u.name,
    displayName: u.display_name,
    email: u.email,
    admin: u.is_admin === 1,
    disabled: u.disabled === 1,
    mustChangePassword: u.must_change_password === 1,
    createdAt: u.created_at,
  };
}

/** The columns a change of display name or email sets; a field left out stays as it is. */
function profileColumns(patch: ProfilePatch): Partial<UserRow> {
  const set: Partial<UserRow> = {};
  if (patch.displayName !== undefined) set.display_name = patch.displayName;
  if (patch.email !== undefined) set.email = patch.email;
  return set;
}

function tokenView(t: Database['tokens'], teamName: string | null, userName: string | null): TokenView {
  return {
    id: t.id,
    name: t.name,
    type: t.type as TokenView['type'],
    user: userName,
    team: teamName,
    scopes: t.scopes.split(',') as Scope[],
    createdBy: t.created_by,
    createdAt: t.created_at,
    expiresAt: t.expires_at,
    revokedAt: t.revoked_at,
    lastUsedAt: t.last_used_at,
  };
}

/** Users, sessions and API tokens. */
export function createIdentityService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditService;
  memberships: MembershipLookup;
  teamName: (teamKey: string) => Promise<string | null>;
  settings?: Partial<IdentitySettings>;
}) {
  const { db, clock, audit } = deps;
  const settings = { ...defaultIdentitySettings, ...deps.settings };
  const nowIso = () => clock.now().toISOString();
  const plusMinutes = (m: number) => new Date(clock.now().getTime() + m * 60_000).toISOString();

  async function findUser(name: string) {
    return db.selectFrom('users').selectAll().where('name_key', '=', key(name)).executeTakeFirst();
  }

  async function userActor(u: UserRow, via: 'session' | 'token', scopes: Scope[], tokenId: string | null, ip: string | null): Promise<Actor> {
    return {
      type: 'user',
      name: u.name,
      userKey: u.name_key,
      admin: u.is_admin === 1,
      teams: await deps.memberships(u.name_key),
      scopes: new Set(scopes),
      via,
      tokenId,
      mustChangePassword: u.must_change_password === 1 && via === 'session',
      ip,
    };
  }

  async function createUserRow(input: { name: string; displayName?: string | null; email?: string | null; admin: boolean; password: string; mustChange: boolean }) {
    const now = nowIso();
    try {
      await db
        .insertInto('users')
        .values({
          name_key: key(input.name),
          name: input.name,
          display_name: input.displayName ?? null,
          email: input.email ?? null,
          password_hash: await argon2.hash(input.password, ARGON2),
          is_admin: input.admin ? 1 : 0,
          disabled: 0,
          must_change_password: input.mustChange ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('USER_EXISTS', `a user named "${input.name}" already exists`);
      throw err;
    }
  }

  return {
    /**
     * On first start with no users, creates `admin`. Returns the generated password (to print
     * once), or null when users exist or the password came from the environment.
     */
    async bootstrapAdmin(envPassword: string | undefined): Promise<{ created: boolean; password: string | null }> {
      const any = await db.selectFrom('users').select('name_key').limit(1).executeTakeFirst();
      if (any) return { created: false, password: null };
      const password = envPassword || randomSecret(15);
      try {
        await createUserRow({ name: 'admin', admin: true, password, mustChange: !envPassword });
      } catch (err) {
        if (err instanceof AppError && err.code === 'USER_EXISTS') return { created: false, password: null };
        throw err;
      }
      await audit.record(db, { actor: 'system', action: 'user.create', targetKind: 'User', targetName: 'admin', details: { bootstrap: true } });
      return { created: true, password: envPassword ? null : password };
    },

    /** Checks a password and opens a session. Rate-limited per user name and per address. */
    async login(username: string, password: string, ip: string | null) {
      const since = new Date(clock.now().getTime() - settings.loginWindowMinutes * 60_000).toISOString();
      const failures = await db
        .selectFrom('login_attempts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('username_key', '=', key(username))
        .where('ok', '=', 0)
        .where('at', '>=', since)
        .executeTakeFirstOrThrow();
      const ipFailures = ip
        ? await db.selectFrom('login_attempts').select((eb) => eb.fn.countAll<number>().as('n')).where('ip', '=', ip).where('ok', '=', 0).where('at', '>=', since).executeTakeFirstOrThrow()
        : { n: 0 };
      if (Number(failures.n) >= settings.loginMaxFailures || Number(ipFailures.n) >= settings.loginMaxFailuresPerIp) {
        await audit.record(db, { actor: username, action: 'auth.login.throttled', ip });
        throw new AppError('RATE_LIMITED', `too many failed sign-ins; wait ${settings.loginWindowMinutes} minutes and try again`, undefined, {
          'retry-after': String(settings.loginWindowMinutes * 60),
        });
      }
      const u = await findUser(username);
      // verify against a stand-in hash when there is no such user, so timing does not reveal which names exist
      const verified = await argon2.verify(u?.password_hash ?? (await dummyHash()), password);
      const ok = !!u && !!u.password_hash && u.disabled === 0 && verified;
      await db.insertInto('login_attempts').values({ username_key: key(username), ip, at: nowIso(), ok: ok ? 1 : 0 }).execute();
      if (!ok || !u) {
        await audit.record(db, { actor: username, action: 'auth.login.failed', ip });
        throw new AppError('AUTH_FAILED', 'wrong user name or password, or the account is disabled');
      }
      const sessionId = randomSecret(32);
      const csrf = randomSecret(24);
      await db
        .insertInto('sessions')
        .values({
          id_hash: sha256(sessionId),
          user_key: u.name_key,
          csrf_token: csrf,
          created_at: nowIso(),
          last_seen_at: nowIso(),
          expires_at: plusMinutes(settings.sessionAbsoluteHours * 60),
          ip,
        })
        .execute();
      await audit.record(db, { actor: u.name, action: 'auth.login', ip });
      return { sessionId, csrfToken: csrf, user: userView(u) };
    },

    async logout(sessionId: string, actor: Actor): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', sha256(sessionId)).execute();
      await audit.record(db, { actor: actor.name, action: 'auth.logout', ip: actor.ip });
    },

    /** Resolves a session cookie; null when unknown, expired or the user is disabled. */
    async authenticateSession(sessionId: string, ip: string | null): Promise<{ actor: Actor; csrfToken: string } | null> {
      const s = await db.selectFrom('sessions').selectAll().where('id_hash', '=', sha256(sessionId)).executeTakeFirst();
      if (!s) return null;
      const now = clock.now().getTime();
      const idleLimit = new Date(s.last_seen_at).getTime() + settings.sessionIdleMinutes * 60_000;
      if (now >= idleLimit || now >= new Date(s.expires_at).getTime()) {
        await db.deleteFrom('sessions').where('id_hash', '=', s.id_hash).execute();
        return null;
      }
      const u = await findUser(s.user_key);
      if (!u || u.disabled) return null;
      // refresh the idle timer at most once a minute to spare the database
      if (now - new Date(s.last_seen_at).getTime() > 60_000) {
        await db.updateTable('sessions').set({ last_seen_at: nowIso() }).where('id_hash', '=', s.id_hash).execute();
      }
      return { actor: await userActor(u, 'session', ['read', 'write'], null, ip), csrfToken: s.csrf_token };
    },

    /** Resolves a bearer token; null when unknown, revoked, expired or its user is disabled. */
    async authenticateToken(token: string, ip: string | null): Promise<Actor | null> {
      if (!token.startsWith(TOKEN_PREFIX)) return null;
      const t = await db.selectFrom('tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
      if (!t || t.revoked_at) return null;
      if (t.expires_at && clock.now().getTime() >= new Date(t.expires_at).getTime()) return null;
      const scopes = t.scopes.split(',') as Scope[];
      const touch = !t.last_used_at || clock.now().getTime() - new Date(t.last_used_at).getTime() > 60_000;
      if (touch) await db.updateTable('tokens').set({ last_used_at: nowIso() }).where('id', '=', t.id).execute();
      if (t.type === 'personal') {
        const u = t.user_key ? await findUser(t.user_key) : undefined;
        if (!u || u.disabled) return null;
        return userActor(u, 'token', scopes, t.id, ip);
      }
      const teamName = t.team_key ? ((await deps.teamName(t.team_key)) ?? t.team_key) : null;
      return {
        type: 'service-account',
        name: t.type === 'team' ? `${teamName}/${t.name}` : `ingest/${t.name}`,
        userKey: null,
        admin: false,
        teams: t.type === 'team' && t.team_key ? new Map([[t.team_key, 'member' as const]]) : new Map(),
        scopes: new Set(scopes),
        organisationIngest: t.type === 'ingest',
        via: 'token',
        tokenId: t.id,
        mustChangePassword: false,
        ip,
      };
    },

    async getUser(name: string): Promise<UserView | null> {
      const u = await findUser(name);
      return u ? userView(u) : null;
    },

    /** Names from `names` that are not users. */
    async missingUsers(names: string[], ex: Kysely<Database> = db): Promise<string[]> {
      if (!names.length) return [];
      const rows = await ex.selectFrom('users').select('name_key').where('name_key', 'in', names.map(key)).execute();
      const found = new Set(rows.map((r) => r.name_key));
      return names.filter((n) => !found.has(key(n)));
    },

    /** Names and display names of enabled users: the people a postmortem's blameless check flags by name. */
    async personNames(): Promise<string[]> {
      const rows = await db.selectFrom('users').select(['name', 'display_name']).where('disabled', '=', 0).execute();
      return rows.flatMap((r) => (r.display_name ? [r.name, r.display_name] : [r.name]));
    },

    /** Each user's email address (users without one, or disabled, are left out), in one query. */
    async emailAddresses(userKeys: string[]): Promise<Map<string, string>> {
      if (!userKeys.length) return new Map();
      const rows = await db.selectFrom('users').select(['name_key', 'email']).where('name_key', 'in', userKeys).where('disabled', '=', 0).execute();
      return new Map(rows.filter((r) => !!r.email).map((r) => [r.name_key, r.email!]));
    },

    /** Email addresses of users, for notifications. */
    async emailsOf(userKeys: string[], ex: Kysely<Database> = db): Promise<string[]> {
      if (!userKeys.length) return [];
      const rows = await ex.selectFrom('users').select('email').where('name_key', 'in', userKeys).where('disabled', '=', 0).execute();
      return rows.map((r) => r.email).filter((e): e is string => !!e);
    },

    async listUsers(actor: Actor, q: { q?: string; limit: number; cursor?: string }) {
      permissions.requireScope(actor, 'read');
      let query = db.selectFrom('users').selectAll().orderBy('name_key').limit(q.limit + 1);
      if (q.q) query = query.where('name_key', 'like', `%${key(q.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      if (q.cursor) query = query.where('name_key', '>', q.cursor);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      // email addresses are for admins and their owners only
      const shown = page.map((u) => (actor.admin || u.name_key === actor.userKey ? userView(u) : { ...userView(u), email: null }));
      return { items: shown, nextCursor: rows.length > q.limit ? (page[page.length - 1]?.name_key ?? null) : null };
    },

    /** Admins create users; without a password a temporary one is generated and returned once. */
    async createUser(actor: Actor, input: { name: string; displayName?: string; email?: string; admin: boolean; password?: string }) {
      permissions.requireScope(actor, 'write');
      permissions.requireAdmin(actor);
      const password = input.password ?? randomSecret(15);
      await createUserRow({ ...input, password, mustChange: true });
      await audit.record(db, { actor: actor.name, action: 'user.create', targetKind: 'User', targetName: input.name, ip: actor.ip, details: { admin: input.admin } });
      return { user: userView((await findUser(input.name))!), temporaryPassword: input.password ? null : password };
    },

    /** Admins change a user: details, admin flag, disable, or reset the password. */
    async updateUser(actor: Actor, name: string, patch: { displayName?: string | null; email?: string | null; admin?: boolean; disabled?: boolean; resetPassword?: boolean }) {
      permissions.requireScope(actor, 'write');
      permissions.requireAdmin(actor);
      const u = await findUser(name);
      if (!u) throw new AppError('USER_NOT_FOUND', `no user named "${name}"`);
      if (u.name_key === actor.userKey && (patch.disabled === true || patch.admin === false)) {
        throw new AppError('FORBIDDEN', 'you cannot disable yourself or drop your own admin rights; ask another admin');
      }
      let temporaryPassword: string | null = null;
      const set: Partial<UserRow> = { updated_at: nowIso(), ...profileColumns(patch) };
      if (patch.admin !== undefined) set.is_admin = patch.admin ? 1 : 0;
      if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
      if (patch.resetPassword) {
        temporaryPassword = randomSecret(15);
        set.password_hash = await argon2.hash(temporaryPassword, ARGON2);
        set.must_change_password = 1;
      }
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set(set).where('name_key', '=', u.name_key).execute();
        if (patch.disabled || patch.resetPassword) await trx.deleteFrom('sessions').where('user_key', '=', u.name_key).execute();
        const { resetPassword: _r, ...shown } = patch;
        await audit.record(trx, {
          actor: actor.name,
          action: patch.resetPassword ? 'user.reset_password' : patch.disabled ? 'user.disable' : 'user.update',
          targetKind: 'User',
          targetName: u.name,
          ip: actor.ip,
          details: shown,
        });
      });
      return { user: userView((await findUser(name))!), temporaryPassword };
    },

    /**
     * A user changes their own display name and email address.
     * @remarks Only ever the caller's own row: the user comes from the credential, never from the request.
     */
    async updateProfile(actor: Actor, patch: ProfilePatch): Promise<UserView> {
      permissions.requireScope(actor, 'write');
      const userKey = permissions.requireUser(actor);
      const u = await findUser(userKey);
      if (!u) throw new AppError('AUTH_REQUIRED', 'the account no longer exists');
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ updated_at: nowIso(), ...profileColumns(patch) }).where('name_key', '=', userKey).execute();
        await audit.record(trx, { actor: actor.name, action: 'user.update', targetKind: 'User', targetName: u.name, ip: actor.ip, details: patch });
      });
      return userView((await findUser(userKey))!);
    },

    /** A user changes their own password; other sessions are signed out. */
    async changePassword(actor: Actor, currentPassword: string, newPassword: string, keepSessionId: string | null): Promise<void> {
      const u = await findUser(permissions.requireUser(actor));
      if (!u?.password_hash || !(await argon2.verify(u.password_hash, currentPassword))) {
        throw new AppError('PASSWORD_INVALID', 'the current password is wrong');
      }
      if (currentPassword === newPassword) throw new AppError('PASSWORD_INVALID', 'choose a password different from the current one');
      if (newPassword.toLowerCase().includes(u.name_key)) throw new AppError('PASSWORD_INVALID', 'the password must not contain your user name');
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: await argon2.hash(newPassword, ARGON2), must_change_password: 0, updated_at: nowIso() }).where('name_key', '=', u.name_key).execute();
        let del = trx.deleteFrom('sessions').where('user_key', '=', u.name_key);
        if (keepSessionId) del = del.where('id_hash', '!=', sha256(keepSessionId));
        await del.execute();
        await audit.record(trx, { actor: actor.name, action: 'user.change_password', targetKind: 'User', targetName: u.name, ip: actor.ip });
      });
    },

    /** Creates a token; the secret is in the answer once and stored only as its SHA-256. */
    async createToken(actor: Actor, input: { name: string; type: 'personal' | 'team' | 'ingest'; team?: string; scopes: Scope[]; expiresAt?: string }) {
      permissions.requireScope(actor, 'write');
      const userKey = permissions.requireUser(actor);
      const scopes = [...new Set(input.scopes)].filter((s) => ALL_SCOPES.includes(s)).sort();
      let teamKey: string | null = null;
      if (input.type === 'team') {
        if (!input.team) throw new AppError('VALIDATION_FAILED', 'a team token needs "team"');
        teamKey = key(input.team);
        if (!(await deps.teamName(teamKey))) throw new AppError('RESOURCE_OWNER_UNKNOWN', `team "${input.team}" does not exist`);
        if (!permissions.canManageTeamTokens(actor, teamKey)) throw new AppError('FORBIDDEN', `only maintainers of team "${input.team}" (or admins) create its tokens`);
      } else if (input.type === 'ingest') {
        permissions.requireAdmin(actor);
        if (scopes.some((s) => s !== 'ingest')) throw new AppError('VALIDATION_FAILED', 'an organisation-wide ingest token carries only the "ingest" scope');
      }
      if (input.expiresAt && new Date(input.expiresAt).getTime() <= clock.now().getTime()) {
        throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future');
      }
      const secret = `${TOKEN_PREFIX}${randomSecret(32)}`;
      const row: Database['tokens'] = {
        id: `tok_${randomSecret(9)}`,
        token_hash: sha256(secret),
        name: input.name,
        type: input.type,
        user_key: input.type === 'personal' ? userKey : null,
        team_key: teamKey,
        scopes: scopes.join(','),
        created_by: actor.name,
        created_at: nowIso(),
        expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
        revoked_at: null,
        last_used_at: null,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('tokens').values(row).execute();
        await audit.record(trx, { actor: actor.name, action: 'token.create', targetKind: 'Token', targetName: row.id, ip: actor.ip, details: { name: row.name, type: row.type, team: input.team ?? null, scopes } });
      });
      return { token: secret, ...tokenView(row, input.team ?? null, input.type === 'personal' ? actor.name : null) };
    },

    /** Tokens the actor may see: their own, their maintained teams', and all for admins. */
    async listTokens(actor: Actor, filter: { team?: string; all?: boolean }) {
      permissions.requireScope(actor, 'read');
      permissions.requireUser(actor);
      let q = db.selectFrom('tokens').selectAll().orderBy('created_at', 'desc');
      if (filter.team) {
        const tk = key(filter.team);
        if (!permissions.canManageTeamTokens(actor, tk) && !actor.admin) throw new AppError('FORBIDDEN', `only maintainers of team "${filter.team}" see its tokens`);
        q = q.where('team_key', '=', tk);
      } else if (!(filter.all && actor.admin)) {
        q = q.where('user_key', '=', actor.userKey).where('type', '=', 'personal');
      }
      const rows = await q.limit(1000).execute();
      const users = new Map<string, string>();
      for (const r of rows) if (r.user_key && !users.has(r.user_key)) users.set(r.user_key, (await findUser(r.user_key))?.name ?? r.user_key);
      const teams = new Map<string, string>();
      for (const r of rows) if (r.team_key && !teams.has(r.team_key)) teams.set(r.team_key, (await deps.teamName(r.team_key)) ?? r.team_key);
      return rows.map((r) => tokenView(r, r.team_key ? teams.get(r.team_key)! : null, r.user_key ? users.get(r.user_key)! : null));
    },

    /** Revokes a token: its owner, a maintainer of its team, or an admin. */
    async revokeToken(actor: Actor, id: string): Promise<void> {
      permissions.requireScope(actor, 'write');
      permissions.requireUser(actor);
      const t = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
      const allowed =
        !!t && (actor.admin || (t.type === 'personal' && t.user_key === actor.userKey) || (t.type === 'team' && !!t.team_key && permissions.canManageTeamTokens(actor, t.team_key)));
      if (!t || !allowed) throw new AppError('TOKEN_NOT_FOUND', `no token "${id}" that you may revoke`);
      if (t.revoked_at) return;
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('tokens').set({ revoked_at: nowIso() }).where('id', '=', id).execute();
        await audit.record(trx, { actor: actor.name, action: 'token.revoke', targetKind: 'Token', targetName: id, ip: actor.ip, details: { name: t.name, type: t.type } });
      });
    },
  };
}

/** The identity service's public face. */
export type IdentityService = ReturnType<typeof createIdentityService>;
