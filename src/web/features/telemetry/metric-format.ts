import type { MetricKind, QueryFunction } from './telemetry.api.ts';

const threeDigits = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumSignificantDigits: 3 });
const BYTES = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A plain number, short: 0.00123, 12.3, 4.56K, 7.8M. */
function plain(v: number): string {
  return Math.abs(v) >= 10_000 ? compact.format(v) : threeDigits.format(v);
}

function bytes(v: number): string {
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTES.length - 1) {
    v /= 1024;
    i++;
  }
  return `${threeDigits.format(v)} ${BYTES[i]}`;
}

function seconds(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${threeDigits.format(v * 1e6)} µs`;
  if (a < 1) return `${threeDigits.format(v * 1e3)} ms`;
  return `${plain(v)} s`;
}

/**
 * The unit of a chart's values: the metric's own (UCUM, as OpenTelemetry sends it), per second for
 * rates; none for counts, and for a histogram's rate, which counts observations.
 */
export function valueUnit(kind: MetricKind, fn: QueryFunction, unit: string): { unit: string; perSecond: boolean } {
  if (fn === 'count') return { unit: '', perSecond: false };
  if (fn === 'rate') return { unit: kind === 'counter' ? unit : '', perSecond: true };
  return { unit, perSecond: false };
}

/** A value for a reader, in its unit: "1.5 MiB", "250 ms", "12.3/s"; "—" for a step without data. */
export function formatValue(v: number | null | undefined, { unit, perSecond }: { unit: string; perSecond: boolean }): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  let s: string;
  // annotations in braces ({request}) and "1" are dimensionless: the number alone
  if (unit === 'By') s = bytes(v);
  else if (unit === 's') s = seconds(v);
  else if (unit === 'ms') s = seconds(v / 1000);
  else if (unit === 'us') s = seconds(v / 1e6);
  else if (unit === 'ns') s = seconds(v / 1e9);
  else if (!unit || unit === '1' || /^\{.*\}$/.test(unit)) s = plain(v);
  else s = `${plain(v)} ${unit}`;
  return perSecond ? `${s}/s` : s;
}

/** A series' name in the legend: its group's attributes ("http.route=/pay"), or "all series" when not grouped. */
export function seriesLabel(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (!entries.length) return 'all series';
  return entries.map(([k, v]) => `${k}=${v === '' ? '(none)' : v}`).join(', ');
}

/** A duration given in milliseconds, for a reader: "850 µs", "12.3 ms", "1.5 s". */
export function formatDuration(ms: number): string {
  return ms === 0 ? '0 ms' : formatValue(ms, { unit: 'ms', perSecond: false });
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A moment to the millisecond, as a log line shows it: "14:03:07.125", with the day in front when it is not today. */
export function formatTimestamp(at: string | number, now = Date.now()): string {
  const d = new Date(at);
  const today = new Date(now).toDateString() === d.toDateString();
  return today ? clock.format(d) : `${day.format(d)} ${clock.format(d)}`;
}
