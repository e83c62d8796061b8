import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runEthos } from './cli-test-support.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, teamDoc, type TestContext } from '../server/test-support.ts';

let t: TestContext & { admin: string };
let url: string;
let tmp: string;
let carol: string;

const ethos = (token: string, args: string[]) => runEthos({ url, home: tmp, token }, args);

beforeAll(async () => {
  t = await createTestContext('sqlite');
  // 2026-06-01T12:00Z: alice holds the primary rotation since 09:00 UTC, bob takes over tomorrow
  const alice = await t.user('alice');
  await t.user('bob');
  carol = await t.user('carol');
  await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', [{ user: 'alice', role: 'maintainer' }, { user: 'bob' }]) });
  await t.req('PUT', '/api/v1/resources/Team/search', { as: carol, body: teamDoc('search') });
  const schedule = {
    apiVersion: 'ethos/v1',
    kind: 'OnCallSchedule',
    metadata: { name: 'payments-oncall', owner: 'payments' },
    spec: { timeZone: 'UTC', rotations: [{ name: 'primary', type: 'daily', handoff: '09:00', start: '2026-06-01', members: ['alice', 'bob'] }] },
  };
  expect((await t.req('PUT', '/api/v1/resources/OnCallSchedule/payments-oncall', { as: alice, body: schedule })).status).toBe(201);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-oncall-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('ethos oncall', () => {
  it('prints who is on call now, until when, and who is next', async () => {
    const run = await ethos(carol, ['oncall']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TEAM\s+SCHEDULE\s+ROTATION\s+LEVEL\s+ON CALL\s+UNTIL\s+NEXT\s+FROM$/);
    expect(lines[1]).toMatch(/^payments\s+payments-oncall\s+primary\s+1\s+alice\s+2026-06-02T09:00:00Z\s+bob\s+2026-06-02T09:00:00Z$/);
  });

  it('answers in JSON for scripts, and says so when a team has no schedule', async () => {
    const json = await ethos(carol, ['oncall', '--team', 'payments', '-o', 'json']);
    expect(json.code).toBe(0);
    const [s] = JSON.parse(json.stdout);
    expect(s.rotations[0].current).toMatchObject({ user: 'alice', to: '2026-06-02T09:00:00.000Z' });
    const none = await ethos(carol, ['oncall', '--team', 'search']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('team "search" has no on-call schedule');
  });
});
