import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db.ts';
import type { Actor } from '../../platform/permissions.ts';
import { permissions } from '../../platform/permissions.ts';
import { AppError } from '../../platform/errors.ts';
import type { LogQuery, LogStore, StoredLog } from './logs/log-store.ts';
import type { ServiceLogs } from './otlp/otlp-logs.ts';
import type { ServiceSpans } from './otlp/otlp-traces.ts';
import { RedAggregator } from './traces/red.ts';
import type { QuotaGuard, QuotaView } from './quotas.ts';
import type { ExceptionGroup, ExceptionStatus, ExceptionStore } from './exceptions/exception-store.ts';
import { exceptionsFromLogs, exceptionsFromSpans } from './exceptions/extract.ts';
import { recordExceptions, type ExceptionRuleSet } from './exceptions/exception-rules.ts';
import type { SpanRecord, TraceQuery, TraceStore, TraceSummary } from './traces/trace-store.ts';
import type { ServiceMetrics } from './otlp/otlp-metrics.ts';
import { describeSeries, histogramFamilies, type DescribedSeries } from './prometheus/remote-write-samples.ts';
import type { RemoteWriteRequest } from './prometheus/remote-write.ts';
import { SampleBatch, type MetricMeta, type SeriesHandle } from './tsdb/metric-store.ts';
import { runMetricQuery, type MetricQuery, type QueryResult } from './tsdb/metric-query.ts';
import type { MetricInfo, MetricStore } from './tsdb/metric-store.ts';

/**
 * Two independent 32-bit hashes of bytes, four bytes at a step, as a 53-bit Map key (all of the
 * first, part of the second) and a check (all of the second): 64 bits that tell label sets apart
 * (two of 2 million collide with a probability of about 10^-7) without a string made of them.
 */
export function labelHash(buf: Uint8Array, start: number, end: number): [number, number] {
  let h1 = 0x811c9dc5 ^ (end - start);
  let h2 = 0x9747b28c;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  for (; i < end; i++) {
    h1 = Math.imul(h1 ^ buf[i]!, 0x01000193);
    h2 = Math.imul(h2 ^ buf[i]!, 0x5bd1e995);
  }
  // final mixing (murmur3's) so that every input bit reaches every output bit
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0x2c1b3c6d);
  h2 ^= h2 >>> 12;
  h2 = Math.imul(h2, 0x297a2d39);
  h2 ^= h2 >>> 15;
  return [(h1 >>> 0) * 2 ** 21 + (h2 >>> 11), h2 >>> 0];
}

/** Rejected items of one request, counted by reason (OTLP's partial success). */
class Rejections {
  count = 0;
  private readonly reasons = new Map<string, number>();
  note(reason: string, n: number): void {
    if (n <= 0) return;
    this.count += n;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }
  /** One line per reason: "3 data points: …". */
  messages(unit: string): string[] {
    return [...this.reasons].map(([r, n]) => `${n} ${unit}${n === 1 ? '' : 's'}: ${r}`);
  }
}

/** What an ingest request achieved: OTLP's partial success. */
export interface IngestOutcome {
  accepted: number;
  rejected: number;
  /** Why points were rejected, one line per reason (empty when all were accepted). */
  messages: string[];
}

/** How long the owner of a service is remembered by ingest (catalog changes show up within this). */
const OWNER_CACHE_MS = 10_000;
/** How often the last sighting of a discovered service is written. */
const DISCOVERED_WRITE_MS = 60_000;
/** How often the metrics head is persisted and the write-ahead log restarted (it is also when the log grows large). */
const CHECKPOINT_MS = 30 * 60_000;
/** Remote-write series remembered by their encoded labels; past this many the memory starts over. */
const REMOTE_SERIES_CACHE = 2_000_000;

/**
 * Telemetry: who may send data for which service, storing it, and reading it back. Reads are open
 * to every signed-in principal with `read`; sending needs `ingest` and, for a service in the
 * catalog, membership of its owning team (or an organisation-wide ingest token).
 */
