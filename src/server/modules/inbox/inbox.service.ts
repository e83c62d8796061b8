import type { Kysely, Transaction } from 'kysely';
import nodemailer from 'nodemailer';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db.ts';
import type { Actor } from '../../platform/permissions.ts';

/** A notification for one or more users. */
export interface Notification {
  userKeys: string[];
  type: string;
  changeRequestId?: number | null;
  summary: string;
  /** Text of the email, when SMTP is configured. */
  body?: string;
}

/** Sends one email; injected so tests can observe deliveries without a mail server. */
export type MailTransport = (msg: { to: string; subject: string; text: string }) => Promise<void>;

/** Builds the SMTP transport from `ETHOS_SMTP_URL` (e.g. smtp://user:pass@host:587). */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return async (msg) => {
    await transporter.sendMail({ from, to: msg.to, subject: msg.subject, text: msg.text });
  };
}

/** The inbox: notifications in the API, and a durable email outbox with retry. */
export function createInboxService(deps: { db: Kysely<Database>; clock: Clock; emailsOf(userKeys: string[], ex: Kysely<Database>): Promise<string[]>; emailEnabled: boolean; baseUrl: string }) {
  const { db, clock } = deps;
  return {
    /** Records notifications (and queues emails) in the caller's transaction. */
    async notify(trx: Transaction<Database> | Kysely<Database>, n: Notification): Promise<void> {
      const users = [...new Set(n.userKeys)];
      if (!users.length) return;
      const now = clock.now().toISOString();
      await trx
        .insertInto('inbox')
        .values(users.map((u) => ({ user_key: u, type: n.type, change_request_id: n.changeRequestId ?? null, summary: n.summary, created_at: now, read_at: null })))
        .execute();
      if (!deps.emailEnabled) return;
      const emails = await deps.emailsOf(users, trx);
      if (!emails.length) return;
      const link = n.changeRequestId ? `\n\n${deps.baseUrl}/change-requests/${n.changeRequestId}` : '';
      await trx
        .insertInto('email_outbox')
        .values(emails.map((to) => ({ recipient: to, subject: `[Ethos] ${n.summary}`, body: `${n.body ?? n.summary}${link}\n`, created_at: now, attempts: 0, next_attempt_at: now, sent_at: null, last_error: null })))
        .execute();
    },

    async list(actor: Actor, q: { unread: boolean; limit: number; cursor?: number }) {
      if (!actor.userKey) return { items: [], nextCursor: null };
      let query = db.selectFrom('inbox').selectAll().where('user_key', '=', actor.userKey).orderBy('id', 'desc').limit(q.limit + 1);
      if (q.unread) query = query.where('read_at', 'is', null);
      if (q.cursor !== undefined) query = query.where('id', '<', q.cursor);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({ id: Number(r.id), type: r.type, changeRequest: r.change_request_id === null ? null : Number(r.change_request_id), summary: r.summary, createdAt: r.created_at, read: r.read_at !== null })),
        nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null,
      };
    },

    /** How many of the actor's notifications are unread (the web UI's badge). */
    async countUnread(actor: Actor): Promise<number> {
      if (!actor.userKey) return 0;
      const row = await db
        .selectFrom('inbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_key', '=', actor.userKey)
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      // PostgreSQL's count is a bigint, which pg hands over as a string
      return Number(row.n);
    },

    async markRead(actor: Actor, ids: number[] | 'all'): Promise<void> {
      if (!actor.userKey) return;
      let q = db.updateTable('inbox').set({ read_at: clock.now().toISOString() }).where('user_key', '=', actor.userKey).where('read_at', 'is', null);
      if (ids !== 'all') q = q.where('id', 'in', ids.length ? ids : [-1]);
      await q.execute();
    },

    /**
     * Sends due emails; a plain function the worker calls on a timer. Failed sends back off
     * exponentially (1 min, 2 min … capped at 1 h) and give up after 10 attempts.
     */
    async deliverEmails(send: MailTransport, batch = 20): Promise<{ sent: number; failed: number }> {
      const now = clock.now();
      const due = await db
        .selectFrom('email_outbox')
        .selectAll()
        .where('sent_at', 'is', null)
        .where('attempts', '<', 10)
        .where('next_attempt_at', '<=', now.toISOString())
        .orderBy('id')
        .limit(batch)
        .execute();
      let sent = 0;
      let failed = 0;
      for (const m of due) {
        // claim the message so a second replica does not send it too
        const claimed = await db
          .updateTable('email_outbox')
          .set({ attempts: m.attempts + 1, next_attempt_at: new Date(now.getTime() + Math.min(3600, 60 * 2 ** m.attempts) * 1000).toISOString() })
          .where('id', '=', m.id)
          .where('attempts', '=', m.attempts)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) continue;
        try {
          await send({ to: m.recipient, subject: m.subject, text: m.body });
          await db.updateTable('email_outbox').set({ sent_at: clock.now().toISOString(), last_error: null }).where('id', '=', m.id).execute();
          sent++;
        } catch (err) {
          await db.updateTable('email_outbox').set({ last_error: String((err as Error).message).slice(0, 500) }).where('id', '=', m.id).execute();
          failed++;
        }
      }
      return { sent, failed };
    },

    /** Oldest unsent email's age in seconds: the worker-lag gauge of /metrics. */
    async emailLagSeconds(): Promise<number> {
      const row = await db.selectFrom('email_outbox').select('created_at').where('sent_at', 'is', null).where('attempts', '<', 10).orderBy('id').limit(1).executeTakeFirst();
      return row ? Math.max(0, (clock.now().getTime() - new Date(row.created_at).getTime()) / 1000) : 0;
    },
  };
}

/** The inbox service's public face. */
export type InboxService = ReturnType<typeof createInboxService>;
