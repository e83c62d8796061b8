import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { rangeOf } from './yaml-issues.ts';

const text = `apiVersion: ethos/v1
kind: Service
metadata:
  name: checkout
  owner: payments
  colour: blue
spec:
  links:
    - title: Dashboard
      url: not a url
`;

function at(path: string, message = 'invalid'): string {
  const r = rangeOf(parseDocument(text), { path, message });
  return r ? text.slice(r[0], r[1]) : '';
}

describe('placing the server’s issues in the YAML', () => {
  it('points at the value an issue names', () => {
    expect(at('spec.links.0.url')).toBe('not a url');
    expect(at('metadata.name')).toBe('checkout');
  });

  it('points at an unknown key inside its map', () => {
    expect(at('metadata', 'Unrecognized key: "colour"')).toBe('colour');
  });

  it('falls back to the nearest parent for a missing field', () => {
    expect(at('spec.runbook')).toContain('links:');
  });
});