export function createTelemetryService(deps: {
  metrics: MetricStore;
  logs?: LogStore;
  traces?: TraceStore;
  exceptions?: ExceptionStore;
  /** Teams' fingerprint rules, applied when exceptions are grouped; without them, the built-in fingerprint. */
  exceptionRules?: ExceptionRuleSet;
  /** Per-team quotas; without them nothing is limited. */
  quotas?: QuotaGuard;
  serviceOwners(names: string[]): Promise<Map<string, string>>;
  /** The relational store, for discovered services; without it they are not recorded. */
  db?: Kysely<Database>;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const store = deps.metrics;
  const owners = new Map<string, { owner: string | null; at: number }>();
  let lastCheckpoint = now();
  const red = new RedAggregator();
  /** Told which services sent data, after it is stored (alert rules re-evaluate on it). */
  const dataListeners: ((services: string[]) => void)[] = [];
  const told = (services: Iterable<string>) => {
    if (!dataListeners.length) return;
    const list = [...services];
    if (list.length) for (const fn of dataListeners) fn(list);
  };
  /**
   * Writes the RED totals ingest left for later (a route's totals are written at most once a
   * second) and tells the data listeners of their services, so rules on red.* evaluate them at
   * once. Run every few hundred milliseconds: it bounds how late red.* can be.
   */
  function flushRed(): string[] {
    const services = red.flush(deps.metrics, now());
    told(services);
    return services;
  }
  /** Discovered services and when their last sighting was written (at most once a minute each). */
  const sighted = new Map<string, number>();

  /** The team whose quota data of a service counts to: its owner, else the sending team token's team, else '' (unowned). */
  function quotaTeam(actor: Actor, ownerKey: string | null): string {
    if (ownerKey) return ownerKey;
    return !actor.organisationIngest && actor.type === 'service-account' && actor.teams.size === 1 ? [...actor.teams.keys()][0]! : '';
  }

  /** Records services that sent data while not in the catalog; the first sender's team is noted. */
  async function noteDiscovered(actor: Actor, services: string[]): Promise<void> {
    if (!deps.db) return;
    const t = now();
    const due = services.filter((s) => t - (sighted.get(s.toLowerCase()) ?? -Infinity) >= DISCOVERED_WRITE_MS);
    if (!due.length) return;
    const at = new Date(t).toISOString();
    const team = quotaTeam(actor, null) || null;
    for (const name of due) {
      await deps.db
        .insertInto('discovered_services')
        .values({ name_key: name.toLowerCase(), name, team_key: team, first_seen_at: at, last_seen_at: at })
        .onConflict((oc) => oc.column('name_key').doUpdateSet({ last_seen_at: at }))
        .execute();
      sighted.set(name.toLowerCase(), t);
    }
  }
  /**
   * A sender's encoded label set, by a hash of its bytes, → its series (with the rest of the hash
   * and the length to tell two label sets apart): the usual request decodes no label and allocates
   * no string per series.
   */
  const remoteSeries = new Map<number, { handle: SeriesHandle; service: string; check: number; length: number }>();

  async function ownersOf(names: string[]): Promise<Map<string, string | null>> {
    const t = now();
    const out = new Map<string, string | null>();
    const missing: string[] = [];
    for (const n of names) {
      const k = n.toLowerCase();
      const hit = owners.get(k);
      if (hit && t - hit.at < OWNER_CACHE_MS) out.set(k, hit.owner);
      else missing.push(k);
    }
    if (missing.length) {
      const found = await deps.serviceOwners(missing);
      for (const k of missing) {
        const owner = found.get(k) ?? null;
        owners.set(k, { owner, at: t });
        out.set(k, owner);
      }
    }
    return out;
  }

  /**
   * Who may send for the services of one request: their owners (cached), whether the actor may send
   * for each, the team whose quotas count; notes discovered services and reads the teams' quotas.
   */
  async function senders(actor: Actor, services: Iterable<string>) {
    const names = [...new Set(services)];
    const owner = await ownersOf(names);
    const ownerOf = (service: string) => owner.get(service.toLowerCase()) ?? null;
    const allowed = (service: string) => permissions.canIngestFor(actor, ownerOf(service));
    const teamOf = (service: string) => quotaTeam(actor, ownerOf(service));
    await noteDiscovered(actor, names.filter((n) => ownerOf(n) === null && allowed(n)));
    await deps.quotas?.prepare(names.filter(allowed).map(teamOf));
    return {
      allowed,
      teamOf,
      /** Why the actor may not send for a service. */
      notYours: (service: string) => `service "${service}" belongs to team "${ownerOf(service)}"; this token may not send for it`,
    };
  }

  /** The log records or spans of a request that the actor may send and that fit the teams' rates. */
  async function admitRecords<T>(actor: Actor, groups: { service: string; points: number; rejected: Map<string, number>; items: T[] }[], kind: 'logs' | 'spans', rejections: Rejections): Promise<T[]> {
    const who = await senders(actor, groups.map((g) => g.service));
    const out: T[] = [];
    for (const g of groups) {
      if (!who.allowed(g.service)) {
        rejections.note(who.notYours(g.service), g.points);
        continue;
      }
      for (const [reason, n] of g.rejected) rejections.note(reason, n);
      const team = who.teamOf(g.service);
      const admitted = deps.quotas ? deps.quotas.admitRate(team, kind, g.items.length) : g.items.length;
      rejections.note(`${team ? `team "${team}"` : 'unowned services'} is over its quota of ${kind === 'logs' ? 'log records' : 'spans'} per second`, g.items.length - admitted);
      out.push(...g.items.slice(0, admitted));
    }
    return out;
  }

  return {
    /** Stores the metrics of an OTLP request that the actor may send; rejects the rest with reasons. */
    async ingestMetrics(actor: Actor, groups: ServiceMetrics[]): Promise<IngestOutcome> {
      const who = await senders(actor, groups.map((g) => g.service));
      const rejections = new Rejections();
      let accepted = 0;
      for (const g of groups) {
        if (!who.allowed(g.service)) {
          rejections.note(who.notYours(g.service), g.points);
          continue;
        }
        let before = 0;
        for (const [reason, n] of g.rejected) {
          rejections.note(reason, n);
          before += n;
        }
        const team = who.teamOf(g.service);
        const result = deps.metrics.append(g.samples, g.meta, deps.quotas ? () => deps.quotas!.admitSeries(team) : undefined);
        // the store counts samples; the answer counts data points (a histogram point is many samples)
        const points = result.rejectedPoints.size;
        rejections.note([...result.rejected.keys()].join('; '), points);
        accepted += g.points - before - points;
      }
      told(groups.filter((g) => who.allowed(g.service)).map((g) => g.service));
      return { accepted, rejected: rejections.count, messages: rejections.messages('data point') };
    },

    /**
     * Stores a decoded remote-write request: series of services the actor may send for, each
     * recognised by its encoded labels when seen before. Rejections are counted in samples.
     */
    async ingestRemoteWrite(actor: Actor, req: RemoteWriteRequest): Promise<IngestOutcome> {
      let families: Set<string> | null = null;
      const familiesOf = () => (families ??= histogramFamilies(req));
      const known: ({ handle: SeriesHandle; service: string } | null)[] = new Array(req.series.length);
      const fresh: (DescribedSeries | null)[] = new Array(req.series.length);
      const hashes: number[] = new Array(req.series.length);
      const checks: number[] = new Array(req.series.length);
      const services = new Set<string>();
      const rejections = new Rejections();
      const note = (reason: string, n: number) => rejections.note(reason, n);
      note('native histograms are not stored yet', req.series.reduce((a, s) => a + s.histograms, 0));
      for (let i = 0; i < req.series.length; i++) {
        const s = req.series[i]!;
        const [hash, check] = labelHash(req.buf, s.labelsStart, s.labelsEnd);
        hashes[i] = hash;
        checks[i] = check;
        const hit = remoteSeries.get(hash);
        if (hit && hit.check === check && hit.length === s.labelsEnd - s.labelsStart) {
          known[i] = hit;
          services.add(hit.service);
          continue;
        }
        const d = describeSeries(req, s, familiesOf);
        fresh[i] = d;
        if (d) services.add(d.service);
      }
      const who = await senders(actor, services);
      const batch = new SampleBatch();
      const meta: MetricMeta[] = [];
      for (let i = 0; i < req.series.length; i++) {
        const s = req.series[i]!;
        let entry = known[i];
        if (!entry) {
          const d = fresh[i];
          if (!d) {
            note('series without __name__', s.count);
            continue;
          }
          if (!who.allowed(d.service)) {
            note(who.notYours(d.service), s.count);
            continue;
          }
          const refusal = deps.quotas && !store.hasSeries(d.key) ? deps.quotas.admitSeries(who.teamOf(d.service)) : null;
          if (refusal) {
            note(refusal, s.count);
            continue;
          }
          if (store.metricKind(d.service, d.metric) !== d.kind) meta.push({ service: d.service, metric: d.metric, kind: d.kind, unit: '', description: '' });
          entry = { handle: store.seriesFor(d.key, d.kind), service: d.service };
          if (remoteSeries.size >= REMOTE_SERIES_CACHE) remoteSeries.clear();
          remoteSeries.set(hashes[i]!, { ...entry, check: checks[i]!, length: s.labelsEnd - s.labelsStart });
        } else if (!who.allowed(entry.service)) {
          note(who.notYours(entry.service), s.count);
          continue;
        }
        for (let k = s.first; k < s.first + s.count; k++) batch.add(entry.handle, req.t[k]!, req.v[k]!);
      }
      const result = store.commit(batch, meta);
      for (const [reason, n] of result.rejected) note(reason, n);
      told([...services].filter((s) => who.allowed(s)));
      return { accepted: result.accepted, rejected: rejections.count, messages: rejections.messages('sample') };
    },

    /** Stores the log records of an OTLP request that the actor may send; rejects the rest with reasons. */
    async ingestLogs(actor: Actor, groups: ServiceLogs[]): Promise<IngestOutcome> {
      if (!deps.logs) throw new AppError('UNAVAILABLE', 'this server stores no logs');
      const rejections = new Rejections();
      const records = await admitRecords(actor, groups.map((g) => ({ ...g, items: g.records })), 'logs', rejections);
      const accepted = deps.logs.append(records);
      await recordExceptions(deps.exceptions, deps.exceptionRules, exceptionsFromLogs(records));
      told(new Set(records.map((r) => r.service)));
      return { accepted, rejected: rejections.count, messages: rejections.messages('log record') };
    },

    /** Stores the spans of an OTLP request that the actor may send, and counts server spans into RED metrics. */
    async ingestTraces(actor: Actor, groups: ServiceSpans[]): Promise<IngestOutcome> {
      if (!deps.traces) throw new AppError('UNAVAILABLE', 'this server stores no traces');
      const rejections = new Rejections();
      const spans = await admitRecords(actor, groups.map((g) => ({ ...g, items: g.spans })), 'spans', rejections);
      const accepted = deps.traces.append(spans);
      await recordExceptions(deps.exceptions, deps.exceptionRules, exceptionsFromSpans(spans));
      red.observe(spans);
      // RED totals of these services are written now (unless written in the last second), so rules on red.* see these spans
      const services = new Set(spans.map((r) => r.service));
      red.flush(deps.metrics, now(), { services });
      told(services);
      return { accepted, rejected: rejections.count, messages: rejections.messages('span') };
    },

    /** Calls `fn` with the services that sent data, once it is stored. */
    onData(fn: (services: string[]) => void): void {
      dataListeners.push(fn);
    },

    /** What alert rules read: instant metric queries, a metric's newest sample, log counts, exception groups. */
    evalSource() {
      return {
        queryMetric: (q: { service: string; metric: string; fn: string; from: number; to: number; by: string[]; where: Record<string, string> }) =>
          runMetricQuery(deps.metrics, { ...q, fn: q.fn as MetricQuery['fn'], step: q.to - q.from, instant: true }),
        lastSample: (service: string, metric: string, where: Record<string, string>) => {
          let last = -Infinity;
          for (const ref of deps.metrics.findSeries(service, metric, { where })) last = Math.max(last, deps.metrics.lastSampleTime(ref.id));
          return Number.isFinite(last) ? last : null;
        },
        countLogs: (q: { service: string; from: number; to: number; text: string; minSeverity?: number; where: Record<string, string> }) =>
          deps.logs ? deps.logs.count({ service: q.service, from: q.from + 1, to: q.to, text: q.text || undefined, minSeverity: q.minSeverity, where: q.where }) : 0,
        exceptionGroups: (q: { service: string; from: number; to: number }) =>
          (deps.exceptions?.list({ service: q.service, from: q.from, to: q.to, limit: 1000 }) ?? []).map((g) => ({
            id: g.id,
            type: g.type,
            firstSeen: g.firstSeen,
            lastSeen: g.lastSeen,
            regressed: g.regressed,
            status: g.status,
            count: (from: number, to: number) => deps.exceptions!.counts(g.id, from, to).reduce((a, c) => a + c.count, 0),
          })),
      };
    },

    /** A team's telemetry quotas and usage (every signed-in user may see them). */
    async quotaOf(team: string): Promise<QuotaView> {
      if (!deps.quotas) throw new AppError('UNAVAILABLE', 'quotas are not enabled on this server');
      return deps.quotas.view(team.toLowerCase());
    },

    /** Sets a team's quotas (admins); null puts one back to the default. */
    async setQuota(actor: Actor, team: string, overrides: QuotaView['overrides']): Promise<QuotaView> {
      permissions.requireAdmin(actor);
      if (!deps.quotas) throw new AppError('UNAVAILABLE', 'quotas are not enabled on this server');
      await deps.quotas.set(team.toLowerCase(), overrides, actor.name, new Date(now()).toISOString());
      return deps.quotas.view(team.toLowerCase());
    },

    /** Exception groups, most recently seen first. */
    listExceptions(q: { service?: string; status?: ExceptionStatus; from: number; to: number; limit: number }): ExceptionGroup[] {
      return deps.exceptions?.list(q) ?? [];
    },

    /** One exception group with its occurrences per minute between two times. */
    getException(id: number, from: number, to: number): (ExceptionGroup & { counts: { minute: number; count: number }[] }) | null {
      const group = deps.exceptions?.get(id);
      return group ? { ...group, counts: deps.exceptions!.counts(id, from, to) } : null;
    },

    /** Sets a group's status: members of the service's owning team (admins for a service not in the catalog). */
    async setExceptionStatus(actor: Actor, id: number, status: ExceptionStatus): Promise<ExceptionGroup> {
      const group = deps.exceptions?.get(id);
      if (!group) throw new AppError('TELEMETRY_EXCEPTION_NOT_FOUND', `no exception group ${id}`);
      const owner = (await deps.serviceOwners([group.service])).get(group.service.toLowerCase()) ?? null;
      if (!permissions.canTriageExceptions(actor, owner)) {
        throw new AppError('NOT_OWNER', owner ? `only members of team "${owner}" (which owns "${group.service}") change its exceptions` : `"${group.service}" is not in the catalog: register it to triage its exceptions (or ask an admin)`);
      }
      return deps.exceptions!.setStatus(id, status)!;
    },

    /** The spans of one trace, by start time. */
    getTrace(traceId: string): SpanRecord[] {
      return deps.traces?.trace(traceId) ?? [];
    },

    /** Traces with a span matching the query, newest first. */
    searchTraces(q: TraceQuery): TraceSummary[] {
      return deps.traces?.search(q) ?? [];
    },

    /** Log records by service, time, severity, text, attributes or trace. */
    searchLogs(q: LogQuery): StoredLog[] {
      if (!deps.logs) return [];
      return deps.logs.search(q);
    },

    /** The window of timestamps ingest accepts: not older than raw retention, not far in the future. */
    acceptWindow(): { oldest: number; newest: number; now: number } {
      const t = now();
      return { oldest: t - 7 * 24 * 3600_000, newest: t + 10 * 60_000, now: t };
    },

    flushRed,

    /** Periodic upkeep: writes closed chunks, persists the head when due, removes expired data a bit at a time. */
    maintain(): void {
      flushRed();
      deps.metrics.flush();
      if (now() - lastCheckpoint >= CHECKPOINT_MS) {
        deps.metrics.checkpoint();
        lastCheckpoint = now();
      }
      deps.metrics.removeExpired();
      deps.logs?.removeExpired();
      deps.traces?.removeExpired();
      deps.exceptions?.removeExpired();
    },

    /**
     * Computes metric rollups for at most `budgetMs` (a slice at a time, so ingest and queries
     * keep their turn); true while more is due.
     */
    rollup(budgetMs = 40): boolean {
      return deps.metrics.rollup(budgetMs);
    },

    /** What the store holds and keeps: series, retention, and how far each rollup level has come. */
    storageStatus() {
      return {
        activeSeries: deps.metrics.seriesCount,
        rawRetentionMs: deps.metrics.rawRetentionMs,
        rollupBacklog: deps.metrics.rollupBacklog,
        rollups: deps.metrics.rollupCoverage().map((c) => ({ resolution: c.resolution, retentionStart: c.from, completeTo: Number.isFinite(c.to) ? c.to : null })),
      };
    },

    /** Services that sent telemetry and are not in the catalog (yet), most recently seen first. */
    async listDiscovered(): Promise<{ name: string; team: string | null; firstSeenAt: string; lastSeenAt: string }[]> {
      if (!deps.db) return [];
      const rows = await deps.db.selectFrom('discovered_services').selectAll().orderBy('last_seen_at', 'desc').limit(1000).execute();
      const registered = await deps.serviceOwners(rows.map((r) => r.name));
      return rows.filter((r) => !registered.has(r.name_key)).map((r) => ({ name: r.name, team: r.team_key, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at }));
    },

    listMetricServices(): string[] {
      return deps.metrics.listServices();
    },

    listMetrics(service: string): MetricInfo[] {
      return deps.metrics.listMetrics(service);
    },

    queryMetric(q: MetricQuery): QueryResult {
      return runMetricQuery(deps.metrics, q);
    },
  };
}

export type TelemetryService = ReturnType<typeof createTelemetryService>;
