import type { PreviewResult } from '../../../shared/alerting.schema.ts';
import { breaches } from '../../../shared/comparison.ts';

/** The ranges the rule preview offers, with how its summary says them. */
export const PREVIEW_RANGES = [
  { value: '1h', words: 'hour' },
  { value: '6h', words: '6 hours' },
  { value: '24h', words: '24 hours' },
  { value: '7d', words: '7 days' },
] as const;
export type PreviewRange = (typeof PREVIEW_RANGES)[number]['value'];

/** "the last 6 hours", "the last hour". */
export function rangeWords(range: PreviewRange): string {
  return `the last ${PREVIEW_RANGES.find((r) => r.value === range)!.words}`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A length of time for a reader, to the minute: "42 minutes", "1 hour 5 minutes", "2 days 3 hours"; "less than a minute". */
export function durationWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return [plural(days, 'day'), hours ? plural(hours, 'hour') : ''].filter(Boolean).join(' ');
  return [hours ? plural(hours, 'hour') : '', mins ? plural(mins, 'minute') : ''].filter(Boolean).join(' ');
}

/** Whether a group still breaches at the preview's last step, so its last firing interval goes on. */
export function firingNow(result: PreviewResult): boolean {
  const last = result.times.length - 1;
  return result.firing.some((f) => {
    if (f.to !== result.times[last]) return false;
    const key = JSON.stringify(f.labels);
    const v = result.series.find((s) => JSON.stringify(s.labels) === key)?.values[last];
    return v !== null && v !== undefined && breaches(v, result.op, result.threshold);
  });
}

/**
 * What the preview says in one sentence: "Would have fired 3 times in the last 6 hours, for 42
 * minutes in all." / "Would not have fired in the last 6 hours."
 */
export function previewSummary(result: PreviewResult, range: PreviewRange): string {
  const when = rangeWords(range);
  if (!result.series.length) return `No data for this condition in ${when}: the metric has no series that match.`;
  const n = result.firing.length;
  if (!n) return `Would not have fired in ${when}.`;
  const total = result.firing.reduce((sum, f) => sum + (f.to - f.from), 0);
  const groups = new Set(result.firing.map((f) => JSON.stringify(f.labels))).size;
  return [
    `Would have fired ${n === 1 ? 'once' : `${n} times`} in ${when}`,
    groups > 1 ? ` (${groups} groups)` : '',
    `, for ${durationWords(total)} in all`,
    firingNow(result) ? ', and would be firing now' : '',
    '.',
  ].join('');
}
