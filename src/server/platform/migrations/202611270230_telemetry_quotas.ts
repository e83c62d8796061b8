import type { Kysely } from 'kysely';

/** Teams' telemetry quotas where an admin set them (the defaults apply to the rest). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('telemetry_quotas')
    .addColumn('team_key', 'text', (c) => c.primaryKey())
    .addColumn('active_series', 'integer')
    .addColumn('log_records_per_second', 'integer')
    .addColumn('spans_per_second', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('telemetry_quotas').execute();
}
