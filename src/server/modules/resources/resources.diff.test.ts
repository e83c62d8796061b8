import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import type { ResourceDocument } from '../../../shared/resource.schema.ts';
import { diffDocuments, toYaml } from './resources.diff.ts';

const doc: ResourceDocument = { apiVersion: 'ethos/v1', kind: 'Service', metadata: { name: 'a', owner: 't', labels: { z: '1', a: '2' } }, spec: { tier: '1', lifecycle: 'production' } };

describe('resource diffs', () => {
  it('a creation or deletion diff reads exactly like the general unified diff', () => {
    const yaml = toYaml(doc);
    expect(diffDocuments('Service/a', null, doc)).toBe(createTwoFilesPatch('Service/a (current)', 'Service/a (proposed)', '', yaml, undefined, undefined, { context: 3 }));
    expect(diffDocuments('Service/a', doc, null)).toBe(createTwoFilesPatch('Service/a (current)', 'Service/a (proposed)', yaml, '', undefined, undefined, { context: 3 }));
  });

  it('keys are sorted so equal documents give no diff whatever their key order', () => {
    const reordered = { ...doc, metadata: { ...doc.metadata, labels: { a: '2', z: '1' } }, spec: { lifecycle: 'production', tier: '1' } };
    expect(diffDocuments('Service/a', doc, reordered)).toBe('');
    expect(diffDocuments('Service/a', doc, { ...doc, spec: { ...doc.spec, tier: '2' } })).toContain('-  tier: "1"\n+  tier: "2"');
  });
});
