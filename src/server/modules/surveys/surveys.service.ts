import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ResourceDocument } from '../../../shared/resource.schema.ts';
import {
  SURVEY_KIND,
  type GroupResult,
  type InvitationView,
  type Questionnaire,
  type QuestionnaireView,
  type ResponseSubmit,
  type RoundCreate,
  type RoundResults,
  type RoundStatus,
  type RoundView,
  type SurveySpec,
  type Trend,
} from '../../../shared/survey.schema.ts';
import { AGREEMENT_SCALE, INSTRUMENTS } from '../../../shared/survey-instruments.ts';
import type { Clock } from '../../platform/clock.ts';
import { isPostgres, type Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor } from '../../platform/permissions.ts';
import type { AuditService } from '../audit/index.ts';
import type { InboxService, MailTransport } from '../inbox/index.ts';
import type { KindDefinition, WriteContext } from '../resources/kinds.ts';
import type { ResourceService } from '../resources/resources.service.ts';
import { surveySpecSchema } from '../../../shared/survey.schema.ts';
import { buildResults, discloseGroups, ORGANISATION, type GroupAnswers } from './survey-results.ts';

type RoundRow = Selectable<Database['survey_rounds']>;
type Executor = Kysely<Database> | Transaction<Database>;

const key = (s: string) => s.toLowerCase();
/** The longest a round may run. */
const MAX_ROUND_MS = 92 * 24 * 3600_000;
/** The furthest ahead a round may be scheduled. */
const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;
/** Reminders of one round go out at most this often. */
const REMIND_EVERY_MS = 24 * 3600_000;

/** A random id with no order in it: answers and comments are kept and read in id order. */
const randomId = () => randomBytes(16).toString('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface SurveyDeps {
  db: Kysely<Database>;
  clock: Clock;
  resources: Pick<ResourceService, 'loadStored'>;
  audit: AuditService;
  inbox: InboxService;
  /** Members (user keys) of a team. */
  membersOf(teamKey: string, ex: Executor): Promise<{ user_key: string }[]>;
  /** Users' email addresses (those without one are left out). */
  emailsOf(userKeys: string[]): Promise<Map<string, string>>;
  /** Sends invitation emails when ETHOS_SMTP_URL is set. */
  mail?: MailTransport;
  baseUrl: string;
  /** Derives invitation codes, so that no code is ever stored. */
  secretKey: Buffer;
  onError?(err: unknown): void;
}

/** The questionnaire a survey's spec asks, fixed into a round when it opens. */
export function questionnaireOf(doc: ResourceDocument): Questionnaire {
  const spec = doc.spec as SurveySpec;
  const sections: Questionnaire['sections'] = spec.instruments.map((id) => {
    const ins = INSTRUMENTS[id];
    return { instrument: id, title: ins.title, scale: [...ins.scale], items: ins.items.map((i) => ({ id: i.id, text: i.text, reversed: i.reversed })) };
  });
  if (spec.items.length) {
    sections.push({ instrument: 'custom', title: 'More questions', scale: [...AGREEMENT_SCALE], items: spec.items.map((i) => ({ id: `custom.${i.id}`, text: i.text, reversed: i.reversed })) });
  }
  return { title: spec.title, description: spec.description ?? null, sections, freeText: spec.freeText?.question ?? null };
}

/**
 * Surveys: the Survey kind, rounds, personal invitations and anonymous responses.
 * @remarks Anonymity is structural: an invitation (who, and whether they answered) and a response
 * (what) are written in one transaction but share no column; responses and comments have random
 * ids, no time and no author; codes are derived from a secret and only their hashes are stored;
 * nothing about a submission is logged or audited.
 */
