import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { IncidentAlert, IncidentDetail, IncidentEvent, IncidentEventType, IncidentListQuery, IncidentPatch, IncidentStatus, IncidentView } from '../../../shared/incident.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { isPostgres, type Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor } from '../../platform/permissions.ts';
import type { AlertInstance, AlertWatcher } from '../alerting/index.ts';
import type { AuditService } from '../audit/index.ts';

type Row = Selectable<Database['incidents']>;
type Executor = Kysely<Database> | Transaction<Database>;

const iso = (ms: number) => new Date(ms).toISOString();
const isOpen = (status: string) => status !== 'resolved';
/** The alert's name as people know it (a posted alert's rule key is `posted:<alertname>`). */
const alertnameOf = (a: AlertInstance) => a.labels.alertname ?? a.ruleKey.replace(/^posted:/, '');

function view(r: Row): IncidentView {
  return {
    id: Number(r.id),
    service: r.service,
    owner: r.owner_key,
    title: r.title,
    status: r.status as IncidentStatus,
    severity: r.severity,
    commander: r.commander,
    impact: r.impact,
    resolution: r.resolution,
    startedAt: r.started_at,
    resolvedAt: r.resolved_at,
    openedBy: r.opened_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Incidents: a firing `page` alert opens one for its service, or joins the service's open one;
 * people open them by hand, lead them (commander, status, impact, notes) and resolve them. Every
 * change is an entry on the incident's timeline.
 * @remarks An incident is never resolved by its alerts: they only add timeline entries. The time
 * to restore is resolved_at − started_at.
 */
export function createIncidents(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditService;
  /** The owning team key of each named live service (lower-cased names). */
  serviceOwners(names: string[]): Promise<Map<string, string>>;
}) {
  const { db } = deps;
  const now = () => deps.clock.now().toISOString();
  const pg = isPostgres(db);

  /**
   * Serialises the opening of a service's incident: two alerts of one service firing at once (an
   * evaluation pass and a Prometheus post, or two replicas) must not open two incidents. SQLite has
   * one writer at a time; PostgreSQL takes a transaction-scoped advisory lock per service.
   */
  async function lockService(trx: Transaction<Database>, service: string): Promise<void> {
    if (pg) await sql`select pg_advisory_xact_lock(hashtext(${`ethos.incident:${service}`}))`.execute(trx);
  }

  async function addEvent(ex: Executor, incidentId: number, e: { at: string; type: IncidentEventType; actor: string | null; text?: string | null; details?: Record<string, unknown> }) {
    await ex
      .insertInto('incident_events')
      .values({ incident_id: incidentId, at: e.at, type: e.type, actor: e.actor, text: e.text ?? null, details: JSON.stringify(e.details ?? {}) })
      .execute();
  }

  async function load(ex: Executor, id: number): Promise<Row> {
    const row = await ex.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('INCIDENT_NOT_FOUND', `no incident #${id}`);
    return row;
  }

  /** Open incidents an alert is linked to, with the alert's last state on each. */
  function openLinks(ex: Executor, a: AlertInstance) {
    return ex
      .selectFrom('incident_alerts')
      .innerJoin('incidents', 'incidents.id', 'incident_alerts.incident_id')
      .select(['incident_alerts.incident_id', 'incident_alerts.state'])
      .where('incident_alerts.rule_key', '=', a.ruleKey)
      .where('incident_alerts.fingerprint', '=', a.fingerprint)
      .where('incidents.status', '!=', 'resolved')
      .execute();
  }

  function alertDetails(a: AlertInstance) {
    return { rule: a.ruleKey, fingerprint: a.fingerprint, alertname: alertnameOf(a), severity: a.severity, value: a.value, labels: a.labels };
  }

  async function alertFired(a: AlertInstance, at: number): Promise<void> {
    const service = a.service.toLowerCase();
    // the owner of a posted alert without a team is the service's, when the catalog knows it
    const owner = a.ownerKey || (await deps.serviceOwners([service])).get(service) || '';
    await db.transaction().execute(async (trx) => {
      await lockService(trx, service);
      const time = iso(at);
      const links = await openLinks(trx, a);
      if (links.length) {
        // fired again while its incident is open: a new entry, no new link
        for (const l of links.filter((l) => l.state !== 'firing')) {
          await trx.updateTable('incident_alerts').set({ state: 'firing' }).where('incident_id', '=', l.incident_id).where('rule_key', '=', a.ruleKey).where('fingerprint', '=', a.fingerprint).execute();
          await addEvent(trx, Number(l.incident_id), { at: time, type: 'alert-fired', actor: null, text: a.annotations.summary ?? null, details: alertDetails(a) });
          await trx.updateTable('incidents').set({ updated_at: time }).where('id', '=', l.incident_id).execute();
        }
        return;
      }
      let incident = await trx.selectFrom('incidents').selectAll().where('service', '=', service).where('status', '!=', 'resolved').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (!incident) {
        const started = iso(a.firedAt ?? at);
        incident = await trx
          .insertInto('incidents')
          .values({
            service,
            owner_key: owner,
            title: a.annotations.summary ?? `${alertnameOf(a)} firing on ${service}`,
            status: 'investigating',
            severity: 'page',
            commander: null,
            impact: null,
            resolution: null,
            started_at: started,
            resolved_at: null,
            opened_by: 'alert',
            created_at: time,
            updated_at: time,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await addEvent(trx, Number(incident.id), { at: time, type: 'opened', actor: null, text: `opened by the alert ${alertnameOf(a)}`, details: { rule: a.ruleKey, fingerprint: a.fingerprint } });
      }
      const id = Number(incident.id);
      await trx.insertInto('incident_alerts').values({ incident_id: id, rule_key: a.ruleKey, fingerprint: a.fingerprint, alertname: alertnameOf(a), state: 'firing', linked_at: time }).execute();
      await addEvent(trx, id, { at: time, type: 'alert-fired', actor: null, text: a.annotations.summary ?? null, details: alertDetails(a) });
      await trx.updateTable('incidents').set({ updated_at: time }).where('id', '=', id).execute();
    });
  }

  async function alertResolved(a: AlertInstance, at: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const time = iso(at);
      for (const l of (await openLinks(trx, a)).filter((l) => l.state === 'firing')) {
        await trx.updateTable('incident_alerts').set({ state: 'resolved' }).where('incident_id', '=', l.incident_id).where('rule_key', '=', a.ruleKey).where('fingerprint', '=', a.fingerprint).execute();
        await addEvent(trx, Number(l.incident_id), { at: time, type: 'alert-resolved', actor: null, details: alertDetails(a) });
        await trx.updateTable('incidents').set({ updated_at: time }).where('id', '=', l.incident_id).execute();
      }
    });
  }

  /** Told by alerting after the notifier: page alerts open or join incidents; linked alerts' changes go on the timeline. */
  const watcher: AlertWatcher = {
    async alertsChanged(changed, at) {
      for (const a of changed) {
        if (a.state === 'firing' && a.severity.toLowerCase() === 'page' && a.service) await alertFired(a, at);
        else if (a.state === 'resolved') await alertResolved(a, at);
      }
    },
    async alertAcknowledged(a, by, at) {
      if (!by) return;
      const links = await openLinks(db, a);
      for (const l of links) await addEvent(db, Number(l.incident_id), { at: iso(at), type: 'acknowledged', actor: by, details: { rule: a.ruleKey, fingerprint: a.fingerprint, alertname: alertnameOf(a) } });
    },
  };

  function requireMember(actor: Actor, r: Row): void {
    if (!permissions.isMember(actor, r.owner_key)) {
      throw new AppError('NOT_OWNER', r.owner_key ? `only members of team "${r.owner_key}" (which owns ${r.service}) change this incident` : `no team owns ${r.service}: only administrators change this incident`);
    }
  }

  async function detail(ex: Executor, r: Row): Promise<IncidentDetail> {
    const events = await ex.selectFrom('incident_events').selectAll().where('incident_id', '=', r.id).orderBy('id').execute();
    const alerts = await ex.selectFrom('incident_alerts').selectAll().where('incident_id', '=', r.id).orderBy('linked_at').execute();
    return {
      ...view(r),
      events: events.map(
        (e): IncidentEvent => ({ id: Number(e.id), at: e.at, type: e.type as IncidentEventType, actor: e.actor, text: e.text, details: JSON.parse(e.details) as Record<string, unknown> }),
      ),
      alerts: alerts.map((l): IncidentAlert => ({ rule: l.rule_key, fingerprint: l.fingerprint, alertname: l.alertname, state: l.state, linkedAt: l.linked_at })),
    };
  }

  return {
    watcher,

    /** Opens an incident by hand (members of the team owning the service, or admins). */
    async open(actor: Actor, input: { service: string; title: string; severity: string; impact?: string; commander?: string }): Promise<IncidentDetail> {
      const service = input.service.toLowerCase();
      const owner = (await deps.serviceOwners([service])).get(service);
      if (owner === undefined) throw new AppError('INCIDENT_SERVICE_UNKNOWN', `no service "${input.service}" in the catalog`);
      if (!permissions.isMember(actor, owner)) throw new AppError('NOT_OWNER', `only members of team "${owner}" (which owns ${service}) open its incidents`);
      return db.transaction().execute(async (trx) => {
        const time = now();
        const row = await trx
          .insertInto('incidents')
          .values({
            service,
            owner_key: owner,
            title: input.title,
            status: 'investigating',
            severity: input.severity,
            commander: input.commander ?? null,
            impact: input.impact ?? null,
            resolution: null,
            started_at: time,
            resolved_at: null,
            opened_by: actor.name,
            created_at: time,
            updated_at: time,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const id = Number(row.id);
        await addEvent(trx, id, { at: time, type: 'opened', actor: actor.name, text: input.title });
        if (input.commander) await addEvent(trx, id, { at: time, type: 'commander', actor: actor.name, text: input.commander });
        if (input.impact) await addEvent(trx, id, { at: time, type: 'impact', actor: actor.name, text: input.impact });
        await deps.audit.record(trx, { actor: actor.name, action: 'incident.open', targetKind: 'Incident', targetName: String(id), ip: actor.ip, details: { service } });
        return detail(trx, row);
      });
    },

    /** Incidents, open ones first, then newest first; `nextCursor` continues the list. */
    async list(q: IncidentListQuery): Promise<{ items: IncidentView[]; nextCursor: string | null }> {
      const rank = sql<number>`case when status = 'resolved' then 1 else 0 end`;
      let query = db.selectFrom('incidents').selectAll().orderBy(rank).orderBy('id', 'desc').limit(q.limit + 1);
      if (q.service) query = query.where('service', '=', q.service.toLowerCase());
      if (q.owner) query = query.where('owner_key', '=', q.owner.toLowerCase());
      if (q.status === 'open') query = query.where('status', '!=', 'resolved');
      else if (q.status) query = query.where('status', '=', q.status);
      if (q.severity) query = query.where('severity', '=', q.severity);
      if (q.cursor) {
        const [r, id] = q.cursor.split(':').map(Number) as [number, number];
        query = query.where((eb) => eb.or([eb(rank, '>', r), eb.and([eb(rank, '=', r), eb('id', '<', id)])]));
      }
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { items: page.map(view), nextCursor: rows.length > q.limit && last ? `${isOpen(last.status) ? 0 : 1}:${Number(last.id)}` : null };
    },

    /** An incident with its timeline and linked alerts. */
    async get(id: number): Promise<IncidentDetail> {
      return detail(db, await load(db, id));
    },

    /**
     * Changes an incident (members of the owning team): each changed field is a timeline entry.
     * Resolving needs a resolution and sets resolved_at; reopening clears it.
     */
    async update(actor: Actor, id: number, patch: IncidentPatch): Promise<IncidentDetail> {
      return db.transaction().execute(async (trx) => {
        const r = await load(trx, id);
        requireMember(actor, r);
        const time = now();
        const set: Partial<Row> = {};
        const events: { type: IncidentEventType; text: string | null; details?: Record<string, unknown> }[] = [];
        if (patch.title !== undefined && patch.title !== r.title) {
          set.title = patch.title;
          events.push({ type: 'title', text: patch.title, details: { from: r.title } });
        }
        if (patch.commander !== undefined && patch.commander !== r.commander) {
          set.commander = patch.commander;
          events.push({ type: 'commander', text: patch.commander, details: { from: r.commander } });
        }
        if (patch.impact !== undefined && patch.impact !== r.impact) {
          set.impact = patch.impact;
          events.push({ type: 'impact', text: patch.impact });
        }
        if (patch.resolution !== undefined && patch.resolution !== r.resolution) {
          set.resolution = patch.resolution;
          events.push({ type: 'resolution', text: patch.resolution });
        }
        if (patch.status !== undefined && patch.status !== r.status) {
          if (patch.status === 'resolved') {
            const resolution = patch.resolution ?? r.resolution;
            if (!resolution) throw new AppError('INCIDENT_INVALID', 'resolving an incident needs a resolution: say what restored the service', { field: 'resolution' });
            set.resolved_at = time;
            events.push({ type: 'resolved', text: resolution, details: { from: r.status } });
          } else {
            // reopening: the time to restore counts again from the same start
            if (r.status === 'resolved') set.resolved_at = null;
            events.push({ type: 'status', text: patch.status, details: { from: r.status } });
          }
          set.status = patch.status;
        }
        if (!events.length) return detail(trx, r);
        set.updated_at = time;
        await trx.updateTable('incidents').set(set).where('id', '=', r.id).execute();
        for (const e of events) await addEvent(trx, id, { at: time, actor: actor.name, ...e });
        await deps.audit.record(trx, { actor: actor.name, action: 'incident.update', targetKind: 'Incident', targetName: String(id), ip: actor.ip, details: { changed: events.map((e) => e.type) } });
        return detail(trx, await load(trx, id));
      });
    },

    /** Adds a note to the timeline (members of the owning team). */
    async addNote(actor: Actor, id: number, text: string): Promise<IncidentDetail> {
      return db.transaction().execute(async (trx) => {
        const r = await load(trx, id);
        requireMember(actor, r);
        const time = now();
        await addEvent(trx, id, { at: time, type: 'note', actor: actor.name, text });
        await trx.updateTable('incidents').set({ updated_at: time }).where('id', '=', r.id).execute();
        return detail(trx, await load(trx, id));
      });
    },
  };
}

/** The incidents service. */
export type Incidents = ReturnType<typeof createIncidents>;
