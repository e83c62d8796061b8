import path from 'node:path';

/** Everything Ethos reads from its environment. */
export interface Settings {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…`, or a SQLite file path. */
  databaseUrl: string;
  adminPassword: string | undefined;
  secretKey: string | undefined;
  smtpUrl: string | undefined;
  smtpFrom: string;
  metricsToken: string | undefined;
  baseUrl: string;
  secureCookies: boolean;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  bodyLimitBytes: number;
  logLevel: string;
  trustProxy: boolean | string;
  /** The OTLP/HTTP port (null: only the main port receives OTLP). */
  otlpPort: number | null;
  /** The OTLP/gRPC port (null: no gRPC receiver). */
  otlpGrpcPort: number | null;
  /** Default per-team telemetry quotas. */
  quotas: { activeSeries: number; logRecordsPerSecond: number; spansPerSecond: number };
  /** How long telemetry is kept, in ms. */
  retention: TelemetryRetention;
  /** Most alert rules one team may own. */
  alertRulesPerTeam: number;
  /** Memory for decoded metric chunks that queries keep for the next ones, in bytes (0: none). */
  telemetryQueryCacheBytes: number;
}

/** How long telemetry is kept, in milliseconds. */
export interface TelemetryRetention {
  /** Raw metric samples, log records and spans. */
  rawMs: number;
  /** 1-minute metric rollups. */
  rollup1mMs: number;
  /** 1-hour metric rollups. */
  rollup1hMs: number;
  /** Exception groups not seen for this long, and their per-minute counts. */
  exceptionsMs: number;
}

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** A duration such as `7d`, `36h`, `90m` or `3600s`, in milliseconds. */
export function parseDuration(value: string | undefined, fallbackMs: number, name: string): number {
  if (value === undefined || value === '') return fallbackMs;
  const m = /^\s*(\d+)\s*([smhd])\s*$/.exec(value);
  if (!m || Number(m[1]) === 0) throw new Error(`${name} must be a positive duration such as 7d, 36h or 90m, not "${value}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not "${value}"`);
  return n;
}

function optionalPort(value: string | undefined, fallback: number, name: string): number | null {
  if (value === 'off' || value === 'false') return null;
  return int(value, fallback, name);
}

function parseTrustProxy(v: string | undefined): boolean | string {
  if (!v || v === 'false') return false;
  return v === 'true' ? true : v;
}

/** Reads settings from `env` (defaults suit `npm start` on a laptop). */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const dataDir = path.resolve(env.ETHOS_DATA_DIR ?? '.ethos');
  const port = int(env.ETHOS_PORT, 4680, 'ETHOS_PORT');
  return {
    port,
    host: env.ETHOS_HOST ?? '0.0.0.0',
    dataDir,
    databaseUrl: env.ETHOS_DATABASE_URL || path.join(dataDir, 'ethos.db'),
    adminPassword: env.ETHOS_ADMIN_PASSWORD || undefined,
    secretKey: env.ETHOS_SECRET_KEY || undefined,
    smtpUrl: env.ETHOS_SMTP_URL || undefined,
    smtpFrom: env.ETHOS_SMTP_FROM ?? 'Ethos <ethos@localhost>',
    metricsToken: env.ETHOS_METRICS_TOKEN || undefined,
    baseUrl: env.ETHOS_BASE_URL ?? `http://localhost:${port}`,
    secureCookies: env.ETHOS_SECURE_COOKIES === 'true',
    sessionIdleMinutes: int(env.ETHOS_SESSION_IDLE_MINUTES, 8 * 60, 'ETHOS_SESSION_IDLE_MINUTES'),
    sessionAbsoluteHours: int(env.ETHOS_SESSION_ABSOLUTE_HOURS, 7 * 24, 'ETHOS_SESSION_ABSOLUTE_HOURS'),
    bodyLimitBytes: int(env.ETHOS_BODY_LIMIT_BYTES, 16 * 1024 * 1024, 'ETHOS_BODY_LIMIT_BYTES'),
    logLevel: env.ETHOS_LOG_LEVEL ?? 'info',
    trustProxy: parseTrustProxy(env.ETHOS_TRUST_PROXY),
    otlpPort: optionalPort(env.ETHOS_OTLP_PORT, 4318, 'ETHOS_OTLP_PORT'),
    otlpGrpcPort: optionalPort(env.ETHOS_OTLP_GRPC_PORT, 4317, 'ETHOS_OTLP_GRPC_PORT'),
    quotas: {
      activeSeries: int(env.ETHOS_QUOTA_ACTIVE_SERIES, 1_000_000, 'ETHOS_QUOTA_ACTIVE_SERIES'),
      logRecordsPerSecond: int(env.ETHOS_QUOTA_LOG_RECORDS_PER_SECOND, 100_000, 'ETHOS_QUOTA_LOG_RECORDS_PER_SECOND'),
      spansPerSecond: int(env.ETHOS_QUOTA_SPANS_PER_SECOND, 100_000, 'ETHOS_QUOTA_SPANS_PER_SECOND'),
    },
    retention: {
      rawMs: parseDuration(env.ETHOS_RETENTION_RAW, 7 * DAY, 'ETHOS_RETENTION_RAW'),
      rollup1mMs: parseDuration(env.ETHOS_RETENTION_ROLLUP_1M, 35 * DAY, 'ETHOS_RETENTION_ROLLUP_1M'),
      rollup1hMs: parseDuration(env.ETHOS_RETENTION_ROLLUP_1H, 400 * DAY, 'ETHOS_RETENTION_ROLLUP_1H'),
      exceptionsMs: parseDuration(env.ETHOS_RETENTION_EXCEPTIONS, 35 * DAY, 'ETHOS_RETENTION_EXCEPTIONS'),
    },
    alertRulesPerTeam: int(env.ETHOS_QUOTA_ALERT_RULES, 1000, 'ETHOS_QUOTA_ALERT_RULES'),
    telemetryQueryCacheBytes: int(env.ETHOS_TELEMETRY_QUERY_CACHE_MB, 64, 'ETHOS_TELEMETRY_QUERY_CACHE_MB') * 2 ** 20,
  };
}
