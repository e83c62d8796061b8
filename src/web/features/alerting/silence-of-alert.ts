import { newResourceUrl, SILENCE_FOR_MS, SILENCE_KIND, type AlertView } from './alerting.api.ts';

/* The silence the Alerts table's Silence action starts from. */

/** A short random part for names nobody has to choose (silence-3f9a1c). */
export function randomSuffix(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Labels every alert carries that a silence need not repeat: its team owns the silence, its rule gives the severity. */
const IMPLIED = new Set(['team', 'severity', 'alertstate']);
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Matchers that pick out this alert: its alertname and service first, then its other labels. */
export function silenceMatchers(a: AlertView): string[] {
  const first = ['alertname', 'service'].filter((k) => a.labels[k] !== undefined);
  const rest = Object.keys(a.labels)
    .filter((k) => !first.includes(k) && !IMPLIED.has(k))
    .sort();
  return [...first, ...rest].filter((k) => LABEL_NAME.test(k) && !/["\n]/.test(a.labels[k]!)).map((k) => `${k}=${a.labels[k]}`);
}

/** The editor on a new silence of an alert: its matchers, its team, ending in two hours. */
export function newSilenceUrl(a: AlertView, now = Date.now()): string {
  return newResourceUrl(SILENCE_KIND, {
    name: `silence-${randomSuffix()}`,
    owner: a.owner,
    spec: { matchers: silenceMatchers(a), endsAt: new Date(now + SILENCE_FOR_MS).toISOString() },
  });
}
