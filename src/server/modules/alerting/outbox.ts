import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type { ContactPointSpec, DeliveryState, DeliveryView } from '../../../shared/alerting.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { isPostgres, type Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { MailTransport } from '../inbox/index.ts';
import { ContactPointConfigError, renderForContactPoint, type GroupNotification, type RenderedDelivery } from './contact-formats.ts';

export type { AlertPayload, GroupNotification } from './contact-formats.ts';

/** A notification for one contact point, as the router hands it to the outbox. */
export interface OutboxItem {
  contactPoint: { owner: string; name: string };
  /** Unique per (contact point, notification): enqueueing a key again adds nothing; receivers get it as `Idempotency-Key`. */
  idempotencyKey: string;
  notification: GroupNotification;
}

export { DELIVERY_STATES, type DeliveryState, type DeliveryView } from '../../../shared/alerting.schema.ts';

/** The log lines the outbox writes (a Fastify/pino logger fits). */
export interface OutboxLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What `createOutbox` needs. */
export interface OutboxDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The contact point with its secret fields decrypted, or null when it no longer exists. */
  loadContactPoint(owner: string, name: string): Promise<ContactPointSpec | null>;
  /** Email contact points send through this (the server's ETHOS_SMTP_URL); without it they fail. */
  mail?: MailTransport;
  /**
   * Sends one HTTP request (webhook, Slack, PagerDuty, Teams). Default: the global `fetch`, looked
   * up at each send, so a replacement installed after the outbox was made (tests, a proxy agent) is used.
   */
  fetch?: typeof fetch;
  /** Deliveries in flight at once (default 32). */
  concurrency?: number;
  /** Attempts before a delivery is dead (default 25: about 85 minutes of retrying). */
  maxAttempts?: number;
  /** Time since queueing after which a failing delivery is dead (default 2 h). */
  maxAgeMs?: number;
  /** First retry delay, doubled per attempt (default 1 s) … */
  backoffBaseMs?: number;
  /** … up to this (default 5 min). */
  backoffMaxMs?: number;
  /** One HTTP request's limit (default 10 s). */
  requestTimeoutMs?: number;
  /** How often the loop looks for due work when nothing wakes it (default 250 ms). */
  pollMs?: number;
  /** Delivered and skipped rows are deleted after this (default 7 days); dead ones after 30 days. */
  keepDeliveredMs?: number;
  /** Ethos's address, for the test notification's link. */
  externalURL?: string;
  /** Jitter source, in [0, 1): tests pin it. */
  random?: () => number;
  log?: OutboxLog;
}

type Row = Database['notification_outbox'];
type Claimed = Pick<Row, 'contact_owner' | 'contact_name' | 'idempotency_key' | 'notification' | 'attempts' | 'queued_at'> & { id: number };

type Outcome =
  | { id: number; attempts: number; kind: 'delivered'; status: number | null }
  | { id: number; attempts: number; kind: 'skipped' }
  | { id: number; attempts: number; kind: 'failed'; permanent: boolean; status: number | null; error: string; retryAfterMs?: number };

type SendResult = { ok: true; status?: number } | { ok: false; permanent: boolean; status?: number; error: string; retryAfterMs?: number };

const DAY = 86_400_000;
const NEVER_ENDS = '0001-01-01T00:00:00Z';

/**
 * The notification outbox: durable, at-least-once delivery of group notifications to contact
 * points, with exponential backoff, a dead-letter list and retry.
 *
 * @remarks Within one stream (contact point + group key) notifications go out in the order they
 * were enqueued: a row is claimed only when no earlier row of its stream is pending or in flight.
 * Claims are leases: a row left `delivering` by a process that died is claimed again once its
 * lease ends. On PostgreSQL claims take `FOR UPDATE SKIP LOCKED`, so replicas share the work.
 */
