import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { SecretBox } from '../../platform/crypto.ts';
import { escapeLike, isUniqueViolation, type Database, type Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { permissions, type Actor } from '../../platform/permissions.ts';
import type { ActivityEntry } from '../../../shared/api.schema.ts';
import { API_VERSION, documentSchema, type ResourceDocument, type ResourceView } from '../../../shared/resource.schema.ts';
import type { AuditService } from '../audit/index.ts';
import { canonicalJson, diffDocuments } from './resources.diff.ts';
import { changedSecrets, maskSecrets, sealSecrets } from './resources.secrets.ts';
import type { KindDefinition, KindRegistry, StoredResource, WriteContext } from './kinds.ts';

/** Where a write came from, recorded on its revision. */
export type WriteSource = 'api' | 'apply' | 'rollback' | 'change-request' | 'ui';

/** Options of one write. */
export interface WriteOptions {
  message?: string;
  source: WriteSource;
  /** `If-Match` revision: the write fails with RESOURCE_CONFLICT unless it is current. */
  ifMatch?: number;
  /** `If-None-Match: *`: the write only creates. */
  createOnly?: boolean;
  changeRequestId?: number | null;
  /** The document's secrets are already sealed (rollback, merge of a stored proposal). */
  sealed?: boolean;
  /** Compute the outcome and diff without writing. */
  dryRun?: boolean;
  /** Skip the ownership check: the caller has authorised the write itself. */
  authorized?: boolean;
  /** Recorded author when not the actor (a merged change request records its proposer). */
  author?: string;
}

/** The result of a write. */
export interface WriteResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'deleted';
  revision: number;
  diff: string;
  view: ResourceView | null;
}

/** A revision as the API shows it. */
export interface RevisionView {
  revision: number;
  author: string;
  message: string;
  source: string;
  deleted: boolean;
  changeRequest: number | null;
  createdAt: string;
  document: Record<string, unknown> | null;
  secretsChanged: string[];
}

/** The target of a deletion. */
export interface Target {
  kind: string;
  name: string;
}

const key = (s: string) => s.toLowerCase();

/** Above this many text matches, a name-ordered scan beats sorting the matches. */
const FTS_CANDIDATES = 2000;

