import { compilePattern, EXCEPTION_RULES_KIND, exceptionRulesSpecSchema, MATCHED_TEXT_LIMIT, type ExceptionRulesSpec } from '../../../../shared/exception-rules.schema.ts';
import type { ResourceView } from '../../../../shared/resource.schema.ts';
import { AppError } from '../../../platform/errors.ts';
import type { KindDefinition, WriteContext } from '../../resources/kinds.ts';
import type { ResourceService } from '../../resources/resources.service.ts';
import type { ExceptionOccurrence, ExceptionStore, RuleMatch } from './exception-store.ts';
import type { Frame } from './fingerprint.ts';

/** How often a replica asks whether rules (or their services' owners) changed, written anywhere. */
export const RULES_CHECK_MS = 5_000;
/** In-app frames a frame matcher looks at. */
const MATCHED_FRAMES = 50;

const key = (s: string) => s.toLowerCase();

interface CompiledRule {
  index: number;
  group: string;
  title: string | null;
  type?: RegExp;
  message?: RegExp;
  fn?: RegExp;
  file?: RegExp;
}

interface ServiceRules {
  revision: number;
  rules: CompiledRule[];
}

function compile(spec: ExceptionRulesSpec, revision: number): ServiceRules {
  const re = (p: string | undefined) => (p === undefined ? undefined : compilePattern(p));
  return {
    revision,
    rules: spec.rules.map((r, index) => ({ index, group: r.group, title: r.title ?? null, type: re(r.match.type), message: re(r.match.message), fn: re(r.match.function), file: re(r.match.file) })),
  };
}

/** Where the rules come from: the resource store and the catalog's service owners. */
export interface RuleSource {
  /** Changes whenever an ExceptionRules or a Service is written (see ResourceService.kindVersion). */
  version(): Promise<string>;
  /** Every live ExceptionRules resource. */
  rules(): Promise<ResourceView[]>;
  /** The owning team key of each named live service, by lower-cased name. */
  serviceOwners(names: string[]): Promise<Map<string, string>>;
}

/**
 * The fingerprint rules of every service, compiled, in memory: ingest matches occurrences against
 * them without touching the database. `refresh()` (before recording a batch) asks the store's
 * version counter at most every {@link RULES_CHECK_MS} — and on every batch for that long after a
 * rules write on this replica, whose transaction may not have committed yet — and reloads only
 * when it changed. Rules apply only while their owner owns the service.
 */
export class ExceptionRuleSet {
  private byService = new Map<string, ServiceRules>();
  private version: string | null = null;
  private checkedAt = -Infinity;
  private eagerUntil = -Infinity;
  private inflight: Promise<void> | null = null;

  constructor(private readonly deps: { source: RuleSource; now: () => number }) {}

  /** A rules resource was written on this replica: look for it on every refresh for a while. */
  changed(): void {
    this.eagerUntil = this.deps.now() + RULES_CHECK_MS;
  }

  /** Brings the rules up to date when a check is due; keeps the current ones if the store cannot answer. */
  async refresh(): Promise<void> {
    const t = this.deps.now();
    if (t - this.checkedAt < RULES_CHECK_MS && t > this.eagerUntil) return;
    this.inflight ??= this.reload(t).finally(() => (this.inflight = null));
    await this.inflight;
  }

  private async reload(t: number): Promise<void> {
    this.checkedAt = t;
    try {
      const version = await this.deps.source.version();
      if (version === this.version) return;
      const docs = await this.deps.source.rules();
      const owners = await this.deps.source.serviceOwners(docs.map((d) => d.metadata.name));
      const next = new Map<string, ServiceRules>();
      for (const d of docs) {
        const service = key(d.metadata.name);
        // rules of a service handed to another team wait until they are handed over too
        if (owners.get(service) !== key(d.metadata.owner)) continue;
        const spec = exceptionRulesSpecSchema.safeParse(d.spec);
        if (spec.success) next.set(service, compile(spec.data, d.metadata.revision));
      }
      this.byService = next;
      this.version = version;
    } catch {
      // the store is unavailable: keep grouping with the rules we have, and ask again at the next check
    }
  }

