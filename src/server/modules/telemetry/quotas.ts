import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db.ts';

/** What a team may send. */
export interface QuotaLimits {
  activeSeries: number;
  logRecordsPerSecond: number;
  spansPerSecond: number;
}

/** A team's limits, where they come from, and what it uses now. */
export interface QuotaView {
  team: string;
  limits: QuotaLimits;
  /** The limits set for this team (null: the default applies). */
  overrides: { [K in keyof QuotaLimits]: number | null };
  usage: { activeSeries: number; logRecordsPerSecond: number; spansPerSecond: number };
}

/** How long limits and series counts are remembered before they are read again. */
const REFRESH_MS = 10_000;

interface TeamState {
  limits: QuotaLimits;
  overrides: QuotaView['overrides'];
  /** Series of the team's services when last counted, plus those admitted since. */
  series: number;
  refreshedAt: number;
  buckets: { logs: { tokens: number; at: number }; spans: { tokens: number; at: number } };
  /** Accepted per second: this second's count and the last full second's. */
  rate: { logs: [number, number, number]; spans: [number, number, number] };
}

/**
 * Per-team quotas on telemetry: active series (of the team's services), log records per second and
 * spans per second. Rates are token buckets holding one second of the rate; what is over a quota
 * is rejected (in OTLP's partial success) and the rest of the request stored, so one team's flood
 * is cut at its own limit before it costs the others. Limits: the defaults, or a team's overrides
 * (`telemetry_quotas`, set by admins).
 * @remarks The data of a service not in the catalog counts to the team whose token sent it, or to
 * the "unowned" bucket ('') for an organisation-wide token.
 */
export function createQuotaGuard(deps: {
  db: Kysely<Database>;
  defaults: QuotaLimits;
  /** The services the catalog lists for a team. */
  servicesOf(team: string): Promise<string[]>;
  seriesOf(service: string): number;
  now: () => number;
}) {
  const teams = new Map<string, TeamState>();

  async function load(team: string): Promise<TeamState> {
    const t = deps.now();
    const known = teams.get(team);
    if (known && t - known.refreshedAt < REFRESH_MS) return known;
    const row = await deps.db.selectFrom('telemetry_quotas').selectAll().where('team_key', '=', team).executeTakeFirst();
    const overrides = { activeSeries: row?.active_series ?? null, logRecordsPerSecond: row?.log_records_per_second ?? null, spansPerSecond: row?.spans_per_second ?? null };
    const limits: QuotaLimits = {
      activeSeries: overrides.activeSeries ?? deps.defaults.activeSeries,
      logRecordsPerSecond: overrides.logRecordsPerSecond ?? deps.defaults.logRecordsPerSecond,
      spansPerSecond: overrides.spansPerSecond ?? deps.defaults.spansPerSecond,
    };
    const counted = team ? (await deps.servicesOf(team)).reduce((sum, s) => sum + deps.seriesOf(s), 0) : (known?.series ?? 0);
    const state: TeamState = known ?? {
      limits,
      overrides,
      series: 0,
      refreshedAt: t,
      buckets: { logs: { tokens: limits.logRecordsPerSecond, at: t }, spans: { tokens: limits.spansPerSecond, at: t } },
      rate: { logs: [0, 0, Math.floor(t / 1000)], spans: [0, 0, Math.floor(t / 1000)] },
    };
    state.limits = limits;
    state.overrides = overrides;
    // a team's count is its listed services' series; the unowned bucket counts what it admitted
    state.series = counted;
    state.refreshedAt = t;
    teams.set(team, state);
    return state;
  }

  function noteRate(state: TeamState, kind: 'logs' | 'spans', n: number) {
    const second = Math.floor(deps.now() / 1000);
    const r = state.rate[kind];
    if (second !== r[2]) {
      r[1] = second === r[2] + 1 ? r[0] : 0;
      r[0] = 0;
      r[2] = second;
    }
    r[0] += n;
  }

  return {
    /** Reads the limits and usage of these teams (cached briefly); call before the sync checks below. */
    async prepare(teamKeys: Iterable<string>): Promise<void> {
      for (const team of new Set(teamKeys)) await load(team);
    },

    /** Admits one new series of a team, or says why not. */
    admitSeries(team: string): string | null {
      const state = teams.get(team);
      if (!state) return null;
      if (state.series >= state.limits.activeSeries) return `${team ? `team "${team}"` : 'unowned services'} reached its quota of ${state.limits.activeSeries} active series`;
      state.series++;
      return null;
    },

    /** How many of `n` records (logs or spans) the team may send now; the rest are over its rate. */
    admitRate(team: string, kind: 'logs' | 'spans', n: number): number {
      const state = teams.get(team);
      if (!state) return n;
      const rate = kind === 'logs' ? state.limits.logRecordsPerSecond : state.limits.spansPerSecond;
      const bucket = state.buckets[kind];
      const t = deps.now();
      bucket.tokens = Math.min(rate, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      const admitted = Math.max(0, Math.min(n, Math.floor(bucket.tokens)));
      bucket.tokens -= admitted;
      noteRate(state, kind, admitted);
      return admitted;
    },

    /** A team's limits and usage. */
    async view(team: string): Promise<QuotaView> {
      const state = await load(team);
      const second = Math.floor(deps.now() / 1000);
      const perSecond = (r: [number, number, number]) => (r[2] === second ? r[1] : r[2] === second - 1 ? r[0] : 0);
      return {
        team,
        limits: { ...state.limits },
        overrides: { ...state.overrides },
        usage: { activeSeries: state.series, logRecordsPerSecond: perSecond(state.rate.logs), spansPerSecond: perSecond(state.rate.spans) },
      };
    },

    /** Sets a team's overrides (null: back to the default). */
    async set(team: string, overrides: QuotaView['overrides'], by: string, at: string): Promise<void> {
      await deps.db
        .insertInto('telemetry_quotas')
        .values({ team_key: team, active_series: overrides.activeSeries, log_records_per_second: overrides.logRecordsPerSecond, spans_per_second: overrides.spansPerSecond, updated_at: at, updated_by: by })
        .onConflict((oc) =>
          oc.column('team_key').doUpdateSet({ active_series: overrides.activeSeries, log_records_per_second: overrides.logRecordsPerSecond, spans_per_second: overrides.spansPerSecond, updated_at: at, updated_by: by }),
        )
        .execute();
      const state = teams.get(team);
      if (state) state.refreshedAt = -Infinity;
    },
  };
}

export type QuotaGuard = ReturnType<typeof createQuotaGuard>;
