import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { checkBlamelessSections } from '../../../shared/blameless.ts';
import type { IncidentDetail, IncidentEvent } from '../../../shared/incident.schema.ts';
import {
  POSTMORTEM_SECTIONS,
  type Digest,
  type PostmortemComment,
  type PostmortemCreate,
  type PostmortemDetail,
  type PostmortemListQuery,
  type PostmortemPatch,
  type PostmortemRevision,
  type PostmortemSection,
  type PostmortemStatus,
  type PostmortemSummary,
  type SupportingLink,
  type TimelineEntry,
} from '../../../shared/postmortem.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { isUniqueViolation, type Database, type DbKind } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor } from '../../platform/permissions.ts';
import type { AuditService } from '../audit/index.ts';
import type { Incidents } from '../incidents/index.ts';
import type { ActionItems } from './action-items.service.ts';
import { postmortemSearch, searchText } from './postmortems.search.ts';

type Row = Selectable<Database['postmortems']>;
type Executor = Kysely<Database> | Transaction<Database>;

/** The column of each section. */
const COLUMNS: Record<PostmortemSection, keyof Row> = {
  summary: 'summary',
  impact: 'impact',
  rootCauses: 'root_causes',
  trigger: 'trigger_text',
  resolution: 'resolution',
  detection: 'detection',
  wentWell: 'went_well',
  wentWrong: 'went_wrong',
  whereWeGotLucky: 'where_we_got_lucky',
};

/** Most timeline entries taken from an incident (the editor's limit). */
const MAX_TIMELINE = 500;
const MAX_ENTRY = 2000;
/** The account `ethos serve` creates first is not a person: "the admin console" is not blame. */
const NOT_PEOPLE = new Set(['admin']);

const iso = (t: string) => new Date(t).toISOString();

function sectionsOf(r: Row): Record<PostmortemSection, string> {
  return Object.fromEntries(POSTMORTEM_SECTIONS.map((s) => [s, r[COLUMNS[s]] as string])) as Record<PostmortemSection, string>;
}

function summaryView(r: Row): PostmortemSummary {
  return {
    id: Number(r.id),
    title: r.title,
    team: r.owner_key,
    incident: r.incident_id === null ? null : Number(r.incident_id),
    status: r.status as PostmortemStatus,
    summary: r.summary,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    publishedAt: r.published_at,
  };
}

/** An incident's timeline entry as one line of the postmortem's timeline. */
export function describeIncidentEvent(e: IncidentEvent): string {
  const alert = typeof e.details.alertname === 'string' ? e.details.alertname : 'an alert';
  const said = e.text ? `: ${e.text}` : '';
  switch (e.type) {
    case 'opened':
      return e.actor ? `Incident opened by ${e.actor}${said}` : `Incident ${e.text ?? 'opened by an alert'}`;
    case 'alert-fired':
      return `Alert ${alert} fired${said}`;
    case 'alert-resolved':
      return `Alert ${alert} resolved`;
    case 'acknowledged':
      return `Alert ${alert} acknowledged by ${e.actor ?? 'someone'}`;
    case 'note':
      return `Note by ${e.actor ?? 'someone'}${said}`;
    case 'status':
      return `Status set to ${e.text ?? '?'}`;
    case 'commander':
      return e.text ? `${e.text} took command` : 'The commander stepped down';
    case 'impact':
      return `Impact described${said}`;
    case 'resolution':
      return `Resolution described${said}`;
    case 'title':
      return `Incident renamed${said}`;
    case 'resolved':
      return `Incident resolved${said}`;
    default:
      return `${e.type}${said}`;
  }
}

/** The postmortem's timeline, pre-filled from an incident's (oldest first). */
function timelineOf(incident: IncidentDetail): TimelineEntry[] {
  return incident.events.slice(0, MAX_TIMELINE).map((e) => {
    const text = describeIncidentEvent(e);
    return { at: iso(e.at), text: text.length > MAX_ENTRY ? `${text.slice(0, MAX_ENTRY - 1)}…` : text };
  });
}

