import { Kysely, PostgresDialect, SqliteDialect, sql, type Generated, type LogEvent } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import fs from 'node:fs';
import path from 'node:path';

/** Tables of the core modules. Each module owns its own tables; see the modules' services. */
export interface Database {
  users: {
    name_key: string;
    name: string;
    display_name: string | null;
    email: string | null;
    password_hash: string | null;
    is_admin: number;
    disabled: number;
    must_change_password: number;
    created_at: string;
    updated_at: string;
  };
  sessions: {
    id_hash: string;
    user_key: string;
    csrf_token: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
    ip: string | null;
  };
  tokens: {
    id: string;
    token_hash: string;
    name: string;
    type: string;
    user_key: string | null;
    team_key: string | null;
    scopes: string;
    created_by: string;
    created_at: string;
    expires_at: string | null;
    revoked_at: string | null;
    last_used_at: string | null;
  };
  login_attempts: { id: Generated<number>; username_key: string; ip: string | null; at: string; ok: number };
  resources: {
    id: Generated<number>;
    kind: string;
    name_key: string;
    name: string;
    owner_key: string;
    owner: string;
    title: string | null;
    description: string | null;
    labels: string;
    spec: string;
    search_text: string;
    revision: number;
    deleted: number;
    created_at: string;
    updated_at: string;
  };
  resource_labels: { resource_id: number; kind: string; key: string; value: string; name_key: string };
  revisions: {
    resource_id: number;
    revision: number;
    document: string | null;
    deleted: number;
    author: string;
    message: string;
    source: string;
    change_request_id: number | null;
    secrets_changed: string;
    created_at: string;
  };
  team_members: { team_key: string; user_key: string; role: string };
  change_requests: {
    id: Generated<number>;
    kind: string;
    name: string;
    name_key: string;
    owner_key: string;
    owner: string;
    operation: string;
    base_revision: number;
    document: string | null;
    message: string;
    author: string;
    state: string;
    version: number;
    created_at: string;
    updated_at: string;
    merged_by: string | null;
    merged_revision: number | null;
  };
  change_request_reviews: {
    id: Generated<number>;
    change_request_id: number;
    author: string;
    verdict: string;
    body: string;
    version: number;
    created_at: string;
  };
  inbox: {
    id: Generated<number>;
    user_key: string;
    type: string;
    change_request_id: number | null;
    summary: string;
    created_at: string;
    read_at: string | null;
  };
  email_outbox: {
    id: Generated<number>;
    recipient: string;
    subject: string;
    body: string;
    created_at: string;
    attempts: number;
    next_attempt_at: string;
    sent_at: string | null;
    last_error: string | null;
  };
  telemetry_quotas: { team_key: string; active_series: number | null; log_records_per_second: number | null; spans_per_second: number | null; updated_at: string; updated_by: string };
  discovered_services: { name_key: string; name: string; team_key: string | null; first_seen_at: string; last_seen_at: string };
  notification_outbox: {
    id: Generated<number>;
    idempotency_key: string;
    contact_owner: string;
    contact_owner_key: string;
    contact_name: string;
    group_key: string;
    stream: string;
    notification: string;
    state: string;
    attempts: number;
    due_at: string;
    created_at: string;
    queued_at: string;
    last_attempt_at: string | null;
    delivered_at: string | null;
    last_status: number | null;
    last_error: string | null;
  };
  alert_instances: {
    rule_key: string;
    fingerprint: string;
    owner_key: string;
    service: string;
    severity: string;
    labels: string;
    annotations: string;
    state: string;
    value: number | null;
    active_at: string;
    fired_at: string | null;
    resolved_at: string | null;
    last_breach_at: string | null;
    ends_at: string | null;
    acknowledged_by: string | null;
    acknowledged_at: string | null;
  };
  alert_events: {
    id: Generated<number>;
    at: string;
    rule_key: string;
    fingerprint: string;
    owner_key: string;
    service: string;
    from_state: string | null;
    to_state: string;
    value: number | null;
    actor: string | null;
  };
  incidents: {
    id: Generated<number>;
    service: string;
    owner_key: string;
    title: string;
    status: string;
    severity: string;
    commander: string | null;
    impact: string | null;
    resolution: string | null;
    started_at: string;
    resolved_at: string | null;
    opened_by: string;
    created_at: string;
    updated_at: string;
  };
  incident_events: { id: Generated<number>; incident_id: number; at: string; type: string; actor: string | null; text: string | null; details: string };
  incident_alerts: { incident_id: number; rule_key: string; fingerprint: string; alertname: string; state: string; linked_at: string };
  alert_rule_health: { rule_key: string; health: string; last_error: string | null; last_eval_at: string };
  oncall_escalations: { id: string; schedule_key: string; owner_key: string; rule_key: string; fingerprint: string; fired_at: string; level: number; notified: string; escalated_at: string };
  alert_groups: { group_key: string; owner_key: string; first_at: string; last_notified_at: string | null; last_hash: string | null; sequence: number };
  survey_rounds: {
    id: Generated<number>;
    survey_key: string;
    number: number;
    opens_at: string;
    closes_at: string;
    closed_early: number;
    minimum_responses: number;
    targets: string;
    questionnaire: string;
    opened_by: string;
    reminded_at: string | null;
  };
  survey_invitations: { id: string; round_id: number; user_key: string; team_key: string; code_hash: string; answered: number };
  survey_responses: { id: string; round_id: number; team_key: string; answers: string };
  survey_comments: { id: string; round_id: number; team_key: string; body: string };
  leases: { name: string; holder: string; acquired_at: string; expires_at: string };
  postmortems: {
    id: Generated<number>;
    owner_key: string;
    incident_id: number | null;
    title: string;
    status: string;
    summary: string;
    impact: string;
    root_causes: string;
    trigger_text: string;
    resolution: string;
    detection: string;
    went_well: string;
    went_wrong: string;
    where_we_got_lucky: string;
    started_at: string | null;
    resolved_at: string | null;
    timeline: string;
    links: string;
    search_text: string;
    revision: number;
    created_by: string;
    created_at: string;
    updated_at: string;
    published_at: string | null;
  };
  postmortem_revisions: { postmortem_id: number; revision: number; author: string; at: string; action: string; changes: string };
  postmortem_comments: { id: Generated<number>; postmortem_id: number; author: string; at: string; text: string };
  action_items: {
    id: Generated<number>;
    postmortem_id: number | null;
    title: string;
    owner_key: string;
    due_date: string;
    type: string;
    status: string;
    tracker_url: string | null;
    created_by: string;
    created_at: string;
    updated_at: string;
    completed_at: string | null;
  };
  audit_log: {
    id: Generated<number>;
    at: string;
    actor: string;
    action: string;
    target_kind: string | null;
    target_name: string | null;
    ip: string | null;
    details: string;
  };
}

