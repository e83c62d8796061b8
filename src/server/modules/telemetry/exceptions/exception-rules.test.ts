import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtrackingHazard, compilePattern, exceptionRulesSpecSchema } from '../../../../shared/exception-rules.schema.ts';
import type { ResourceView } from '../../../../shared/resource.schema.ts';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../../../test-support.ts';
import { ExceptionRuleSet, RULES_CHECK_MS, type RuleSource } from './exception-rules.ts';
import { ExceptionStore, type ExceptionOccurrence } from './exception-store.ts';
import { parseFrames } from './fingerprint.ts';

const jsStack = (fn: string, file: string) => `Error: x
    at ${fn} (/app/src/${file}:12:7)
    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)`;

const occurrence = (o: Partial<ExceptionOccurrence>): ExceptionOccurrence => ({ service: 'checkout', version: null, t: 0, type: 'Error', message: '', stacktrace: '', traceId: null, spanId: null, attributes: {}, ...o });

const rulesDoc = (service: string, owner: string, rules: unknown[]) => ({ apiVersion: 'ethos/v1', kind: 'ExceptionRules', metadata: { name: service, owner }, spec: { rules } });

describe('fingerprint rule patterns', () => {
  it('are regular expressions found anywhere, case-sensitive unless they start with (?i)', () => {
    expect(compilePattern('timed out').test('upstream timed out after 3 s')).toBe(true);
    expect(compilePattern('^timed out').test('upstream timed out')).toBe(false);
    expect(compilePattern('Timed Out').test('timed out')).toBe(false);
    expect(compilePattern('(?i)Timed Out').test('timed out')).toBe(true);
  });

  it('refuse shapes that backtrack exponentially, and keep the usual ones', () => {
    for (const bad of ['(a+)+$', '(\\w|\\d)*x', '((?:ab)*c)+', '(x*){2,}', '(?i)(a|b)+']) expect(backtrackingHazard(bad), bad).not.toBeNull();
    for (const fine of ['^(TimeoutError|ETIMEDOUT)$', '[a-z]+\\.timeout', 'order \\d+ failed', '(ab)+', '(a+)?', '^com\\.acme\\.(stock|orders)\\.', '[(+]*', '\\(a+\\)+']) expect(backtrackingHazard(fine), fine).toBeNull();
  });

  it('name the rule and the matcher of an invalid one', () => {
    const parsed = exceptionRulesSpecSchema.safeParse({ rules: [{ match: { type: 'ok' }, group: 'a' }, { match: { message: '(unclosed' }, group: 'b' }, { match: {}, group: 'c' }] });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues.map((i) => [i.path.join('.'), i.message.split(':')[0]]);
    expect(issues).toEqual([
      ['rules.1.match.message', 'not a valid regular expression'],
      ['rules.2.match', 'give at least one matcher'],
    ]);
  });
});

