import type { Kysely } from 'kysely';

/**
 * On-call escalation: one row per (schedule, alert firing, level) that was told, so a level is
 * told once even across restarts and replicas.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oncall_escalations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_key', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('rule_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('notified', 'text', (c) => c.notNull())
    .addColumn('escalated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oncall_escalations_at').on('oncall_escalations').column('escalated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oncall_escalations').execute();
}