/** What the postmortems service needs from the rest of Ethos. */
export interface PostmortemDeps {
  db: Kysely<Database>;
  dbKind: DbKind;
  clock: Clock;
  audit: AuditService;
  incidents: Incidents;
  actionItems: ActionItems;
  /** A team's display name from its key; null when there is no such live team. */
  teamName(teamKey: string): Promise<string | null>;
  /** Names and display names of the people who use Ethos (the blameless check flags them). */
  personNames(): Promise<string[]>;
}

/**
 * Postmortems: written by a team about an incident (one each) or on their own, in the sections of
 * the Google SRE template; a draft → in review → published. Every change is a revision (who, when,
 * which fields from what to what). Saves answer with the blameless language check's advice.
 * @remarks A postmortem that is not published does not exist for anyone outside its team (and
 * admins): reads answer 404, never 403, so that its existence does not leak.
 */
export function createPostmortems(deps: PostmortemDeps) {
  const { db } = deps;
  const search = postmortemSearch(deps.dbKind);
  const now = () => deps.clock.now().toISOString();

  const canRead = (actor: Actor, r: Pick<Row, 'status' | 'owner_key'>) => r.status === 'published' || permissions.isMember(actor, r.owner_key);

  async function names(): Promise<string[]> {
    return (await deps.personNames()).filter((n) => !NOT_PEOPLE.has(n.toLowerCase()));
  }

  /** The postmortem, when `actor` may read it; else 404. */
  async function loadReadable(ex: Executor, actor: Actor, id: number): Promise<Row> {
    const row = await ex.selectFrom('postmortems').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !canRead(actor, row)) throw new AppError('POSTMORTEM_NOT_FOUND', `no postmortem #${id}`);
    return row;
  }

  /** The postmortem, when `actor` may change it: 404 when they may not read it, 403 when they only read it. */
  async function loadWritable(ex: Executor, actor: Actor, id: number): Promise<Row> {
    const row = await loadReadable(ex, actor, id);
    if (!permissions.isMember(actor, row.owner_key)) {
      throw new AppError('POSTMORTEM_NOT_OWNER', `only members of team "${row.owner_key}" change postmortem #${id}; add a comment or talk to them`);
    }
    return row;
  }

  /** The postmortem as the API shows it; `people` from names(), read before any transaction (SQLite has one connection). */
  async function detail(ex: Executor, actor: Actor, r: Row, people: string[]): Promise<PostmortemDetail> {
    const id = Number(r.id);
    const comments = await ex.selectFrom('postmortem_comments').selectAll().where('postmortem_id', '=', id).orderBy('id').execute();
    const sections = sectionsOf(r);
    return {
      ...summaryView(r),
      ...sections,
      startedAt: r.started_at,
      resolvedAt: r.resolved_at,
      timeline: JSON.parse(r.timeline) as TimelineEntry[],
      links: JSON.parse(r.links) as SupportingLink[],
      revision: r.revision,
      actionItems: await deps.actionItems.ofPostmortem(ex, actor, id),
      comments: comments.map((c): PostmortemComment => ({ id: Number(c.id), author: c.author, at: c.at, text: c.text })),
      warnings: checkBlamelessSections({ title: r.title, ...sections }, people),
    };
  }

  async function addRevision(trx: Transaction<Database>, r: { id: number; revision: number }, actor: Actor, action: PostmortemRevision['action'], changes: PostmortemRevision['changes'], at: string) {
    await trx.insertInto('postmortem_revisions').values({ postmortem_id: r.id, revision: r.revision, author: actor.name, at, action, changes: JSON.stringify(changes) }).execute();
  }

  async function incidentFor(id: number): Promise<IncidentDetail> {
    try {
      return await deps.incidents.get(id);
    } catch (err) {
      if (err instanceof AppError && err.code === 'INCIDENT_NOT_FOUND') throw new AppError('POSTMORTEM_INCIDENT_UNKNOWN', `no incident #${id}`, { field: 'incident' });
      throw err;
    }
  }

  return {
    /**
     * Starts a postmortem (members of the owning team). From an incident, the title, impact,
     * resolution, start and resolution times and the timeline are taken from it, unless given.
     */
    async create(actor: Actor, input: PostmortemCreate): Promise<PostmortemDetail> {
      const incident = input.incident === undefined ? null : await incidentFor(input.incident);
      const people = await names();
      const owner = (input.team ?? incident?.owner ?? '').toLowerCase();
      if (!owner) throw new AppError('POSTMORTEM_TEAM_UNKNOWN', `no team owns incident #${incident?.id}: say which team writes the postmortem`, { field: 'team' });
      if (!(await deps.teamName(owner))) throw new AppError('POSTMORTEM_TEAM_UNKNOWN', `no team "${input.team ?? owner}"`, { field: 'team' });
      if (!permissions.isMember(actor, owner)) throw new AppError('POSTMORTEM_NOT_OWNER', `only members of team "${owner}" write its postmortems`);
      // an incident's postmortem is its team's to start (one per incident: another team's draft would shut them out)
      if (incident?.owner && !permissions.isMember(actor, incident.owner.toLowerCase())) {
        throw new AppError('POSTMORTEM_NOT_OWNER', `only members of team "${incident.owner}", which owns incident #${incident.id}, start its postmortem`, { field: 'incident' });
      }
      const sections = Object.fromEntries(POSTMORTEM_SECTIONS.map((s) => [s, input[s] ?? ''])) as Record<PostmortemSection, string>;
      if (incident) {
        if (input.impact === undefined) sections.impact = incident.impact ?? '';
        if (input.resolution === undefined) sections.resolution = incident.resolution ?? '';
      }
      const title = input.title ?? incident!.title;
      const timeline = input.timeline ?? (incident ? timelineOf(incident) : []);
      const startedAt = input.startedAt !== undefined ? input.startedAt : (incident?.startedAt ?? null);
      const resolvedAt = input.resolvedAt !== undefined ? input.resolvedAt : (incident?.resolvedAt ?? null);
      try {
        return await db.transaction().execute(async (trx) => {
          if (incident) {
            const existing = await trx.selectFrom('postmortems').select(['id', 'owner_key', 'status']).where('incident_id', '=', incident.id).executeTakeFirst();
            if (existing) throw exists(actor, incident.id, existing);
          }
          const time = now();
          const values = {
            owner_key: owner,
            incident_id: incident?.id ?? null,
            title,
            status: 'draft',
            ...Object.fromEntries(POSTMORTEM_SECTIONS.map((s) => [COLUMNS[s], sections[s]])),
            started_at: startedAt === null ? null : iso(startedAt),
            resolved_at: resolvedAt === null ? null : iso(resolvedAt),
            timeline: JSON.stringify(timeline.map((e) => ({ at: iso(e.at), text: e.text }))),
            links: JSON.stringify(input.links ?? []),
            search_text: searchText({ title, ...sections }),
            revision: 1,
            created_by: actor.name,
            created_at: time,
            updated_at: time,
            published_at: null,
          } as Omit<Row, 'id'>;
          const row = await trx.insertInto('postmortems').values(values).returningAll().executeTakeFirstOrThrow();
          await addRevision(trx, { id: Number(row.id), revision: 1 }, actor, 'created', [], time);
          await deps.audit.record(trx, { actor: actor.name, action: 'postmortem.create', targetKind: 'Postmortem', targetName: String(row.id), ip: actor.ip, details: { team: owner, incident: incident?.id ?? null } });
          return detail(trx, actor, row, people);
        });
      } catch (err) {
        // two people starting one incident's postmortem at once: the unique index decides
        if (incident && isUniqueViolation(err)) {
          const existing = await db.selectFrom('postmortems').select(['id', 'owner_key', 'status']).where('incident_id', '=', incident.id).executeTakeFirst();
          if (existing) throw exists(actor, incident.id, existing);
        }
        throw err;
      }
    },

    /** Postmortems the actor may read, newest first; `q` searches published ones only. */
    async list(actor: Actor, q: PostmortemListQuery): Promise<{ items: PostmortemSummary[]; nextCursor: string | null }> {
      let query = db.selectFrom('postmortems').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
      if (!actor.admin) {
        const teams = [...actor.teams.keys()];
        query = query.where((eb) => eb.or([eb('status', '=', 'published'), ...(teams.length ? [eb('owner_key', 'in', teams)] : [])]));
      }
      if (q.team) query = query.where('owner_key', '=', q.team.toLowerCase());
      if (q.status) query = query.where('status', '=', q.status);
      if (q.incident !== undefined) query = query.where('incident_id', '=', q.incident);
      if (q.q) query = query.where('status', '=', 'published').where(search.matches(q.q));
      if (q.cursor) query = query.where('id', '<', Number(q.cursor));
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      return { items: page.map(summaryView), nextCursor: rows.length > q.limit && page.length ? String(page.at(-1)!.id) : null };
    },

    /** A postmortem with its sections, timeline, action items, comments and blameless advice. */
    async get(actor: Actor, id: number): Promise<PostmortemDetail> {
      return detail(db, actor, await loadReadable(db, actor, id), await names());
    },

    /**
     * Changes sections, title, times, timeline or links (members of the owning team). Each save
     * that changes something is a revision listing the changed fields; a stale `baseRevision`
     * changes nothing and answers 409.
     */
    async update(actor: Actor, id: number, patch: PostmortemPatch): Promise<PostmortemDetail> {
      const people = await names();
      return db.transaction().execute(async (trx) => {
        const r = await loadWritable(trx, actor, id);
        if (patch.baseRevision !== undefined && patch.baseRevision !== r.revision) {
          throw new AppError('POSTMORTEM_STALE', `postmortem #${id} changed since revision ${patch.baseRevision} (now ${r.revision}): reload it and apply your edit again`, { revision: r.revision });
        }
        const current = { title: r.title, ...sectionsOf(r), startedAt: r.started_at, resolvedAt: r.resolved_at, timeline: JSON.parse(r.timeline) as unknown, links: JSON.parse(r.links) as unknown };
        const next: Record<string, unknown> = {};
        for (const k of ['title', ...POSTMORTEM_SECTIONS] as const) if (patch[k] !== undefined) next[k] = patch[k];
        for (const k of ['startedAt', 'resolvedAt'] as const) if (patch[k] !== undefined) next[k] = patch[k] === null ? null : iso(patch[k]);
        if (patch.timeline) next.timeline = patch.timeline.map((e) => ({ at: iso(e.at), text: e.text }));
        if (patch.links) next.links = patch.links;
        const changes = Object.entries(next)
          .filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(current[k as keyof typeof current]))
          .map(([field, to]) => ({ field, from: current[field as keyof typeof current], to }));
        if (!changes.length) return detail(trx, actor, r, people);
        const merged = { ...current, ...next } as typeof current;
        const set: Partial<Row> = {};
        for (const c of changes) {
          if (c.field === 'title') set.title = merged.title;
          else if (c.field === 'startedAt') set.started_at = merged.startedAt;
          else if (c.field === 'resolvedAt') set.resolved_at = merged.resolvedAt;
          else if (c.field === 'timeline') set.timeline = JSON.stringify(merged.timeline);
          else if (c.field === 'links') set.links = JSON.stringify(merged.links);
          else (set as Record<string, unknown>)[COLUMNS[c.field as PostmortemSection]] = merged[c.field as PostmortemSection];
        }
        const time = now();
        const revision = r.revision + 1;
        await trx
          .updateTable('postmortems')
          .set({ ...set, search_text: searchText(merged), revision, updated_at: time })
          .where('id', '=', r.id)
          .execute();
        await addRevision(trx, { id, revision }, actor, 'edited', changes, time);
        await deps.audit.record(trx, { actor: actor.name, action: 'postmortem.update', targetKind: 'Postmortem', targetName: String(id), ip: actor.ip, details: { changed: changes.map((c) => c.field), revision } });
        return detail(trx, actor, await loadReadable(trx, actor, id), people);
      });
    },

    /**
     * Moves a postmortem between draft, in review and published (members of the owning team).
     * Publishing needs a summary; the blameless check never stops it.
     */
    async setStatus(actor: Actor, id: number, status: PostmortemStatus): Promise<PostmortemDetail> {
      const people = await names();
      return db.transaction().execute(async (trx) => {
        const r = await loadWritable(trx, actor, id);
        if (r.status === status) return detail(trx, actor, r, people);
        if (status === 'published' && !r.summary.trim()) {
          throw new AppError('POSTMORTEM_INVALID', `write a summary of postmortem #${id} before publishing it`, { field: 'summary' });
        }
        const time = now();
        const revision = r.revision + 1;
        await trx
          .updateTable('postmortems')
          .set({ status, revision, updated_at: time, ...(status === 'published' && !r.published_at ? { published_at: time } : {}) })
          .where('id', '=', r.id)
          .execute();
        await addRevision(trx, { id, revision }, actor, 'status', [{ field: 'status', from: r.status, to: status }], time);
        await deps.audit.record(trx, { actor: actor.name, action: 'postmortem.status', targetKind: 'Postmortem', targetName: String(id), ip: actor.ip, details: { from: r.status, to: status } });
        return detail(trx, actor, await loadReadable(trx, actor, id), people);
      });
    },

    /** Adds a review comment (anyone who may read the postmortem). */
    async addComment(actor: Actor, id: number, text: string): Promise<PostmortemDetail> {
      const people = await names();
      return db.transaction().execute(async (trx) => {
        const r = await loadReadable(trx, actor, id);
        await trx.insertInto('postmortem_comments').values({ postmortem_id: id, author: actor.name, at: now(), text }).execute();
        return detail(trx, actor, r, people);
      });
    },

    /**
     * Who changed what and when, newest first.
     * @remarks Outside the owning team, a change shows which field changed but not its text before
     * and after: the wording of drafts (a name, "should have") stays with the team after publishing.
     */
    async revisions(actor: Actor, id: number): Promise<PostmortemRevision[]> {
      const pm = await loadReadable(db, actor, id);
      const ownTeam = permissions.isMember(actor, pm.owner_key);
      const rows = await db.selectFrom('postmortem_revisions').selectAll().where('postmortem_id', '=', id).orderBy('revision', 'desc').execute();
      return rows.map((r) => {
        const changes = JSON.parse(r.changes) as PostmortemRevision['changes'];
        return {
          revision: r.revision,
          author: r.author,
          at: r.at,
          action: r.action as PostmortemRevision['action'],
          changes: ownTeam ? changes : changes.map((c) => (c.field === 'status' ? c : { field: c.field })),
        };
      });
    },

    /** Recently published postmortems with their lessons and how their action items stand. */
    async digest(q: { days: number; limit: number }): Promise<Digest> {
      const since = new Date(deps.clock.now().getTime() - q.days * 86_400_000).toISOString();
      const rows = await db
        .selectFrom('postmortems')
        .selectAll()
        .select([
          sql<number>`(select count(*) from action_items ai where ai.postmortem_id = postmortems.id)`.as('items_total'),
          sql<number>`(select count(*) from action_items ai where ai.postmortem_id = postmortems.id and ai.status = 'done')`.as('items_done'),
        ])
        .where('status', '=', 'published')
        .where('published_at', '>=', since)
        .orderBy('published_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit)
        .execute();
      return {
        since,
        items: rows.map((r) => ({
          id: Number(r.id),
          title: r.title,
          team: r.owner_key,
          incident: r.incident_id === null ? null : Number(r.incident_id),
          publishedAt: r.published_at!,
          summary: r.summary,
          wentWell: r.went_well,
          wentWrong: r.went_wrong,
          whereWeGotLucky: r.where_we_got_lucky,
          actionItems: { total: Number(r.items_total), done: Number(r.items_done) },
        })),
      };
    },

    /** The names the blameless check flags (the web editor checks as people type). */
    names,
  };
}

/** The 409 for an incident that has a postmortem; its number only for those who may read it. */
function exists(actor: Actor, incident: number, existing: Pick<Row, 'id' | 'owner_key' | 'status'>): AppError {
  const readable = existing.status === 'published' || permissions.isMember(actor, existing.owner_key);
  return new AppError(
    'POSTMORTEM_EXISTS',
    readable ? `incident #${incident} already has postmortem #${existing.id}: edit that one` : `incident #${incident} already has a postmortem (team "${existing.owner_key}" is writing it)`,
    readable ? { postmortem: Number(existing.id) } : undefined,
  );
}

/** The postmortems service. */
export type Postmortems = ReturnType<typeof createPostmortems>;
