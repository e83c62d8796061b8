import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databases, serviceDoc, teamDoc, type TestContext } from '../test-support.ts';

describe.each(databases)('planner statistics on %s', (dbKind) => {
  let t: TestContext & { admin: string };
  beforeAll(async () => {
    t = await createTestContext(dbKind);
  });
  afterAll(() => t.close());

  it('after a bulk apply the planner knows how many resources there are', async () => {
    const docs = [teamDoc('bulk'), ...Array.from({ length: 300 }, (_, i) => serviceDoc(`bulk-${i}`, 'bulk'))];
    expect((await t.req('POST', '/api/v1/apply', { as: t.admin, body: { documents: docs } })).status).toBe(200);
    const analysed = await t.app.services.maintenance.analyzeStaleTables({ all: true });
    if (dbKind === 'sqlite') {
      expect(analysed).toEqual([]);
      return;
    }
    expect(analysed).toEqual(expect.arrayContaining(['resources', 'resource_labels', 'revisions']));
    const rel = await sql<{ n: number }>`select reltuples::int as n from pg_class where relname = 'resources'`.execute(t.db.kysely);
    expect(rel.rows[0]!.n).toBe(301);
  });
});
