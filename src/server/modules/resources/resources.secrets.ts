import type { SecretBox } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { SECRET_SET } from '../../../shared/resource.schema.ts';

function getPath(obj: any, path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(obj: any, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object') return;
    cur = cur[p];
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/**
 * Seals the secret fields of an incoming spec. A field holding the `<secret:set>` marker keeps
 * the current sealed value; a plaintext equal to the current one keeps its sealed value too, so
 * re-applying a file is "unchanged". Returns the paths whose value changed.
 */
export function sealSecrets(
  box: SecretBox,
  fields: string[],
  incoming: Record<string, unknown>,
  current: Record<string, unknown> | null,
): string[] {
  const changed: string[] = [];
  for (const field of fields) {
    const path = field.split('.');
    const value = getPath(incoming, path);
    const sealed = current ? getPath(current, path) : undefined;
    if (value === undefined) {
      if (sealed !== undefined) changed.push(field);
      continue;
    }
    if (value === SECRET_SET) {
      if (typeof sealed !== 'string') {
        throw new AppError('RESOURCE_INVALID', `spec.${field} has no stored value to keep; give the secret itself`, { field });
      }
      setPath(incoming, path, sealed);
      continue;
    }
    if (typeof value !== 'string') throw new AppError('RESOURCE_INVALID', `spec.${field} must be a string`, { field });
    if (typeof sealed === 'string' && box.decrypt(sealed) === value) {
      setPath(incoming, path, sealed);
      continue;
    }
    setPath(incoming, path, box.encrypt(value));
    changed.push(field);
  }
  return changed;
}

/** Replaces sealed secret values by the `<secret:set>` marker, for every output. */
export function maskSecrets(fields: string[], spec: Record<string, unknown>, changed: string[] = [], changedMarker = SECRET_SET): Record<string, unknown> {
  if (!fields.length) return spec;
  const copy = structuredClone(spec);
  for (const field of fields) {
    const path = field.split('.');
    if (getPath(copy, path) !== undefined) setPath(copy, path, changed.includes(field) ? changedMarker : SECRET_SET);
  }
  return copy;
}

/** Secret paths whose sealed values differ between two specs. */
export function changedSecrets(fields: string[], a: Record<string, unknown> | null, b: Record<string, unknown> | null): string[] {
  return fields.filter((f) => {
    const path = f.split('.');
    return getPath(a ?? {}, path) !== getPath(b ?? {}, path);
  });
}
