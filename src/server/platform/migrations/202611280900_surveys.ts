import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../db.ts';

/**
 * Surveys: rounds (with the questionnaire fixed at opening), invitations (who may answer, and
 * whether they did) and, apart from them, anonymous responses and free-text comments.
 * @remarks Responses and comments carry no user, no invitation and no time; their ids are random.
 * On SQLite they are WITHOUT ROWID tables, so rows are kept in id order and no hidden rowid
 * records the order they arrived in.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('survey_rounds')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('survey_key', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('opens_at', 'text', (c) => c.notNull())
    .addColumn('closes_at', 'text', (c) => c.notNull())
    .addColumn('closed_early', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('minimum_responses', 'integer', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('questionnaire', 'text', (c) => c.notNull())
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('reminded_at', 'text')
    .addUniqueConstraint('survey_rounds_number', ['survey_key', 'number'])
    .execute();

  // Participation: one row per invited person and team, made when the round opens.
  await db.schema
    .createTable('survey_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'integer', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('team_key', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('answered', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('survey_invitations_user').on('survey_invitations').columns(['user_key', 'round_id']).execute();
  await db.schema.createIndex('survey_invitations_round').on('survey_invitations').columns(['round_id', 'team_key']).execute();

  const withoutRowid = pg ? sql`` : sql` without rowid`;
  await sql`create table survey_responses (id text primary key, round_id integer not null, team_key text not null, answers text not null)${withoutRowid}`.execute(db);
  await db.schema.createIndex('survey_responses_round').on('survey_responses').columns(['round_id', 'team_key']).execute();
  await sql`create table survey_comments (id text primary key, round_id integer not null, team_key text not null, body text not null)${withoutRowid}`.execute(db);
  await db.schema.createIndex('survey_comments_round').on('survey_comments').columns(['round_id', 'team_key']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['survey_comments', 'survey_responses', 'survey_invitations', 'survey_rounds']) await db.schema.dropTable(t).execute();
}
