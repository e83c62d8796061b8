import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mapBackstageEntities, parseEntityRef } from './backstage.mapping.ts';
import type { SourceDocument } from './document-files.ts';

const at = (value: unknown, line = 1): SourceDocument => ({ file: 'catalog-info.yaml', line, value });
const entity = (text: string, line = 1) => at(parse(text), line);

const checkout = entity(`
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  title: Checkout
  description: Takes the money
  labels:
    tier: critical
    "bad key!": x
    domain: "not a valid value because of spaces"
  annotations:
    backstage.io/source-location: url:https://github.com/acme/checkout/tree/main/
    github.com/project-slug: acme/checkout
  links:
    - url: https://grafana.acme.dev/d/checkout
      title: Dashboard
    - url: https://runbooks.acme.dev/checkout
      type: runbook
    - url: not a url
spec:
  type: service
  owner: group:default/payments
  lifecycle: production
  system: shop
  dependsOn:
    - component:default/ledger
    - component:fraud
    - resource:default/checkout-db
`);

describe('mapBackstageEntities', () => {
  it('maps a Component to a Service with owner, lifecycle, system, dependencies, links and repository', () => {
    const { documents } = mapBackstageEntities([checkout]);
    expect(documents).toHaveLength(1);
    expect(documents[0]!.value).toEqual({
      apiVersion: 'ethos/v1',
      kind: 'Service',
      metadata: { name: 'checkout', owner: 'payments', title: 'Checkout', description: 'Takes the money', labels: { tier: 'critical' } },
      spec: {
        lifecycle: 'production',
        system: 'shop',
        dependsOn: ['ledger', 'fraud'],
        links: [
          { title: 'Dashboard', url: 'https://grafana.acme.dev/d/checkout' },
          { title: 'runbook', url: 'https://runbooks.acme.dev/checkout' },
        ],
        repository: 'https://github.com/acme/checkout/tree/main/',
      },
    });
  });

  it('keeps the file and line of the entity on the document, for error messages', () => {
    const { documents } = mapBackstageEntities([{ ...checkout, file: 'svc/catalog-info.yaml', line: 12 }]);
    expect(documents[0]).toMatchObject({ file: 'svc/catalog-info.yaml', line: 12 });
  });

  it('drops labels that do not fit Ethos label rules and says so', () => {
    const { warnings } = mapBackstageEntities([checkout]);
    expect(warnings.some((w) => w.includes('bad key!'))).toBe(true);
    expect(warnings.some((w) => w.includes('domain='))).toBe(true);
    expect(warnings.some((w) => w.includes('no valid url'))).toBe(true);
  });

  it('turns an unknown or missing lifecycle into experimental', () => {
    const make = (lifecycle: string | null) =>
      at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: `c-${lifecycle ?? 'none'}` }, spec: { owner: 'team-a', ...(lifecycle ? { lifecycle } : {}) } });
    const { documents } = mapBackstageEntities([make('beta'), make(null), make('Deprecated')]);
    expect(documents.map((d) => (d.value as { spec: { lifecycle: string } }).spec.lifecycle)).toEqual(['experimental', 'experimental', 'deprecated']);
  });

  it('accepts a bare owner name and strips the default namespace', () => {
    const make = (owner: string) => at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'x' }, spec: { owner } });
    for (const owner of ['payments', 'default/payments', 'group:payments', 'Group:default/payments']) {
      expect((mapBackstageEntities([make(owner)]).documents[0]!.value as { metadata: { owner: string } }).metadata.owner).toBe('payments');
    }
  });

  it('skips a Component owned by a user or by nobody: Ethos resources are owned by teams', () => {
    const byUser = at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'a' }, spec: { owner: 'user:default/jdoe' } });
    const byNobody = at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'b' }, spec: {} });
    const result = mapBackstageEntities([byUser, byNobody]);
    expect(result.documents).toEqual([]);
    expect(result.warnings).toEqual([
      'catalog-info.yaml:1: Component "a" is owned by "user:default/jdoe", not by a group; skipped (every Ethos resource is owned by a team)',
      'catalog-info.yaml:1: Component "b" has no spec.owner; skipped (every Ethos resource is owned by a team)',
    ]);
  });

  it('maps a Group to a Team whose members come from its own list and from Users that are members of it', () => {
    const group = entity(`
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments, description: Money things }
spec:
  type: team
  profile: { displayName: Payments Team, email: payments@acme.dev }
  children: []
  members: [user:default/zoe, carol]
`);
    const alice = entity(`
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec:
  profile: { displayName: Alice Liddell, email: alice@acme.dev }
  memberOf: [group:default/payments, other-team]
`);
    const bob = entity(`
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [payments], profile: { email: not-an-email } }
`);
    const result = mapBackstageEntities([group, alice, bob]);
    expect(result.documents.map((d) => d.value)).toEqual([
      {
        apiVersion: 'ethos/v1',
        kind: 'Team',
        metadata: { name: 'payments', owner: 'payments', title: 'Payments Team', description: 'Money things', labels: {} },
        spec: {
          members: [
            { user: 'alice', role: 'member' },
            { user: 'bob', role: 'member' },
            { user: 'carol', role: 'member' },
            { user: 'zoe', role: 'member' },
          ],
          email: 'payments@acme.dev',
        },
      },
    ]);
    expect(result.users).toEqual([
      { name: 'alice', displayName: 'Alice Liddell', email: 'alice@acme.dev', source: 'catalog-info.yaml:1' },
      { name: 'bob', source: 'catalog-info.yaml:1' },
    ]);
    expect(result.warnings.some((w) => w.includes('not-an-email'))).toBe(true);
  });

  it('lists a member named both in the Group and by memberOf once, whatever the case', () => {
    const group = at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Group', metadata: { name: 'ops' }, spec: { members: ['Dana'] } });
    const dana = at({ apiVersion: 'backstage.io/v1alpha1', kind: 'User', metadata: { name: 'dana' }, spec: { memberOf: ['ops'] } });
    const team = mapBackstageEntities([group, dana]).documents[0]!.value as { spec: { members: unknown[] } };
    expect(team.spec.members).toEqual([{ user: 'Dana', role: 'member' }]);
  });

  it('gives the same documents whatever order the files are read in', () => {
    const group = at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Group', metadata: { name: 'ops' }, spec: {} });
    const users = ['erin', 'dave', 'frank'].map((name) => at({ apiVersion: 'backstage.io/v1alpha1', kind: 'User', metadata: { name }, spec: { memberOf: ['ops'] } }));
    const a = mapBackstageEntities([group, ...users]).documents.map((d) => d.value);
    const b = mapBackstageEntities([...users].reverse().concat(group)).documents.map((d) => d.value);
    expect(a).toEqual(b);
  });

  it('ignores non-Backstage documents and counts Backstage kinds Ethos has no counterpart for', () => {
    const result = mapBackstageEntities([
      at({ apiVersion: 'ethos/v1', kind: 'Service', metadata: { name: 'x' } }),
      at({ name: 'a GitHub workflow', on: ['push'] }),
      at({ apiVersion: 'backstage.io/v1alpha1', kind: 'API', metadata: { name: 'checkout-api' }, spec: {} }),
      at({ apiVersion: 'backstage.io/v1alpha1', kind: 'System', metadata: { name: 'shop' }, spec: {} }),
      at({ apiVersion: 'backstage.io/v1alpha1', kind: 'API', metadata: { name: 'ledger-api' }, spec: {} }),
    ]);
    expect(result.documents).toEqual([]);
    expect(result.skipped).toEqual({ API: 2, System: 1 });
    expect(result.warnings).toEqual([]);
  });

  it('imports an entity that appears twice only once, with a warning', () => {
    const c = (line: number) => at({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'dup', namespace: `ns${line}` }, spec: { owner: 'ops' } }, line);
    const result = mapBackstageEntities([c(1), c(9)]);
    expect(result.documents).toHaveLength(1);
    expect(result.warnings).toEqual([expect.stringContaining('catalog-info.yaml:9: Component "dup" appears more than once')]);
  });
});

describe('parseEntityRef', () => {
  it('reads kind, namespace and name, with defaults', () => {
    expect(parseEntityRef('component:prod/web', 'group')).toEqual({ kind: 'component', namespace: 'prod', name: 'web' });
    expect(parseEntityRef('web', 'group')).toEqual({ kind: 'group', namespace: 'default', name: 'web' });
    expect(parseEntityRef('default/web', 'user')).toEqual({ kind: 'user', namespace: 'default', name: 'web' });
  });
});
