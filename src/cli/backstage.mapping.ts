import { z } from 'zod';
import { API_VERSION, metadataSchema, nameSchema } from '../shared/resource.schema.ts';
import type { SourceDocument } from './document-files.ts';

/** apiVersions of the Backstage catalog entities the importer reads. */
export const BACKSTAGE_API_VERSIONS = ['backstage.io/v1alpha1', 'backstage.io/v1beta1'];

/** A Backstage User, as an Ethos user to create. */
export interface ImportedUser {
  name: string;
  displayName?: string;
  email?: string;
  /** Where the entity was read. */
  source: string;
}

/** What a Backstage catalog becomes in Ethos. */
export interface BackstageImport {
  /** Team and Service documents, each with the location of the entity it came from. */
  documents: SourceDocument[];
  users: ImportedUser[];
  /** Things left out or changed on the way, one sentence each. */
  warnings: string[];
  /** Backstage entities of kinds Ethos has no counterpart for, counted by kind. */
  skipped: Record<string, number>;
}

/** A parsed entity reference `[kind:][namespace/]name`. */
export interface EntityRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Parses an entity reference; the kind defaults to `defaultKind`, the namespace to `default`. */
export function parseEntityRef(ref: string, defaultKind: string): EntityRef {
  const colon = ref.indexOf(':');
  const kind = colon > 0 ? ref.slice(0, colon) : defaultKind;
  const rest = colon > 0 ? ref.slice(colon + 1) : ref;
  const slash = rest.indexOf('/');
  return {
    kind: kind.toLowerCase(),
    namespace: slash >= 0 ? rest.slice(0, slash) : 'default',
    name: slash >= 0 ? rest.slice(slash + 1) : rest,
  };
}

const LIFECYCLES = ['experimental', 'production', 'deprecated'] as const;
const SOURCE_LOCATION = 'backstage.io/source-location';
const urlSchema = z.url();
const emailSchema = z.email();
const labelsSchema = metadataSchema.shape.labels;