  /** The first rule of the occurrence's service that matches it, or null (the built-in fingerprint). */
  match(o: ExceptionOccurrence, frames: Frame[]): RuleMatch | null {
    const set = this.byService.get(key(o.service));
    if (!set) return null;
    const type = o.type.slice(0, MATCHED_TEXT_LIMIT);
    const message = o.message.slice(0, MATCHED_TEXT_LIMIT);
    let inApp: Frame[] | null = null;
    for (const r of set.rules) {
      if (r.type && !r.type.test(type)) continue;
      if (r.message && !r.message.test(message)) continue;
      if (r.fn || r.file) {
        inApp ??= frames.filter((f) => f.inApp).slice(0, MATCHED_FRAMES);
        const hit = inApp.some((f) => (!r.fn || r.fn.test(f.fn.slice(0, MATCHED_TEXT_LIMIT))) && (!r.file || r.file.test(f.file.slice(0, MATCHED_TEXT_LIMIT))));
        if (!hit) continue;
      }
      return { group: r.group, title: r.title, index: r.index, revision: set.revision };
    }
    return null;
  }

  /** The matcher the exception store calls. */
  readonly matcher = (o: ExceptionOccurrence, frames: Frame[]) => this.match(o, frames);
}

/**
 * The ExceptionRules kind: one resource per service, named after it, owned by the service's team.
 * A write for a service that does not exist, or that another team owns, is refused.
 */
export function exceptionRulesKind(deps: { resources: Pick<ResourceService, 'loadStored'>; changed(): void }): KindDefinition {
  return {
    kind: EXCEPTION_RULES_KIND,
    spec: exceptionRulesSpecSchema,
    async validate(ctx: WriteContext) {
      const next = ctx.next;
      if (!next) return;
      const name = next.metadata.name;
      const service = await deps.resources.loadStored(ctx.trx, 'Service', name);
      if (!service || service.deleted) {
        const message = `there is no service "${name}"; ExceptionRules are named after the service whose exceptions they group`;
        throw new AppError('EXCEPTION_RULES_SERVICE_UNKNOWN', `metadata.name: ${message}`, { field: 'metadata.name', service: name, issues: [{ path: 'metadata.name', message }] });
      }
      const owner = service.document.metadata.owner;
      if (key(owner) !== key(next.metadata.owner)) {
        const message = `service "${service.document.metadata.name}" is owned by team "${owner}", and so are its exception rules: set metadata.owner to "${owner}" and, if you are not in that team, propose them with a change request`;
        throw new AppError('EXCEPTION_RULES_NOT_SERVICE_OWNER', `metadata.owner: ${message}`, {
          field: 'metadata.owner',
          service: service.document.metadata.name,
          owner,
          propose: '/api/v1/change-requests',
          issues: [{ path: 'metadata.owner', message }],
        });
      }
    },
    async afterWrite() {
      deps.changed();
    },
  };
}

/** The rules of every service, and the kind teams write them with. */
export function createExceptionRules(deps: { resources: ResourceService; serviceOwners(names: string[]): Promise<Map<string, string>>; now: () => number }) {
  const rules = new ExceptionRuleSet({
    source: {
      version: () => deps.resources.kindVersion([EXCEPTION_RULES_KIND, 'Service']),
      rules: () => deps.resources.listAllLive(EXCEPTION_RULES_KIND),
      serviceOwners: deps.serviceOwners,
    },
    now: deps.now,
  });
  return { rules, kind: exceptionRulesKind({ resources: deps.resources, changed: () => rules.changed() }) };
}

/** Records occurrences in the store, grouped by their services' rules (brought up to date first when a check is due). */
export async function recordExceptions(store: ExceptionStore | undefined, rules: ExceptionRuleSet | undefined, occurrences: ExceptionOccurrence[]): Promise<void> {
  if (!store || !occurrences.length) return;
  await rules?.refresh();
  store.record(occurrences, rules?.matcher);
}
