import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from '../db.ts';
import * as core from './202611262130_core.ts';
import * as discovered from './202611270140_discovered_services.ts';
import * as quotas from './202611270230_telemetry_quotas.ts';
import * as alerting from './202611271000_alerting.ts';
import * as notificationOutbox from './202611271010_notification_outbox.ts';
import * as incidents from './202611271100_incidents.ts';
import * as oncallEscalations from './202611271110_oncall_escalations.ts';
import * as surveys from './202611280900_surveys.ts';
import * as leases from './202611280920_leases.ts';
import * as postmortems from './202611280910_postmortems.ts';

/** Every migration, in order. A shipped migration is never edited: add a new file. */
const MIGRATIONS: Record<string, Migration> = {
  '202611262130_core': core,
  '202611270140_discovered_services': discovered,
  '202611270230_telemetry_quotas': quotas,
  '202611271000_alerting': alerting,
  '202611271010_notification_outbox': notificationOutbox,
  '202611271100_incidents': incidents,
  '202611271110_oncall_escalations': oncallEscalations,
  '202611280900_surveys': surveys,
  '202611280920_leases': leases,
  '202611280910_postmortems': postmortems,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; safe to run on every start and from several replicas. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  if (db.kind === 'postgres') {
    // Trigram search needs pg_trgm; without the privilege to create it, search falls back to a scan.
    try {
      await sql`create extension if not exists pg_trgm`.execute(db.kysely);
    } catch {
      // not fatal
    }
  }
  const migrator = new Migrator({ db: db.kysely, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
