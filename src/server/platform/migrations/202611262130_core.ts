import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../db.ts';

/** Core tables: identity, resources and revisions, change requests, inbox, outbox, audit. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const serial = pg ? 'bigserial' : 'integer';
  const autoId = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('users')
    .addColumn('name_key', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('email', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_key').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text')
    .addColumn('team_key', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('login_attempts')
    .addColumn('id', serial, autoId)
    .addColumn('username_key', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_attempts_user').on('login_attempts').columns(['username_key', 'at']).execute();
  await db.schema.createIndex('login_attempts_ip').on('login_attempts').columns(['ip', 'at']).execute();

  await db.schema
    .createTable('resources')
    .addColumn('id', serial, autoId)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('resources_kind_name', ['kind', 'name_key'])
    .execute();
  await db.schema.createIndex('resources_kind_list').on('resources').columns(['kind', 'deleted', 'name_key']).execute();
  await db.schema.createIndex('resources_owner').on('resources').columns(['owner_key', 'kind', 'deleted', 'name_key']).execute();

  // keyed by name so a label selector walks its index in list order and stops after one page
  await db.schema
    .createTable('resource_labels')
    .addColumn('resource_id', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('resource_labels_pk', ['kind', 'key', 'value', 'name_key'])
    .execute();
  await db.schema.createIndex('resource_labels_resource').on('resource_labels').column('resource_id').execute();

  if (pg) {
    const trgm = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'pg_trgm'`.execute(db);
    if ((trgm.rows[0]?.n ?? 0) > 0) {
      await sql`create index resources_search on resources using gin (search_text gin_trgm_ops)`.execute(db);
    }
  } else {
    // Trigram FTS5 index over resources.search_text: LIKE '%abc%' uses it for patterns of 3+ chars.
    await sql`create virtual table resource_fts using fts5(search_text, tokenize = 'trigram', content = 'resources', content_rowid = 'id')`.execute(db);
    await sql`create trigger resources_fts_ai after insert on resources begin
      insert into resource_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(db);
    await sql`create trigger resources_fts_ad after delete on resources begin
      insert into resource_fts(resource_fts, rowid, search_text) values ('delete', old.id, old.search_text); end`.execute(db);
    await sql`create trigger resources_fts_au after update of search_text on resources begin
      insert into resource_fts(resource_fts, rowid, search_text) values ('delete', old.id, old.search_text);
      insert into resource_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(db);
  }

  await db.schema
    .createTable('revisions')
    .addColumn('resource_id', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('document', 'text')
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('change_request_id', 'bigint')
    .addColumn('secrets_changed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('revisions_pk', ['resource_id', 'revision'])
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_key', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['team_key', 'user_key'])
    .execute();
  await db.schema.createIndex('team_members_user').on('team_members').column('user_key').execute();

  await db.schema
    .createTable('change_requests')
    .addColumn('id', serial, autoId)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('base_revision', 'integer', (c) => c.notNull())
    .addColumn('document', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('merged_by', 'text')
    .addColumn('merged_revision', 'integer')
    .execute();
  await db.schema.createIndex('change_requests_owner').on('change_requests').columns(['owner_key', 'state', 'id']).execute();
  await db.schema.createIndex('change_requests_author').on('change_requests').columns(['author', 'state', 'id']).execute();
  await db.schema.createIndex('change_requests_target').on('change_requests').columns(['kind', 'name_key', 'state']).execute();

  await db.schema
    .createTable('change_request_reviews')
    .addColumn('id', serial, autoId)
    .addColumn('change_request_id', 'bigint', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_request_reviews_cr').on('change_request_reviews').column('change_request_id').execute();

  await db.schema
    .createTable('inbox')
    .addColumn('id', serial, autoId)
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('change_request_id', 'bigint')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .execute();
  await db.schema.createIndex('inbox_user').on('inbox').columns(['user_key', 'id']).execute();

  await db.schema
    .createTable('email_outbox')
    .addColumn('id', serial, autoId)
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('email_outbox_due').on('email_outbox').columns(['sent_at', 'next_attempt_at']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', serial, autoId)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text')
    .addColumn('target_name', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'id']).execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();
  await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target_kind', 'target_name', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('the core migration cannot be reverted');
}
