import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../platform/db.ts';
import type { Actor } from '../../platform/permissions.ts';
import type { ResourceDocument } from '../../../shared/resource.schema.ts';

/** The state of a resource as a hook sees it (secrets sealed). */
export interface StoredResource {
  id: number;
  document: ResourceDocument;
  revision: number;
  deleted: boolean;
}

/** What a write hook receives: runs inside the write's transaction. */
export interface WriteContext {
  trx: Transaction<Database>;
  actor: Actor;
  /** Current state, or null when the resource never existed or was deleted. */
  current: StoredResource | null;
  /** The new document, or null for a deletion. */
  next: ResourceDocument | null;
  /** Live resources owned by a team (for rules such as "a team that owns things cannot go"). */
  ownedBy(ownerKey: string): Promise<{ kind: string; name: string }[]>;
  /** How many live resources of a kind a team owns, however many (quotas). */
  countOwned(ownerKey: string, kind: string): Promise<number>;
  /** The live documents of a kind a team owns, secrets sealed (quotas that weigh each one). */
  documentsOwned(ownerKey: string, kind: string): Promise<ResourceDocument[]>;
}

/** How a kind is defined: one registration per kind, in its own module. */
export interface KindDefinition {
  kind: string;
  /** Schema of `spec`; it applies defaults, so stored specs are normalised. */
  spec: z.ZodType<Record<string, unknown>>;
  /** Dot paths within `spec` holding write-only values, encrypted at rest. */
  secretFields?: string[];
  /** Fills in what a kind derives (e.g. a Team owns itself) before validation. */
  normalize?(doc: Record<string, any>): void;
  /** Read rule; default: any signed-in principal with `read`. */
  canRead?(actor: Actor, doc: ResourceDocument): boolean;
  /**
   * Extra authorisation on top of the ownership rule; throw AppError to refuse.
   * `isCreate` is true when no live resource exists.
   */
  authorize?(ctx: WriteContext): void | Promise<void>;
  /** Semantic checks (references exist…); throw AppError to refuse. */
  validate?(ctx: WriteContext): Promise<void>;
  /** Runs after the revision is written, in the same transaction (derived tables). */
  afterWrite?(ctx: WriteContext): Promise<void>;
  /** When true the owning team itself is the resource (Team): any signed-in user may create one. */
  selfOwned?: boolean;
}

/** The registry of kinds: later modules register theirs without touching the core. */
export class KindRegistry {
  private readonly kinds = new Map<string, KindDefinition>();

  register(def: KindDefinition): void {
    if (this.kinds.has(def.kind)) throw new Error(`kind ${def.kind} is already registered`);
    this.kinds.set(def.kind, def);
  }

  get(kind: string): KindDefinition | undefined {
    return this.kinds.get(kind);
  }

  list(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /**
   * Each kind's spec schema for OpenAPI's `components.schemas`, as `<Kind>Spec`: the resource
   * routes take any kind, so the document's `spec` is described here, one schema per kind.
   */
  openApiSchemas(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const kind of this.list()) {
      const { $schema: _, ...schema } = z.toJSONSchema(this.kinds.get(kind)!.spec, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      out[`${kind}Spec`] = { ...schema, description: [schema.description, `The spec of a ${kind} document (PUT /api/v1/resources/${kind}/{name}, POST /api/v1/apply).`].filter(Boolean).join(' ') };
    }
    return out;
  }
}
