import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { CONTACT_POINT_KIND, durationMs } from '../../../shared/alerting.schema.ts';
import { calendarSchema, ON_CALL_SCHEDULE_KIND, onCallListSchema, onCallScheduleSpecSchema, type EscalationLevel, type OnCallNow, type OnCallScheduleSpec, type Shift } from '../../../shared/oncall.schema.ts';
import type { ResourceView } from '../../../shared/resource.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { InboxService } from '../inbox/index.ts';
import type { KindDefinition, WriteContext } from '../resources/kinds.ts';
import type { ResourceService } from '../resources/resources.service.ts';
import type { AlertInstance } from './engine.ts';
import type { GroupNotification } from './contact-formats.ts';
import type { NotificationSink } from './notifier.ts';
import { nextShifts, onCallAt, scheduleShifts, type ShiftSpan } from './oncall.shifts.ts';

const key = (s: string) => s.toLowerCase();
const DAY_MS = 86_400_000;
/** The longest calendar one request returns. */
export const CALENDAR_MAX_DAYS = 62;
/** How often the escalation check runs when started. */
export const ESCALATION_INTERVAL_MS = 5_000;
/** How long what was escalated is remembered (an alert firing longer is not escalated again). */
const ESCALATIONS_KEPT_MS = 30 * DAY_MS;

function fieldError(path: string, message: string): AppError {
  return new AppError('RESOURCE_INVALID', `${path}: ${message}`, { field: path, issues: [{ path, message }] });
}

/** A schedule's escalation levels; without any, the first rotation is told at once. */
export function escalationLevels(spec: OnCallScheduleSpec): EscalationLevel[] {
  return spec.escalation?.length ? spec.escalation : [{ after: '0m', rotation: spec.rotations[0]!.name }];
}

const toShift = (s: ShiftSpan): Shift => ({ rotation: s.rotation, user: s.user, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString(), override: s.override });

/**
 * On-call: the OnCallSchedule kind (members and contact points of its own team), who is on call
 * now and when, and escalation — a firing `page` alert of the team that stays unacknowledged
 * reaches each level once its `after` has passed: contact points through the outbox, people in
 * their Ethos inbox (and email). What was escalated is stored, so a restart does not repeat it.
 * @remarks The delays count from when the alert fired, or from when it was last unacknowledged
 * (that starts the escalation over, from the first level). Levels already overdue when a check
 * first sees an alert are all told in that check.
 */
