import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Clock } from './clock.ts';
import type { Database } from './db.ts';

/** Who holds a lease and until when, as stored. */
export interface LeaseRecord {
  name: string;
  holder: string;
  acquiredAt: string;
  expiresAt: string;
}

/**
 * One named lease as one process sees it: singleton work asks {@link Lease.ensure} before each
 * run and does nothing when it answers false.
 */
export interface Lease {
  readonly name: string;
  /** This process, as the lease's holder column names it. */
  readonly holder: string;
  /** Takes or renews the lease when due; true while this process holds it. */
  ensure(): Promise<boolean>;
  /** Whether this process believes it holds the lease now (no database round trip). */
  held(): boolean;
  /**
   * Counts the times this process took the lease after not holding it: work that keeps state in
   * memory rebuilds it from the database when the term changes (another replica may have worked
   * in between).
   */
  readonly term: number;
  /**
   * Gives the lease up for good (a clean shutdown), so another replica need not wait for it to
   * expire; `ensure` answers false from then on.
   */
  release(): Promise<void>;
}

/** How long a lease lasts without renewal (default): another replica takes over this long after its holder died. */
export const LEASE_TTL_MS = 15_000;

/**
 * Leases in the database for work that must run in one replica at a time. A lease is taken and
 * renewed by one conditional upsert — it succeeds when the row is missing, expired, or already
 * ours — so SQLite and PostgreSQL need no locks or dialect-specific SQL.
 * @remarks Times come from the injected clock of each replica, so replicas' clocks must roughly
 * agree: a holder stops trusting its lease a third of the TTL before it expires (renewing every
 * third), which covers that much skew and a stall of the holder.
 */
export function createLeases(deps: { db: Kysely<Database>; clock: Clock; holder?: string }) {
  /** This process (each app instance, in tests): host, pid and a random part. */
  const holder = deps.holder ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const now = () => deps.clock.now().getTime();
  const iso = (t: number) => new Date(t).toISOString();

  /**
   * Takes the lease when it is free or expired, or renews it when ours. Returns when our holding
   * of it began (unchanged by renewals) when we hold it until now + ttl, else null.
   */
  async function acquire(name: string, ttlMs: number): Promise<string | null> {
    const t = now();
    const row = await deps.db
      .insertInto('leases')
      .values({ name, holder, acquired_at: iso(t), expires_at: iso(t + ttlMs) })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({
            holder: (eb) => eb.ref('excluded.holder'),
            // a renewal keeps the time it was taken
            acquired_at: sql<string>`case when leases.holder = excluded.holder then leases.acquired_at else excluded.acquired_at end`,
            expires_at: (eb) => eb.ref('excluded.expires_at'),
          })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', iso(t))])),
      )
      .returning('acquired_at')
      .executeTakeFirst();
    return row?.acquired_at ?? null;
  }

  /** Gives a lease up if we hold it. */
  async function release(name: string): Promise<void> {
    await deps.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** Who holds a lease now (null when nobody does, or it expired). */
  async function current(name: string): Promise<LeaseRecord | null> {
    const row = await deps.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row || Date.parse(row.expires_at) <= now()) return null;
    return { name: row.name, holder: row.holder, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
  }

  /**
   * The lease `name` as this process uses it: renewed every third of `ttlMs` while held, tried
   * again every `retryMs` while another replica holds it.
   */
  function lease(name: string, opts: { ttlMs?: number; retryMs?: number } = {}): Lease {
    const ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
    const renewMs = Math.floor(ttlMs / 3);
    const retryMs = opts.retryMs ?? 1_000;
    /** Until when we trust that we hold it (two thirds of the TTL after the last renewal began). */
    let trustedUntil = -Infinity;
    let renewedAt = -Infinity;
    let triedAt = -Infinity;
    let term = 0;
    /** When the holding we know of began: a different answer means another replica held it in between. */
    let heldSince: string | null = null;
    let inFlight: Promise<boolean> | null = null;
    let released = false;

    async function attempt(): Promise<boolean> {
      const started = now();
      triedAt = started;
      let since: string | null;
      try {
        since = await acquire(name, ttlMs);
      } catch (err) {
        // the database did not answer: the lease stays ours only as long as we may trust it
        if (trustedUntil > now()) return true;
        throw err;
      }
      if (since === null) {
        trustedUntil = -Infinity;
        return false;
      }
      // renewed late (a stall) but still ours all along: the same term
      if (since !== heldSince) term++;
      heldSince = since;
      renewedAt = started;
      trustedUntil = started + ttlMs - renewMs;
      return true;
    }

    return {
      name,
      holder,
      get term() {
        return term;
      },
      held: () => trustedUntil > now(),
      async ensure(): Promise<boolean> {
        // several workers ask at once: one round trip answers them all
        if (inFlight) return inFlight;
        if (released) return false;
        const t = now();
        const held = trustedUntil > t;
        if (held && t - renewedAt < renewMs) return true;
        if (!held && t - triedAt < retryMs) return false;
        inFlight = attempt().finally(() => (inFlight = null));
        return inFlight;
      },
      async release(): Promise<void> {
        released = true;
        if (inFlight) await inFlight.catch(() => false);
        trustedUntil = -Infinity;
        if (term > 0) await release(name);
      },
    };
  }

  return { holder, acquire, release, current, lease };
}

/** The lease service's public face. */
export type Leases = ReturnType<typeof createLeases>;
