import { createHash } from 'node:crypto';
import { invitationListSchema, questionnaireViewSchema, roundListSchema, roundViewSchema, type RoundView } from '../shared/survey.schema.ts';
import { SCALE_MAX, SCALE_MIN, scoreAnswer } from '../shared/survey-instruments.ts';
import { apiPath, createApiClient, type ApiClient } from './api-client.ts';
import type { DemoPeople } from './demo.people.ts';

/** The name of the demo's survey. */
export const DEMO_SURVEY = 'speak-up';
/** How long the demo's open round runs. */
const ROUND_DAYS = 14;

/** Someone who answers the demo survey, about `team`. */
export interface DemoRespondent {
  user: string;
  team: string;
}

/**
 * How each team feels, as the mean score after reverse-scoring (7 safest) per statement, with a
 * default for the rest: storefront is doing fine, payments is tense after its outage (mistakes held
 * against people, on-call load), platform is safe but would welcome its skills used more.
 */
const PROFILES: Record<string, { default: number; items: Record<string, number> }> = {
  storefront: { default: 5.4, items: { 'psychological-safety.5': 4.6, 'westrum.4': 4.4, 'custom.on-call-load': 5.6 } },
  payments: { default: 4.7, items: { 'psychological-safety.1': 3.5, 'psychological-safety.4': 3.9, 'westrum.2': 4.2, 'custom.on-call-load': 3.3 } },
  platform: { default: 5.8, items: { 'psychological-safety.7': 4.9, 'westrum.6': 6.2, 'custom.on-call-load': 4.5 } },
};

/** The free-text answers, by team; the n-th respondent of a team writes the n-th (some write none). */
const COMMENTS: Record<string, string[]> = {
  storefront: [
    'Pairing with the platform team during the payments outage helped. More of that, please.',
    'Retrospectives that end with a change to the system, not a list of who should try harder.',
  ],
  payments: [
    'It still feels risky to admit a mistake in the incident channel. The blameless review after the payment timeouts helped: keep doing those.',
    'Night pages since the payment timeouts are heavy. A second person on call during sales would make it easier to ask for help.',
    '',
    'Knowing that raising a concern about a risky change is welcome, even late in the week.',
  ],
  platform: [
    'Leads talking about their own mistakes in the weekly review makes it easier for the rest of us.',
    '',
    'Clearer ownership of the shared templates: requests from other teams land on whoever answers first.',
  ],
};

/** The Survey the demo's people team runs: both instruments, one statement of its own and a free-text question. */
export function demoSurveyDocument(owner: string, targets: string[]): Record<string, unknown> {
  return {
    apiVersion: 'ethos/v1',
    kind: 'Survey',
    metadata: { name: DEMO_SURVEY, owner, title: 'Speaking up', labels: { demo: 'true' }, description: 'Twice a year the people team asks the engineering teams how safe it is to speak up. Run by `ethos demo`.' },
    spec: {
      title: 'How safe is it to speak up?',
      description: 'Ten minutes, anonymous: your team sees its own results and the organisation’s, only after the round closes and only when enough of you answered.',
      targets,
      instruments: ['psychological-safety', 'westrum'],
      items: [{ id: 'on-call-load', text: 'Our on-call load is fair.' }],
      freeText: { question: 'What one thing would make it safer to speak up on your team?' },
      // the demo's teams are small: the lowest minimum Ethos allows
      anonymity: { minimumResponses: 3 },
    },
  };
}

/** A repeatable stream of numbers in [0, 1) from a text, so that each run gives the same answers. */
function numbersFrom(seed: string): () => number {
  let block = createHash('sha256').update(seed).digest();
  let at = 0;
  return () => {
    if (at + 4 > block.length) {
      block = createHash('sha256').update(block).digest();
      at = 0;
    }
    const n = block.readUInt32BE(at) / 2 ** 32;
    at += 4;
    return n;
  };
}

