import type { Kysely } from 'kysely';
import { isPostgres } from '../db.ts';

/**
 * Incidents: one per service outage (opened by a firing `page` alert or by hand), their timeline
 * (alert events, acknowledgements, notes, status, commander, impact and resolution changes) and
 * the alerts linked to each. started_at and resolved_at give the time to restore.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const serial = pg ? 'bigserial' : 'integer';
  const autoId = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());
  await db.schema
    .createTable('incidents')
    .addColumn('id', serial, autoId)
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('commander', 'text')
    .addColumn('impact', 'text')
    .addColumn('resolution', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_service').on('incidents').columns(['service', 'status']).execute();
  await db.schema.createIndex('incidents_owner').on('incidents').columns(['owner_key', 'status']).execute();

  await db.schema
    .createTable('incident_events')
    .addColumn('id', serial, autoId)
    .addColumn('incident_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('text', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_events_incident').on('incident_events').columns(['incident_id', 'id']).execute();

  await db.schema
    .createTable('incident_alerts')
    .addColumn('incident_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('rule_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('alertname', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_alerts_pk', ['incident_id', 'rule_key', 'fingerprint'])
    .execute();
  await db.schema.createIndex('incident_alerts_alert').on('incident_alerts').columns(['rule_key', 'fingerprint']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['incident_alerts', 'incident_events', 'incidents']) await db.schema.dropTable(t).execute();
}