describe('the rule set in memory', () => {
  const doc = (service: string, owner: string, revision: number, rules: unknown[]) =>
    ({ apiVersion: 'ethos/v1', kind: 'ExceptionRules', metadata: { name: service, owner, labels: {}, revision, createdAt: '', updatedAt: '' }, spec: { rules } }) as ResourceView;

  function fakeSource() {
    const state = { version: 'v1', docs: [doc('checkout', 'payments', 1, [{ match: { type: '^TimeoutError$' }, group: 'timeouts', title: 'Timeouts' }, { match: { function: '^priceOrder$', file: 'orders/' }, group: 'pricing' }, { match: { message: 'x' }, group: 'later' }])], owners: new Map([['checkout', 'payments']]), versionCalls: 0, loads: 0 };
    const source: RuleSource = {
      version: async () => (state.versionCalls++, state.version),
      rules: async () => (state.loads++, state.docs),
      serviceOwners: async () => state.owners,
    };
    return { state, source };
  }

  it('takes the first rule that matches; frame matchers look at one in-app frame', async () => {
    const { source } = fakeSource();
    const rules = new ExceptionRuleSet({ source, now: () => 0 });
    await rules.refresh();
    const match = (o: Partial<ExceptionOccurrence>) => rules.match(occurrence(o), parseFrames(o.stacktrace ?? ''))?.group ?? null;
    expect(match({ type: 'TimeoutError', message: 'x' })).toBe('timeouts');
    expect(match({ service: 'Checkout', type: 'Error', stacktrace: jsStack('priceOrder', 'orders/price.js') })).toBe('pricing');
    // function and file in different frames: not the same frame
    expect(match({ stacktrace: `${jsStack('priceOrder', 'cart/price.js')}\n    at other (/app/src/orders/x.js:1:1)` })).toBeNull();
    // library frames are not the service's
    expect(match({ stacktrace: '    at priceOrder (/app/node_modules/orders/price.js:1:1)' })).toBeNull();
    expect(match({ message: 'x' })).toBe('later');
    expect(match({ service: 'billing', type: 'TimeoutError' })).toBeNull();
    expect(rules.match(occurrence({ type: 'TimeoutError' }), [])).toEqual({ group: 'timeouts', title: 'Timeouts', index: 0, revision: 1 });
  });

  it('asks the store for its version at most every few seconds, reloads only when it changed, and at once after a local write', async () => {
    const { state, source } = fakeSource();
    let t = 1_000_000;
    const rules = new ExceptionRuleSet({ source, now: () => t });
    await rules.refresh();
    await rules.refresh();
    expect([state.versionCalls, state.loads]).toEqual([1, 1]);
    // another replica changes the rules: seen at the next check, not before
    state.docs = [doc('checkout', 'payments', 2, [{ match: { type: 'Error' }, group: 'all' }])];
    state.version = 'v2';
    t += RULES_CHECK_MS - 1;
    await rules.refresh();
    expect(rules.match(occurrence({ type: 'TimeoutError' }), [])?.group).toBe('timeouts');
    t += 1;
    await rules.refresh();
    expect(rules.match(occurrence({ type: 'TimeoutError' }), [])).toMatchObject({ group: 'all', revision: 2 });
    expect([state.versionCalls, state.loads]).toEqual([2, 2]);
    // a write here: every batch checks until it shows (its transaction may still be open), without reloading for nothing
    rules.changed();
    await rules.refresh();
    await rules.refresh();
    expect([state.versionCalls, state.loads]).toEqual([4, 2]);
  });

  it('drops the rules of a service another team owns now, and keeps the last rules while the store cannot answer', async () => {
    const { state, source } = fakeSource();
    let t = 0;
    const rules = new ExceptionRuleSet({ source, now: () => t });
    state.owners = new Map([['checkout', 'search']]);
    await rules.refresh();
    expect(rules.match(occurrence({ type: 'TimeoutError' }), [])).toBeNull();
    state.owners = new Map([['checkout', 'payments']]);
    state.version = 'v2';
    t += RULES_CHECK_MS;
    await rules.refresh();
    expect(rules.match(occurrence({ type: 'TimeoutError' }), [])?.group).toBe('timeouts');
    source.version = async () => {
      throw new Error('database down');
    };
    t += RULES_CHECK_MS;
    await rules.refresh();
    expect(rules.match(occurrence({ type: 'TimeoutError' }), [])?.group).toBe('timeouts');
  });
});

describe('the exception store', () => {
  it('opens a file written before fingerprint rules, and groups by a rule from then on', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ethos-exc-'));
    const old = new BetterSqlite3(path.join(dir, 'exceptions.db'));
    old.exec(`CREATE TABLE exception_groups (
        id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, service TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL,
        basis TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL, count INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'unresolved', regressed INTEGER NOT NULL DEFAULT 0, resolved_in_version TEXT, resolved_at REAL,
        sample TEXT NOT NULL);
      INSERT INTO exception_groups (fingerprint, service, type, message, basis, first_seen, last_seen, count, sample)
        VALUES ('f', 'checkout', 'TypeError', 'x', 'message', 1, 1, 1, '{"version":null,"t":1,"type":"TypeError","message":"x","stacktrace":"","traceId":null,"spanId":null,"attributes":{}}');`);
    old.close();
    const store = new ExceptionStore({ dir, now: () => 10 });
    try {
      expect(store.get(1)).toMatchObject({ type: 'TypeError', basis: 'message', title: null, rule: null });
      const [id] = store.record([occurrence({ t: 5, type: 'TimeoutError' })], () => ({ group: 'timeouts', title: 'Timeouts', index: 2, revision: 7 }));
      expect(store.get(id!)).toMatchObject({ basis: 'rule', title: 'Timeouts', rule: { group: 'timeouts', index: 2, revision: 7 }, count: 1 });
    } finally {
      store.close();
    }
  });
});

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

