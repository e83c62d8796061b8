import { describe, expect, it } from 'vitest';
import { durationWords, previewSummary } from './preview-words.ts';

const M = 60_000;
const result = (firing: { from: number; to: number; pool?: string }[], last: number | null = 10) => ({
  times: [0, 10 * M, 20 * M, 30 * M],
  series: [
    { labels: { pool: 'a' }, values: [10, 200, 10, last] },
    { labels: { pool: 'b' }, values: [10, 10, 10, 10] },
  ],
  op: '>' as const,
  threshold: 100,
  firing: firing.map(({ pool = 'a', ...f }) => ({ labels: { pool }, ...f })),
});

describe('the rule preview in words', () => {
  it('says how long in minutes, hours and days', () => {
    expect(durationWords(20_000)).toBe('less than a minute');
    expect(durationWords(42 * M)).toBe('42 minutes');
    expect(durationWords(65 * M)).toBe('1 hour 5 minutes');
    expect(durationWords(2 * 1440 * M + 3 * 60 * M + 7 * M)).toBe('2 days 3 hours');
  });

  it('counts the times it would have fired and their length, in all groups, and whether it still would', () => {
    expect(previewSummary(result([]), '6h')).toBe('Would not have fired in the last 6 hours.');
    expect(previewSummary(result([{ from: 10 * M, to: 20 * M }]), '1h')).toBe('Would have fired once in the last hour, for 10 minutes in all.');
    expect(previewSummary(result([{ from: 10 * M, to: 20 * M }, { from: 20 * M, to: 30 * M, pool: 'b' }]), '24h')).toBe('Would have fired 2 times in the last 24 hours (2 groups), for 20 minutes in all.');
    expect(previewSummary(result([{ from: 30 * M, to: 30 * M }], 300), '6h')).toBe('Would have fired once in the last 6 hours, for less than a minute in all, and would be firing now.');
    expect(previewSummary({ ...result([]), series: [] }, '7d')).toBe('No data for this condition in the last 7 days: the metric has no series that match.');
  });
});
