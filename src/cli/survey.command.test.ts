import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, teamDoc, type TestContext } from '../server/test-support.ts';
import { runEthos } from './cli-test-support.ts';
import { parseWhen } from './survey.command.ts';

let t: TestContext & { admin: string };
let url: string;
let tmp: string;
let alice: string;
const members: Record<string, string> = {};

const ethos = (token: string, args: string[]) => runEthos({ url, home: tmp, token }, args);
const answers = (score: number) => [1, 2, 3, 4, 5, 6, 7].map((n) => `psychological-safety.${n}=${[1, 3, 5].includes(n) ? 8 - score : score}`).join(',');

beforeAll(async () => {
  t = await createTestContext('sqlite');
  alice = await t.user('alice');
  for (const name of ['pia', 'pete', 'paz']) members[name] = await t.user(name);
  await t.req('PUT', '/api/v1/resources/Team/people', { as: t.admin, body: teamDoc('people', [{ user: 'alice', role: 'maintainer' }]) });
  await t.req('PUT', '/api/v1/resources/Team/payments', { as: t.admin, body: teamDoc('payments', Object.keys(members).map((user) => ({ user }))) });
  const doc = { apiVersion: 'ethos/v1', kind: 'Survey', metadata: { name: 'pulse', owner: 'people' }, spec: { title: 'Pulse', targets: ['payments'], freeText: { question: 'Anything else?' }, anonymity: { minimumResponses: 3 } } };
  expect((await t.req('PUT', '/api/v1/resources/Survey/pulse', { as: t.admin, body: doc })).status).toBe(201);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-cli-survey-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('ethos survey against a running server', { timeout: 60_000 }, () => {
  it('parses when a round closes: days from now, a date (end of day, UTC) or an instant', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    expect(parseWhen('14d', now)).toBe('2026-06-15T12:00:00.000Z');
    expect(parseWhen('2026-06-30', now)).toBe('2026-06-30T23:59:59.000Z');
    expect(() => parseWhen('next week', now)).toThrow(/14d/);
  });

  it('opens a round, members answer with their codes, and the results show after closing', async () => {
    const refused = await ethos(members.pia!, ['survey', 'open', 'pulse', '--closes', '2026-06-30']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only members of team "people"');

    const opened = await ethos(alice, ['survey', 'open', 'pulse', '--closes', '2026-06-30']);
    expect(opened.stderr).toBe('round 1 of pulse is open until 2026-06-30T23:59:59.000Z: 3 people invited\n');
    expect(opened.stdout).toBe('1\n');

    const mine = await ethos(members.pia!, ['survey', 'invitations', '-o', 'json']);
    const [invitation] = JSON.parse(mine.stdout) as { code: string; status: string; team: string }[];
    expect(invitation).toMatchObject({ status: 'pending', team: 'payments' });

    const questions = await ethos(members.pia!, ['survey', 'questions', invitation!.code]);
    expect(questions.stdout).toContain('Team psychological safety (1 = Very inaccurate … 7 = Very accurate)');
    expect(questions.stdout).toMatch(/psychological-safety\.1\s+If you make a mistake on this team/);
    expect(questions.stdout).toContain('free text (--comment): Anything else?');

    const partial = await ethos(members.pia!, ['survey', 'respond', invitation!.code, '--answers', 'psychological-safety.1=3']);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain('answer every statement');
    const bad = await ethos(members.pia!, ['survey', 'respond', invitation!.code, '--answers', 'psychological-safety.1=9']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('an answer from 1 to 7');

    for (const [name, score] of [['pia', 6], ['pete', 5], ['paz', 4]] as const) {
      const code = (JSON.parse((await ethos(members[name]!, ['survey', 'invitations', '-o', 'json'])).stdout) as { code: string }[])[0]!.code;
      const res = await ethos(members[name]!, ['survey', 'respond', code, '--answers', answers(score), ...(name === 'paz' ? ['--comment', 'more pairing'] : [])]);
      expect(res.stderr).toBe('answers recorded, anonymously\n');
    }
    expect((await ethos(alice, ['survey', 'remind', 'pulse', '1'])).stderr).toBe('reminders sent for round 1 of pulse to everyone who has not answered\n');
    const soon = await ethos(alice, ['survey', 'remind', 'pulse', '1']);
    expect(soon.code).toBe(1);
    expect(soon.stderr).toContain('SURVEY_REMINDED_RECENTLY');
    const rounds = await ethos(alice, ['survey', 'rounds', 'pulse']);
    expect(rounds.stdout).toMatch(/^1\s+open\s+\S+\s+\S+\s+payments hidden\/3, organisation 3\/3$/m);

    const early = await ethos(alice, ['survey', 'results', 'pulse', '--round', '1']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('results appear only when it has closed');

    expect((await ethos(alice, ['survey', 'close', 'pulse', '1'])).stderr).toBe('round 1 of pulse closed: payments 3/3, organisation 3/3\n');
    const results = await ethos(members.pete!, ['survey', 'results', 'pulse', '--items']);
    expect(results.stdout).toMatch(/^payments\s+3\/3\s+5\.00$/m);
    expect(results.stdout).toMatch(/^organisation\s+3\/3\s+5\.00$/m);
    expect(results.stdout).toMatch(/psychological-safety\.1\s+5\.00\s+0 1 1 1 0 0 0/);
    expect(results.stdout).toContain('  - more pairing');
  });
});