function encodeCursor(nameKey: string): string {
  return Buffer.from(nameKey, 'utf8').toString('base64url');
}
function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function zodIssues(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

type ResourceRow = Selectable<Database['resources']>;

/** The resource store: owned, versioned documents of every registered kind. */
export function createResourceService(deps: { db: Db; clock: Clock; kinds: KindRegistry; box: SecretBox; audit: AuditService }) {
  const { kinds, box, audit } = deps;
  const db = deps.db.kysely;

  function kindOf(kind: string): KindDefinition {
    const def = kinds.get(kind);
    if (!def) {
      throw new AppError('RESOURCE_KIND_UNKNOWN', `unknown kind "${kind}"; known kinds: ${kinds.list().join(', ')}`, { kind, known: kinds.list() });
    }
    return def;
  }

  /** Validates a raw document: envelope, kind, name rules and the kind's spec schema. */
  function parseDocument(raw: unknown): ResourceDocument {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new AppError('RESOURCE_INVALID', 'a resource document must be an object with apiVersion, kind, metadata and spec');
    }
    const copy = structuredClone(raw) as Record<string, any>;
    if (copy.metadata && typeof copy.metadata === 'object') {
      // fields the API adds on output; a document fetched with GET can be sent back as it is
      delete copy.metadata.revision;
      delete copy.metadata.createdAt;
      delete copy.metadata.updatedAt;
    }
    const def = typeof copy.kind === 'string' ? kindOf(copy.kind) : undefined;
    if (def?.normalize && copy.metadata && typeof copy.metadata === 'object') def.normalize(copy);
    const env = documentSchema.safeParse(copy);
    if (!env.success) {
      const issues = zodIssues(env.error);
      throw new AppError('RESOURCE_INVALID', `invalid document: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { issues });
    }
    const spec = kindOf(env.data.kind).spec.safeParse(env.data.spec);
    if (!spec.success) {
      const issues = zodIssues(spec.error).map((i) => ({ ...i, path: `spec${i.path ? `.${i.path}` : ''}` }));
      throw new AppError('RESOURCE_INVALID', `invalid ${env.data.kind} spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    return { ...env.data, spec: spec.data };
  }

  function rowToDocument(row: Pick<ResourceRow, 'kind' | 'name' | 'owner' | 'title' | 'description' | 'labels' | 'spec'>): ResourceDocument {
    const metadata: ResourceDocument['metadata'] = { name: row.name, owner: row.owner, labels: JSON.parse(row.labels) };
    if (row.title !== null) metadata.title = row.title;
    if (row.description !== null) metadata.description = row.description;
    return { apiVersion: API_VERSION, kind: row.kind, metadata, spec: JSON.parse(row.spec) };
  }

  /** The document with secrets masked, as every API output shows it. */
  function publicDocument(doc: ResourceDocument, changed: string[] = [], changedMarker?: string): ResourceDocument {
    const def = kinds.get(doc.kind);
    return { ...doc, spec: maskSecrets(def?.secretFields ?? [], doc.spec, changed, changedMarker) };
  }

  function rowToView(row: ResourceRow): ResourceView {
    const doc = publicDocument(rowToDocument(row));
    return {
      ...doc,
      metadata: { ...doc.metadata, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at },
    };
  }

  // rows read ahead for a batch (apply): kind/name key → row, or null when it does not exist.
  // An entry is used once, by the write of that resource, so it never outlives the row it copies.
  const prefetched = new WeakMap<object, Map<string, ResourceRow | null>>();

  async function loadRow(ex: Kysely<Database>, kind: string, name: string, forUpdate = false): Promise<ResourceRow | undefined> {
    const ahead = prefetched.get(ex);
    const id = `${kind}/${key(name)}`;
    if (ahead?.has(id)) {
      const row = ahead.get(id);
      ahead.delete(id);
      return row ?? undefined;
    }
    let q = ex.selectFrom('resources').selectAll().where('kind', '=', kind).where('name_key', '=', key(name));
    if (forUpdate && deps.db.kind === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  }

  function stored(row: ResourceRow | undefined): StoredResource | null {
    if (!row) return null;
    return { id: Number(row.id), document: rowToDocument(row), revision: row.revision, deleted: row.deleted === 1 };
  }

  async function ownedBy(ex: Kysely<Database>, ownerKey: string, limit = 100): Promise<Target[]> {
    const rows = await ex
      .selectFrom('resources')
      .select(['kind', 'name'])
      .where('owner_key', '=', ownerKey)
      .where('deleted', '=', 0)
      .orderBy('kind')
      .orderBy('name_key')
      .limit(limit)
      .execute();
    return rows;
  }

  async function countOwned(ex: Kysely<Database>, ownerKey: string, kind: string): Promise<number> {
    const row = await ex
      .selectFrom('resources')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('owner_key', '=', ownerKey)
      .where('kind', '=', kind)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async function documentsOwned(ex: Kysely<Database>, ownerKey: string, kind: string): Promise<ResourceDocument[]> {
    const rows = await ex.selectFrom('resources').selectAll().where('owner_key', '=', ownerKey).where('kind', '=', kind).where('deleted', '=', 0).orderBy('name_key').execute();
    return rows.map(rowToDocument);
  }

  // teams known to exist within one transaction: an apply of many services names few owners
  const knownTeams = new WeakMap<object, Set<string>>();

  async function teamExists(ex: Kysely<Database>, teamKey: string): Promise<boolean> {
    if (knownTeams.get(ex)?.has(teamKey)) return true;
    const row = await ex.selectFrom('resources').select('id').where('kind', '=', 'Team').where('name_key', '=', teamKey).where('deleted', '=', 0).executeTakeFirst();
    if (row && ex.isTransaction) {
      if (!knownTeams.has(ex)) knownTeams.set(ex, new Set());
      knownTeams.get(ex)!.add(teamKey);
    }
    return !!row;
  }

  /** Throws NOT_OWNER (or FORBIDDEN) unless the actor may write `next` over `current` directly. */
  async function authorizeWrite(ctx: WriteContext, def: KindDefinition): Promise<void> {
    const { actor, current, next } = ctx;
    permissions.requireScope(actor, 'write');
    const live = current && !current.deleted ? current : null;
    const target = next ?? live?.document;
    const label = `${target?.kind}/${target?.metadata.name}`;
    if (!live) {
      if (!next) throw new AppError('RESOURCE_NOT_FOUND', `${label} does not exist`);
      if (def.selfOwned) {
        if (actor.type !== 'user' && !actor.admin) throw new AppError('FORBIDDEN', 'only a user may create a team');
      } else if (!permissions.canWriteOwned(actor, key(next.metadata.owner))) {
        throw new AppError('NOT_OWNER', `only members of team "${next.metadata.owner}" may create ${label}; open a change request to propose it`, { owner: next.metadata.owner, propose: '/api/v1/change-requests' });
      }
    } else {
      const ownerKey = key(live.document.metadata.owner);
      if (!permissions.canWriteOwned(actor, ownerKey)) {
        throw new AppError('NOT_OWNER', `${label} is owned by team "${live.document.metadata.owner}"; open a change request to propose this change`, { owner: live.document.metadata.owner, propose: '/api/v1/change-requests' });
      }
      if (next && !def.selfOwned && key(next.metadata.owner) !== ownerKey && !permissions.canTransfer(actor, ownerKey, key(next.metadata.owner))) {
        throw new AppError('FORBIDDEN', `handing ${label} from "${live.document.metadata.owner}" to "${next.metadata.owner}" needs a maintainer of both teams, or an admin`);
      }
    }
    await def.authorize?.(ctx);
  }

  async function syncDerived(trx: Transaction<Database>, id: number, doc: ResourceDocument | null, isNew: boolean): Promise<void> {
    if (!isNew) await trx.deleteFrom('resource_labels').where('resource_id', '=', id).execute();
    const labels = Object.entries(doc?.metadata.labels ?? {});
    if (doc && labels.length) {
      await trx
        .insertInto('resource_labels')
        .values(labels.map(([k, v]) => ({ resource_id: id, kind: doc.kind, key: k, value: v, name_key: key(doc.metadata.name) })))
        .execute();
    }
  }

  /**
   * Writes (or deletes, when `doc` is null) inside `trx`. Checks preconditions, ownership, the
   * kind's rules, seals secrets and appends a revision. Callers own the transaction.
   */
  async function writeInTransaction(trx: Transaction<Database>, actor: Actor, target: Target, doc: ResourceDocument | null, opts: WriteOptions): Promise<WriteResult> {
    const def = kindOf(target.kind);
    const row = await loadRow(trx, target.kind, target.name, true);
    const current = stored(row);
    const live = current && !current.deleted ? current : null;
    const label = `${target.kind}/${target.name}`;
    if (opts.ifMatch !== undefined && (current?.revision ?? 0) !== opts.ifMatch) {
      throw new AppError('RESOURCE_CONFLICT', `${label} is at revision ${current?.revision ?? 0}, not ${opts.ifMatch}; fetch it again and reapply your change`, { current: current?.revision ?? 0 });
    }
    if (opts.createOnly && live) {
      throw new AppError('RESOURCE_CONFLICT', `${label} already exists (If-None-Match: *)`, { current: live.revision });
    }
    if (!doc && !live) throw new AppError('RESOURCE_NOT_FOUND', `${label} does not exist`);

    let next = doc ? structuredClone(doc) : null;
    const ctx: WriteContext = { trx, actor, current: live, next, ownedBy: (k) => ownedBy(trx, k), countOwned: (k, kind) => countOwned(trx, k, kind), documentsOwned: (k, kind) => documentsOwned(trx, k, kind) };
    if (next && !def.selfOwned && !(await teamExists(trx, key(next.metadata.owner)))) {
      throw new AppError('RESOURCE_OWNER_UNKNOWN', `team "${next.metadata.owner}" does not exist; create it first or pick an existing owner`, { owner: next.metadata.owner });
    }
    if (!opts.authorized) await authorizeWrite(ctx, def);
    await def.validate?.(ctx);

    let secretsChanged: string[] = [];
    if (next) {
      if (opts.sealed) secretsChanged = changedSecrets(def.secretFields ?? [], live?.document.spec ?? null, next.spec);
      else secretsChanged = sealSecrets(box, def.secretFields ?? [], next.spec, live?.document.spec ?? null);
      next = { ...next, spec: next.spec };
    }
    if (next && live && canonicalJson(next) === canonicalJson(live.document)) {
      return { outcome: 'unchanged', revision: live.revision, diff: '', view: row ? rowToView(row) : null };
    }
    const masked = (d: ResourceDocument | null) => (d ? publicDocument(d) : null);
    const diff = diffDocuments(label, masked(live?.document ?? null), next ? publicDocument(next, secretsChanged, '<secret:changed>') : null);
    if (target.kind === 'Team' && !next) knownTeams.get(trx)?.delete(key(target.name));
    const revision = (current?.revision ?? 0) + 1;
    const outcome: WriteResult['outcome'] = !next ? 'deleted' : live ? 'updated' : 'created';
    if (opts.dryRun) return { outcome, revision, diff, view: null };

    const now = deps.clock.now().toISOString();
    const source = next ?? live!.document;
    const values = {
      name: source.metadata.name,
      owner_key: key(source.metadata.owner),
      owner: source.metadata.owner,
      title: source.metadata.title ?? null,
      description: source.metadata.description ?? null,
      labels: JSON.stringify(source.metadata.labels ?? {}),
      spec: JSON.stringify(source.spec),
      search_text: [source.metadata.name, source.metadata.title ?? '', source.metadata.description ?? ''].join('\n').toLowerCase(),
      revision,
      deleted: next ? 0 : 1,
      updated_at: now,
    };
    let id: number;
    if (row) {
      id = Number(row.id);
      const updated = await trx
        .updateTable('resources')
        .set({ ...values, created_at: live ? row.created_at : now })
        .where('id', '=', id)
        .where('revision', '=', row.revision)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        throw new AppError('RESOURCE_CONFLICT', `${label} changed while this write ran; retry`);
      }
    } else {
      try {
        const inserted = await trx
          .insertInto('resources')
          .values({ ...values, kind: target.kind, name_key: key(target.name), created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = Number(inserted.id);
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('RESOURCE_CONFLICT', `${label} was created by another write meanwhile; fetch it and retry`);
        throw err;
      }
    }
    await trx
      .insertInto('revisions')
      .values({
        resource_id: id,
        revision,
        document: next ? JSON.stringify(next) : null,
        deleted: next ? 0 : 1,
        author: opts.author ?? actor.name,
        message: opts.message ?? '',
        source: opts.source,
        change_request_id: opts.changeRequestId ?? null,
        secrets_changed: JSON.stringify(secretsChanged),
        created_at: now,
      })
      .execute();
    await syncDerived(trx, id, next, !row);
    await def.afterWrite?.({ ...ctx, next });
    await audit.record(trx, {
      actor: actor.name,
      action: `resource.${outcome === 'deleted' ? 'delete' : outcome === 'created' ? 'create' : 'update'}`,
      targetKind: target.kind,
      targetName: source.metadata.name,
      ip: actor.ip,
      details: { revision, source: opts.source, changeRequest: opts.changeRequestId ?? null, secretsChanged },
    });
    const createdAt = row && live ? row.created_at : now;
    const view = next ? { ...publicDocument(next), metadata: { ...publicDocument(next).metadata, revision, createdAt, updatedAt: now } } : null;
    return { outcome, revision, diff, view };
  }

  /**
   * Ids of resources whose text matches, from the trigram FTS5 index (which answers LIKE for
   * patterns of three or more characters); null when the term is so common that scanning in name
   * order finds a page sooner than sorting every match.
   */
  async function ftsCandidates(pattern: string): Promise<number[] | null> {
    // no ESCAPE clause: FTS5 only uses its index for a plain LIKE, so callers pass terms without %, _ or a backslash
    const rows = await sql<{ id: number }>`select rowid as id from resource_fts where search_text like ${pattern} limit ${FTS_CANDIDATES}`.execute(db);
    return rows.rows.length < FTS_CANDIDATES ? rows.rows.map((r) => Number(r.id)) : null;
  }

  async function revisionDocument(resourceId: number, revision: number, ex: Kysely<Database> = db) {
    return ex.selectFrom('revisions').selectAll().where('resource_id', '=', resourceId).where('revision', '=', revision).executeTakeFirst();
  }

  function requireRead(actor: Actor, def: KindDefinition, doc: ResourceDocument): void {
    permissions.requireScope(actor, 'read');
    if (def.canRead && !def.canRead(actor, doc)) {
      throw new AppError('RESOURCE_NOT_FOUND', `${doc.kind}/${doc.metadata.name} does not exist`);
    }
  }

  async function requireLive(actor: Actor, kind: string, name: string): Promise<ResourceRow> {
    const def = kindOf(kind);
    const row = await loadRow(db, kind, name);
    if (!row) throw new AppError('RESOURCE_NOT_FOUND', `${kind}/${name} does not exist`);
    requireRead(actor, def, rowToDocument(row));
    return row;
  }

  return {
    kindOf,
    parseDocument,
    publicDocument,
    teamExists: (teamKey: string, ex: Kysely<Database> = db) => teamExists(ex, teamKey),
    /** Resources owned by a team (at most `limit`). */
    ownedBy: (ownerKey: string, limit?: number) => ownedBy(db, ownerKey, limit),
    /** The stored (sealed) state of a resource, deleted or not; null when it never existed. */
    async loadStored(ex: Kysely<Database> | Transaction<Database>, kind: string, name: string, forUpdate = false) {
      return stored(await loadRow(ex, kind, name, forUpdate));
    },
    /** The document of a given revision, sealed; null for a tombstone. */
    async storedRevision(ex: Kysely<Database>, resourceId: number, revision: number): Promise<ResourceDocument | null | undefined> {
      const r = await revisionDocument(resourceId, revision, ex);
      if (!r) return undefined;
      return r.document ? (JSON.parse(r.document) as ResourceDocument) : null;
    },
    writeInTransaction,

    /**
     * A value that changes with every committed write of the given kinds (create, update, delete,
     * rollback, merge), on every replica: caches of a kind compare it instead of reloading.
     * @remarks Rows are never removed and every write adds one to a revision, so (count, sum) only grows.
     */
    async kindVersion(kindNames: string[]): Promise<string> {
      const rows = await db
        .selectFrom('resources')
        .select((eb) => ['kind', eb.fn.countAll().as('n'), eb.fn.sum<number | string>('revision').as('revisions')])
        .where('kind', 'in', kindNames)
        .groupBy('kind')
        .orderBy('kind')
        .execute();
      return rows.map((r) => `${r.kind}:${r.n}:${r.revisions}`).join(',');
    },

    /** Every live resource of a kind, unpaginated: for caches of small kinds (not for API answers). */
    async listAllLive(kind: string): Promise<ResourceView[]> {
      const rows = await db.selectFrom('resources').selectAll().where('kind', '=', kind).where('deleted', '=', 0).orderBy('name_key').execute();
      return rows.map(rowToView);
    },

    /**
     * Reads (and on PostgreSQL locks) the current rows of many resources in one query, for the
     * writes that follow in the same transaction: a batch costs one round trip, not one a document.
     */
    async prefetch(trx: Transaction<Database>, targets: Target[]): Promise<void> {
      const ahead = prefetched.get(trx) ?? new Map<string, ResourceRow | null>();
      prefetched.set(trx, ahead);
      const byKind = new Map<string, string[]>();
      for (const t of targets) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), key(t.name)]);
      for (const [kind, names] of byKind) {
        for (let i = 0; i < names.length; i += 500) {
          const chunk = names.slice(i, i + 500);
          let q = trx.selectFrom('resources').selectAll().where('kind', '=', kind).where('name_key', 'in', chunk);
          if (deps.db.kind === 'postgres') q = q.orderBy('id').forUpdate();
          const rows = await q.execute();
          for (const n of chunk) ahead.set(`${kind}/${n}`, null);
          for (const r of rows) ahead.set(`${kind}/${r.name_key}`, r);
        }
      }
    },
    authorizeWrite: (ctx: WriteContext) => authorizeWrite(ctx, kindOf((ctx.next ?? ctx.current?.document)!.kind)),

    /** Writes in a transaction of its own. */
    async write(actor: Actor, target: Target, doc: ResourceDocument | null, opts: WriteOptions): Promise<WriteResult> {
      return db.transaction().execute((trx) => writeInTransaction(trx, actor, target, doc, opts));
    },

    /** The current document of a live resource. */
    async get(actor: Actor, kind: string, name: string): Promise<ResourceView> {
      const row = await requireLive(actor, kind, name);
      if (row.deleted) throw new AppError('RESOURCE_NOT_FOUND', `${kind}/${name} was deleted at revision ${row.revision}; roll back to restore it`, { deletedAt: row.revision });
      return rowToView(row);
    },

    /** One page of live resources of a kind, filtered by owner, labels and text. */
    async list(actor: Actor, kind: string, q: { owner?: string | string[]; labels: [string, string][]; q?: string; limit: number; cursor?: string }) {
      const def = kindOf(kind);
      permissions.requireScope(actor, 'read');
      // With a label selector, walk the first label's index in name order (it is keyed by name), so a
      // page costs one page of index entries however many resources carry the label. An owner filter
      // is more selective (one team's resources), so then the owner index drives instead.
      const first = q.owner === undefined ? q.labels[0] : undefined;
      const more = first ? q.labels.slice(1) : q.labels;
      const plain = db.selectFrom('resources as r').selectAll('r');
      let query = first
        ? (db
            .selectFrom('resource_labels as l0')
            .innerJoin('resources as r', 'r.id', 'l0.resource_id')
            .selectAll('r')
            .where('l0.kind', '=', kind)
            .where('l0.key', '=', first[0])
            .where('l0.value', '=', first[1]) as unknown as typeof plain)
        : plain;
      const orderKey = first ? sql.ref('l0.name_key') : sql.ref('r.name_key');
      query = query.where('r.kind', '=', kind).where('r.deleted', '=', 0);
      if (q.owner !== undefined) {
        const owners = (Array.isArray(q.owner) ? q.owner : [q.owner]).map(key);
        query = owners.length === 1 ? query.where('r.owner_key', '=', owners[0]!) : query.where('r.owner_key', 'in', owners.length ? owners : ['\u0000']);
      }
      for (const [k, v] of more) {
        query = query.where(({ exists, selectFrom }) =>
          exists(selectFrom('resource_labels as lx').select('lx.resource_id').where('lx.kind', '=', kind).where('lx.key', '=', k).where('lx.value', '=', v).whereRef('lx.name_key', '=', 'r.name_key')),
        );
      }
      const text = q.q?.trim().toLowerCase();
      if (text) {
        const pattern = `%${escapeLike(text)}%`;
        const ids = deps.db.kind === 'sqlite' && [...text].length >= 3 && !/[%_\\]/.test(text) ? await ftsCandidates(`%${text}%`) : null;
        if (ids) {
          query = ids.length ? query.where('r.id', 'in', ids) : query.where(sql<boolean>`0 = 1`);
        } else {
          query = query.where(sql<boolean>`r.search_text like ${pattern} escape '\\'`);
        }
      }
      if (q.cursor) query = query.where(orderKey, '>', decodeCursor(q.cursor));
      const rows = await query.orderBy(orderKey).limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      const items = page.map(rowToView).filter((v) => !def.canRead || def.canRead(actor, v));
      const last = page[page.length - 1];
      return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.name_key) : null };
    },

    /** Recent revisions of resources owned by any of `owners` (team names), newest first. */
    async activity(actor: Actor, owners: string[], limit: number, before?: string): Promise<ActivityEntry[]> {
      permissions.requireScope(actor, 'read');
      if (!owners.length) return [];
      let q = db
        .selectFrom('revisions as v')
        .innerJoin('resources as r', 'r.id', 'v.resource_id')
        .select(['r.kind', 'r.name', 'r.owner', 'v.revision', 'v.author', 'v.message', 'v.source', 'v.deleted', 'v.change_request_id', 'v.created_at'])
        .where('r.owner_key', 'in', owners.map(key))
        .orderBy('v.created_at', 'desc')
        .orderBy('v.resource_id', 'desc')
        .orderBy('v.revision', 'desc')
        .limit(limit);
      if (before) q = q.where('v.created_at', '<', before);
      const rows = await q.execute();
      return rows
        .filter((r) => {
          const def = kinds.get(r.kind);
          return !def?.canRead || def.canRead(actor, rowToDocument({ ...r, title: null, description: null, labels: '{}', spec: '{}' }));
        })
        .map((r) => ({ kind: r.kind, name: r.name, owner: r.owner, ...revisionSummary(r) }));
    },

    /** Revisions, newest first. */
    async listRevisions(actor: Actor, kind: string, name: string, limit = 100, before?: number): Promise<RevisionView[]> {
      const row = await requireLive(actor, kind, name);
      let q = db.selectFrom('revisions').selectAll().where('resource_id', '=', Number(row.id)).orderBy('revision', 'desc').limit(limit);
      if (before !== undefined) q = q.where('revision', '<', before);
      const rows = await q.execute();
      return rows.map((r) => toRevisionView(r, kind));
    },

    async getRevision(actor: Actor, kind: string, name: string, revision: number): Promise<RevisionView> {
      const row = await requireLive(actor, kind, name);
      const r = await revisionDocument(Number(row.id), revision);
      if (!r) throw new AppError('REVISION_NOT_FOUND', `${kind}/${name} has no revision ${revision}; it is at ${row.revision}`);
      return toRevisionView(r, kind);
    },

    /** Unified diff between two revisions (0 is "nothing"). */
    async diff(actor: Actor, kind: string, name: string, from: number, to: number) {
      const row = await requireLive(actor, kind, name);
      const def = kindOf(kind);
      const load = async (n: number): Promise<ResourceDocument | null> => {
        if (n === 0) return null;
        const r = await revisionDocument(Number(row.id), n);
        if (!r) throw new AppError('REVISION_NOT_FOUND', `${kind}/${name} has no revision ${n}; it is at ${row.revision}`);
        return r.document ? (JSON.parse(r.document) as ResourceDocument) : null;
      };
      const a = await load(from);
      const b = await load(to);
      const secretsChanged = changedSecrets(def.secretFields ?? [], a?.spec ?? null, b?.spec ?? null);
      const patch = diffDocuments(`${kind}/${name}`, a ? publicDocument(a) : null, b ? publicDocument(b, secretsChanged, '<secret:changed>') : null, `revision ${from}`, `revision ${to}`);
      return { from, to, patch, secretsChanged };
    },

    /** Makes a new revision equal to an earlier one (restores a deleted resource too). */
    async rollback(actor: Actor, kind: string, name: string, revision: number, message?: string): Promise<WriteResult> {
      const row = await requireLive(actor, kind, name);
      const r = await revisionDocument(Number(row.id), revision);
      if (!r) throw new AppError('REVISION_NOT_FOUND', `${kind}/${name} has no revision ${revision}; it is at ${row.revision}`);
      const doc = r.document ? (JSON.parse(r.document) as ResourceDocument) : null;
      return db.transaction().execute(async (trx) => {
        const result = await writeInTransaction(trx, actor, { kind, name }, doc, {
          source: 'rollback',
          sealed: true,
          message: message ?? `roll back to revision ${revision}`,
          ifMatch: row.revision,
        });
        return result;
      });
    },
  };

  function toRevisionView(r: Database['revisions'], kind: string): RevisionView {
    const doc = r.document ? (JSON.parse(r.document) as ResourceDocument) : null;
    const secretsChanged = JSON.parse(r.secrets_changed) as string[];
    return {
      ...revisionSummary(r),
      document: doc ? publicDocument({ ...doc, kind }) : null,
      secretsChanged,
    };
  }
}

/** The summary of a revision row, shared by history and the activity feed. */
function revisionSummary(r: Pick<Database['revisions'], 'revision' | 'author' | 'message' | 'source' | 'deleted' | 'change_request_id' | 'created_at'>) {
  return {
    revision: r.revision,
    author: r.author,
    message: r.message,
    source: r.source,
    deleted: r.deleted === 1,
    changeRequest: r.change_request_id === null ? null : Number(r.change_request_id),
    createdAt: r.created_at,
  };
}

/** The resource store's public face. */
export type ResourceService = ReturnType<typeof createResourceService>;

/** Parses repeated `label=k=v` query values. */
export function parseLabelSelectors(label: string | string[] | undefined): [string, string][] {
  const list = label === undefined ? [] : Array.isArray(label) ? label : [label];
  return list.map((l) => {
    const i = l.indexOf('=');
    if (i <= 0) throw new AppError('VALIDATION_FAILED', `label selector "${l}" must look like key=value`);
    return [l.slice(0, i), l.slice(i + 1)];
  });
}