export function createOnCall(deps: {
  db: Kysely<Database>;
  clock: Clock;
  kinds: { register(def: KindDefinition): void };
  resources: Pick<ResourceService, 'loadStored' | 'listAllLive'>;
  /** The firing alerts of a team. */
  firingAlerts(ownerKey: string): AlertInstance[];
  sink: NotificationSink;
  inbox: Pick<InboxService, 'notify'>;
  externalURL: string;
  onError?: (err: unknown) => void;
  /** Whether this replica escalates now (the alerting lease); without it, always. */
  leading?: () => Promise<boolean>;
}) {
  const kind: KindDefinition = {
    kind: ON_CALL_SCHEDULE_KIND,
    spec: onCallScheduleSpecSchema as never,
    async validate(ctx: WriteContext) {
      const next = ctx.next;
      if (!next) return;
      const spec = next.spec as OnCallScheduleSpec;
      const owner = next.metadata.owner;
      const team = await deps.resources.loadStored(ctx.trx, 'Team', owner);
      const members = new Set(((team && !team.deleted ? team.document.spec.members : []) as { user: string }[]).map((m) => key(m.user)));
      const member = (path: string, user: string) => {
        if (!members.has(key(user))) throw fieldError(path, `"${user}" is not a member of team "${owner}": on-call members come from the owning team (add them to the team first)`);
      };
      for (const [i, r] of spec.rotations.entries()) for (const [j, u] of r.members.entries()) member(`spec.rotations.${i}.members.${j}`, u);
      for (const [i, o] of spec.overrides.entries()) member(`spec.overrides.${i}.user`, o.user);
      for (const [i, l] of (spec.escalation ?? []).entries()) {
        for (const [j, u] of (l.users ?? []).entries()) member(`spec.escalation.${i}.users.${j}`, u);
        for (const [j, name] of (l.contactPoints ?? []).entries()) {
          const cp = await deps.resources.loadStored(ctx.trx, CONTACT_POINT_KIND, name);
          if (!cp || cp.deleted) throw fieldError(`spec.escalation.${i}.contactPoints.${j}`, `there is no contact point "${name}"`);
          if (key(cp.document.metadata.owner) !== key(owner)) throw fieldError(`spec.escalation.${i}.contactPoints.${j}`, `contact point "${name}" belongs to team "${cp.document.metadata.owner}": a schedule escalates to its own team's contact points`);
        }
      }
    },
  };
  deps.kinds.register(kind);

  async function schedules(team?: string): Promise<{ doc: ResourceView; spec: OnCallScheduleSpec }[]> {
    const docs = await deps.resources.listAllLive(ON_CALL_SCHEDULE_KIND);
    const out: { doc: ResourceView; spec: OnCallScheduleSpec }[] = [];
    for (const doc of docs) {
      if (team && key(doc.metadata.owner) !== key(team)) continue;
      // stored specs were validated on write; one that no longer parses is skipped, not fatal
      const parsed = onCallScheduleSpecSchema.safeParse(doc.spec);
      if (parsed.success) out.push({ doc, spec: parsed.data });
    }
    return out;
  }

  function nowOf(doc: ResourceView, spec: OnCallScheduleSpec, t: number): OnCallNow {
    const levels = escalationLevels(spec);
    const following = nextShifts(spec, t, 3);
    return {
      team: doc.metadata.owner,
      schedule: doc.metadata.name,
      timeZone: spec.timeZone,
      rotations: onCallAt(spec, t).map((s) => {
        const level = levels.findIndex((l) => l.rotation === s.rotation);
        return { rotation: s.rotation, level: level < 0 ? null : level + 1, current: s.user === null && s.to <= t ? null : toShift(s), next: following.filter((n) => n.rotation === s.rotation).map(toShift) };
      }),
    };
  }

  /** The text and recipients of one level's escalation of one alert. */
  function escalationText(a: AlertInstance, schedule: string, level: number, after: string): { summary: string; body: string } {
    const name = a.labels.alertname ?? a.ruleKey;
    const summary = `Page: ${name}${a.service ? ` (${a.service})` : ''} is firing and unacknowledged${durationMs(after) ? ` for ${after}` : ''}; you are on call (schedule ${schedule}, level ${level})`;
    const link = `${deps.externalURL}/alerts?rule=${encodeURIComponent(name)}`;
    const lines = [summary, '', ...Object.entries(a.annotations).map(([k, v]) => `${k}: ${v}`), '', `Acknowledge it to stop the escalation: ${link}`];
    return { summary, body: lines.join('\n') };
  }

  function notification(a: AlertInstance, schedule: string, level: number, after: string): GroupNotification {
    return {
      groupKey: `oncall:${key(schedule)}:${a.ruleKey}:${a.fingerprint}`,
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: a.labels,
          annotations: a.annotations,
          startsAt: new Date(a.firedAt ?? a.activeAt).toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: `${deps.externalURL}/alerts?rule=${encodeURIComponent(a.labels.alertname ?? '')}`,
          fingerprint: a.fingerprint,
        },
      ],
      groupLabels: { alertname: a.labels.alertname ?? '' },
      commonLabels: a.labels,
      commonAnnotations: { ...a.annotations, escalation: `unacknowledged for ${after}: level ${level} of on-call schedule ${schedule}` },
      externalURL: deps.externalURL,
    };
  }

  let lastCleanup = 0;

  /** When each alert was last unacknowledged (from its history), by rule key and fingerprint. */
  async function unacknowledgedAt(alerts: AlertInstance[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!alerts.length) return out;
    const rows = await deps.db
      .selectFrom('alert_events')
      .select(['rule_key', 'fingerprint', (eb) => eb.fn.max('at').as('at')])
      .where('to_state', '=', 'unacknowledged')
      .where('rule_key', 'in', [...new Set(alerts.map((a) => a.ruleKey))])
      .where('fingerprint', 'in', [...new Set(alerts.map((a) => a.fingerprint))])
      .groupBy(['rule_key', 'fingerprint'])
      .execute();
    for (const r of rows) out.set(`${r.rule_key}|${r.fingerprint}`, Date.parse(String(r.at)));
    return out;
  }

  /** Tells every level that is due of every unacknowledged firing page; returns how many levels were told. */
  async function escalate(): Promise<number> {
    if (deps.leading && !(await deps.leading())) return 0;
    const now = deps.clock.now().getTime();
    let told = 0;
    for (const { doc, spec } of await schedules()) {
      const owner = key(doc.metadata.owner);
      const scheduleKey = key(doc.metadata.name);
      const levels = escalationLevels(spec);
      const due: { id: string; a: AlertInstance; level: number; def: EscalationLevel }[] = [];
      const pages = deps.firingAlerts(owner).filter((a) => a.state === 'firing' && a.severity === 'page' && a.acknowledgedBy === null && a.firedAt !== null);
      const unacked = await unacknowledgedAt(pages);
      for (const a of pages) {
        // an unacknowledgement of this firing starts the escalation over
        const since = Math.max(a.firedAt!, unacked.get(`${a.ruleKey}|${a.fingerprint}`) ?? -Infinity);
        for (const [i, def] of levels.entries()) {
          if (now - since < durationMs(def.after)) break;
          due.push({ id: `${scheduleKey}|${a.ruleKey}|${a.fingerprint}|${since}|${i + 1}`, a, level: i + 1, def });
        }
      }
      if (!due.length) continue;
      const done = new Set((await deps.db.selectFrom('oncall_escalations').select('id').where('id', 'in', due.map((d) => d.id)).execute()).map((r) => r.id));
      for (const d of due) {
        if (done.has(d.id)) continue;
        const row = { id: d.id, schedule_key: scheduleKey, owner_key: owner, rule_key: d.a.ruleKey, fingerprint: d.a.fingerprint, fired_at: new Date(d.a.firedAt!).toISOString(), level: d.level, escalated_at: new Date(now).toISOString() };
        if (d.def.contactPoints) {
          // the outbox's idempotency key makes a repeat after a crash between these two steps harmless
          await deps.sink.enqueue(d.def.contactPoints.map((name) => ({ contactPoint: { owner, name }, idempotencyKey: `oncall:${d.id}:${key(name)}`, notification: notification(d.a, doc.metadata.name, d.level, d.def.after) })));
          await deps.db.insertInto('oncall_escalations').values({ ...row, notified: JSON.stringify(d.def.contactPoints.map((n) => `contact point ${n}`)) }).onConflict((oc) => oc.column('id').doNothing()).execute();
        } else {
          const users = d.def.users ?? onCallAt(spec, now).filter((s) => s.rotation === d.def.rotation && s.user !== null).map((s) => s.user!);
          const text = escalationText(d.a, doc.metadata.name, d.level, d.def.after);
          await deps.db.transaction().execute(async (trx) => {
            const inserted = await trx.insertInto('oncall_escalations').values({ ...row, notified: JSON.stringify(users) }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
            if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) await deps.inbox.notify(trx, { userKeys: users.map(key), type: 'oncall.page', summary: text.summary, body: text.body });
          });
        }
        told++;
      }
    }
    if (now - lastCleanup > DAY_MS) {
      lastCleanup = now;
      await deps.db.deleteFrom('oncall_escalations').where('escalated_at', '<', new Date(now - ESCALATIONS_KEPT_MS).toISOString()).execute();
    }
    return told;
  }

  let timer: NodeJS.Timeout | null = null;
  let running = false;
  return {
    kind,
    /** Who is on call now in each schedule (of one team, or all), until when, and the next handoffs. */
    async now(team?: string): Promise<{ at: string; items: OnCallNow[] }> {
      const t = deps.clock.now().getTime();
      return { at: new Date(t).toISOString(), items: (await schedules(team)).map(({ doc, spec }) => nowOf(doc, spec, t)) };
    },
    /** A schedule's shifts over [from, to) for a calendar; null when there is no such schedule. */
    async calendar(name: string, from: number, to: number) {
      const doc = (await schedules()).find((s) => key(s.doc.metadata.name) === key(name));
      if (!doc) return null;
      return { schedule: doc.doc.metadata.name, team: doc.doc.metadata.owner, timeZone: doc.spec.timeZone, from: new Date(from).toISOString(), to: new Date(to).toISOString(), shifts: scheduleShifts(doc.spec, from, to).map(toShift) };
    },
    escalate,
    /** Runs the escalation check every few seconds. */
    start(): void {
      // a slow check is not started again before it ends
      timer ??= setInterval(() => {
        if (running) return;
        running = true;
        escalate()
          .catch((err) => deps.onError?.(err))
          .finally(() => (running = false));
      }, ESCALATION_INTERVAL_MS);
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

export type OnCall = ReturnType<typeof createOnCall>;

const calendarQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('default: now'),
    to: z.iso.datetime({ offset: true }).optional().describe('default: 14 days after from'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'to must be after from' })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= CALENDAR_MAX_DAYS * DAY_MS, { path: ['to'], message: `at most ${CALENDAR_MAX_DAYS} days from from` });

