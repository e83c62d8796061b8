/**
 * An SLO's figures as people read them, the same in the CLI and the web UI: its SLI as a
 * percentage, the error budget left as a share and as time, and the state of each burn-rate alert.
 * (No zod here: the web UI's pages import it.)
 */
import type { SloStatus } from './alerting.schema.ts';

/** What these words read of an SLO's status (a list item or the full status). */
export type SloFigures = Pick<SloStatus, 'window' | 'errorBudget' | 'budgetRemaining' | 'sli' | 'alerting' | 'alerts'>;

const DAY_MS = 86_400_000;
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** An SLO window ('28d', '30d') in milliseconds. */
export const sloWindowMs = (window: SloStatus['window']) => Number.parseInt(window, 10) * DAY_MS;

/**
 * The error budget left as time: how long the service could be down altogether before the budget
 * is spent, at the traffic of its window (negative: overspent by that much); null without events.
 */
export function budgetTimeMs(s: Pick<SloFigures, 'window' | 'errorBudget' | 'budgetRemaining'>): number | null {
  return s.budgetRemaining === null ? null : s.budgetRemaining * s.errorBudget * sloWindowMs(s.window);
}

/** A length of time, two units at most: "45s", "4m 19s", "13h 41m", "2d 3h". */
export function shortDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/**
 * A ratio (0 … 1) as a percentage with up to three decimals, cut rather than rounded so that
 * 99.9996% never reads as 100%: "98%", "99.953%".
 */
export function percentText(ratio: number): string {
  // a hair over the floor: 1 − 0.999 is 0.000999…9 in floating point, and reads 0.1%
  return `${Math.floor(ratio * 100_000 + 1e-6) / 1000}%`;
}

/** The budget left as a share: "43%", "4.5%", "-1,900%". */
export function budgetPercentText(remaining: number): string {
  const pct = remaining * 100;
  return `${Math.abs(pct) >= 10 ? whole.format(pct) : oneDecimal.format(pct)}%`;
}

/** The budget left as time: "18m 34s left", "13h 41m over"; null without events. */
export function budgetTimeText(s: Pick<SloFigures, 'window' | 'errorBudget' | 'budgetRemaining'>): string | null {
  const ms = budgetTimeMs(s);
  if (ms === null) return null;
  return `${shortDuration(ms)} ${ms < 0 ? 'over' : 'left'}`;
}

/** The budget left in one phrase: "43% (18m 34s left)", "-1,900% (13h 41m over)", or "no events yet". */
export function budgetText(s: Pick<SloFigures, 'window' | 'errorBudget' | 'budgetRemaining'>): string {
  if (s.budgetRemaining === null) return 'no events yet';
  return `${budgetPercentText(s.budgetRemaining)} (${budgetTimeText(s)})`;
}

/** A burn rate: "20×", "14.4×", "0.5×", "—" without events. */
export function burnText(rate: number | null): string {
  return rate === null ? '—' : `${oneDecimal.format(rate)}×`;
}

/** The state of one of an SLO's burn-rate alerts: `off` (not on in its spec), `ok` (not open), or the open alert's state. */
export interface SloAlertState {
  severity: 'page' | 'ticket';
  state: string;
}

/** The state of each of an SLO's burn-rate alerts, page first. */
export function sloAlertStates(s: Pick<SloFigures, 'alerting' | 'alerts'>): SloAlertState[] {
  return (['page', 'ticket'] as const).map((severity) => ({
    severity,
    state: !s.alerting[severity] ? 'off' : (s.alerts.find((a) => a.severity === severity)?.state ?? 'ok'),
  }));
}

/** The alerts' states in one phrase: "page firing, ticket ok". */
export function alertStatesText(s: Pick<SloFigures, 'alerting' | 'alerts'>): string {
  return sloAlertStates(s)
    .map((a) => `${a.severity} ${a.state}`)
    .join(', ');
}