/** The store Ethos runs on. */
export type DbKind = 'sqlite' | 'postgres';

/** A database handle plus the few facts that differ between SQLite and PostgreSQL. */
export interface Db {
  kysely: Kysely<Database>;
  kind: DbKind;
  close(): Promise<void>;
}

/** Called with each query's duration, for /metrics. */
export type QueryObserver = (seconds: number, failed: boolean) => void;

/**
 * Opens the database named by `url`: `postgres://…` for PostgreSQL, else a SQLite file path
 * (or `:memory:`).
 */
export function openDatabase(url: string, observe?: QueryObserver): Db {
  const log = observe
    ? (e: LogEvent) => observe(e.queryDurationMillis / 1000, e.level === 'error')
    : undefined;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 20 });
    pool.on('error', () => {
      // an idle client lost its connection; the pool replaces it on next use
    });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    return { kysely, kind: 'postgres', close: () => kysely.destroy() };
  }
  if (url !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(url)), { recursive: true });
  const sqlite = new BetterSqlite3(url);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log });
  return { kysely, kind: 'sqlite', close: () => kysely.destroy() };
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs more than running a small query.
 * Statements are reusable, so keep the most recent ones by SQL text.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, size = 500) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (stmt) {
        cache.delete(sqlText);
      } else {
        stmt = sqlite.prepare(sqlText);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}

/** True when a Kysely handle talks to PostgreSQL: for migrations, which see only `Kysely<any>`. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter';
}

/** True when `err` is a unique-constraint violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `escape '\'`. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export { sql };