/** One person's answers: their team's profile, their own leaning and some spread per statement. */
export function demoAnswers(team: string, person: string, round: number, items: { id: string; reversed: boolean }[]): Record<string, number> {
  const profile = PROFILES[team] ?? { default: 5, items: {} };
  const next = numbersFrom(`${DEMO_SURVEY}:${round}:${person}`);
  const leaning = (next() - 0.5) * 1.4;
  return Object.fromEntries(
    items.map((item) => {
      const score = Math.round((profile.items[item.id] ?? profile.default) + leaning + (next() - 0.5) * 3);
      return [item.id, scoreAnswer(item, Math.min(SCALE_MAX, Math.max(SCALE_MIN, score)))];
    }),
  );
}

/** Answers round `round` as each respondent, through their own invitation code; those who already answered are skipped. */
async function answerRound(people: DemoPeople, round: number, respondents: DemoRespondent[]): Promise<void> {
  // signing in costs the server a password hash each: let it work on several at once
  const sessions = await Promise.all(respondents.map((r) => people.as(r.user)));
  // the questionnaire and the answers go without a session, as from the questionnaire page: the code is the credential
  const anonymous = createApiClient({ url: people.url });
  const written = new Map<string, number>();
  for (const [i, r] of respondents.entries()) {
    const { items } = await sessions[i]!.request('GET', '/api/v1/me/survey-invitations', { schema: invitationListSchema });
    const invitation = items.find((x) => x.survey === DEMO_SURVEY && x.round === round && x.team === r.team && x.status === 'pending');
    if (!invitation?.code) continue;
    const { questionnaire } = await anonymous.request('POST', '/api/v1/survey-responses/questionnaire', { body: { code: invitation.code }, schema: questionnaireViewSchema });
    const answers = demoAnswers(r.team, r.user, round, questionnaire.sections.flatMap((s) => s.items));
    const n = written.get(r.team) ?? 0;
    written.set(r.team, n + 1);
    const comment = round === 1 ? COMMENTS[r.team]?.[n] : undefined;
    await anonymous.request('POST', '/api/v1/survey-responses', { body: { code: invitation.code, answers, ...(comment ? { comment } : {}) } });
  }
}

async function openRound(api: ApiClient, now: Date): Promise<RoundView> {
  const closesAt = new Date(now.getTime() + ROUND_DAYS * 24 * 3600_000).toISOString();
  return api.request('POST', apiPath('/api/v1/surveys', DEMO_SURVEY, 'rounds'), { body: { closesAt }, schema: roundViewSchema });
}

/**
 * Gives the demo survey a closed round with results (every respondent answered) and an open one
 * (the respondents of `openRoundTeams` answered; the rest of the invitations wait). What exists
 * is kept: a second run changes nothing, and one after the open round has closed opens the next.
 * @param admin a client of an administrator, to look things up.
 * @param opts.runner the demo person of the survey's team who opens and closes its rounds.
 * @param opts.now the server's time.
 */
export async function seedDemoSurvey(admin: ApiClient, people: DemoPeople, opts: { now: Date; runner: string; respondents: DemoRespondent[]; openRoundTeams: string[] }): Promise<void> {
  const { items: rounds } = await admin.request('GET', apiPath('/api/v1/surveys', DEMO_SURVEY, 'rounds'), { schema: roundListSchema });
  let active = rounds.find((r) => r.status !== 'closed');
  // a round someone scheduled in the demo is theirs to run
  if (active?.status === 'scheduled') return;
  if (!rounds.some((r) => r.status === 'closed')) {
    const runner = await people.as(opts.runner);
    const round = active ?? (await openRound(runner, opts.now));
    await answerRound(people, round.number, opts.respondents);
    await runner.request('POST', apiPath('/api/v1/surveys', DEMO_SURVEY, 'rounds', round.number, 'close'), { schema: roundViewSchema });
    active = undefined;
  }
  if (!active) {
    const round = await openRound(await people.as(opts.runner), opts.now);
    await answerRound(people, round.number, opts.respondents.filter((r) => opts.openRoundTeams.includes(r.team)));
  }
}