describe.each(databases)('exception fingerprint rules on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  let alice: string;
  let carol: string;
  let ingest: string;
  let at: number;

  /** Sends exceptions as OTLP log records. */
  const sendLogs = (token: string, service: string, exceptions: { type: string; message: string; stack?: string }[]) =>
    t.req('POST', '/v1/logs', {
      as: token,
      body: {
        resourceLogs: [
          {
            resource: { attributes: [attr('service.name', service)] },
            scopeLogs: [{ logRecords: exceptions.map((e) => ({ timeUnixNano: ns(at++), severityNumber: 17, body: { stringValue: 'failed' }, attributes: [attr('exception.type', e.type), attr('exception.message', e.message), ...(e.stack ? [attr('exception.stacktrace', e.stack)] : [])] })) }],
          },
        ],
      },
    });

  /** Sends one exception as an OTLP span event. */
  const sendSpan = (token: string, service: string, e: { type: string; message: string; stack?: string }) =>
    t.req('POST', '/v1/traces', {
      as: token,
      body: {
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', service)] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: `b7ad6b71692033${String(at % 100).padStart(2, '0')}`,
                    name: 'POST /orders',
                    kind: 2,
                    startTimeUnixNano: ns(at),
                    endTimeUnixNano: ns(at + 5),
                    events: [{ name: 'exception', timeUnixNano: ns(at++), attributes: [attr('exception.type', e.type), attr('exception.message', e.message), ...(e.stack ? [attr('exception.stacktrace', e.stack)] : [])] }],
                  },
                ],
              },
            ],
          },
        ],
      },
    });

  const groups = async (service: string) => (await t.req('GET', `/api/v1/telemetry/exceptions?service=${service}`, { as: carol })).body.items as { id: number; type: string; title: string | null; count: number; basis: string; rule: { group: string; index: number; revision: number } | null }[];

  const RULES = [
    { match: { type: '^(TimeoutError|ETIMEDOUT)$' }, group: 'upstream-timeouts', title: 'Upstream timeouts' },
    { match: { function: '^priceOrder$', file: '/orders/' }, group: 'pricing' },
  ];

  beforeAll(async () => {
    t = await createTestContext(dbKind);
    at = t.clock.now().getTime() - 3600_000;
    alice = await t.user('alice');
    carol = await t.user('carol');
    await t.req('PUT', '/api/v1/resources/Team/payments', { as: alice, body: teamDoc('payments') });
    await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
    for (const s of ['checkout', 'ledger']) await t.req('PUT', `/api/v1/resources/Service/${s}`, { as: alice, body: serviceDoc(s, 'payments') });
    ingest = (await t.req('POST', '/api/v1/tokens', { as: alice, body: { name: 'otel', type: 'team', team: 'payments', scopes: ['ingest'] } })).body.token;
  });
  afterAll(() => t.close());

  it('a rule puts exceptions with different messages and stacks, from logs and spans, in one group with its title', async () => {
    // grouped before any rule exists: the built-in fingerprint
    expect((await sendLogs(ingest, 'checkout', [{ type: 'TimeoutError', message: 'before the rules' }])).status).toBe(200);
    const written = await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', { as: alice, body: rulesDoc('checkout', 'payments', RULES) });
    expect(written.status).toBe(201);

    expect(
      (
        await sendLogs(ingest, 'checkout', [
          { type: 'TimeoutError', message: 'stock service timed out after 3000 ms' },
          { type: 'ETIMEDOUT', message: 'connect ETIMEDOUT 10.0.0.7:443', stack: jsStack('connectStock', 'stock/client.js') },
          { type: 'TypeError', message: "Cannot read properties of undefined (reading 'total')", stack: jsStack('priceOrder', 'orders/price.js') },
          { type: 'TypeError', message: 'cart is empty', stack: jsStack('showCart', 'cart/view.js') },
        ])
      ).status,
    ).toBe(200);
    expect((await sendSpan(ingest, 'checkout', { type: 'TimeoutError', message: 'payment provider did not answer in 10 s', stack: jsStack('charge', 'payments/charge.js') })).status).toBe(200);
    expect((await sendSpan(ingest, 'checkout', { type: 'RangeError', message: 'price below zero', stack: jsStack('priceOrder', 'orders/discount.js') })).status).toBe(200);

    const items = await groups('checkout');
    const timeouts = items.filter((g) => g.title === 'Upstream timeouts');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ count: 3, basis: 'rule', rule: { group: 'upstream-timeouts', index: 0, revision: 1 } });
    const pricing = items.filter((g) => g.rule?.group === 'pricing');
    expect(pricing).toHaveLength(1);
    expect(pricing[0]).toMatchObject({ count: 2, title: null });
    // what no rule matches keeps the built-in grouping, including the occurrence from before the rules
    const builtIn = items.filter((g) => g.rule === null).map((g) => [g.type, g.basis, g.count, g.title]);
    expect(builtIn.sort()).toEqual([
      ['TimeoutError', 'message', 1, null],
      ['TypeError', 'frames', 1, null],
    ]);
  });

  it('a changed rule groups new occurrences only; the groups it made stay', async () => {
    const current = (await t.req('GET', '/api/v1/resources/ExceptionRules/checkout', { as: alice })).body;
    const renamed = [{ ...RULES[0], title: 'Timeouts of our upstreams' }, RULES[1]];
    expect((await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', { as: alice, body: { ...current, spec: { rules: renamed } }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    await sendLogs(ingest, 'checkout', [{ type: 'ETIMEDOUT', message: 'read ETIMEDOUT' }]);
    const timeouts = (await groups('checkout')).filter((g) => g.rule?.group === 'upstream-timeouts');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ count: 4, title: 'Timeouts of our upstreams', rule: { revision: 2 } });

    // without the rule, new timeouts go by the built-in fingerprint; the rule's group keeps its count
    expect((await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', { as: alice, body: { ...current, spec: { rules: [RULES[1]] } } })).status).toBe(200);
    await sendLogs(ingest, 'checkout', [{ type: 'ETIMEDOUT', message: 'read ETIMEDOUT' }]);
    const after = await groups('checkout');
    expect(after.find((g) => g.rule?.group === 'upstream-timeouts')?.count).toBe(4);
    expect(after.find((g) => g.type === 'ETIMEDOUT' && g.rule === null)).toMatchObject({ basis: 'message', count: 1 });
    // the history records every version of the rules
    const revisions = (await t.req('GET', '/api/v1/resources/ExceptionRules/checkout/revisions', { as: carol })).body.items;
    expect(revisions.map((r: { revision: number }) => r.revision)).toEqual([3, 2, 1]);
  });

  it('refuses an invalid regular expression with the path of the field, and changes nothing', async () => {
    const before = (await t.req('GET', '/api/v1/resources/ExceptionRules/checkout', { as: alice })).body;
    const bad = await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', { as: alice, body: rulesDoc('checkout', 'payments', [RULES[1], { match: { message: 'timed (out' }, group: 'x' }]) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('RESOURCE_INVALID');
    expect(bad.body.error.details.issues).toEqual([{ path: 'spec.rules.1.match.message', message: expect.stringMatching(/^not a valid regular expression/) }]);
    const slow = await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', { as: alice, body: rulesDoc('checkout', 'payments', [{ match: { message: '^(\\d+)+$' }, group: 'x' }]) });
    expect(slow.status).toBe(400);
    expect(slow.body.error.details.issues[0].path).toBe('spec.rules.0.match.message');
    const applied = await t.req('POST', '/api/v1/apply', { as: alice, body: { documents: [rulesDoc('checkout', 'payments', [{ match: { type: '[' }, group: 'x' }])] } });
    expect(applied.status).toBe(400);
    expect(applied.body.error.code).toBe('RESOURCE_INVALID');
    const after = (await t.req('GET', '/api/v1/resources/ExceptionRules/checkout', { as: alice })).body;
    expect(after).toEqual(before);
  });

  it('lets only the team of the service write its rules; another team proposes them', async () => {
    // carol is not in payments: the existing rules are not hers to change
    const notOwner = await t.req('PUT', '/api/v1/resources/ExceptionRules/checkout', { as: carol, body: rulesDoc('checkout', 'payments', RULES) });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error.code).toBe('NOT_OWNER');
    // nor may her own team own rules of a payments service
    const otherTeam = await t.req('PUT', '/api/v1/resources/ExceptionRules/ledger', { as: carol, body: rulesDoc('ledger', 'search', RULES) });
    expect(otherTeam.status).toBe(403);
    expect(otherTeam.body.error).toMatchObject({ code: 'EXCEPTION_RULES_NOT_SERVICE_OWNER', details: { field: 'metadata.owner', owner: 'payments' } });
    expect(otherTeam.body.error.message).toMatch(/^metadata\.owner: service "ledger" is owned by team "payments"/);
    const unknown = await t.req('PUT', '/api/v1/resources/ExceptionRules/nowhere', { as: carol, body: rulesDoc('nowhere', 'search', RULES) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'EXCEPTION_RULES_SERVICE_UNKNOWN', details: { field: 'metadata.name' } });
    // an admin is held to the same rule
    expect((await t.req('PUT', '/api/v1/resources/ExceptionRules/ledger', { as: t.admin, body: rulesDoc('ledger', 'search', RULES) })).body.error.code).toBe('EXCEPTION_RULES_NOT_SERVICE_OWNER');
    expect((await t.req('GET', '/api/v1/resources/ExceptionRules/ledger', { as: carol })).status).toBe(404);

    // apply by another team opens a change request; its merge by the owners makes the rules work
    const proposed = await t.req('POST', '/api/v1/apply', { as: carol, body: { documents: [rulesDoc('ledger', 'payments', [{ match: { message: '(?i)ledger locked' }, group: 'locks', title: 'Ledger locked' }])] } });
    expect(proposed.body.results[0]).toMatchObject({ outcome: 'proposed', error: { code: 'NOT_OWNER' } });
    const cr = proposed.body.results[0].changeRequest;
    expect((await t.req('POST', `/api/v1/change-requests/${cr}/reviews`, { as: alice, body: { verdict: 'approve' } })).status).toBe(201);
    expect((await t.req('POST', `/api/v1/change-requests/${cr}/merge`, { as: alice })).status).toBe(200);
    await sendLogs(ingest, 'ledger', [
      { type: 'LockError', message: 'Ledger locked by batch 12' },
      { type: 'SqliteError', message: 'LEDGER LOCKED', stack: jsStack('post', 'ledger/post.js') },
    ]);
    expect((await groups('ledger')).map((g) => [g.title, g.count])).toEqual([['Ledger locked', 2]]);
  });

  it('stops applying the rules of a service handed to another team', async () => {
    expect((await t.req('PUT', '/api/v1/resources/Service/ledger', { as: t.admin, body: serviceDoc('ledger', 'search') })).status).toBe(200);
    // a replica notices writes of services at its next check, within a few seconds
    t.clock.advance(RULES_CHECK_MS);
    await sendLogs(t.admin, 'ledger', [{ type: 'LockError', message: 'ledger locked again' }]);
    const items = await groups('ledger');
    expect(items.find((g) => g.title === 'Ledger locked')?.count).toBe(2);
    expect(items.find((g) => g.rule === null)).toMatchObject({ type: 'LockError', basis: 'message' });
  });

  it('is a registered kind, described in OpenAPI', async () => {
    expect((await t.req('GET', '/api/v1/kinds', { as: carol })).body.items).toContain('ExceptionRules');
    const openapi = (await t.req('GET', '/api/v1/openapi.json')).body;
    const spec = openapi.components.schemas.ExceptionRulesSpec;
    expect(Object.keys(spec.properties)).toEqual(['rules']);
    expect(Object.keys(spec.properties.rules.items.properties)).toEqual(['match', 'group', 'title']);
    expect(openapi.components.schemas.ServiceSpec.properties.lifecycle.enum).toContain('production');
    expect(openapi.paths['/api/v1/telemetry/exceptions'].get.responses['200'].content['application/json'].schema.properties.items.items.properties.rule).toBeDefined();
  });
});