export function createOutbox(deps: OutboxDeps) {
  const { db, clock } = deps;
  const pg = isPostgres(db);
  const doFetch: typeof fetch = (input, init) => (deps.fetch ?? globalThis.fetch)(input, init);
  const concurrency = Math.max(1, deps.concurrency ?? 32);
  const batchSize = concurrency * 4;
  const maxAttempts = Math.max(1, deps.maxAttempts ?? 25);
  const maxAgeMs = deps.maxAgeMs ?? 2 * 3600_000;
  const backoffBaseMs = deps.backoffBaseMs ?? 1000;
  const backoffMaxMs = deps.backoffMaxMs ?? 5 * 60_000;
  const requestTimeoutMs = deps.requestTimeoutMs ?? 10_000;
  const pollMs = deps.pollMs ?? 250;
  const keepDeliveredMs = deps.keepDeliveredMs ?? 7 * DAY;
  // a claimed batch drains in at most batchSize/concurrency rounds of requests; the lease outlasts them
  const leaseMs = requestTimeoutMs * Math.ceil(batchSize / concurrency) + 30_000;
  const random = deps.random ?? Math.random;
  const log = deps.log;
  const timeoutText = requestTimeoutMs % 1000 === 0 ? `${requestTimeoutMs / 1000} s` : `${requestTimeoutMs} ms`;

  const counters = { attempts: 0, delivered: 0, failed: 0, dead: 0 };
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let lastPruneAt = 0;

  function wake(): void {
    woken = true;
    wakeUp?.();
  }

  /** Delay before attempt `attempts + 1`: base·2^(attempts−1) capped, with "equal jitter" (half fixed, half random). */
  function backoffMs(attempts: number): number {
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * random());
  }

  function streamOf(item: OutboxItem): string {
    return createHash('sha256').update(`${item.contactPoint.owner.toLowerCase()}\n${item.contactPoint.name.toLowerCase()}\n${item.notification.groupKey}`).digest('hex').slice(0, 32);
  }

  /** Back to pending: rows whose lease ended (their process died, or took far too long). */
  async function reclaimExpired(nowIso: string): Promise<void> {
    await db
      .updateTable('notification_outbox')
      .set({ state: 'pending', last_error: 'interrupted: the delivery did not finish (Ethos stopped?)' })
      .where('state', '=', 'delivering')
      .where('due_at', '<=', nowIso)
      .execute();
  }

  async function claim(now: Date): Promise<Claimed[]> {
    const nowIso = now.toISOString();
    let pick = db
      .selectFrom('notification_outbox as o')
      .select('o.id')
      .where('o.state', '=', 'pending')
      .where('o.due_at', '<=', nowIso)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('notification_outbox as p')
              .select(sql.lit(1).as('one'))
              .whereRef('p.stream', '=', 'o.stream')
              .where('p.state', 'in', ['pending', 'delivering'])
              .whereRef('p.id', '<', 'o.id'),
          ),
        ),
      )
      .orderBy('o.id')
      .limit(batchSize);
    // PostgreSQL: replicas claim disjoint rows; SQLite runs the statement alone, one process.
    if (pg) pick = pick.forUpdate().skipLocked();
    const rows = await db
      .updateTable('notification_outbox')
      .set((eb) => ({ state: 'delivering', attempts: eb('attempts', '+', 1), due_at: new Date(now.getTime() + leaseMs).toISOString(), last_attempt_at: nowIso }))
      .where('id', 'in', pick)
      .returning(['id', 'contact_owner', 'contact_name', 'idempotency_key', 'notification', 'attempts', 'queued_at'])
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) })).sort((a, b) => a.id - b.id);
  }

  function secretsOf(spec: ContactPointSpec): string[] {
    const out: string[] = [];
    if (spec.routingKey) out.push(spec.routingKey);
    if (spec.url) {
      out.push(spec.url);
      try {
        const u = new URL(spec.url);
        if (u.pathname.length > 1) out.push(u.pathname + u.search);
        if (u.search.length > 1) out.push(u.search.slice(1));
        if (u.password) out.push(u.password);
        if (u.username) out.push(u.username);
      } catch {
        // not a URL: the whole string is redacted above
      }
    }
    return out.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  }

  function redact(text: string, secrets: string[]): string {
    let out = text;
    for (const s of secrets) out = out.split(s).join('<secret>');
    return out;
  }

  /** What went wrong with a request, in our words: never the address, never a secret. */
  function describeFetchError(err: unknown): string {
    const e = err as { name?: string; cause?: { code?: string; name?: string } };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutText}`;
    const code = e?.cause?.code;
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused (ECONNREFUSED)';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the receiver's host name did not resolve (${code})`;
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return `the connection was closed before an answer (${code})`;
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
        return `the connection timed out (${code})`;
      default:
        if (code && /^[A-Z0-9_]+$/.test(code)) return `the request failed (${code})`;
        if (e?.cause?.name === 'Error' || !e?.cause) return 'the request failed';
        return `the request failed (${e.cause.name})`;
    }
  }

  function retryAfterMs(header: string | null): number | undefined {
    if (!header) return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now().getTime());
  }

  /**
   * The promise's value, or 'timeout' after requestTimeoutMs. Every delivery is bounded so that a
   * claimed batch ends well within its lease (else another replica would claim and send it again).
   */
  async function withTimeout<T>(work: Promise<T>): Promise<T | 'timeout'> {
    work.catch(() => undefined); // may settle after the timeout, when nobody waits for it any more
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), requestTimeoutMs);
    });
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(rendered: RenderedDelivery, idempotencyKey: string, secrets: string[], signal: AbortSignal): Promise<SendResult> {
    if (rendered.kind === 'email') {
      if (!deps.mail) return { ok: false, permanent: true, error: 'email is not configured on this server (ETHOS_SMTP_URL)' };
      try {
        const sent = deps.mail({ to: rendered.to.join(', '), subject: rendered.subject, text: rendered.text });
        if ((await withTimeout(sent)) === 'timeout') return { ok: false, permanent: false, error: `the mail server did not answer within ${timeoutText}` };
        return { ok: true };
      } catch (err) {
        const e = err as { responseCode?: number; message?: string; code?: string };
        // SMTP 5xx replies are permanent (unknown recipient …); connection trouble and 4xx are not
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
        const detail = e.responseCode ? `the mail server answered ${e.responseCode}` : `could not send the email${e.code ? ` (${e.code})` : ''}`;
        return { ok: false, permanent, error: redact(detail, secrets) };
      }
    }
    // One timer per request, one AbortSignal per batch: Node's AbortSignals are costly to make, and
    // a request that outlives its timer is aborted with its batch.
    const exchange = (async () => {
      const res = await doFetch(rendered.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Ethos', 'idempotency-key': idempotencyKey },
        body: rendered.body,
        signal,
      });
      // reading the body returns the connection to the keep-alive pool
      let text = '';
      try {
        text = await res.text();
      } catch {
        // the status is what counts
      }
      return { res, text };
    })();
    let answer: { res: Response; text: string } | 'timeout';
    try {
      answer = await withTimeout(exchange);
    } catch (err) {
      return { ok: false, permanent: false, error: describeFetchError(err) };
    }
    if (answer === 'timeout') return { ok: false, permanent: false, error: `no answer within ${timeoutText}` };
    const { res, text } = answer;
    if (res.ok) return { ok: true, status: res.status };
    const snippet = redact(text.replace(/\s+/g, ' ').trim(), secrets).slice(0, 200);
    const error = `the receiver answered HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
    // as Alertmanager: 5xx, 429 and 408 are worth retrying; other answers will not change by themselves
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    return { ok: false, permanent: !retryable, status: res.status, error, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) };
  }

  async function attempt(row: Claimed, specs: Map<string, Promise<ContactPointSpec | null>>, signal: AbortSignal): Promise<Outcome> {
    const base = { id: row.id, attempts: row.attempts };
    const cacheKey = `${row.contact_owner}\n${row.contact_name}`;
    let specP = specs.get(cacheKey);
    if (!specP) {
      specP = deps.loadContactPoint(row.contact_owner, row.contact_name);
      specs.set(cacheKey, specP);
    }
    let spec: ContactPointSpec | null;
    try {
      spec = await specP;
    } catch {
      return { ...base, kind: 'failed', permanent: false, status: null, error: 'could not read the contact point' };
    }
    if (!spec) return { ...base, kind: 'failed', permanent: true, status: null, error: `the contact point ${row.contact_owner}/${row.contact_name} no longer exists` };
    const secrets = secretsOf(spec);
    let rendered: RenderedDelivery | null;
    try {
      rendered = renderForContactPoint(spec, row.contact_name, JSON.parse(row.notification) as GroupNotification);
    } catch (err) {
      const message = err instanceof ContactPointConfigError ? err.message : 'the notification could not be formatted';
      return { ...base, kind: 'failed', permanent: true, status: null, error: redact(message, secrets) };
    }
    if (!rendered) return { ...base, kind: 'skipped' };
    const result = await send(rendered, row.idempotency_key, secrets, signal);
    if (result.ok) return { ...base, kind: 'delivered', status: result.status ?? null };
    return { ...base, kind: 'failed', permanent: result.permanent, status: result.status ?? null, error: result.error, retryAfterMs: result.retryAfterMs };
  }

  async function record(outcomes: Outcome[], claimed: Map<number, Claimed>): Promise<void> {
    const now = clock.now();
    const nowIso = now.toISOString();
    const delivered = new Map<number | null, number[]>();
    const skipped: number[] = [];
    const failed: Extract<Outcome, { kind: 'failed' }>[] = [];
    for (const o of outcomes) {
      if (o.kind === 'delivered') {
        const list = delivered.get(o.status) ?? [];
        list.push(o.id);
        delivered.set(o.status, list);
      } else if (o.kind === 'skipped') skipped.push(o.id);
      else failed.push(o);
    }
    await db.transaction().execute(async (trx) => {
      // a success stands even if this claim's lease ran out: the receiver has the notification
      for (const [status, ids] of delivered) {
        await trx.updateTable('notification_outbox').set({ state: 'delivered', delivered_at: nowIso, last_status: status, last_error: null }).where('id', 'in', ids).execute();
      }
      if (skipped.length) {
        await trx.updateTable('notification_outbox').set({ state: 'skipped', delivered_at: nowIso, last_error: null }).where('id', 'in', skipped).execute();
      }
      for (const f of failed) {
        const row = claimed.get(f.id)!;
        const age = now.getTime() - Date.parse(row.queued_at);
        const dead = f.permanent || f.attempts >= maxAttempts || age >= maxAgeMs;
        const wait = Math.min(backoffMaxMs, Math.max(backoffMs(f.attempts), f.retryAfterMs ?? 0));
        const reason = f.permanent ? '' : f.attempts >= maxAttempts ? ` (gave up after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'})` : age >= maxAgeMs ? ` (gave up: queued ${Math.round(age / 60_000)} min ago)` : '';
        // only the claim that made this attempt may record its failure (a reclaim may have delivered it since)
        await trx
          .updateTable('notification_outbox')
          .set({ state: dead ? 'dead' : 'pending', due_at: dead ? nowIso : new Date(now.getTime() + wait).toISOString(), last_status: f.status, last_error: `${f.error}${reason}`.slice(0, 500) })
          .where('id', '=', f.id)
          .where('state', '=', 'delivering')
          .where('attempts', '=', f.attempts)
          .execute();
        if (dead) counters.dead++;
        const entry = { delivery: f.id, contactPoint: `${row.contact_owner}/${row.contact_name}`, attempt: f.attempts, status: f.status, error: f.error };
        if (dead) log?.error(entry, 'notification delivery failed for good: it is in the dead-letter list');
        else log?.warn({ ...entry, retryInMs: wait }, 'notification delivery failed; will retry');
      }
    });
    counters.delivered += outcomes.length - failed.length;
    counters.failed += failed.length;
  }

  async function prune(now: Date): Promise<void> {
    const keepFrom = new Date(now.getTime() - keepDeliveredMs).toISOString();
    await db.deleteFrom('notification_outbox').where('state', 'in', ['delivered', 'skipped']).where('delivered_at', '<', keepFrom).execute();
    await db.deleteFrom('notification_outbox').where('state', '=', 'dead').where('due_at', '<', new Date(now.getTime() - 30 * DAY).toISOString()).execute();
  }

  function toView(r: Row & { id: number }): DeliveryView {
    const n = JSON.parse(r.notification) as GroupNotification;
    const state = r.state as DeliveryState;
    return {
      id: Number(r.id),
      contactPoint: { owner: r.contact_owner, name: r.contact_name },
      groupKey: r.group_key,
      idempotencyKey: r.idempotency_key,
      notificationStatus: n.status,
      alerts: n.alerts.length,
      groupLabels: n.groupLabels,
      state,
      attempts: Number(r.attempts),
      lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error,
      createdAt: r.created_at,
      lastAttemptAt: r.last_attempt_at,
      nextAttemptAt: state === 'pending' ? r.due_at : null,
      deliveredAt: r.delivered_at,
    };
  }

  const outbox = {
    /**
     * Durably records items (in the caller's transaction when given); an idempotency key already
     * recorded is not added again. Returns how many were added. After committing a caller's
     * transaction, `wake()` starts delivery at once (else the next poll does).
     */
    async enqueue(items: OutboxItem[], trx?: Transaction<Database>): Promise<number> {
      const ex = trx ?? db;
      const nowIso = clock.now().toISOString();
      const seen = new Set<string>();
      const rows: Insertable<Row>[] = [];
      for (const item of items) {
        if (!item.idempotencyKey || item.idempotencyKey.length > 500) throw new Error('an outbox item needs an idempotency key of 1 to 500 characters');
        if (seen.has(item.idempotencyKey)) continue;
        seen.add(item.idempotencyKey);
        rows.push({
          idempotency_key: item.idempotencyKey,
          contact_owner: item.contactPoint.owner,
          contact_owner_key: item.contactPoint.owner.toLowerCase(),
          contact_name: item.contactPoint.name,
          group_key: item.notification.groupKey,
          stream: streamOf(item),
          notification: JSON.stringify(item.notification),
          state: 'pending',
          attempts: 0,
          due_at: nowIso,
          created_at: nowIso,
          queued_at: nowIso,
          last_attempt_at: null,
          delivered_at: null,
          last_status: null,
          last_error: null,
        });
      }
      let added = 0;
      for (let i = 0; i < rows.length; i += 500) {
        const res = await ex
          .insertInto('notification_outbox')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .executeTakeFirst();
        added += Number(res.numInsertedOrUpdatedRows ?? 0);
      }
      // in a caller's transaction the rows are not visible until it commits: wake() again then
      if (added) wake();
      return added;
    },

    /** Starts delivering at once (after the transaction given to enqueue has committed). */
    wake,

    /**
     * Delivers what is due now, at most one claimed batch (4 × concurrency rows, `concurrency`
     * requests in flight); returns how many attempts were made. The loop calls it; tests call it
     * with a ManualClock.
     */
    async deliverDue(): Promise<number> {
      const now = clock.now();
      await reclaimExpired(now.toISOString());
      const rows = await claim(now);
      if (!rows.length) return 0;
      counters.attempts += rows.length;
      const claimed = new Map(rows.map((r) => [r.id, r]));
      const specs = new Map<string, Promise<ContactPointSpec | null>>();
      const outcomes: Outcome[] = [];
      const abort = new AbortController();
      let next = 0;
      try {
        await Promise.all(
          Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
            while (next < rows.length) {
              const row = rows[next++]!;
              outcomes.push(await attempt(row, specs, abort.signal));
            }
          }),
        );
      } finally {
        abort.abort(); // requests that outlived their timeout
      }
      await record(outcomes, claimed);
      return rows.length;
    },

    /** Runs the delivery loop: woken at once by enqueue, else polling every `pollMs`. */
    start(): void {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          let n = 0;
          try {
            n = await outbox.deliverDue();
            const now = clock.now().getTime();
            if (now - lastPruneAt > 3600_000) {
              lastPruneAt = now;
              await prune(clock.now());
            }
          } catch (err) {
            log?.error({ err: (err as Error).message }, 'the notification outbox could not deliver; trying again shortly');
          }
          if (n > 0 || !running) continue;
          if (woken) {
            woken = false;
            continue;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            timer.unref();
            wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeUp = null;
          woken = false;
        }
      })();
    },

    /** Stops the loop after the batch in flight is recorded. */
    async stop(): Promise<void> {
      running = false;
      wakeUp?.();
      await loop;
      loop = null;
    },

    /** One delivery, or null. */
    async getDelivery(id: number): Promise<DeliveryView | null> {
      const row = await db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toView(row as Row & { id: number }) : null;
    },

    /** Deliveries newest first, by state and the contact points' owning teams (owner keys). */
    async listDeliveries(opts: { state?: DeliveryState; ownerKeys?: string[]; contactPoint?: { owner: string; name: string }; limit?: number; cursor?: number } = {}): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
      const limit = Math.min(500, Math.max(1, opts.limit ?? 50));
      let q = db.selectFrom('notification_outbox').selectAll().orderBy('id', 'desc').limit(limit + 1);
      if (opts.state) q = q.where('state', '=', opts.state);
      if (opts.ownerKeys) q = q.where('contact_owner_key', 'in', opts.ownerKeys.length ? opts.ownerKeys : ['']);
      if (opts.contactPoint) q = q.where('contact_owner_key', '=', opts.contactPoint.owner.toLowerCase()).where('contact_name', '=', opts.contactPoint.name);
      if (opts.cursor !== undefined) q = q.where('id', '<', opts.cursor);
      const rows = await q.execute();
      const page = rows.slice(0, limit).map((r) => toView(r as Row & { id: number }));
      return { items: page, nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null };
    },

    /** The dead-letter list. */
    listDead(opts: { ownerKeys?: string[]; limit?: number; cursor?: number } = {}) {
      return outbox.listDeliveries({ ...opts, state: 'dead' });
    },

    /**
     * Queues a dead (or backing-off) delivery again, due now, with a fresh set of attempts.
     * Returns null when there is no such delivery.
     */
    async retry(id: number): Promise<DeliveryView | null> {
      const nowIso = clock.now().toISOString();
      const res = await db
        .updateTable('notification_outbox')
        .set({ state: 'pending', attempts: 0, due_at: nowIso, queued_at: nowIso })
        .where('id', '=', id)
        .where('state', 'in', ['dead', 'pending'])
        .executeTakeFirst();
      const view = await outbox.getDelivery(id);
      if (!view) return null;
      if (Number(res.numUpdatedRows) === 0) {
        throw new AppError('ALERTING_DELIVERY_NOT_RETRYABLE', `delivery ${id} is ${view.state}: only dead or waiting deliveries can be retried`, { state: view.state });
      }
      wake();
      return view;
    },

    /** Rows per waiting state, the oldest waiting row's age, and this process's counters since it started. */
    async stats(): Promise<{ pending: number; delivering: number; dead: number; oldestPendingSeconds: number; attempts: number; delivered: number; failed: number; deadLettered: number }> {
      const rows = await db
        .selectFrom('notification_outbox')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('queued_at').as('oldest')])
        .where('state', 'in', ['pending', 'delivering', 'dead'])
        .groupBy('state')
        .execute();
      const by = new Map(rows.map((r) => [r.state, r]));
      const oldest = [by.get('pending')?.oldest, by.get('delivering')?.oldest].filter((v): v is string => typeof v === 'string').sort()[0];
      return {
        pending: Number(by.get('pending')?.n ?? 0),
        delivering: Number(by.get('delivering')?.n ?? 0),
        dead: Number(by.get('dead')?.n ?? 0),
        oldestPendingSeconds: oldest ? Math.max(0, (clock.now().getTime() - Date.parse(oldest)) / 1000) : 0,
        attempts: counters.attempts,
        delivered: counters.delivered,
        failed: counters.failed,
        deadLettered: counters.dead,
      };
    },

    /** Deletes delivered and skipped rows older than `keepDeliveredMs` and dead ones older than 30 days (the loop does it hourly). */
    prune: () => prune(clock.now()),

    /**
     * "Send test notification": one firing test alert sent to `spec` at once, outside the outbox
     * (no retry). The answer names no secret.
     */
    async sendTest(spec: ContactPointSpec, name: string): Promise<{ ok: boolean; status?: number; error?: string }> {
      const now = clock.now().toISOString();
      const labels = { alertname: 'TestNotification', severity: 'info', contactPoint: name };
      const notification: GroupNotification = {
        groupKey: `{}/{contactPoint="${name}"}:{alertname="TestNotification"}`,
        status: 'firing',
        alerts: [
          {
            status: 'firing',
            labels,
            annotations: { summary: 'A test notification from Ethos', description: `Sent with "Send test notification" to check the contact point ${name}. Nothing is wrong.` },
            startsAt: now,
            endsAt: NEVER_ENDS,
            generatorURL: deps.externalURL ?? '',
            fingerprint: randomBytes(8).toString('hex'),
          },
        ],
        groupLabels: { alertname: 'TestNotification' },
        commonLabels: labels,
        commonAnnotations: {},
        externalURL: deps.externalURL ?? '',
      };
      const secrets = secretsOf(spec);
      let rendered: RenderedDelivery | null;
      try {
        rendered = renderForContactPoint({ ...spec, sendResolved: true }, name, notification);
      } catch (err) {
        return { ok: false, error: redact(err instanceof ContactPointConfigError ? err.message : 'the notification could not be formatted', secrets) };
      }
      if (!rendered) return { ok: false, error: 'nothing to send' };
      const abort = new AbortController();
      const result = await send(rendered, `test-${randomUUID()}`, secrets, abort.signal).finally(() => abort.abort());
      return result.ok ? { ok: true, ...(result.status ? { status: result.status } : {}) } : { ok: false, ...(result.status ? { status: result.status } : {}), error: result.error };
    },
  };
  return outbox;
}

/** The outbox's public face. */
export type Outbox = ReturnType<typeof createOutbox>;
