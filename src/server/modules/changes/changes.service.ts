import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { ApplyResult, ChangeRequestView } from '../../../shared/api.schema.ts';
import type { ResourceDocument } from '../../../shared/resource.schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { SecretBox } from '../../platform/crypto.ts';
import type { Database } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor } from '../../platform/permissions.ts';
import type { AuditService } from '../audit/index.ts';
import type { InboxService } from '../inbox/index.ts';
import { canonicalJson, diffDocuments } from '../resources/resources.diff.ts';
import { changedSecrets, sealSecrets } from '../resources/resources.secrets.ts';
import type { ResourceService, Target } from '../resources/resources.service.ts';

type CrRow = Selectable<Database['change_requests']>;
type Executor = Kysely<Database> | Transaction<Database>;
const key = (s: string) => s.toLowerCase();

/** Error codes that mean "you may not write this directly, but you may propose it". */
const PROPOSABLE = new Set(['NOT_OWNER', 'FORBIDDEN']);

/** Change requests (propose, review, merge) and declarative apply. */
export function createChangeService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  box: SecretBox;
  resources: ResourceService;
  audit: AuditService;
  inbox: InboxService;
  membersOf(teamKey: string, ex: Executor): Promise<{ user_key: string; role: string }[]>;
  /** Told how many resources an apply wrote (keeps planner statistics fresh). */
  noteWrites?(count: number): void;
}) {
  const { db, clock, resources, audit, inbox } = deps;
  const now = () => clock.now().toISOString();

  async function load(ex: Executor, id: number): Promise<CrRow> {
    const row = await ex.selectFrom('change_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('CHANGE_REQUEST_NOT_FOUND', `no change request #${id}`);
    return row;
  }

  /** Seals the proposal's secrets against the resource's current state. */
  async function sealProposal(ex: Executor, doc: ResourceDocument, against: ResourceDocument | null): Promise<ResourceDocument> {
    const def = resources.kindOf(doc.kind);
    const copy = structuredClone(doc);
    sealSecrets(deps.box, def.secretFields ?? [], copy.spec, against?.spec ?? null);
    void ex;
    return copy;
  }

  async function reviewsOf(ex: Executor, id: number) {
    return ex.selectFrom('change_request_reviews').selectAll().where('change_request_id', '=', id).orderBy('id').execute();
  }

  /**
   * Approvals that count: the latest verdict of each reviewer on the current version, by someone
   * other than the author. Verdicts are only accepted from owners and admins (see review).
   */
  async function approvalState(ex: Executor, cr: CrRow) {
    const reviews = await reviewsOf(ex, Number(cr.id));
    const latest = new Map<string, string>();
    for (const r of reviews) {
      if (r.version !== cr.version || r.verdict === 'comment') continue;
      latest.set(r.author, r.verdict);
    }
    const approvals = [...latest.entries()].filter(([a, v]) => v === 'approve' && key(a) !== key(cr.author)).map(([a]) => a);
    const blockers = [...latest.entries()].filter(([, v]) => v === 'request_changes').map(([a]) => a);
    return { reviews, approvals, blockers };
  }

  async function view(ex: Executor, cr: CrRow, withReviews: boolean): Promise<ChangeRequestView> {
    const current = await resources.loadStored(ex, cr.kind, cr.name_key);
    const currentRevision = current?.revision ?? 0;
    const liveDoc = current && !current.deleted ? current.document : null;
    const proposed = cr.document ? (JSON.parse(cr.document) as ResourceDocument) : null;
    const label = `${cr.kind}/${cr.name}`;
    const pub = (d: ResourceDocument | null) => (d ? resources.publicDocument(d) : null);
    const stale = cr.state === 'open' && currentRevision !== cr.base_revision;
    let conflict: ChangeRequestView['conflict'] = null;
    let baseDoc: ResourceDocument | null = liveDoc;
    if (stale || cr.state !== 'open') {
      baseDoc = current && cr.base_revision > 0 ? ((await resources.storedRevision(ex, current.id, cr.base_revision)) ?? null) : null;
    }
    if (stale) {
      conflict = {
        baseToCurrent: diffDocuments(label, pub(baseDoc), pub(liveDoc), `revision ${cr.base_revision}`, `revision ${currentRevision}`),
        baseToProposed: diffDocuments(label, pub(baseDoc), pub(proposed), `revision ${cr.base_revision}`, 'proposed'),
      };
    }
    const from = cr.state === 'open' ? liveDoc : baseDoc;
    // a secret the proposal changes shows as "<secret:changed>", never its value
    const secrets = changedSecrets(resources.kindOf(cr.kind).secretFields ?? [], from?.spec ?? null, proposed?.spec ?? null);
    const shownProposal = proposed ? resources.publicDocument(proposed, secrets, '<secret:changed>') : null;
    const diff = diffDocuments(label, pub(from), shownProposal, cr.state === 'open' ? `revision ${currentRevision}` : `revision ${cr.base_revision}`, 'proposed');
    const { reviews, approvals, blockers } = await approvalState(ex, cr);
    return {
      id: Number(cr.id),
      kind: cr.kind,
      name: cr.name,
      owner: cr.owner,
      operation: cr.operation as ChangeRequestView['operation'],
      state: cr.state as ChangeRequestView['state'],
      author: cr.author,
      message: cr.message,
      baseRevision: cr.base_revision,
      currentRevision,
      stale,
      version: cr.version,
      document: proposed ? (pub(proposed) as unknown as Record<string, unknown>) : null,
      diff,
      conflict,
      approvals,
      mergeable: cr.state === 'open' && !stale && approvals.length > 0 && blockers.length === 0,
      mergedBy: cr.merged_by,
      mergedRevision: cr.merged_revision,
      createdAt: cr.created_at,
      updatedAt: cr.updated_at,
      reviews: withReviews
        ? reviews.map((r) => ({ id: Number(r.id), author: r.author, verdict: r.verdict as 'approve', body: r.body, version: r.version, current: r.version === cr.version, createdAt: r.created_at }))
        : undefined,
    };
  }

  async function ownerMembers(ex: Executor, teamKey: string, except: string): Promise<string[]> {
    return (await deps.membersOf(teamKey, ex)).map((m) => m.user_key).filter((u) => u !== key(except));
  }

  /** Opens a change request inside `trx`; returns its id, or an identical open one's. */
  async function openInTransaction(trx: Transaction<Database>, actor: Actor, input: { document?: ResourceDocument; delete?: Target; baseRevision?: number; message: string }): Promise<{ id: number; existing: boolean }> {
    if (!permissions.canPropose(actor)) throw new AppError('AUTH_SCOPE', 'proposing a change needs the "write" scope');
    const target: Target = input.document ? { kind: input.document.kind, name: input.document.metadata.name } : input.delete!;
    resources.kindOf(target.kind);
    const current = await resources.loadStored(trx, target.kind, target.name);
    const live = current && !current.deleted ? current : null;
    if (!input.document && !live) throw new AppError('RESOURCE_NOT_FOUND', `${target.kind}/${target.name} does not exist`);
    const operation = !input.document ? 'delete' : live ? 'update' : 'create';
    if (operation === 'create' && resources.kindOf(target.kind).selfOwned) {
      throw new AppError('CHANGE_REQUEST_INVALID', `a new ${target.kind} has no owners to review it yet; a user creates it directly`);
    }
    const base = input.baseRevision ?? current?.revision ?? 0;
    if (current ? base > current.revision : base > 0) {
      throw new AppError('CHANGE_REQUEST_INVALID', `baseRevision ${base} does not exist; ${target.kind}/${target.name} is at ${current?.revision ?? 0}`);
    }
    const owner = live ? live.document.metadata.owner : input.document!.metadata.owner;
    if (!(await resources.teamExists(key(owner), trx)) && !(input.document && resources.kindOf(target.kind).selfOwned)) {
      throw new AppError('RESOURCE_OWNER_UNKNOWN', `team "${owner}" does not exist`, { owner });
    }
    const sealed = input.document ? await sealProposal(trx, input.document, live?.document ?? null) : null;
    if (sealed && live && canonicalJson(sealed) === canonicalJson(live.document)) {
      throw new AppError('CHANGE_REQUEST_UNCHANGED', `the proposal equals the current ${target.kind}/${target.name}; nothing to change`);
    }
    // an identical open proposal (same target, operation and content) is reused, not duplicated;
    // a stale one of the same author is moved onto the current revision (dropping its approvals)
    const open = await trx.selectFrom('change_requests').selectAll().where('kind', '=', target.kind).where('name_key', '=', key(target.name)).where('state', '=', 'open').execute();
    const currentRevision = current?.revision ?? 0;
    for (const o of open) {
      if (o.operation !== operation) continue;
      let same = !sealed && !o.document;
      if (sealed && o.document) {
        const other = JSON.parse(o.document) as ResourceDocument;
        same = canonicalJson(await sealProposal(trx, input.document!, other)) === canonicalJson(other);
      }
      if (!same) continue;
      if (o.base_revision === currentRevision) return { id: Number(o.id), existing: true };
      if (o.author === actor.name && input.baseRevision === undefined) {
        await trx.updateTable('change_requests').set({ base_revision: currentRevision, version: o.version + 1, updated_at: now() }).where('id', '=', o.id).execute();
        await audit.record(trx, { actor: actor.name, action: 'change_request.update', targetKind: o.kind, targetName: o.name, ip: actor.ip, details: { changeRequest: Number(o.id), rebasedTo: currentRevision } });
        return { id: Number(o.id), existing: true };
      }
    }
    const inserted = await trx
      .insertInto('change_requests')
      .values({
        kind: target.kind,
        name: input.document?.metadata.name ?? live!.document.metadata.name,
        name_key: key(target.name),
        owner_key: key(owner),
        owner,
        operation,
        base_revision: base,
        document: sealed ? JSON.stringify(sealed) : null,
        message: input.message,
        author: actor.name,
        state: 'open',
        version: 1,
        created_at: now(),
        updated_at: now(),
        merged_by: null,
        merged_revision: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(inserted.id);
    await audit.record(trx, { actor: actor.name, action: 'change_request.open', targetKind: target.kind, targetName: target.name, ip: actor.ip, details: { changeRequest: id, operation } });
    await inbox.notify(trx, {
      userKeys: await ownerMembers(trx, key(owner), actor.name),
      type: 'change_request.opened',
      changeRequestId: id,
      summary: `${actor.name} proposes to ${operation} ${target.kind}/${target.name} (#${id})`,
      body: input.message,
    });
    return { id, existing: false };
  }

  return {
    openInTransaction,

    async open(actor: Actor, input: { document?: Record<string, unknown>; delete?: Target; baseRevision?: number; message: string }) {
      if (!!input.document === !!input.delete) throw new AppError('CHANGE_REQUEST_INVALID', 'give either "document" (create or update) or "delete" ({kind, name})');
      const document = input.document ? resources.parseDocument(input.document) : undefined;
      return db.transaction().execute(async (trx) => {
        const { id, existing } = await openInTransaction(trx, actor, { document, delete: input.delete, baseRevision: input.baseRevision, message: input.message });
        return { existing, view: await view(trx, await load(trx, id), true) };
      });
    },

    async get(actor: Actor, id: number) {
      permissions.requireScope(actor, 'read');
      return view(db, await load(db, id), true);
    },

    async list(actor: Actor, q: { state?: string; owner?: string; author?: string; kind?: string; name?: string; toReview?: boolean; mine?: boolean; limit: number; cursor?: number }) {
      permissions.requireScope(actor, 'read');
      let query = db.selectFrom('change_requests').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
      if (q.state) query = query.where('state', '=', q.state);
      if (q.owner) query = query.where('owner_key', '=', key(q.owner));
      if (q.author) query = query.where('author', '=', q.author);
      if (q.kind) query = query.where('kind', '=', q.kind);
      if (q.name) query = query.where('name_key', '=', key(q.name));
      if (q.mine) query = query.where('author', '=', actor.name);
      if (q.toReview) {
        const teams = [...actor.teams.keys()];
        query = query.where('state', '=', 'open').where('author', '!=', actor.name).where('owner_key', 'in', teams.length ? teams : ['\u0000']);
      }
      if (q.cursor !== undefined) query = query.where('id', '<', q.cursor);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const items = [];
      for (const r of page) items.push(await view(db, r, false));
      return { items, nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
    },

    /** The author updates the proposal (dropping earlier approvals) or closes it; owners may close it too. */
    async update(actor: Actor, id: number, patch: { document?: Record<string, unknown>; message?: string; baseRevision?: number; state?: 'closed' }) {
      permissions.requireScope(actor, 'write');
      const document = patch.document ? resources.parseDocument(patch.document) : undefined;
      return db.transaction().execute(async (trx) => {
        const cr = await load(trx, id);
        if (cr.state !== 'open') throw new AppError('CHANGE_REQUEST_CLOSED', `change request #${id} is ${cr.state}`);
        const isAuthor = cr.author === actor.name;
        if (patch.state === 'closed') {
          if (!isAuthor && !permissions.canReview(actor, cr.owner_key)) throw new AppError('FORBIDDEN', 'only the author or the owning team may close this change request');
          await trx.updateTable('change_requests').set({ state: 'closed', updated_at: now() }).where('id', '=', id).execute();
          await audit.record(trx, { actor: actor.name, action: 'change_request.close', targetKind: cr.kind, targetName: cr.name, ip: actor.ip, details: { changeRequest: id } });
          if (!isAuthor) await inbox.notify(trx, { userKeys: [key(cr.author)], type: 'change_request.closed', changeRequestId: id, summary: `${actor.name} closed your change request #${id}` });
          return view(trx, await load(trx, id), true);
        }
        if (!isAuthor) throw new AppError('FORBIDDEN', 'only the author may update a change request; open your own to propose something else');
        const set: Updateable<Database['change_requests']> = { updated_at: now(), version: cr.version + 1 };
        if (document) {
          if (document.kind !== cr.kind || key(document.metadata.name) !== cr.name_key) {
            throw new AppError('CHANGE_REQUEST_INVALID', `the document must stay ${cr.kind}/${cr.name}`);
          }
          if (cr.operation === 'delete') throw new AppError('CHANGE_REQUEST_INVALID', 'a deletion request has no document; close it and open a new one');
          const current = await resources.loadStored(trx, cr.kind, cr.name_key);
          set.document = JSON.stringify(await sealProposal(trx, document, current && !current.deleted ? current.document : null));
        }
        if (patch.message !== undefined) set.message = patch.message;
        if (patch.baseRevision !== undefined) set.base_revision = patch.baseRevision;
        await trx.updateTable('change_requests').set(set).where('id', '=', id).execute();
        await audit.record(trx, { actor: actor.name, action: 'change_request.update', targetKind: cr.kind, targetName: cr.name, ip: actor.ip, details: { changeRequest: id, version: cr.version + 1 } });
        return view(trx, await load(trx, id), true);
      });
    },

    async review(actor: Actor, id: number, verdict: 'approve' | 'request_changes' | 'comment', body: string) {
      permissions.requireScope(actor, 'write');
      return db.transaction().execute(async (trx) => {
        const cr = await load(trx, id);
        if (cr.state !== 'open') throw new AppError('CHANGE_REQUEST_CLOSED', `change request #${id} is ${cr.state}`);
        if (verdict !== 'comment') {
          if (!permissions.canReview(actor, cr.owner_key)) throw new AppError('NOT_OWNER', `only members of team "${cr.owner}" approve or request changes; you may comment`);
          if (cr.author === actor.name && verdict === 'approve') throw new AppError('FORBIDDEN', 'you cannot approve your own change request');
        } else if (!body.trim()) {
          throw new AppError('VALIDATION_FAILED', 'a comment needs a body');
        }
        await trx.insertInto('change_request_reviews').values({ change_request_id: id, author: actor.name, verdict, body, version: cr.version, created_at: now() }).execute();
        await audit.record(trx, { actor: actor.name, action: `change_request.${verdict}`, targetKind: cr.kind, targetName: cr.name, ip: actor.ip, details: { changeRequest: id } });
        const notify = [key(cr.author), ...(await ownerMembers(trx, cr.owner_key, actor.name))].filter((u) => u !== key(actor.name));
        await inbox.notify(trx, { userKeys: notify, type: `change_request.${verdict}`, changeRequestId: id, summary: `${actor.name} ${verdict === 'approve' ? 'approved' : verdict === 'request_changes' ? 'requested changes on' : 'commented on'} #${id} (${cr.kind}/${cr.name})`, body });
        return view(trx, await load(trx, id), true);
      });
    },

    /** Merges an approved, up-to-date change request: a new revision recording proposer and approvers. */
    async merge(actor: Actor, id: number) {
      permissions.requireScope(actor, 'write');
      return db.transaction().execute(async (trx) => {
        const cr = await load(trx, id);
        if (cr.state !== 'open') throw new AppError('CHANGE_REQUEST_CLOSED', `change request #${id} is ${cr.state}`);
        if (!permissions.canReview(actor, cr.owner_key)) throw new AppError('NOT_OWNER', `only members of team "${cr.owner}" may merge #${id}`);
        const current = await resources.loadStored(trx, cr.kind, cr.name_key, true);
        if ((current?.revision ?? 0) !== cr.base_revision) {
          const v = await view(trx, cr, false);
          throw new AppError('CHANGE_REQUEST_STALE', `${cr.kind}/${cr.name} changed since revision ${cr.base_revision} (now ${current?.revision ?? 0}); the author must update the proposal`, { conflict: v.conflict, currentRevision: v.currentRevision });
        }
        const { approvals, blockers } = await approvalState(trx, cr);
        if (!approvals.length) throw new AppError('CHANGE_REQUEST_NOT_APPROVED', `#${id} needs an approval from a member of "${cr.owner}" other than its author`);
        if (blockers.length) throw new AppError('CHANGE_REQUEST_NOT_APPROVED', `changes were requested by ${blockers.join(', ')}`, { blockers });
        const doc = cr.document ? (JSON.parse(cr.document) as ResourceDocument) : null;
        const result = await resources.writeInTransaction(trx, actor, { kind: cr.kind, name: cr.name }, doc, {
          source: 'change-request',
          sealed: true,
          ifMatch: cr.base_revision,
          changeRequestId: id,
          author: cr.author,
          message: `${cr.message || `change request #${id}`} (#${id} by ${cr.author}, approved by ${approvals.join(', ')}, merged by ${actor.name})`,
        });
        await trx.updateTable('change_requests').set({ state: 'merged', merged_by: actor.name, merged_revision: result.revision, updated_at: now() }).where('id', '=', id).execute();
        await audit.record(trx, { actor: actor.name, action: 'change_request.merge', targetKind: cr.kind, targetName: cr.name, ip: actor.ip, details: { changeRequest: id, proposer: cr.author, approvers: approvals, revision: result.revision } });
        await inbox.notify(trx, { userKeys: [key(cr.author)], type: 'change_request.merged', changeRequestId: id, summary: `${actor.name} merged your change request #${id} (${cr.kind}/${cr.name})` });
        return view(trx, await load(trx, id), true);
      });
    },

    /**
     * Declarative apply: validates every document first (any invalid one fails the whole request
     * and writes nothing), then writes what the caller owns and proposes the rest, in one
     * transaction. Teams go first so later documents can name them as owner.
     */
    async apply(actor: Actor, raw: unknown[], dryRun: boolean, message?: string): Promise<ApplyResult[]> {
      permissions.requireScope(actor, 'read');
      const parsed = raw.map((r, index) => {
        try {
          return { index, doc: resources.parseDocument(r), error: null };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          const r0 = r as any;
          return { index, doc: null, error: err, kind: typeof r0?.kind === 'string' ? r0.kind : null, name: typeof r0?.metadata?.name === 'string' ? r0.metadata.name : null };
        }
      });
      const seen = new Map<string, number>();
      const invalid: { index: number; kind: string | null; name: string | null; code: string; message: string }[] = [];
      for (const p of parsed) {
        if (p.error) {
          invalid.push({ index: p.index, kind: (p as any).kind, name: (p as any).name, code: p.error.code, message: p.error.message });
          continue;
        }
        const id = `${p.doc!.kind}/${key(p.doc!.metadata.name)}`;
        if (seen.has(id)) invalid.push({ index: p.index, kind: p.doc!.kind, name: p.doc!.metadata.name, code: 'RESOURCE_INVALID', message: `${id} appears twice (documents ${seen.get(id)} and ${p.index})` });
        seen.set(id, p.index);
      }
      if (invalid.length) {
        throw new AppError('RESOURCE_INVALID', `${invalid.length} document(s) are invalid; nothing was applied. First: #${invalid[0]!.index} ${invalid[0]!.message}`, { documents: invalid });
      }
      const order = parsed.map((p) => p.doc!).map((doc, i) => ({ doc, i })).sort((a, b) => Number(b.doc.kind === 'Team') - Number(a.doc.kind === 'Team') || a.i - b.i);
      const results: ApplyResult[] = new Array(order.length);
      const run = async (trx: Transaction<Database>) => {
        await resources.prefetch(trx, order.map(({ doc }) => ({ kind: doc.kind, name: doc.metadata.name })));
        for (const { doc, i } of order) {
          const target = { kind: doc.kind, name: doc.metadata.name };
          const base = { kind: doc.kind, name: doc.metadata.name, revision: null, changeRequest: null, error: null };
          try {
            const w = await resources.writeInTransaction(trx, actor, target, doc, { source: 'apply', message });
            results[i] = { ...base, outcome: w.outcome === 'deleted' ? 'updated' : w.outcome, diff: w.diff, revision: w.revision };
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            if (err.code === 'AUTH_SCOPE' || (PROPOSABLE.has(err.code) && !permissions.canPropose(actor))) {
              results[i] = { ...base, outcome: 'denied', diff: '', error: { code: err.code, message: err.message } };
              continue;
            }
            if (!PROPOSABLE.has(err.code)) {
              throw new AppError(err.code, `${doc.kind}/${doc.metadata.name} (document ${i}): ${err.message}; nothing was applied`, err.details);
            }
            const current = await resources.loadStored(trx, doc.kind, doc.metadata.name);
            const live = current && !current.deleted ? current.document : null;
            const diff = diffDocuments(`${doc.kind}/${doc.metadata.name}`, live ? resources.publicDocument(live) : null, resources.publicDocument(doc));
            try {
              const cr = await openInTransaction(trx, actor, { document: doc, message: message ?? `proposed by ethos apply` });
              results[i] = { ...base, outcome: 'proposed', diff, changeRequest: dryRun && !cr.existing ? null : cr.id, error: { code: err.code, message: err.message } };
            } catch (e2) {
              if (e2 instanceof AppError && e2.code === 'CHANGE_REQUEST_UNCHANGED') {
                results[i] = { ...base, outcome: 'unchanged', diff: '' };
                continue;
              }
              if (e2 instanceof AppError && e2.code === 'CHANGE_REQUEST_INVALID') {
                results[i] = { ...base, outcome: 'denied', diff, error: { code: err.code, message: err.message } };
                continue;
              }
              throw e2;
            }
          }
        }
      };
      // a dry run writes for real inside the transaction and rolls it back, so documents that
      // depend on each other (a team and the services it owns) are judged together
      const rollback = new Error('dry run');
      try {
        await db.transaction().execute(async (trx) => {
          await run(trx);
          if (dryRun) throw rollback;
        });
      } catch (err) {
        if (err !== rollback) throw err;
      }
      if (!dryRun) {
        deps.noteWrites?.(results.filter((r) => r.outcome === 'created' || r.outcome === 'updated').length);
        const counts = results.reduce<Record<string, number>>((acc, r) => ((acc[r.outcome] = (acc[r.outcome] ?? 0) + 1), acc), {});
        await audit.record(db, { actor: actor.name, action: 'apply', ip: actor.ip, details: { documents: results.length, ...counts } });
      }
      return results;
    },
  };
}

/** The change-request service's public face. */
export type ChangeService = ReturnType<typeof createChangeService>;
