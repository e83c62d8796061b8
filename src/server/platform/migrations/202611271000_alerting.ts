import type { Kysely } from 'kysely';
import { isPostgres } from '../db.ts';

/**
 * Alerting's state: each rule's alerts (one per label set), their state changes (the history an
 * incident's timeline and the alerts page read), each rule's last evaluation, and the notification
 * groups' timers. The rules, contact points, policies and silences themselves are resources.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('alert_instances')
    .addColumn('rule_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('active_at', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('last_breach_at', 'text')
    .addColumn('ends_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_at', 'text')
    .addPrimaryKeyConstraint('alert_instances_pk', ['rule_key', 'fingerprint'])
    .execute();
  await db.schema.createIndex('alert_instances_owner').on('alert_instances').columns(['owner_key', 'state']).execute();
  await db.schema.createIndex('alert_instances_service').on('alert_instances').columns(['service', 'state']).execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('rule_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('actor', 'text')
    .execute();
  await db.schema.createIndex('alert_events_rule').on('alert_events').columns(['rule_key', 'at']).execute();
  await db.schema.createIndex('alert_events_service').on('alert_events').columns(['service', 'at']).execute();

  await db.schema
    .createTable('alert_rule_health')
    .addColumn('rule_key', 'text', (c) => c.primaryKey())
    .addColumn('health', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_eval_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_groups')
    .addColumn('group_key', 'text', (c) => c.primaryKey())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_notified_at', 'text')
    .addColumn('last_hash', 'text')
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['alert_groups', 'alert_rule_health', 'alert_events', 'alert_instances']) await db.schema.dropTable(t).execute();
}
