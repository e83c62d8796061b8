import { randomInt } from 'node:crypto';
import type { GroupResult, InstrumentResult, Questionnaire } from '../../../shared/survey.schema.ts';
import { scoreAnswer, SCALE_MIN } from '../../../shared/survey-instruments.ts';

/** The name of the group of all targeted teams together. */
export const ORGANISATION = 'organisation';

/** A group's count, the input of the disclosure rules. */
export interface GroupCount {
  group: string;
  responses: number;
}

/** Which groups may be shown: a reason per withheld group, null per shown one. */
export interface Disclosure {
  teams: Map<string, 'below-minimum' | 'could-be-derived' | null>;
  organisation: 'below-minimum' | null;
}

/**
 * The disclosure rules: a group is shown only with at least `minimum` responses, and a team is
 * also withheld when the organisation minus the shown teams would leave fewer than `minimum`
 * (but some) responses — then the smallest shown teams are withheld too, until what is left over
 * is empty or reaches the minimum.
 * @remarks Every count, score and comment the API shows goes through this one function.
 */
export function discloseGroups(teams: GroupCount[], minimum: number): Disclosure {
  const out = new Map<string, 'below-minimum' | 'could-be-derived' | null>();
  const total = teams.reduce((s, t) => s + t.responses, 0);
  let residual = 0;
  const shown: GroupCount[] = [];
  for (const t of teams) {
    if (t.responses < minimum) {
      out.set(t.group, 'below-minimum');
      residual += t.responses;
    } else {
      out.set(t.group, null);
      shown.push(t);
    }
  }
  const organisation = total >= minimum ? null : 'below-minimum';
  if (organisation === null) {
    shown.sort((a, b) => a.responses - b.responses || a.group.localeCompare(b.group));
    while (residual > 0 && residual < minimum && shown.length) {
      const next = shown.shift()!;
      out.set(next.group, 'could-be-derived');
      residual += next.responses;
    }
  }
  return { teams: out, organisation };
}

/** A group's stored answers. */
export interface GroupAnswers {
  group: string;
  invited: number;
  answers: Record<string, number>[];
  comments: string[];
}

/** Fisher–Yates with a cryptographic source: the order of comments carries no information. */
export function shuffled<T>(items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Scores of a set of answers per instrument section (items' means after reverse-scoring). */
export function scoreSections(questionnaire: Questionnaire, answers: Record<string, number>[]): InstrumentResult[] {
  return questionnaire.sections.map((section) => {
    const items = section.items.map((item) => {
      const distribution = [0, 0, 0, 0, 0, 0, 0];
      let sum = 0;
      let n = 0;
      for (const a of answers) {
        const v = a[item.id];
        if (v === undefined) continue;
        distribution[v - SCALE_MIN]!++;
        sum += scoreAnswer(item, v);
        n++;
      }
      return { id: item.id, text: item.text, reversed: item.reversed, mean: n ? sum / n : 0, distribution };
    });
    const score = items.length ? round2(items.reduce((s, i) => s + i.mean, 0) / items.length) : 0;
    return { instrument: section.instrument, title: section.title, score, items: items.map((i) => ({ ...i, mean: round2(i.mean) })) };
  });
}

function withheld(group: string, kind: GroupResult['kind'], invited: number, reason: NonNullable<GroupResult['withheld']>): GroupResult {
  return { group, kind, shown: false, withheld: reason, invited, responses: null, participation: null, instruments: [], comments: [] };
}

function shownGroup(group: string, kind: GroupResult['kind'], questionnaire: Questionnaire, invited: number, answers: Record<string, number>[], comments: string[]): GroupResult {
  return {
    group,
    kind,
    shown: true,
    withheld: null,
    invited,
    responses: answers.length,
    participation: invited ? round2(answers.length / invited) : 0,
    instruments: scoreSections(questionnaire, answers),
    comments: shuffled(comments),
  };
}

/** A closed round's results for every group, with the disclosure rules applied (the organisation last). */
export function buildResults(questionnaire: Questionnaire, minimum: number, groups: GroupAnswers[]): GroupResult[] {
  const disclosure = discloseGroups(
    groups.map((g) => ({ group: g.group, responses: g.answers.length })),
    minimum,
  );
  const out = groups.map((g) => {
    const reason = disclosure.teams.get(g.group);
    return reason ? withheld(g.group, 'team', g.invited, reason) : shownGroup(g.group, 'team', questionnaire, g.invited, g.answers, g.comments);
  });
  const invited = groups.reduce((s, g) => s + g.invited, 0);
  out.push(
    disclosure.organisation
      ? withheld(ORGANISATION, 'organisation', invited, disclosure.organisation)
      : shownGroup(
          ORGANISATION,
          'organisation',
          questionnaire,
          invited,
          groups.flatMap((g) => g.answers),
          groups.flatMap((g) => g.comments),
        ),
  );
  return out;
}
