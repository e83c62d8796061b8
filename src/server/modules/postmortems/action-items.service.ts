import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ActionItem, ActionItemCreate, ActionItemListQuery, ActionItemPatch, ActionItemStats, ActionItemStatus, ActionItemType } from '../../../shared/postmortem.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor } from '../../platform/permissions.ts';
import type { AuditService } from '../audit/index.ts';
import type { InboxService } from '../inbox/index.ts';

type Executor = Kysely<Database> | Transaction<Database>;
type Row = Selectable<Database['action_items']> & { postmortem_title: string | null };

const UNFINISHED: ActionItemStatus[] = ['open', 'in-progress'];
const key = (s: string) => s.trim().toLowerCase();

/** The teams a list is about: `?team=a&team=b`, lower-cased. */
function teamsOf(team: string | string[] | undefined): string[] {
  return team === undefined ? [] : [...new Set((Array.isArray(team) ? team : [team]).map(key).filter(Boolean))];
}

/** What the action items service needs from the rest of Ethos. */
export interface ActionItemDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditService;
  inbox: InboxService;
  /** A team's display name from its key; null when there is no such live team. */
  teamName(teamKey: string): Promise<string | null>;
  /** User keys of a team's members (pass the transaction inside one). */
  membersOf(teamKey: string, ex?: Kysely<Database>): Promise<{ user_key: string }[]>;
}

/**
 * Action items: records of their own, owned by a team (which may differ from the postmortem's),
 * with a due date, a type and a status only the owner team changes. Overdue means open or in
 * progress after the due date (UTC), by the injected clock.
 * @remarks An item of a postmortem that is not published is seen only by the postmortem's team,
 * the item's team and admins: its title would otherwise leak the draft.
 */
