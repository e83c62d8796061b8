import type { Kysely } from 'kysely';
import { isPostgres } from '../db.ts';

/**
 * Alerting's notification outbox: one row per (contact point, notification), delivered
 * at least once, in order within its stream (contact point + alert group).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('contact_owner', 'text', (c) => c.notNull())
    .addColumn('contact_owner_key', 'text', (c) => c.notNull())
    .addColumn('contact_name', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('notification', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('last_attempt_at', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .execute();
  // Claims walk pending rows in id order and stop after one batch, which finds the heads of many
  // streams at once; an index on due_at would tempt the planner into sorting every due row instead.
  await db.schema.createIndex('notification_outbox_state').on('notification_outbox').columns(['state', 'id']).execute();
  // "is an earlier notification of this stream still undelivered?" — asked for every claimed row
  await db.schema.createIndex('notification_outbox_stream').on('notification_outbox').columns(['stream', 'state', 'id']).execute();
  await db.schema.createIndex('notification_outbox_owner').on('notification_outbox').columns(['contact_owner_key', 'state', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_outbox').execute();
}
