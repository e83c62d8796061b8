import type { Kysely } from 'kysely';

/** Services that sent telemetry before anyone registered them in the catalog. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('discovered_services')
    .addColumn('name_key', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('team_key', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('discovered_services').execute();
}
