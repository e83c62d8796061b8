import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Scope } from '../../shared/api.schema.ts';
import { safeEqual } from './crypto.ts';
import { AppError } from './errors.ts';
import type { Actor } from './permissions.ts';

/** Name of the httpOnly session cookie. */
export const SESSION_COOKIE = 'ethos_session';
/** Header carrying the CSRF token on cookie-authenticated writes. */
export const CSRF_HEADER = 'x-csrf-token';

/** How the auth plugin turns credentials into an actor. */
export interface Authenticator {
  authenticateSession(sessionId: string, ip: string | null): Promise<{ actor: Actor; csrfToken: string } | null>;
  authenticateToken(token: string, ip: string | null): Promise<Actor | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated principal, or null. */
    actor: Actor | null;
    /** The session id from the cookie when the request is cookie-authenticated. */
    sessionId: string | null;
    csrfToken: string | null;
    /**
     * Returns the actor or throws AUTH_REQUIRED / AUTH_SCOPE / AUTH_PASSWORD_CHANGE_REQUIRED.
     * `allowPasswordChange` lets a user who must change their password reach the route.
     */
    requireActor(scope: Scope, opts?: { allowPasswordChange?: boolean }): Actor;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the actor of every request from `Authorization: Bearer` or the session cookie, and
 * enforces CSRF on cookie-authenticated writes. Routes decide what they need via requireActor.
 */
export const authPlugin = fp<{ authenticator: Authenticator }>(async (app: FastifyInstance, { authenticator }) => {
  app.decorateRequest('actor', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('csrfToken', null);
  app.decorateRequest('requireActor', function (this: FastifyRequest, scope: Scope, opts?: { allowPasswordChange?: boolean }) {
    const actor = this.actor;
    if (!actor) throw new AppError('AUTH_REQUIRED', 'sign in, or send "Authorization: Bearer <token>"');
    if (actor.mustChangePassword && !opts?.allowPasswordChange) {
      throw new AppError('AUTH_PASSWORD_CHANGE_REQUIRED', 'change your password first (POST /api/v1/me/password)');
    }
    if (!actor.scopes.has(scope)) throw new AppError('AUTH_SCOPE', `this token lacks the "${scope}" scope`, { required: scope });
    return actor;
  });

  app.addHook('onRequest', async (req) => {
    // routes with their own credential (the /metrics token) skip user authentication
    if ((req.routeOptions.config as { auth?: boolean } | undefined)?.auth === false) return;
    const ip = req.ip ?? null;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const actor = m ? await authenticator.authenticateToken(m[1]!, ip) : null;
      if (!actor) throw new AppError('AUTH_FAILED', 'the bearer token is unknown, revoked or expired');
      req.actor = actor;
      return;
    }
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (!cookie) return;
    const session = await authenticator.authenticateSession(cookie, ip);
    if (!session) return;
    const csrfExempt = (req.routeOptions.config as { csrf?: boolean } | undefined)?.csrf === false;
    if (!SAFE_METHODS.has(req.method) && !csrfExempt) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
        throw new AppError('AUTH_CSRF', `cookie-authenticated writes need the "${CSRF_HEADER}" header from sign-in or GET /api/v1/me`);
      }
    }
    req.actor = session.actor;
    req.sessionId = cookie;
    req.csrfToken = session.csrfToken;
  });
});
