import { isMap, isScalar, type Document } from 'yaml';
import type { Issue } from '../../app/types.ts';

/** Where a server issue's path points in the YAML: the value's node, else its nearest parent. */
export function rangeOf(doc: Document, issue: Issue): [number, number] | null {
  const parts: (string | number)[] = issue.path ? issue.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  for (let n = parts.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      // "Unrecognized key: "x"" points at that key inside the map
      const unknown = /Unrecognized keys?: "([^"]+)"/.exec(issue.message)?.[1];
      if (unknown && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === unknown);
        if (pair && isScalar(pair.key) && pair.key.range) return [pair.key.range[0], pair.key.range[1]];
      }
      const [start, end] = node.range as [number, number, number];
      return [start, Math.max(end, start + 1)];
    }
  }
  return null;
}