export function createSurveys(deps: SurveyDeps) {
  const { db, clock } = deps;
  const codeOf = (invitationId: string) => createHmac('sha256', deps.secretKey).update(`survey-invitation:${invitationId}`).digest('base64url');

  function statusOf(r: RoundRow, now = clock.now().toISOString()): RoundStatus {
    if (now < r.opens_at) return 'scheduled';
    return r.closed_early || now >= r.closes_at ? 'closed' : 'open';
  }

  async function loadSurvey(ex: Executor, name: string): Promise<ResourceDocument> {
    const stored = await deps.resources.loadStored(ex, SURVEY_KIND, name);
    if (!stored || stored.deleted) throw new AppError('SURVEY_NOT_FOUND', `there is no survey "${name}"`);
    return stored.document;
  }

  async function loadRound(ex: Executor, surveyKey: string, number: number): Promise<RoundRow> {
    const row = await ex.selectFrom('survey_rounds').selectAll().where('survey_key', '=', surveyKey).where('number', '=', number).executeTakeFirst();
    if (!row) throw new AppError('SURVEY_ROUND_NOT_FOUND', `survey "${surveyKey}" has no round ${number}`);
    return row;
  }

  /** Invited and answered per targeted team of a round, in the order of its targets. */
  async function countsOf(ex: Executor, r: RoundRow): Promise<{ group: string; invited: number; responses: number }[]> {
    const rows = await ex
      .selectFrom('survey_invitations')
      .select((eb) => ['team_key', eb.fn.countAll<number>().as('invited'), eb.fn.sum<number>('answered').as('answered')])
      .where('round_id', '=', r.id)
      .groupBy('team_key')
      .execute();
    const by = new Map(rows.map((x) => [x.team_key, x]));
    return (JSON.parse(r.targets) as string[]).map((team) => {
      const x = by.get(key(team));
      return { group: team, invited: Number(x?.invited ?? 0), responses: Number(x?.answered ?? 0) };
    });
  }

  /**
   * A round with its participation.
   * @remarks While a round runs, only the organisation's count is shown (at the minimum): watching
   * a team's count beside the organisation's as answers arrive would give away a small team's
   * count (the organisation's went up while the shown teams' did not, or a team was withdrawn as
   * derivable), and an earlier team count taken from the organisation's final one likewise.
   */
  async function roundView(ex: Executor, owner: string, surveyName: string, r: RoundRow): Promise<RoundView> {
    const counts = await countsOf(ex, r);
    const disclosure = discloseGroups(counts, r.minimum_responses);
    const total = counts.reduce((s, c) => s + c.responses, 0);
    const closed = statusOf(r) === 'closed';
    return {
      survey: surveyName,
      owner,
      number: r.number,
      status: statusOf(r),
      opensAt: r.opens_at,
      closesAt: r.closes_at,
      closedEarly: !!r.closed_early,
      minimumResponses: r.minimum_responses,
      targets: JSON.parse(r.targets) as string[],
      participation: [
        ...counts.map((c) => ({ group: c.group, invited: c.invited, responses: !closed || disclosure.teams.get(c.group) ? null : c.responses })),
        { group: ORGANISATION, invited: counts.reduce((s, c) => s + c.invited, 0), responses: disclosure.organisation ? null : total },
      ],
      openedBy: r.opened_by,
      remindedAt: r.reminded_at,
    };
  }

  function requireMaintainer(actor: Actor, doc: ResourceDocument, what: string): void {
    if (!permissions.canWriteOwned(actor, key(doc.metadata.owner))) {
      throw new AppError('NOT_OWNER', `only members of team "${doc.metadata.owner}", which runs survey "${doc.metadata.name}", may ${what}`, { owner: doc.metadata.owner });
    }
  }

  /**
   * Tells each invitee in the inbox, and by email with their personal link when email is set up;
   * a reminder says so.
   */
  async function invite(doc: ResourceDocument, r: RoundRow, invitations: { id: string; user_key: string; team_key: string }[], reminder = false): Promise<void> {
    const spec = doc.spec as SurveySpec;
    const title = spec.title;
    await deps.inbox.notify(db, {
      userKeys: invitations.map((i) => i.user_key),
      type: 'survey-invitation',
      summary: `${reminder ? 'Reminder: you' : 'You'} are invited to answer "${title}" (anonymous) by ${r.closes_at.slice(0, 10)}: see Surveys`,
    });
    if (!deps.mail) return;
    const emails = await deps.emailsOf([...new Set(invitations.map((i) => i.user_key))]);
    for (const inv of invitations) {
      const to = emails.get(inv.user_key);
      if (!to) continue;
      const link = `${deps.baseUrl}/surveys/respond#code=${codeOf(inv.id)}`;
      const text = [
        `You are invited to answer "${title}" about team ${inv.team_key}.`,
        spec.description ?? '',
        `Your personal link (it works once): ${link}`,
        `The round closes at ${r.closes_at}. Your answers are stored without your name, your invitation or the time; results appear only when the round closes and only for groups of at least ${r.minimum_responses} responses.`,
      ]
        .filter(Boolean)
        .join('\n\n');
      try {
        await deps.mail({ to, subject: `[Ethos] ${reminder ? 'Reminder: ' : ''}Survey: ${title}`, text });
      } catch (err) {
        // never log the address or the link: only that a send failed
        deps.onError?.(new Error(`a survey invitation email could not be sent (${(err as Error).message.slice(0, 200)})`));
      }
    }
  }

  /** The Survey kind: targets must be teams; the anonymity settings lock at the first response. */
  const kind: KindDefinition = {
    kind: SURVEY_KIND,
    spec: surveySpecSchema as never,
    async validate(ctx: WriteContext) {
      const next = ctx.next;
      const surveyKey = key((next ?? ctx.current!.document).metadata.name);
      if (!next) {
        const active = await ctx.trx.selectFrom('survey_rounds').selectAll().where('survey_key', '=', surveyKey).execute();
        if (active.some((r) => statusOf(r) !== 'closed')) {
          throw new AppError('SURVEY_ROUND_ACTIVE', `survey "${surveyKey}" has a round that is open or scheduled: close it before deleting the survey`);
        }
        return;
      }
      const spec = next.spec as SurveySpec;
      for (const [i, team] of spec.targets.entries()) {
        const t = await deps.resources.loadStored(ctx.trx, 'Team', team);
        if (!t || t.deleted) {
          throw new AppError('SURVEY_TARGET_UNKNOWN', `spec.targets.${i}: there is no team "${team}"`, { field: `spec.targets.${i}`, issues: [{ path: `spec.targets.${i}`, message: `there is no team "${team}"` }] });
        }
      }
      let before = ctx.current?.document.spec as SurveySpec | undefined;
      if (!ctx.current) {
        // a survey made again under the name of a deleted one takes over its rounds: only the team
        // that ran them may do that, or their results would go to whoever took the name first
        const earlier = await ctx.trx.selectFrom('survey_rounds').select('id').where('survey_key', '=', surveyKey).limit(1).executeTakeFirst();
        if (earlier) {
          const gone = await deps.resources.loadStored(ctx.trx, SURVEY_KIND, surveyKey);
          const ranBy = gone?.document.metadata.owner ?? '';
          if (key(ranBy) !== key(next.metadata.owner)) {
            throw new AppError('SURVEY_NAME_TAKEN', `metadata.name: a deleted survey "${next.metadata.name}" of team "${ranBy}" still holds the results of its rounds, so only that team can use the name again; choose another name`, {
              field: 'metadata.name',
              owner: ranBy,
            });
          }
          before = gone?.document.spec as SurveySpec | undefined;
        }
      }
      if (before && before.anonymity.minimumResponses !== spec.anonymity.minimumResponses) {
        const answered = await ctx.trx
          .selectFrom('survey_invitations')
          .innerJoin('survey_rounds', 'survey_rounds.id', 'survey_invitations.round_id')
          .select('survey_invitations.id')
          .where('survey_rounds.survey_key', '=', surveyKey)
          .where('survey_invitations.answered', '=', 1)
          .limit(1)
          .executeTakeFirst();
        if (answered) {
          throw new AppError(
            'SURVEY_ANONYMITY_LOCKED',
            `spec.anonymity.minimumResponses: survey "${next.metadata.name}" already has responses, so its reporting minimum stays ${before.anonymity.minimumResponses} (changing it could reveal small groups); create a new survey to use another minimum`,
            { field: 'spec.anonymity.minimumResponses', issues: [{ path: 'spec.anonymity.minimumResponses', message: 'locked once the first response arrived' }] },
          );
        }
      }
    },
  };

  return {
    kind,

    /** Opens (or schedules) a round: one invitation per member of each targeted team. */
    async openRound(actor: Actor, name: string, body: RoundCreate): Promise<RoundView> {
      const now = clock.now();
      const opensAt = body.opensAt ? new Date(body.opensAt) : now;
      const closesAt = new Date(body.closesAt);
      if (closesAt.getTime() <= Math.max(now.getTime(), opensAt.getTime())) {
        throw new AppError('SURVEY_ROUND_INVALID', 'closesAt: a round must close after it opens, and in the future', { field: 'closesAt' });
      }
      if (closesAt.getTime() - opensAt.getTime() > MAX_ROUND_MS) throw new AppError('SURVEY_ROUND_INVALID', 'closesAt: a round runs at most 92 days', { field: 'closesAt' });
      if (opensAt.getTime() < now.getTime() - 60_000) throw new AppError('SURVEY_ROUND_INVALID', 'opensAt: a round cannot open in the past', { field: 'opensAt' });
      if (opensAt.getTime() - now.getTime() > MAX_SCHEDULE_MS) throw new AppError('SURVEY_ROUND_INVALID', 'opensAt: a round is scheduled at most a year ahead', { field: 'opensAt' });
      const { round, doc, invitations } = await db.transaction().execute(async (trx) => {
        const doc = await loadSurvey(trx, name);
        requireMaintainer(actor, doc, 'open a round');
        const surveyKey = key(doc.metadata.name);
        const rounds = await trx.selectFrom('survey_rounds').selectAll().where('survey_key', '=', surveyKey).orderBy('number', 'desc').execute();
        const active = rounds.find((r) => statusOf(r) !== 'closed');
        if (active) throw new AppError('SURVEY_ROUND_ACTIVE', `round ${active.number} of survey "${doc.metadata.name}" is still ${statusOf(active)}: close it first`, { round: active.number });
        const spec = doc.spec as SurveySpec;
        const inserted = await trx
          .insertInto('survey_rounds')
          .values({
            survey_key: surveyKey,
            number: (rounds[0]?.number ?? 0) + 1,
            opens_at: opensAt.toISOString(),
            closes_at: closesAt.toISOString(),
            closed_early: 0,
            minimum_responses: spec.anonymity.minimumResponses,
            targets: JSON.stringify(spec.targets),
            questionnaire: JSON.stringify(questionnaireOf(doc)),
            opened_by: actor.name,
            reminded_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const invitations: { id: string; round_id: number; user_key: string; team_key: string; code_hash: string; answered: number }[] = [];
        for (const team of spec.targets) {
          for (const m of await deps.membersOf(key(team), trx)) {
            const id = randomId();
            invitations.push({ id, round_id: inserted.id, user_key: m.user_key, team_key: key(team), code_hash: sha256(codeOf(id)), answered: 0 });
          }
        }
        for (let i = 0; i < invitations.length; i += 500) await trx.insertInto('survey_invitations').values(invitations.slice(i, i + 500)).execute();
        await deps.audit.record(trx, {
          actor: actor.name,
          action: 'survey.round.open',
          targetKind: SURVEY_KIND,
          targetName: doc.metadata.name,
          ip: actor.ip,
          details: { round: inserted.number, opensAt: inserted.opens_at, closesAt: inserted.closes_at, invited: invitations.length },
        });
        return { round: inserted, doc, invitations };
      });
      // telling people is best-effort after the commit: the invitation itself is already durable
      await invite(doc, round, invitations).catch((err) => deps.onError?.(err));
      return roundView(db, doc.metadata.owner, doc.metadata.name, round);
    },

    /** Closes a round now; its results appear at once. */
    async closeRound(actor: Actor, name: string, number: number): Promise<RoundView> {
      return db.transaction().execute(async (trx) => {
        const doc = await loadSurvey(trx, name);
        requireMaintainer(actor, doc, 'close a round');
        const r = await loadRound(trx, key(doc.metadata.name), number);
        if (statusOf(r) === 'closed') throw new AppError('SURVEY_ROUND_NOT_OPEN', `round ${number} of survey "${doc.metadata.name}" is already closed`);
        const now = clock.now().toISOString();
        // a scheduled round that never opened ends where it would have begun
        const closesAt = now < r.opens_at ? r.opens_at : now;
        await trx.updateTable('survey_rounds').set({ closed_early: 1, closes_at: closesAt }).where('id', '=', r.id).execute();
        await deps.audit.record(trx, { actor: actor.name, action: 'survey.round.close', targetKind: SURVEY_KIND, targetName: doc.metadata.name, ip: actor.ip, details: { round: number } });
        return roundView(trx, doc.metadata.owner, doc.metadata.name, { ...r, closed_early: 1, closes_at: closesAt });
      });
    },

    /**
     * Reminds everyone invited to an open round who has not answered, at most once a day. The
     * answer says nothing about how many were reminded: below the reporting minimum that would
     * give away how many answered.
     */
    async remind(actor: Actor, name: string, number: number): Promise<{ remindedAt: string }> {
      const { doc, r, pending } = await db.transaction().execute(async (trx) => {
        const doc = await loadSurvey(trx, name);
        requireMaintainer(actor, doc, 'send reminders');
        const r = await loadRound(trx, key(doc.metadata.name), number);
        if (statusOf(r) !== 'open') throw new AppError('SURVEY_ROUND_NOT_OPEN', `round ${number} of survey "${doc.metadata.name}" is not open: only an open round's invitees can be reminded`);
        const now = clock.now();
        if (r.reminded_at && now.getTime() - Date.parse(r.reminded_at) < REMIND_EVERY_MS) {
          const next = new Date(Date.parse(r.reminded_at) + REMIND_EVERY_MS).toISOString();
          throw new AppError('SURVEY_REMINDED_RECENTLY', `a reminder went out at ${r.reminded_at}: the next one can go at ${next}`, { next }, { 'retry-after': String(Math.ceil((Date.parse(next) - now.getTime()) / 1000)) });
        }
        // a conditional update, so two maintainers clicking at once send one reminder
        const claimed = await trx
          .updateTable('survey_rounds')
          .set({ reminded_at: now.toISOString() })
          .where('id', '=', r.id)
          .where((eb) => (r.reminded_at === null ? eb('reminded_at', 'is', null) : eb('reminded_at', '=', r.reminded_at)))
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('SURVEY_REMINDED_RECENTLY', 'a reminder has just gone out');
        const pending = await trx.selectFrom('survey_invitations').select(['id', 'user_key', 'team_key']).where('round_id', '=', r.id).where('answered', '=', 0).execute();
        await deps.audit.record(trx, { actor: actor.name, action: 'survey.round.remind', targetKind: SURVEY_KIND, targetName: doc.metadata.name, ip: actor.ip, details: { round: number } });
        return { doc, r: { ...r, reminded_at: now.toISOString() }, pending };
      });
      await invite(doc, r, pending, true).catch((err) => deps.onError?.(err));
      return { remindedAt: r.reminded_at };
    },

    /** A survey's rounds, newest first, with participation where it may be shown. */
    async listRounds(name: string): Promise<RoundView[]> {
      const doc = await loadSurvey(db, name);
      const rows = await db.selectFrom('survey_rounds').selectAll().where('survey_key', '=', key(doc.metadata.name)).orderBy('number', 'desc').execute();
      return Promise.all(rows.map((r) => roundView(db, doc.metadata.owner, doc.metadata.name, r)));
    },

    async getRound(name: string, number: number): Promise<RoundView> {
      const doc = await loadSurvey(db, name);
      return roundView(db, doc.metadata.owner, doc.metadata.name, await loadRound(db, key(doc.metadata.name), number));
    },

    /**
     * A closed round's results as far as the actor may see them: the survey's team and admins
     * see every group; a member of a targeted team sees that team and the organisation.
     */
    async results(actor: Actor, name: string, number: number): Promise<RoundResults> {
      const doc = await loadSurvey(db, name);
      const r = await loadRound(db, key(doc.metadata.name), number);
      if (statusOf(r) !== 'closed') {
        throw new AppError('SURVEY_RESULTS_NOT_READY', `round ${number} of survey "${doc.metadata.name}" closes at ${r.closes_at}: results appear only when it has closed`, { closesAt: r.closes_at });
      }
      const visible = visibleGroups(actor, doc, JSON.parse(r.targets) as string[]);
      const groups = (await resultsOf(r)).filter((g) => visible.has(g.group));
      const questionnaire = JSON.parse(r.questionnaire) as Questionnaire;
      return { survey: doc.metadata.name, owner: doc.metadata.owner, round: r.number, opensAt: r.opens_at, closesAt: r.closes_at, minimumResponses: r.minimum_responses, freeTextQuestion: questionnaire.freeText, groups };
    },

    /** Each visible group's scores across the closed rounds where it was shown. */
    async trend(actor: Actor, name: string): Promise<Trend> {
      const doc = await loadSurvey(db, name);
      const rows = await db.selectFrom('survey_rounds').selectAll().where('survey_key', '=', key(doc.metadata.name)).orderBy('number').execute();
      const allTargets = [...new Set(rows.flatMap((r) => JSON.parse(r.targets) as string[]))];
      visibleGroups(actor, doc, allTargets);
      const points = new Map<string, Trend['groups'][number]['points']>();
      for (const r of rows) {
        if (statusOf(r) !== 'closed') continue;
        const visible = visibleGroups(actor, doc, JSON.parse(r.targets) as string[], false);
        for (const g of await resultsOf(r)) {
          if (!g.shown || !visible.has(g.group)) continue;
          const list = points.get(g.group) ?? [];
          list.push({ round: r.number, closesAt: r.closes_at, participation: g.participation ?? 0, scores: Object.fromEntries(g.instruments.map((i) => [i.instrument, i.score])) });
          points.set(g.group, list);
        }
      }
      return { survey: doc.metadata.name, groups: [...points].map(([group, pts]) => ({ group, points: pts })) };
    },

    /** The signed-in person's invitations, newest round first; a code only while it can be used. */
    async invitations(actor: Actor): Promise<InvitationView[]> {
      const userKey = permissions.requireUser(actor);
      const rows = await db
        .selectFrom('survey_invitations')
        .innerJoin('survey_rounds', 'survey_rounds.id', 'survey_invitations.round_id')
        .select(['survey_invitations.id as invitation', 'survey_invitations.team_key', 'survey_invitations.answered', 'survey_rounds.survey_key', 'survey_rounds.number', 'survey_rounds.opens_at', 'survey_rounds.closes_at', 'survey_rounds.closed_early', 'survey_rounds.questionnaire', 'survey_rounds.targets'])
        .where('survey_invitations.user_key', '=', userKey)
        .orderBy('survey_rounds.closes_at', 'desc')
        .limit(200)
        .execute();
      const out: InvitationView[] = [];
      // one survey has many rounds: each is loaded once
      const surveys = new Map<string, Awaited<ReturnType<typeof deps.resources.loadStored>>>();
      for (const x of rows) {
        if (!surveys.has(x.survey_key)) surveys.set(x.survey_key, await deps.resources.loadStored(db, SURVEY_KIND, x.survey_key));
        const stored = surveys.get(x.survey_key);
        if (!stored || stored.deleted) continue;
        const roundStatus = statusOf({ opens_at: x.opens_at, closes_at: x.closes_at, closed_early: x.closed_early } as RoundRow);
        const status: InvitationView['status'] = x.answered ? 'answered' : roundStatus === 'open' ? 'pending' : roundStatus === 'scheduled' ? 'scheduled' : 'missed';
        const team = (JSON.parse(x.targets) as string[]).find((t) => key(t) === x.team_key) ?? x.team_key;
        out.push({
          survey: stored.document.metadata.name,
          owner: stored.document.metadata.owner,
          title: (JSON.parse(x.questionnaire) as Questionnaire).title,
          round: x.number,
          team,
          status,
          opensAt: x.opens_at,
          closesAt: x.closes_at,
          code: status === 'pending' || status === 'scheduled' ? codeOf(x.invitation) : null,
        });
      }
      return out;
    },

    /** What a code's holder is asked; refuses unknown codes without saying more. */
    async questionnaire(code: string): Promise<QuestionnaireView> {
      const inv = await db.selectFrom('survey_invitations').selectAll().where('code_hash', '=', sha256(code)).executeTakeFirst();
      if (!inv) throw new AppError('SURVEY_CODE_UNKNOWN', 'this survey link is not valid: use the link from your invitation, or open Surveys in Ethos');
      const r = await db.selectFrom('survey_rounds').selectAll().where('id', '=', inv.round_id).executeTakeFirstOrThrow();
      const stored = await deps.resources.loadStored(db, SURVEY_KIND, r.survey_key);
      const status = inv.answered ? 'answered' : statusOf(r);
      const team = (JSON.parse(r.targets) as string[]).find((t) => key(t) === inv.team_key) ?? inv.team_key;
      return { survey: stored?.document.metadata.name ?? r.survey_key, round: r.number, team, closesAt: r.closes_at, status, minimumResponses: r.minimum_responses, questionnaire: JSON.parse(r.questionnaire) as Questionnaire };
    },

    /**
     * Records one anonymous response. In one transaction: the invitation is marked answered, and
     * the answers (and comment) are inserted under fresh random ids with the team only.
     */
    async respond(body: ResponseSubmit): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const inv = await trx.selectFrom('survey_invitations').selectAll().where('code_hash', '=', sha256(body.code)).executeTakeFirst();
        if (!inv) throw new AppError('SURVEY_CODE_UNKNOWN', 'this survey link is not valid: use the link from your invitation, or open Surveys in Ethos');
        if (inv.answered) throw new AppError('SURVEY_ALREADY_ANSWERED', 'this invitation has already been used: each person answers once per round');
        const r = await trx.selectFrom('survey_rounds').selectAll().where('id', '=', inv.round_id).executeTakeFirstOrThrow();
        const status = statusOf(r);
        if (status !== 'open') {
          throw new AppError('SURVEY_ROUND_NOT_OPEN', status === 'scheduled' ? `this round opens at ${r.opens_at}` : `this round closed at ${r.closes_at}: answers are no longer taken`);
        }
        const questionnaire = JSON.parse(r.questionnaire) as Questionnaire;
        const items = questionnaire.sections.flatMap((s) => s.items);
        const known = new Set(items.map((i) => i.id));
        const unknown = Object.keys(body.answers).filter((k) => !known.has(k));
        const missing = items.filter((i) => body.answers[i.id] === undefined).map((i) => i.id);
        if (unknown.length || missing.length) {
          throw new AppError('SURVEY_ANSWERS_INVALID', [missing.length ? `answer every statement (missing: ${missing.join(', ')})` : '', unknown.length ? `no such statements: ${unknown.join(', ')}` : ''].filter(Boolean).join('; '), { missing, unknown });
        }
        const comment = body.comment?.trim() ?? '';
        if (comment && !questionnaire.freeText) throw new AppError('SURVEY_ANSWERS_INVALID', 'this survey asks no free-text question: leave comment out', { field: 'comment' });
        // the answers in the questionnaire's order, whatever order the client sent them in
        const answers = JSON.stringify(Object.fromEntries(items.map((i) => [i.id, body.answers[i.id]!])));
        await rewriteGroup(trx, inv.round_id, inv.team_key, inv.id, answers, comment);
      });
    },
  };

  /**
   * Marks an invitation answered and adds a response (and comment) to its team's group by
   * rewriting the group's rows: every row of the group is written again, under fresh random ids,
   * in id order, by this one transaction.
   * @remarks This is what keeps the order of arrival out of the database: PostgreSQL stamps each
   * row with the transaction that wrote it (xmin) and appends rows in arrival order, so a response
   * written alone could be matched with the participation written by the same transaction. After
   * a rewrite, all of a team's invitations and responses carry the same transaction and sit in
   * random order. Groups are teams of a round, so a rewrite is small; concurrent answers from one
   * team take turns on a lock per group.
   */
  async function rewriteGroup(trx: Transaction<Database>, roundId: number, teamKey: string, invitationId: string, answers: string, comment: string): Promise<void> {
    // rows are deleted and written again, so a row lock would not hold: one lock per group instead
    // (SQLite runs one write transaction at a time anyway)
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(hashtext(${`survey:${roundId}:${teamKey}`}))`.execute(trx);
    const group = await trx.selectFrom('survey_invitations').selectAll().where('round_id', '=', roundId).where('team_key', '=', teamKey).orderBy('id').execute();
    const mine = group.find((g) => g.id === invitationId);
    if (!mine || mine.answered) throw new AppError('SURVEY_ALREADY_ANSWERED', 'this invitation has already been used: each person answers once per round');
    mine.answered = 1;
    await trx.deleteFrom('survey_invitations').where('round_id', '=', roundId).where('team_key', '=', teamKey).execute();
    for (let i = 0; i < group.length; i += 500) await trx.insertInto('survey_invitations').values(group.slice(i, i + 500)).execute();

    const responses = await trx.selectFrom('survey_responses').select('answers').where('round_id', '=', roundId).where('team_key', '=', teamKey).execute();
    responses.push({ answers });
    await trx.deleteFrom('survey_responses').where('round_id', '=', roundId).where('team_key', '=', teamKey).execute();
    const rows = responses.map((r) => ({ id: randomId(), round_id: roundId, team_key: teamKey, answers: r.answers })).sort((a, b) => a.id.localeCompare(b.id));
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('survey_responses').values(rows.slice(i, i + 500)).execute();

    const comments = await trx.selectFrom('survey_comments').select('body').where('round_id', '=', roundId).where('team_key', '=', teamKey).execute();
    if (comment) comments.push({ body: comment });
    if (!comments.length) return;
    await trx.deleteFrom('survey_comments').where('round_id', '=', roundId).where('team_key', '=', teamKey).execute();
    const texts = comments.map((c) => ({ id: randomId(), round_id: roundId, team_key: teamKey, body: c.body })).sort((a, b) => a.id.localeCompare(b.id));
    for (let i = 0; i < texts.length; i += 500) await trx.insertInto('survey_comments').values(texts.slice(i, i + 500)).execute();
  }

  /** The groups the actor may see in a round; throws when none, unless `throwIfNone` is false. */
  function visibleGroups(actor: Actor, doc: ResourceDocument, targets: string[], throwIfNone = true): Set<string> {
    if (permissions.isMember(actor, key(doc.metadata.owner))) return new Set([...targets, ORGANISATION]);
    const mine = targets.filter((t) => actor.teams.has(key(t)));
    if (!mine.length) {
      if (throwIfNone) {
        throw new AppError('SURVEY_RESULTS_FORBIDDEN', `results of survey "${doc.metadata.name}" are for the teams it asked and for team "${doc.metadata.owner}", which runs it`, { owner: doc.metadata.owner });
      }
      return new Set();
    }
    return new Set([...mine, ORGANISATION]);
  }

  /** Every group's results in a closed round, before the viewer's filter. */
  async function resultsOf(r: RoundRow): Promise<GroupResult[]> {
    const counts = await countsOf(db, r);
    const responses = await db.selectFrom('survey_responses').select(['team_key', 'answers']).where('round_id', '=', r.id).orderBy('id').execute();
    const comments = await db.selectFrom('survey_comments').select(['team_key', 'body']).where('round_id', '=', r.id).orderBy('id').execute();
    const groups: GroupAnswers[] = counts.map((c) => ({
      group: c.group,
      invited: c.invited,
      answers: responses.filter((x) => x.team_key === key(c.group)).map((x) => JSON.parse(x.answers) as Record<string, number>),
      comments: comments.filter((x) => x.team_key === key(c.group)).map((x) => x.body),
    }));
    return buildResults(JSON.parse(r.questionnaire) as Questionnaire, r.minimum_responses, groups);
  }
}

/** The surveys service's public face. */
export type Surveys = ReturnType<typeof createSurveys>;
