import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changePasswordSchema,
  createTokenSchema,
  createUserSchema,
  loginRequestSchema,
  meSchema,
  tokenViewSchema,
  updateProfileSchema,
  updateUserSchema,
  userViewSchema,
} from '../../../shared/api.schema.ts';
import { SESSION_COOKIE } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { IdentityService } from './identity.service.ts';

/** Settings the identity routes need. */
export interface IdentityRouteOptions {
  identity: IdentityService;
  /** Set the cookie's Secure flag (behind HTTPS). */
  secureCookies: boolean;
  sessionAbsoluteHours: number;
}

/** Sign-in, the caller's own account, users (admins) and API tokens. */
export const identityRoutes: FastifyPluginAsyncZod<IdentityRouteOptions> = async (app, { identity, secureCookies, sessionAbsoluteHours }) => {
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: secureCookies,
    path: '/',
    maxAge: sessionAbsoluteHours * 3600,
  };

  app.post(
    '/api/v1/auth/login',
    {
      config: { csrf: false },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a user name and password; sets the session cookie',
        body: loginRequestSchema,
        response: { 200: z.object({ user: userViewSchema, csrfToken: z.string() }) },
      },
    },
    async (req, reply) => {
      const { sessionId, csrfToken, user } = await identity.login(req.body.username, req.body.password, req.ip);
      void reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions);
      return { user, csrfToken };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'Sign out: ends the session', response: { 204: z.null() } } },
    async (req, reply) => {
      const actor = req.requireActor('read', { allowPasswordChange: true });
      if (req.sessionId) await identity.logout(req.sessionId, actor);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get('/api/v1/me', { schema: { tags: ['auth'], summary: 'Who am I: user, teams, CSRF token', response: { 200: meSchema } } }, async (req) => {
    const actor = req.requireActor('read', { allowPasswordChange: true });
    if (actor.type !== 'user' || !actor.userKey) throw new AppError('FORBIDDEN', 'a service-account token has no user profile');
    const user = await identity.getUser(actor.userKey);
    if (!user) throw new AppError('AUTH_REQUIRED', 'the account no longer exists');
    return {
      user: { ...user, mustChangePassword: actor.mustChangePassword },
      teams: [...actor.teams.entries()].map(([team, role]) => ({ team, role })),
      csrfToken: req.csrfToken,
      via: actor.via,
      scopes: [...actor.scopes],
    };
  });

  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your own display name and email address (null removes one)',
        body: updateProfileSchema,
        response: { 200: z.object({ user: userViewSchema }) },
      },
    },
    async (req) => {
      const actor = req.requireActor('write');
      const user = await identity.updateProfile(actor, req.body);
      return { user: { ...user, mustChangePassword: actor.mustChangePassword } };
    },
  );

  app.post(
    '/api/v1/me/password',
    { schema: { tags: ['auth'], summary: 'Change your own password; signs out your other sessions', body: changePasswordSchema, response: { 204: z.null() } } },
    async (req, reply) => {
      const actor = req.requireActor('write', { allowPasswordChange: true });
      await identity.changePassword(actor, req.body.currentPassword, req.body.newPassword, req.sessionId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: z.object({ q: z.string().max(63).optional(), limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().max(63).optional() }),
        response: { 200: z.object({ items: z.array(userViewSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => identity.listUsers(req.requireActor('read'), req.query),
  );

  app.post(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user (admins); without a password a temporary one is returned once',
        body: createUserSchema,
        response: { 201: z.object({ user: userViewSchema, temporaryPassword: z.string().nullable() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await identity.createUser(req.requireActor('write'), req.body)),
  );

  app.patch(
    '/api/v1/users/:name',
    {
      schema: {
        tags: ['users'],
        summary: 'Change, disable or reset the password of a user (admins)',
        params: z.object({ name: z.string().max(63) }),
        body: updateUserSchema,
        response: { 200: z.object({ user: userViewSchema, temporaryPassword: z.string().nullable() }) },
      },
    },
    async (req) => identity.updateUser(req.requireActor('write'), req.params.name, req.body),
  );

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'List your tokens, a team\'s (maintainers), or all (admins, all=true)',
        querystring: z.object({ team: z.string().max(63).optional(), all: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(tokenViewSchema) }) },
      },
    },
    async (req) => ({ items: await identity.listTokens(req.requireActor('read'), { team: req.query.team, all: req.query.all === 'true' }) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; the secret is in this answer only',
        body: createTokenSchema,
        response: { 201: tokenViewSchema.extend({ token: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await identity.createToken(req.requireActor('write'), req.body)),
  );

  app.delete(
    '/api/v1/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a token', params: z.object({ id: z.string().max(100) }), response: { 204: z.null() } } },
    async (req, reply) => {
      await identity.revokeToken(req.requireActor('write'), req.params.id);
      return reply.status(204).send(null);
    },
  );
};
