import type { Scope } from '../../shared/api.schema.ts';
import { AppError } from './errors.ts';

/** A team role. */
export type TeamRole = 'maintainer' | 'member';

/** Who is making a request, resolved once per request by the auth plugin. */
export interface Actor {
  /** `user` for people (session or personal token); `service-account` for team and ingest tokens. */
  type: 'user' | 'service-account';
  /** The user's name, or `<team>/<token name>` for a service account. */
  name: string;
  /** The user's lower-cased name; null for service accounts. */
  userKey: string | null;
  admin: boolean;
  /** Team key → role. */
  teams: Map<string, TeamRole>;
  scopes: ReadonlySet<Scope>;
  via: 'session' | 'token';
  /** An administrator's organisation-wide ingest token (for a shared Collector): may send for any service. */
  organisationIngest?: boolean;
  /** Token id when authenticated by a token. */
  tokenId: string | null;
  mustChangePassword: boolean;
  ip: string | null;
}

/**
 * The one place that decides reads and writes. Modules call these instead of checking roles
 * themselves, so the rules stay consistent and testable as a matrix.
 */
export const permissions = {
  /** Throws unless the actor's credential carries `scope`. */
  requireScope(actor: Actor, scope: Scope): void {
    if (!actor.scopes.has(scope)) {
      throw new AppError('AUTH_SCOPE', `this token lacks the "${scope}" scope`, { required: scope });
    }
  },
  /** Throws unless the actor is an administrator. */
  requireAdmin(actor: Actor): void {
    if (!actor.admin) throw new AppError('FORBIDDEN', 'only an administrator may do this');
  },
  /** Throws unless the actor is a person (not a service account); returns the user key. */
  requireUser(actor: Actor): string {
    if (actor.type !== 'user' || !actor.userKey) throw new AppError('FORBIDDEN', 'only a user may do this, not a service account');
    return actor.userKey;
  },
  isMember(actor: Actor, teamKey: string): boolean {
    return actor.admin || actor.teams.has(teamKey);
  },
  isMaintainer(actor: Actor, teamKey: string): boolean {
    return actor.admin || actor.teams.get(teamKey) === 'maintainer';
  },
  /** May the actor write directly to a resource owned by `ownerKey`? */
  canWriteOwned(actor: Actor, ownerKey: string): boolean {
    return actor.scopes.has('write') && this.isMember(actor, ownerKey);
  },
  /** May the actor hand a resource from one team to another? */
  canTransfer(actor: Actor, fromKey: string, toKey: string): boolean {
    return actor.scopes.has('write') && this.isMaintainer(actor, fromKey) && this.isMaintainer(actor, toKey);
  },
  /** May the actor open or update change requests? Any signed-in principal with `write`. */
  canPropose(actor: Actor): boolean {
    return actor.scopes.has('write');
  },
  /** May the actor review (approve / request changes) for a resource owned by `ownerKey`? */
  canReview(actor: Actor, ownerKey: string): boolean {
    return actor.type === 'user' && this.canWriteOwned(actor, ownerKey);
  },
  /**
   * May the actor send telemetry for a service owned by `ownerKey` (null: a service not in the
   * catalog, which anyone with `ingest` may report and which then shows as discovered)?
   */
  canIngestFor(actor: Actor, ownerKey: string | null): boolean {
    if (!actor.scopes.has('ingest')) return false;
    return ownerKey === null || !!actor.organisationIngest || this.isMember(actor, ownerKey);
  },
  /**
   * May the actor change the status of a service's exception groups (resolve, ignore, reopen)?
   * Members of its owning team and admins; for a service not in the catalog, admins only.
   */
  canTriageExceptions(actor: Actor, ownerKey: string | null): boolean {
    if (!actor.scopes.has('write') || actor.type !== 'user') return false;
    return ownerKey === null ? actor.admin : this.isMember(actor, ownerKey);
  },
  /** May the actor create, list or revoke a team's tokens? Maintainers and admins. */
  canManageTeamTokens(actor: Actor, teamKey: string): boolean {
    return actor.type === 'user' && actor.scopes.has('write') && this.isMaintainer(actor, teamKey);
  },
};
