import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../db.ts';

/**
 * Postmortems (one per incident at most, or standalone), the history of their edits, review
 * comments, and action items (records of their own, owned by a team, optionally linked to a
 * postmortem). search_text holds the words that full-text search reads: an FTS5 index on SQLite,
 * a GIN index over its English tsvector on PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const serial = pg ? 'bigserial' : 'integer';
  const ref = pg ? 'bigint' : 'integer';
  const autoId = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());
  let table = db.schema
    .createTable('postmortems')
    .addColumn('id', serial, autoId)
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('incident_id', ref)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull());
  for (const s of ['summary', 'impact', 'root_causes', 'trigger_text', 'resolution', 'detection', 'went_well', 'went_wrong', 'where_we_got_lucky']) {
    table = table.addColumn(s, 'text', (c) => c.notNull());
  }
  await table
    .addColumn('started_at', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('timeline', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text')
    .execute();
  // one postmortem per incident (NULLs, the standalone ones, do not collide on either database)
  await db.schema.createIndex('postmortems_incident').on('postmortems').column('incident_id').unique().execute();
  await db.schema.createIndex('postmortems_owner').on('postmortems').columns(['owner_key', 'id']).execute();
  await db.schema.createIndex('postmortems_status').on('postmortems').columns(['status', 'published_at']).execute();
  if (pg) {
    await sql`create index postmortems_search on postmortems using gin (to_tsvector('english', search_text))`.execute(db);
  } else {
    await sql`create virtual table postmortem_fts using fts5(search_text, tokenize = 'porter unicode61', content = 'postmortems', content_rowid = 'id')`.execute(db);
    await sql`create trigger postmortems_fts_ai after insert on postmortems begin
      insert into postmortem_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(db);
    await sql`create trigger postmortems_fts_ad after delete on postmortems begin
      insert into postmortem_fts(postmortem_fts, rowid, search_text) values ('delete', old.id, old.search_text); end`.execute(db);
    await sql`create trigger postmortems_fts_au after update of search_text on postmortems begin
      insert into postmortem_fts(postmortem_fts, rowid, search_text) values ('delete', old.id, old.search_text);
      insert into postmortem_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(db);
  }

  await db.schema
    .createTable('postmortem_revisions')
    .addColumn('postmortem_id', ref, (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('postmortem_revisions_pk', ['postmortem_id', 'revision'])
    .execute();

  await db.schema
    .createTable('postmortem_comments')
    .addColumn('id', serial, autoId)
    .addColumn('postmortem_id', ref, (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('postmortem_comments_postmortem').on('postmortem_comments').columns(['postmortem_id', 'id']).execute();

  await db.schema
    .createTable('action_items')
    .addColumn('id', serial, autoId)
    .addColumn('postmortem_id', ref, (c) => c.references('postmortems.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tracker_url', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('action_items_owner').on('action_items').columns(['owner_key', 'status', 'due_date']).execute();
  await db.schema.createIndex('action_items_postmortem').on('action_items').columns(['postmortem_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await sql`drop table if exists postmortem_fts`.execute(db);
  for (const t of ['action_items', 'postmortem_comments', 'postmortem_revisions', 'postmortems']) await db.schema.dropTable(t).execute();
}
