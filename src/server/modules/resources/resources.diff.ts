import { createTwoFilesPatch } from 'diff';
import jsyaml from 'js-yaml';
import type { ResourceDocument } from '../../../shared/resource.schema.ts';

/** Canonical YAML of a document: the form diffs are computed on. */
export function toYaml(doc: ResourceDocument | null): string {
  if (!doc) return '';
  const metadata: Record<string, unknown> = { name: doc.metadata.name, owner: doc.metadata.owner };
  if (doc.metadata.title !== undefined) metadata.title = doc.metadata.title;
  if (doc.metadata.description !== undefined) metadata.description = doc.metadata.description;
  if (Object.keys(doc.metadata.labels ?? {}).length) metadata.labels = sortKeys(doc.metadata.labels);
  // js-yaml's emitter is several times faster than yaml's, and diffs are computed on every write
  return jsyaml.dump({ apiVersion: doc.apiVersion, kind: doc.kind, metadata, spec: sortKeys(doc.spec) }, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

/** Stable JSON of a value with sorted keys: equality of documents. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

/** Unified diff between two documents; empty when they are equal. */
export function diffDocuments(label: string, from: ResourceDocument | null, to: ResourceDocument | null, fromLabel = 'current', toLabel = 'proposed'): string {
  const a = toYaml(from);
  const b = toYaml(to);
  if (a === b) return '';
  // one side empty: the patch is every line added or removed, no need to search for an edit script
  if (!a || !b) return wholeFilePatch(`${label} (${fromLabel})`, `${label} (${toLabel})`, a || b, a ? '-' : '+');
  return createTwoFilesPatch(`${label} (${fromLabel})`, `${label} (${toLabel})`, a, b, undefined, undefined, { context: 3 });
}

/** A unified diff adding (or removing) a whole file, in the same format as the diff library's. */
function wholeFilePatch(fromName: string, toName: string, text: string, sign: '+' | '-'): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const range = sign === '+' ? `@@ -0,0 +1,${lines.length} @@` : `@@ -1,${lines.length} +0,0 @@`;
  return `===================================================================\n--- ${fromName}\n+++ ${toName}\n${range}\n${lines.map((l) => sign + l).join('\n')}\n`;
}
