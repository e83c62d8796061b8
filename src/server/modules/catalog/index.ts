import type { Kysely } from 'kysely';
import type { Database, Db } from '../../platform/db.ts';
import type { KindRegistry } from '../resources/kinds.ts';
import type { ResourceService } from '../resources/resources.service.ts';
import { createMembershipQueries, serviceKind, teamKind } from './catalog.kinds.ts';

/**
 * The catalog: Team and Service kinds, and team memberships. Other modules ask it who belongs
 * to which team.
 */
export function createCatalog(deps: { db: Db; kinds: KindRegistry; resources: ResourceService; missingUsers(names: string[], ex?: Kysely<Database>): Promise<string[]> }) {
  deps.kinds.register(teamKind({ missingUsers: deps.missingUsers }));
  deps.kinds.register(serviceKind);
  const q = createMembershipQueries(deps.db.kysely);
  return {
    membershipsOf: q.membershipsOf,
    /** User keys and roles of a team's members. */
    membersOf: q.membersOf,
    /** The owning team key of each named live service (by lower-cased name); names not in the catalog are absent. */
    async serviceOwners(names: string[]): Promise<Map<string, string>> {
      const keys = [...new Set(names.map((n) => n.toLowerCase()))];
      if (!keys.length) return new Map();
      const rows = await deps.db.kysely
        .selectFrom('resources')
        .select(['name_key', 'owner_key'])
        .where('kind', '=', 'Service')
        .where('deleted', '=', 0)
        .where('name_key', 'in', keys)
        .execute();
      return new Map(rows.map((r) => [r.name_key, r.owner_key]));
    },
    /** The names of the live services a team owns. */
    async servicesOf(teamKey: string): Promise<string[]> {
      const rows = await deps.db.kysely.selectFrom('resources').select('name').where('kind', '=', 'Service').where('deleted', '=', 0).where('owner_key', '=', teamKey).execute();
      return rows.map((r) => r.name);
    },
    /** A team's display name from its key; null when no such live team. */
    async teamName(teamKey: string): Promise<string | null> {
      const team = await deps.resources.loadStored(deps.db.kysely, 'Team', teamKey);
      return team && !team.deleted ? team.document.metadata.name : null;
    },
  };
}

/** The catalog's public face. */
export type Catalog = ReturnType<typeof createCatalog>;