type Entity = { kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown>; file: string; line: number; at: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isName = (s: string) => nameSchema.safeParse(s).success;
const key = (s: string) => s.toLowerCase();

/** True for a Backstage catalog entity (by its apiVersion). */
export function isBackstageEntity(value: unknown): boolean {
  const apiVersion = obj(value).apiVersion;
  return typeof apiVersion === 'string' && BACKSTAGE_API_VERSIONS.includes(apiVersion);
}

/**
 * Maps Backstage catalog entities to Ethos: Component → Service, Group → Team (members from the
 * Group's spec.members and from Users' spec.memberOf), User → a user to create. Documents other
 * than Backstage entities are ignored; other entity kinds are counted in `skipped`.
 * @remarks Pure and deterministic (members are sorted), so importing the same catalog twice
 * yields the same documents and the second apply changes nothing.
 */
export function mapBackstageEntities(entries: readonly SourceDocument[]): BackstageImport {
  const warnings: string[] = [];
  const skipped: Record<string, number> = {};
  const entities: Entity[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (!isBackstageEntity(e.value)) continue;
    const raw = obj(e.value);
    const at = `${e.file}:${e.line}`;
    const metadata = obj(raw.metadata);
    const kind = str(raw.kind);
    const name = str(metadata.name);
    if (!kind || !name) {
      warnings.push(`${at}: a Backstage entity without kind or metadata.name; skipped`);
      continue;
    }
    if (!['Component', 'Group', 'User'].includes(kind)) {
      skipped[kind] = (skipped[kind] ?? 0) + 1;
      continue;
    }
    const id = `${kind}/${key(name)}`;
    if (seen.has(id)) {
      warnings.push(`${at}: ${kind} "${name}" appears more than once (namespaces are not kept in Ethos); only the first is imported`);
      continue;
    }
    seen.add(id);
    if (!isName(name)) {
      warnings.push(`${at}: ${kind} "${name}" has a name Ethos does not accept; skipped`);
      continue;
    }
    entities.push({ kind, metadata: { ...metadata, name }, spec: obj(raw.spec), file: e.file, line: e.line, at });
  }

  /** A reference to a user or group as a bare Ethos name, or undefined (with a warning). */
  const refName = (ref: unknown, defaultKind: string, wantKind: string, what: string, at: string): string | undefined => {
    const s = str(ref);
    if (!s) return undefined;
    const r = parseEntityRef(s, defaultKind);
    if (r.kind !== wantKind) {
      warnings.push(`${at}: ${what} "${s}" is not a ${wantKind}; left out`);
      return undefined;
    }
    if (r.namespace !== 'default') warnings.push(`${at}: ${what} "${s}" is in namespace "${r.namespace}"; Ethos has no namespaces, so it becomes "${r.name}"`);
    if (!isName(r.name)) {
      warnings.push(`${at}: ${what} "${s}" is not a valid Ethos name; left out`);
      return undefined;
    }
    return r.name;
  };

  const commonMetadata = (e: Entity, title: string | undefined) => {
    const out: { title?: string; description?: string; labels: Record<string, string> } = { labels: {} };
    if (title !== undefined) {
      if (title.length <= 200) out.title = title;
      else warnings.push(`${e.at}: the title of ${e.kind} "${e.metadata.name}" is longer than 200 characters; left out`);
    }
    const description = str(e.metadata.description);
    if (description !== undefined) {
      if (description.length <= 10_000) out.description = description;
      else warnings.push(`${e.at}: the description of ${e.kind} "${e.metadata.name}" is longer than 10000 characters; left out`);
    }
    for (const [k, v] of Object.entries(obj(e.metadata.labels))) {
      if (typeof v === 'string' && labelsSchema.safeParse({ [k]: v }).success) out.labels[k] = v;
      else warnings.push(`${e.at}: label ${k}=${String(v)} of ${e.kind} "${e.metadata.name}" is not a valid Ethos label; left out`);
    }
    return out;
  };

  const users: ImportedUser[] = [];
  const memberOf = new Map<string, string[]>();
  for (const e of entities.filter((x) => x.kind === 'User')) {
    const name = e.metadata.name as string;
    const profile = obj(e.spec.profile);
    const user: ImportedUser = { name, source: e.at };
    const displayName = str(profile.displayName);
    if (displayName) user.displayName = displayName.slice(0, 200);
    const email = str(profile.email);
    if (email && emailSchema.safeParse(email).success) user.email = email;
    else if (email) warnings.push(`${e.at}: the email "${email}" of User "${name}" is not valid; left out`);
    users.push(user);
    for (const g of list(e.spec.memberOf)) {
      const group = refName(g, 'group', 'group', `memberOf entry of User "${name}"`, e.at);
      if (group) memberOf.set(key(group), [...(memberOf.get(key(group)) ?? []), name]);
    }
  }

  const documents: SourceDocument[] = [];
  for (const e of entities.filter((x) => x.kind === 'Group')) {
    const name = e.metadata.name as string;
    const profile = obj(e.spec.profile);
    const members = new Map<string, string>();
    for (const m of list(e.spec.members)) {
      const user = refName(m, 'user', 'user', `member of Group "${name}"`, e.at);
      if (user && !members.has(key(user))) members.set(key(user), user);
    }
    for (const user of memberOf.get(key(name)) ?? []) if (!members.has(key(user))) members.set(key(user), user);
    const spec: Record<string, unknown> = {
      members: [...members.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map((user) => ({ user, role: 'member' })),
    };
    const email = str(profile.email);
    if (email && emailSchema.safeParse(email).success) spec.email = email;
    const metadata = { name, owner: name, ...commonMetadata(e, str(e.metadata.title) ?? str(profile.displayName)) };
    documents.push({ file: e.file, line: e.line, value: { apiVersion: API_VERSION, kind: 'Team', metadata, spec } });
  }

  for (const e of entities.filter((x) => x.kind === 'Component')) {
    const name = e.metadata.name as string;
    const ownerRef = str(e.spec.owner);
    if (!ownerRef || parseEntityRef(ownerRef, 'group').kind !== 'group') {
      const why = ownerRef ? `is owned by "${ownerRef}", not by a group` : 'has no spec.owner';
      warnings.push(`${e.at}: Component "${name}" ${why}; skipped (every Ethos resource is owned by a team)`);
      continue;
    }
    const owner = refName(ownerRef, 'group', 'group', `owner of Component "${name}"`, e.at);
    if (!owner) continue;
    const lifecycle = str(e.spec.lifecycle)?.toLowerCase();
    const spec: Record<string, unknown> = {
      lifecycle: LIFECYCLES.find((l) => l === lifecycle) ?? 'experimental',
    };
    const system = str(e.spec.system);
    if (system) {
      const systemName = refName(system, 'system', 'system', `system of Component "${name}"`, e.at);
      if (systemName) spec.system = systemName;
    }
    const dependsOn: string[] = [];
    for (const d of list(e.spec.dependsOn)) {
      // dependencies on resources or APIs have no counterpart in a Service's dependsOn
      const ref = str(d);
      if (!ref || parseEntityRef(ref, 'component').kind !== 'component') continue;
      const dep = refName(d, 'component', 'component', `dependency of Component "${name}"`, e.at);
      if (dep && !dependsOn.some((x) => key(x) === key(dep))) dependsOn.push(dep);
    }
    if (dependsOn.length) spec.dependsOn = dependsOn;
    const links: { title: string; url: string }[] = [];
    for (const l of list(e.metadata.links)) {
      const link = obj(l);
      const url = str(link.url);
      if (!url || !urlSchema.safeParse(url).success) {
        warnings.push(`${e.at}: a link of Component "${name}" has no valid url; left out`);
        continue;
      }
      links.push({ title: (str(link.title) ?? str(link.type) ?? url).slice(0, 200), url });
    }
    if (links.length) spec.links = links;
    const location = str(obj(e.metadata.annotations)[SOURCE_LOCATION]);
    if (location?.startsWith('url:')) {
      const repository = location.slice('url:'.length);
      if (urlSchema.safeParse(repository).success) spec.repository = repository;
      else warnings.push(`${e.at}: the ${SOURCE_LOCATION} of Component "${name}" is not a valid URL; left out`);
    }
    const metadata = { name, owner, ...commonMetadata(e, str(e.metadata.title)) };
    documents.push({ file: e.file, line: e.line, value: { apiVersion: API_VERSION, kind: 'Service', metadata, spec } });
  }

  return { documents, users, warnings, skipped };
}
