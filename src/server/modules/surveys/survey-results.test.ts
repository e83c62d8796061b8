import { describe, expect, it } from 'vitest';
import type { Questionnaire } from '../../../shared/survey.schema.ts';
import { buildResults, discloseGroups, scoreSections } from './survey-results.ts';

const q: Questionnaire = {
  title: 't',
  description: null,
  freeText: 'what would help?',
  sections: [
    {
      instrument: 'psychological-safety',
      title: 'PS',
      scale: ['1', '2', '3', '4', '5', '6', '7'],
      items: [
        { id: 'a', text: 'mistakes held against you', reversed: true },
        { id: 'b', text: 'safe to take a risk', reversed: false },
      ],
    },
  ],
};

describe('disclosure rules', () => {
  it('withholds a group below the minimum and shows the ones at or above it', () => {
    const d = discloseGroups(
      [
        { group: 'a', responses: 5 },
        { group: 'b', responses: 4 },
        { group: 'c', responses: 0 },
        { group: 'd', responses: 9 },
      ],
      5,
    );
    // b's 4 could be derived as organisation − a − d, so the smallest shown team (a) goes too
    expect(Object.fromEntries(d.teams)).toEqual({ a: 'could-be-derived', b: 'below-minimum', c: 'below-minimum', d: null });
    expect(d.organisation).toBeNull();
  });

  it('shows every team when what is left over is empty or at least the minimum', () => {
    const empty = discloseGroups([{ group: 'a', responses: 5 }, { group: 'b', responses: 0 }], 5);
    expect(Object.fromEntries(empty.teams)).toEqual({ a: null, b: 'below-minimum' });
    const enough = discloseGroups([{ group: 'a', responses: 6 }, { group: 'b', responses: 3 }, { group: 'c', responses: 2 }], 5);
    // b + c = 5 left over: shown teams cannot reveal a group below the minimum
    expect(Object.fromEntries(enough.teams)).toEqual({ a: null, b: 'below-minimum', c: 'below-minimum' });
  });

  it('withholds as many shown teams as it takes, smallest first', () => {
    const d = discloseGroups([{ group: 'a', responses: 5 }, { group: 'b', responses: 6 }, { group: 'c', responses: 1 }], 10);
    expect(Object.fromEntries(d.teams)).toEqual({ a: 'below-minimum', b: 'below-minimum', c: 'below-minimum' });
    expect(d.organisation).toBeNull();
    const e = discloseGroups([{ group: 'a', responses: 3 }, { group: 'b', responses: 7 }, { group: 'c', responses: 1 }], 3);
    expect(Object.fromEntries(e.teams)).toEqual({ a: 'could-be-derived', b: null, c: 'below-minimum' });
  });

  it('withholds the organisation too when all teams together are below the minimum', () => {
    const d = discloseGroups([{ group: 'a', responses: 2 }, { group: 'b', responses: 2 }], 5);
    expect(d.organisation).toBe('below-minimum');
  });
});

describe('scores', () => {
  it('reverse-scores reversed items (8 − answer) and averages items into the scale score', () => {
    const [s] = scoreSections(q, [
      { a: 1, b: 7 },
      { a: 2, b: 5 },
      { a: 7, b: 3 },
    ]);
    // a after reversing: 7, 6, 1 → 4.67; b: 5
    expect(s!.items.map((i) => i.mean)).toEqual([4.67, 5]);
    expect(s!.score).toBe(4.83);
    expect(s!.items[0]!.distribution).toEqual([1, 1, 0, 0, 0, 0, 1]);
  });

  it('never returns counts, scores or comments of a withheld group', () => {
    const groups = buildResults(q, 3, [
      { group: 'small', invited: 4, answers: [{ a: 1, b: 1 }], comments: ['only one of us'] },
      { group: 'big', invited: 9, answers: Array.from({ length: 8 }, () => ({ a: 4, b: 4 })), comments: ['a', 'b'] },
    ]);
    const small = groups.find((g) => g.group === 'small')!;
    expect(small).toMatchObject({ shown: false, withheld: 'below-minimum', responses: null, participation: null, instruments: [], comments: [] });
    // big stays: organisation − big = 1 response, so big is withheld as derivable
    expect(groups.find((g) => g.group === 'big')).toMatchObject({ shown: false, withheld: 'could-be-derived', responses: null });
    const org = groups.find((g) => g.group === 'organisation')!;
    expect(org).toMatchObject({ shown: true, responses: 9, invited: 13, participation: 0.69 });
    expect([...org.comments].sort()).toEqual(['a', 'b', 'only one of us']);
  });
});
