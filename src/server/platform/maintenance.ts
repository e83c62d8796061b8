import { sql } from 'kysely';
import type { Db } from './db.ts';

/** Tables whose planner statistics matter for list queries. */
const TABLES = ['resources', 'resource_labels', 'revisions', 'change_requests', 'audit_log', 'team_members'];

/** Our own advisory-lock key, so only one replica analyses at a time. */
const LOCK_KEY = 4680_0001;

/**
 * Keeps PostgreSQL's planner statistics fresh: on installations where autovacuum is off or slow,
 * a bulk load leaves the planner believing tables are empty, and list queries pick plans that
 * scan everything. SQLite needs nothing here.
 */
export function createMaintenance(db: Db) {
  let pending = 0;
  let running: Promise<string[]> | null = null;

  /** Analyses the tables changed enough since their last analysis (`all`: every table). */
  async function analyzeStaleTables(opts: { all?: boolean } = {}): Promise<string[]> {
    if (db.kind !== 'postgres') return [];
    return db.kysely.transaction().execute(async (trx) => {
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${LOCK_KEY}) as ok`.execute(trx);
      if (!lock.rows[0]?.ok) return [];
      const stale = await sql<{ relname: string }>`
        select relname from pg_stat_user_tables
        where schemaname = current_schema() and relname in (${sql.join(TABLES)})
          and (${opts.all ?? false} or n_mod_since_analyze > 500 + n_live_tup / 10)`.execute(trx);
      for (const { relname } of stale.rows) await sql`analyze ${sql.table(relname)}`.execute(trx);
      return stale.rows.map((r) => r.relname);
    });
  }

  return {
    analyzeStaleTables,
    /**
     * Counts written rows; past a threshold starts an analysis in the background (at most one
     * at a time), so a bulk apply is followed by fresh statistics within seconds.
     */
    noteWrites(rows: number): void {
      if (db.kind !== 'postgres') return;
      pending += rows;
      if (pending < 2000 || running) return;
      pending = 0;
      running = analyzeStaleTables()
        .catch(() => [])
        .finally(() => {
          running = null;
        });
    },
    /** Waits for a background analysis, if one runs (tests, shutdown). */
    async settle(): Promise<void> {
      await running;
    },
  };
}

/** The maintenance worker's public face. */
export type Maintenance = ReturnType<typeof createMaintenance>;
