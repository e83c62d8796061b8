import type { Kysely } from 'kysely';
import { serviceSpecSchema, teamSpecSchema, type TeamSpec } from '../../../shared/resource.schema.ts';
import type { Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions } from '../../platform/permissions.ts';
import type { KindDefinition, WriteContext } from '../resources/kinds.ts';
import { canonicalJson } from '../resources/resources.diff.ts';

const key = (s: string) => s.toLowerCase();

function membersOf(spec: Record<string, unknown> | undefined): TeamSpec['members'] {
  return ((spec?.members as TeamSpec['members'] | undefined) ?? []).map((m) => ({ user: m.user, role: m.role ?? 'member' }));
}

function membershipKey(members: TeamSpec['members']): string {
  return canonicalJson(members.map((m) => [key(m.user), m.role]).sort());
}

/** The Team kind: owns itself; members write its resources, maintainers manage it. */
export function teamKind(deps: { missingUsers(names: string[], ex?: Kysely<Database>): Promise<string[]> }): KindDefinition {
  return {
    kind: 'Team',
    spec: teamSpecSchema,
    selfOwned: true,
    normalize(doc) {
      if (doc.metadata.owner === undefined) doc.metadata.owner = doc.metadata.name;
    },
    authorize(ctx: WriteContext) {
      const { actor, current, next } = ctx;
      const teamKey = key((next ?? current!.document).metadata.name);
      if (!next) {
        if (!permissions.isMaintainer(actor, teamKey)) throw new AppError('NOT_OWNER', `only maintainers of team "${current!.document.metadata.name}" may delete it`);
        return;
      }
      if (!current) {
        // the creator of a team becomes its maintainer
        if (actor.type === 'user' && actor.userKey && !actor.admin) {
          const members = membersOf(next.spec).filter((m) => key(m.user) !== actor.userKey);
          next.spec.members = [{ user: actor.name, role: 'maintainer' }, ...members];
        }
        return;
      }
      const before = membersOf(current.document.spec);
      const after = membersOf(next.spec);
      if (membershipKey(before) !== membershipKey(after) && !permissions.isMaintainer(actor, teamKey)) {
        throw new AppError('NOT_OWNER', `only maintainers of team "${next.metadata.name}" change its membership; open a change request to propose it`);
      }
      // a team that has maintainers keeps at least one, or only admins could manage it again
      if (before.some((m) => m.role === 'maintainer') && !after.some((m) => m.role === 'maintainer') && !actor.admin) {
        throw new AppError('RESOURCE_INVALID', `team "${next.metadata.name}" would be left without a maintainer; list at least one member with role: maintainer (re-applying a file? add yourself to it)`);
      }
    },
    async validate(ctx: WriteContext) {
      const { current, next } = ctx;
      if (next) {
        if (key(next.metadata.owner) !== key(next.metadata.name)) {
          throw new AppError('RESOURCE_INVALID', `a team owns itself: metadata.owner must be "${next.metadata.name}"`);
        }
        const users = membersOf(next.spec).map((m) => m.user);
        const dup = users.find((u, i) => users.findIndex((x) => key(x) === key(u)) !== i);
        if (dup) throw new AppError('RESOURCE_INVALID', `user "${dup}" is listed twice in spec.members`);
        const missing = await deps.missingUsers(users, ctx.trx);
        if (missing.length) throw new AppError('USER_UNKNOWN', `unknown users in spec.members: ${missing.join(', ')}`, { users: missing });
        return;
      }
      const name = current!.document.metadata.name;
      const owned = (await ctx.ownedBy(key(name))).filter((r) => !(r.kind === 'Team' && key(r.name) === key(name)));
      if (owned.length) {
        throw new AppError('TEAM_NOT_EMPTY', `team "${name}" still owns ${owned.length} resource(s); hand them to another team or delete them first`, { owns: owned });
      }
    },
    async afterWrite(ctx: WriteContext) {
      const teamKey = key((ctx.next ?? ctx.current!.document).metadata.name);
      await ctx.trx.deleteFrom('team_members').where('team_key', '=', teamKey).execute();
      const members = ctx.next ? membersOf(ctx.next.spec) : [];
      if (members.length) {
        await ctx.trx.insertInto('team_members').values(members.map((m) => ({ team_key: teamKey, user_key: key(m.user), role: m.role }))).execute();
      }
      // the writer's own membership changes now, so later documents of the same apply see it
      if (ctx.actor.userKey) {
        const mine = members.find((m) => key(m.user) === ctx.actor.userKey);
        if (mine) ctx.actor.teams.set(teamKey, mine.role);
        else ctx.actor.teams.delete(teamKey);
      }
    },
  };
}

/** The Service kind: a deployable thing a team builds and runs. */
export const serviceKind: KindDefinition = { kind: 'Service', spec: serviceSpecSchema };

/** Reads of the memberships table, which the Team kind keeps in step with Team resources. */
export function createMembershipQueries(db: Kysely<Database>) {
  return {
    async membershipsOf(userKey: string) {
      const rows = await db.selectFrom('team_members').select(['team_key', 'role']).where('user_key', '=', userKey).execute();
      return new Map(rows.map((r) => [r.team_key, r.role as 'maintainer' | 'member']));
    },
    /** Pass the transaction when called inside one (SQLite has a single connection). */
    async membersOf(teamKey: string, ex: Kysely<Database> = db) {
      return ex.selectFrom('team_members').select(['user_key', 'role']).where('team_key', '=', teamKey).execute();
    },
  };
}