export function createActionItems(deps: ActionItemDeps) {
  const { db } = deps;
  const now = () => deps.clock.now().toISOString();
  /** Today's date (UTC): an item is overdue from the day after its due date. */
  const today = () => now().slice(0, 10);

  function view(r: Row, day: string): ActionItem {
    const unfinished = (UNFINISHED as string[]).includes(r.status);
    return {
      id: Number(r.id),
      title: r.title,
      team: r.owner_key,
      postmortem: r.postmortem_id === null ? null : Number(r.postmortem_id),
      postmortemTitle: r.postmortem_title,
      dueDate: r.due_date,
      type: r.type as ActionItemType,
      status: r.status as ActionItemStatus,
      trackerUrl: r.tracker_url,
      overdue: unfinished && r.due_date < day,
      createdBy: r.created_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      completedAt: r.completed_at,
    };
  }

  /** Items with their postmortem's title, limited to those `actor` may see. */
  function visible(ex: Executor, actor: Actor) {
    let q = ex
      .selectFrom('action_items as ai')
      .leftJoin('postmortems as pm', 'pm.id', 'ai.postmortem_id')
      .selectAll('ai')
      .select('pm.title as postmortem_title');
    if (!actor.admin) {
      const teams = [...actor.teams.keys()];
      q = q.where((eb) =>
        eb.or([eb('pm.id', 'is', null), eb('pm.status', '=', 'published'), ...(teams.length ? [eb('pm.owner_key', 'in', teams), eb('ai.owner_key', 'in', teams)] : [])]),
      );
    }
    return q;
  }

  async function load(ex: Executor, actor: Actor, id: number): Promise<Row> {
    const row = await visible(ex, actor).where('ai.id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('ACTION_ITEM_NOT_FOUND', `no action item #${id}`);
    return row;
  }

  async function requireTeam(team: string): Promise<string> {
    const k = key(team);
    if (!(await deps.teamName(k))) throw new AppError('ACTION_ITEM_TEAM_UNKNOWN', `no team "${team}": an action item is owned by a team`, { field: 'team' });
    return k;
  }

  /** Tells the owner team's members (but not the one assigning) that an item is theirs. */
  async function notifyAssigned(trx: Transaction<Database>, actor: Actor, item: ActionItem): Promise<void> {
    const members = await deps.membersOf(item.team, trx);
    const users = members.map((m) => m.user_key).filter((u) => u !== actor.userKey);
    const about = item.postmortem === null ? '' : ` (postmortem #${item.postmortem}${item.postmortemTitle ? ` ${item.postmortemTitle}` : ''})`;
    await deps.inbox.notify(trx, {
      userKeys: users,
      type: 'action_item.assigned',
      summary: `Action item #${item.id} for ${item.team}, due ${item.dueDate}: ${item.title}`,
      body: `${actor.name} assigned an action item to team ${item.team}${about}:\n\n${item.title}\n\nType: ${item.type}. Due: ${item.dueDate}.${item.trackerUrl ? `\nTracker: ${item.trackerUrl}` : ''}`,
    });
  }

  /** Whether `actor` may edit an item's title, due date, type, tracker link and team: its team or its postmortem's. */
  function canEdit(actor: Actor, r: Row, postmortemOwner: string | null): boolean {
    return permissions.isMember(actor, r.owner_key) || (postmortemOwner !== null && permissions.isMember(actor, postmortemOwner));
  }

  return {
    /** Action items, overdue first, then by due date; `nextCursor` continues the list. */
    async list(actor: Actor, q: ActionItemListQuery): Promise<{ items: ActionItem[]; nextCursor: string | null }> {
      const day = today();
      const rank = sql<number>`case when ai.status in ('open', 'in-progress') and ai.due_date < ${day} then 0 when ai.status in ('open', 'in-progress') then 1 else 2 end`;
      let query = visible(db, actor).orderBy(rank).orderBy('ai.due_date').orderBy('ai.id').limit(q.limit + 1);
      const teams = teamsOf(q.team);
      if (teams.length) query = query.where('ai.owner_key', 'in', teams);
      if (q.status === 'unfinished') query = query.where('ai.status', 'in', UNFINISHED);
      else if (q.status) query = query.where('ai.status', '=', q.status);
      if (q.overdue === 'true') query = query.where('ai.status', 'in', UNFINISHED).where('ai.due_date', '<', day);
      else if (q.overdue === 'false') query = query.where((eb) => eb.or([eb('ai.status', 'not in', UNFINISHED), eb('ai.due_date', '>=', day)]));
      if (q.postmortem !== undefined) query = query.where('ai.postmortem_id', '=', q.postmortem);
      if (q.cursor) {
        const [r, due, id] = q.cursor.split(':') as [string, string, string];
        query = query.where((eb) =>
          eb.or([eb(rank, '>', Number(r)), eb.and([eb(rank, '=', Number(r)), eb('ai.due_date', '>', due)]), eb.and([eb(rank, '=', Number(r)), eb('ai.due_date', '=', due), eb('ai.id', '>', Number(id))])]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, q.limit).map((r) => view(r, day));
      const last = page.at(-1);
      const lastRank = last ? (last.overdue ? 0 : (UNFINISHED as string[]).includes(last.status) ? 1 : 2) : 0;
      return { items: page, nextCursor: rows.length > q.limit && last ? `${lastRank}:${last.dueDate}:${last.id}` : null };
    },

    /** One action item (404 when the actor may not see it). */
    async get(actor: Actor, id: number): Promise<ActionItem> {
      return view(await load(db, actor, id), today());
    },

    /** A postmortem's action items, by due date (the caller has checked the postmortem is readable). */
    async ofPostmortem(ex: Executor, actor: Actor, postmortemId: number): Promise<ActionItem[]> {
      const day = today();
      const rows = await visible(ex, actor).where('ai.postmortem_id', '=', postmortemId).orderBy('ai.due_date').orderBy('ai.id').execute();
      return rows.map((r) => view(r, day));
    },

    /**
     * Adds an action item: to a postmortem by members of its team (for any owner team), or
     * standalone by members of the owner team. The owner team's members get an inbox notification.
     */
    async create(actor: Actor, input: ActionItemCreate): Promise<ActionItem> {
      const team = await requireTeam(input.team);
      return db.transaction().execute(async (trx) => {
        if (input.postmortem !== undefined) {
          const pm = await trx.selectFrom('postmortems').select(['id', 'owner_key', 'status']).where('id', '=', input.postmortem).executeTakeFirst();
          if (!pm || (pm.status !== 'published' && !permissions.isMember(actor, pm.owner_key))) {
            throw new AppError('POSTMORTEM_NOT_FOUND', `no postmortem #${input.postmortem}`);
          }
          if (!permissions.isMember(actor, pm.owner_key)) {
            throw new AppError('ACTION_ITEM_NOT_OWNER', `only members of team "${pm.owner_key}", which owns postmortem #${pm.id}, add its action items`);
          }
        } else if (!permissions.isMember(actor, team)) {
          throw new AppError('ACTION_ITEM_NOT_OWNER', `only members of team "${team}" add action items of their own; link it to a postmortem of your team to assign it to another`);
        }
        const time = now();
        const inserted = await trx
          .insertInto('action_items')
          .values({
            postmortem_id: input.postmortem ?? null,
            title: input.title,
            owner_key: team,
            due_date: input.dueDate,
            type: input.type,
            status: 'open',
            tracker_url: input.trackerUrl ?? null,
            created_by: actor.name,
            created_at: time,
            updated_at: time,
            completed_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const item = view(await load(trx, actor, Number(inserted.id)), today());
        await deps.audit.record(trx, { actor: actor.name, action: 'action_item.create', targetKind: 'ActionItem', targetName: String(item.id), ip: actor.ip, details: { team, postmortem: item.postmortem } });
        await notifyAssigned(trx, actor, item);
        return item;
      });
    },

    /**
     * Changes an action item. Its status is the owner team's alone; the other fields are the owner
     * team's or the postmortem's team's. A change to another team notifies that team. The whole
     * change is checked before anything is written.
     */
    async update(actor: Actor, id: number, patch: ActionItemPatch): Promise<ActionItem> {
      const newTeam = patch.team === undefined ? undefined : await requireTeam(patch.team);
      return db.transaction().execute(async (trx) => {
        const r = await load(trx, actor, id);
        const pmOwner = r.postmortem_id === null ? null : ((await trx.selectFrom('postmortems').select('owner_key').where('id', '=', r.postmortem_id).executeTakeFirst())?.owner_key ?? null);
        const statusChanges = patch.status !== undefined && patch.status !== r.status;
        if (statusChanges && !permissions.isMember(actor, r.owner_key)) {
          throw new AppError('ACTION_ITEM_NOT_OWNER', `only members of team "${r.owner_key}", which owns action item #${id}, change its status`);
        }
        const others = { title: patch.title, owner_key: newTeam, due_date: patch.dueDate, type: patch.type, tracker_url: patch.trackerUrl };
        const set: Partial<Selectable<Database['action_items']>> = {};
        for (const [k, v] of Object.entries(others) as [keyof typeof others, string | null | undefined][]) {
          if (v !== undefined && v !== r[k]) (set as Record<string, unknown>)[k] = v;
        }
        if (Object.keys(set).length && !canEdit(actor, r, pmOwner)) {
          throw new AppError('ACTION_ITEM_NOT_OWNER', `only members of team "${r.owner_key}"${pmOwner && pmOwner !== r.owner_key ? ` or "${pmOwner}"` : ''} change action item #${id}`);
        }
        // handing an item to another team is the postmortem's team's call (as when adding one), or that team's own:
        // otherwise any team could add an item of its own and pass it, overdue, to a team of its choice
        if (set.owner_key && !permissions.isMember(actor, set.owner_key) && !(pmOwner !== null && permissions.isMember(actor, pmOwner))) {
          throw new AppError('ACTION_ITEM_NOT_OWNER', `only members of team "${set.owner_key}"${pmOwner ? ` or of team "${pmOwner}", which owns postmortem #${r.postmortem_id},` : ''} give action item #${id} to team "${set.owner_key}"`, { field: 'team' });
        }
        if (statusChanges) {
          set.status = patch.status!;
          set.completed_at = patch.status === 'done' ? now() : null;
        }
        if (!Object.keys(set).length) return view(r, today());
        set.updated_at = now();
        await trx.updateTable('action_items').set(set).where('id', '=', id).execute();
        const item = view(await load(trx, actor, id), today());
        await deps.audit.record(trx, { actor: actor.name, action: 'action_item.update', targetKind: 'ActionItem', targetName: String(id), ip: actor.ip, details: { changed: Object.keys(set).filter((k) => k !== 'updated_at') } });
        if (set.owner_key) await notifyAssigned(trx, actor, item);
        return item;
      });
    },

    /** How a team gets its action items done: counts, completion and on-time rates. */
    async stats(team: string): Promise<ActionItemStats> {
      const k = key(team);
      const day = today();
      const row = await db
        .selectFrom('action_items')
        .select([
          sql<number>`count(*)`.as('total'),
          sql<number>`coalesce(sum(case when status in ('open', 'in-progress') then 1 else 0 end), 0)`.as('open'),
          sql<number>`coalesce(sum(case when status in ('open', 'in-progress') and due_date < ${day} then 1 else 0 end), 0)`.as('overdue'),
          sql<number>`coalesce(sum(case when status = 'done' then 1 else 0 end), 0)`.as('done'),
          sql<number>`coalesce(sum(case when status = 'done' and substr(completed_at, 1, 10) <= due_date then 1 else 0 end), 0)`.as('done_on_time'),
          sql<number>`coalesce(sum(case when status = 'wont-do' then 1 else 0 end), 0)`.as('wont_do'),
        ])
        .where('owner_key', '=', k)
        .executeTakeFirstOrThrow();
      // PostgreSQL's count and sum are bigint/numeric, which pg hands over as strings
      const [total, open, overdue, done, doneOnTime, wontDo] = [row.total, row.open, row.overdue, row.done, row.done_on_time, row.wont_do].map(Number) as [number, number, number, number, number, number];
      const todo = total - wontDo;
      return { team: k, total, open, overdue, done, doneOnTime, wontDo, completionRate: todo > 0 ? done / todo : null, onTimeRate: done > 0 ? doneOnTime / done : null };
    },
  };
}

/** The action items service. */
export type ActionItems = ReturnType<typeof createActionItems>;