/** Who is on call: every signed-in reader. */
export const onCallRoutes: FastifyPluginAsyncZod<{ oncall: OnCall; now: () => number }> = async (app, { oncall, now }) => {
  app.get(
    '/api/v1/oncall',
    {
      schema: {
        tags: ['alerting'],
        summary: 'Who is on call now, per team and schedule: per rotation the current shift (until when) and the next handoffs',
        querystring: z.object({ team: z.string().min(1).max(63).optional().describe('only this team’s schedules') }),
        response: { 200: onCallListSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      return oncall.now(req.query.team);
    },
  );

  app.get(
    '/api/v1/oncall/:schedule/calendar',
    {
      schema: {
        tags: ['alerting'],
        summary: `A schedule’s shifts (overrides applied) between from and to, at most ${CALENDAR_MAX_DAYS} days`,
        params: z.object({ schedule: z.string().min(1).max(63) }),
        querystring: calendarQuery,
        response: { 200: calendarSchema },
      },
    },
    async (req) => {
      req.requireActor('read');
      const from = req.query.from ? Date.parse(req.query.from) : now();
      const to = req.query.to ? Date.parse(req.query.to) : from + 14 * DAY_MS;
      if (to <= from || to - from > CALENDAR_MAX_DAYS * DAY_MS) throw new AppError('VALIDATION_FAILED', `querystring/to: at most ${CALENDAR_MAX_DAYS} days after from`);
      const cal = await oncall.calendar(req.params.schedule, from, to);
      if (!cal) throw new AppError('RESOURCE_NOT_FOUND', `there is no on-call schedule "${req.params.schedule}"`);
      return cal;
    },
  );
};
