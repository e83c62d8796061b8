import type { ServiceMetrics } from '../otlp/otlp-metrics.ts';
import type { SampleInput } from '../tsdb/metric-store.ts';
import { seriesKey, type MetricKind, type SeriesPart } from '../tsdb/series-key.ts';
import type { RemoteWriteRequest } from './remote-write.ts';

const SEP = '\u0000';
const KV = '\u0001';

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

/**
 * Turns a remote-write request into samples grouped by service: the service is the series'
 * `service` label, else its `job` label (then dropped, as it repeats the service); `__name__` is
 * the metric; `_bucket`/`_sum`/`_count` series of a histogram (by the sender's metadata, or a
 * `_bucket` series with `le` in the same request) become its parts; `_total` names are counters.
 */
export function remoteWriteToSamples(req: RemoteWriteRequest): ServiceMetrics[] {
  const families = new Set<string>();
  for (const s of req.series) {
    const i = s.names.indexOf('__name__');
    const name = i >= 0 ? s.values[i]! : '';
    if (name.endsWith('_bucket') && s.names.includes('le')) families.add(name.slice(0, -7));
  }
  const groups = new Map<string, ServiceMetrics>();
  const seenMeta = new Set<string>();
  for (const s of req.series) {
    let name = '';
    let service = '';
    let job = '';
    let hasLe = false;
    let hasQuantile = false;
    for (let i = 0; i < s.names.length; i++) {
      const n = s.names[i]!;
      if (n === '__name__') name = s.values[i]!;
      else if (n === 'service') service = s.values[i]!;
      else if (n === 'job') job = s.values[i]!;
      else if (n === 'le') hasLe = true;
      else if (n === 'quantile') hasQuantile = true;
    }
    const fromJob = !service;
    service = (service || job).trim() || 'unknown_service';
    let g = groups.get(service);
    if (!g) groups.set(service, (g = { service, samples: [], meta: [], points: 0, rejected: new Map() }));
    g.points += s.count;
    if (!name) {
      g.rejected.set('series without __name__', (g.rejected.get('series without __name__') ?? 0) + s.count);
      continue;
    }
    if (s.histograms) g.rejected.set('native histograms are not stored yet', (g.rejected.get('native histograms are not stored yet') ?? 0) + s.histograms);
    const { metric, kind, part } = classify(name, hasLe, hasQuantile, req.types, families);
    const metaKey = `${service}${SEP}${metric}`;
    if (!seenMeta.has(metaKey)) {
      seenMeta.add(metaKey);
      g.meta.push({ service, metric, kind, unit: '', description: '' });
    }
    // the key is built in the order sent when that is sorted (Prometheus sorts labels), else sorted here
    const labels: Record<string, string> = {};
    let key = service + SEP + metric + SEP + part;
    let sorted = true;
    let prev = '';
    for (let i = 0; i < s.names.length; i++) {
      const n = s.names[i]!;
      if (n === '__name__' || n === 'service' || (n === 'job' && fromJob)) continue;
      if (n < prev) sorted = false;
      prev = n;
      labels[n] = s.values[i]!;
      key += SEP + n + KV + s.values[i]!;
    }
    const series = { service, metric, part, labels };
    if (!sorted) key = seriesKey(series);
    for (let k = s.first; k < s.first + s.count; k++) {
      const sample: SampleInput = { series, kind, t: req.t[k]!, v: req.v[k]!, key };
      g.samples.push(sample);
    }
  }
  return [...groups.values()];
}
