import { keySafe, seriesKey, type MetricKind, type SeriesPart } from '../tsdb/series-key.ts';
import { seriesLabels, type RemoteSeries, type RemoteWriteRequest } from './remote-write.ts';

const SEP = '\u0000';
const KV = '\u0001';

/** What a Prometheus series is in Ethos's terms. */
export interface DescribedSeries {
  service: string;
  metric: string;
  kind: MetricKind;
  part: SeriesPart;
  /** The store's key of the series. */
  key: string;
}

/** The kind and part of a Prometheus series, from the sender's metadata and the naming conventions. */
function classify(name: string, hasLe: boolean, hasQuantile: boolean, types: Map<string, string>, families: Set<string>): { metric: string; kind: MetricKind; part: SeriesPart } {
  const typed = types.get(name);
  if (typed === 'counter') return { metric: name, kind: 'counter', part: 'value' };
  if (typed === 'gauge') return { metric: name, kind: 'gauge', part: 'value' };
  for (const suffix of ['_bucket', '_sum', '_count'] as const) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const family = types.get(base);
    const histogram = family === 'histogram' || family === 'gaugehistogram' || (family === undefined && families.has(base));
    if (suffix === '_bucket' && hasLe && family !== 'summary') return { metric: base, kind: 'histogram', part: 'bucket' };
    if (suffix !== '_bucket' && histogram) return { metric: base, kind: 'histogram', part: suffix === '_sum' ? 'sum' : 'count' };
    if (suffix !== '_bucket' && family === 'summary') return { metric: base, kind: 'summary', part: suffix === '_sum' ? 'sum' : 'count' };
  }
  if (hasQuantile && types.get(name) !== 'gauge') return { metric: name, kind: 'summary', part: 'quantile' };
  if (name.endsWith('_total') || name.endsWith('_count') || name.endsWith('_sum')) return { metric: name, kind: 'counter', part: 'value' };
  return { metric: name, kind: 'gauge', part: 'value' };
}

/** Histogram families of a request: names of `_bucket` series with an `le` label, without the suffix. */
export function histogramFamilies(req: RemoteWriteRequest): Set<string> {
  const families = new Set<string>();
  for (const s of req.series) {
    const { names, values } = seriesLabels(req, s);
    const i = names.indexOf('__name__');
    const name = i >= 0 ? values[i]! : '';
    if (name.endsWith('_bucket') && names.includes('le')) families.add(name.slice(0, -7));
  }
  return families;
}

/**
 * A remote-write series in Ethos's terms: the service is its `service` label, else its `job` label
 * (then dropped, as it repeats the service); `__name__` is the metric; `_bucket`/`_sum`/`_count`
 * series of a histogram (by the sender's metadata, or a `_bucket` series with `le` in the same
 * request) become its parts; `_total` names are counters. Null without `__name__`.
 * `families` is asked for only when the naming needs it.
 */
export function describeSeries(req: RemoteWriteRequest, s: RemoteSeries, families: () => Set<string>): DescribedSeries | null {
  const decoded = seriesLabels(req, s);
  const names = decoded.names.map(keySafe);
  const values = decoded.values.map(keySafe);
  let name = '';
  let service = '';
  let job = '';
  let hasLe = false;
  let hasQuantile = false;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n === '__name__') name = values[i]!;
    else if (n === 'service') service = values[i]!;
    else if (n === 'job') job = values[i]!;
    else if (n === 'le') hasLe = true;
    else if (n === 'quantile') hasQuantile = true;
  }
  if (!name) return null;
  const fromJob = !service;
  service = (service || job).trim() || 'unknown_service';
  const needsFamilies = !req.types.has(name) && (name.endsWith('_sum') || name.endsWith('_count'));
  const { metric, kind, part } = classify(name, hasLe, hasQuantile, req.types, needsFamilies ? families() : new Set());
  // the key is built in the order sent when that is sorted (Prometheus sorts labels), else sorted
  let key = service + SEP + metric + SEP + part;
  const labels: Record<string, string> = {};
  let sorted = true;
  let prev = '';
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n === '__name__' || n === 'service' || (n === 'job' && fromJob)) continue;
    if (n < prev) sorted = false;
    prev = n;
    labels[n] = values[i]!;
    key += SEP + n + KV + values[i]!;
  }
  if (!sorted) key = seriesKey({ service, metric, part, labels });
  return { service, metric, kind, part, key };
}
