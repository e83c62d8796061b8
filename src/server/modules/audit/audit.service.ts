import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db.ts';

/** One audit entry as recorded. `details` never holds secret values. */
export interface AuditEntry {
  actor: string;
  action: string;
  targetKind?: string | null;
  targetName?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** Filters for reading the audit log. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  targetKind?: string;
  targetName?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: number;
}

/** The audit log: every write, review, merge, sign-in, token and user change. */
export function createAuditService(deps: { db: Kysely<Database>; clock: Clock }) {
  return {
    /** Records an entry; pass the transaction of the write so both land together. */
    async record(executor: Kysely<Database> | Transaction<Database>, e: AuditEntry): Promise<void> {
      await executor
        .insertInto('audit_log')
        .values({
          at: deps.clock.now().toISOString(),
          actor: e.actor,
          action: e.action,
          target_kind: e.targetKind ?? null,
          target_name: e.targetName ?? null,
          ip: e.ip ?? null,
          details: JSON.stringify(e.details ?? {}),
        })
        .execute();
    },
    /** Newest first, keyset-paginated by id. */
    async list(q: AuditQuery) {
      let query = deps.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
      if (q.actor) query = query.where('actor', '=', q.actor);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.targetKind) query = query.where('target_kind', '=', q.targetKind);
      if (q.targetName) query = query.where('target_name', '=', q.targetName);
      if (q.since) query = query.where('at', '>=', q.since);
      if (q.until) query = query.where('at', '<', q.until);
      if (q.cursor !== undefined) query = query.where('id', '<', q.cursor);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({
          id: Number(r.id),
          at: r.at,
          actor: r.actor,
          action: r.action,
          targetKind: r.target_kind,
          targetName: r.target_name,
          ip: r.ip,
          details: JSON.parse(r.details) as Record<string, unknown>,
        })),
        nextCursor: rows.length > q.limit && page.length ? String(page[page.length - 1]!.id) : null,
      };
    },
  };
}

/** The audit service's public face. */
export type AuditService = ReturnType<typeof createAuditService>;
