/** What a stored series holds for its metric: the value itself, or one part of a histogram or summary. */
export type SeriesPart = 'value' | 'bucket' | 'sum' | 'count' | 'quantile';

/** How a metric's values are read: gauges as they are, counters (cumulative) by their increase. */
export type MetricKind = 'gauge' | 'counter' | 'histogram' | 'summary';

/** One series: a metric of a service with a set of attributes (sorted by name). */
export interface SeriesIdentity {
  service: string;
  metric: string;
  part: SeriesPart;
  labels: Record<string, string>;
}

const SEP = '\u0000';
const KV = '\u0001';
/** A name or value safe inside a key: the two separator characters become U+FFFD. */
export function keySafe(s: string): string {
  return s.includes(SEP) || s.includes(KV) ? s.replaceAll(SEP, '\uFFFD').replaceAll(KV, '\uFFFD') : s;
}

/** The strings of a key in order: service, metric, part, then each attribute's name and value. */
export function keyStrings(key: string): string[] {
  return key.split(SEP).flatMap((p, i) => (i < 3 ? [p] : p.split(KV)));
}

/**
 * The canonical string of a series (its key in memory and in the store): equal attribute sets in
 * any order give the same key.
 */
export function seriesKey(s: SeriesIdentity): string {
  let key = keySafe(s.service) + SEP + keySafe(s.metric) + SEP + s.part;
  for (const name of Object.keys(s.labels).sort()) key += SEP + keySafe(name) + KV + keySafe(s.labels[name]!);
  return key;
}

/** The series a key stands for. */
export function parseSeriesKey(key: string): SeriesIdentity {
  const [service = '', metric = '', part = 'value', ...pairs] = key.split(SEP);
  const labels: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf(KV);
    labels[p.slice(0, i)] = p.slice(i + 1);
  }
  return { service, metric, part: part as SeriesPart, labels };
}

/** The prefix shared by every series of one metric of one service. */
export function metricPrefix(service: string, metric: string): string {
  return service + SEP + metric + SEP;
}
