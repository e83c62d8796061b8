import { describe, expect, it } from 'vitest';
import { readSettings } from './settings.ts';

describe('settings', () => {
  it('keeps telemetry 7 days raw, 35 days at 1 minute and 400 days at 1 hour unless told otherwise', () => {
    expect(readSettings({}).retention).toEqual({ rawMs: 7 * 86_400_000, rollup1mMs: 35 * 86_400_000, rollup1hMs: 400 * 86_400_000, exceptionsMs: 35 * 86_400_000 });
    const s = readSettings({ ETHOS_RETENTION_RAW: '36h', ETHOS_RETENTION_ROLLUP_1M: '14d', ETHOS_RETENTION_ROLLUP_1H: '90d', ETHOS_RETENTION_EXCEPTIONS: '45m' });
    expect(s.retention).toEqual({ rawMs: 36 * 3600_000, rollup1mMs: 14 * 86_400_000, rollup1hMs: 90 * 86_400_000, exceptionsMs: 45 * 60_000 });
  });

  it('keeps 64 MiB of decoded metric chunks for queries unless told otherwise; 0 turns it off', () => {
    expect(readSettings({}).telemetryQueryCacheBytes).toBe(64 * 2 ** 20);
    expect(readSettings({ ETHOS_TELEMETRY_QUERY_CACHE_MB: '256' }).telemetryQueryCacheBytes).toBe(256 * 2 ** 20);
    expect(readSettings({ ETHOS_TELEMETRY_QUERY_CACHE_MB: '0' }).telemetryQueryCacheBytes).toBe(0);
    expect(() => readSettings({ ETHOS_TELEMETRY_QUERY_CACHE_MB: '64MB' })).toThrow(/ETHOS_TELEMETRY_QUERY_CACHE_MB must be a non-negative integer/);
  });

  it('refuses a retention it cannot read, naming the variable', () => {
    expect(() => readSettings({ ETHOS_RETENTION_RAW: '7 days' })).toThrow(/ETHOS_RETENTION_RAW must be a positive duration such as 7d/);
    expect(() => readSettings({ ETHOS_RETENTION_ROLLUP_1M: '0d' })).toThrow(/ETHOS_RETENTION_ROLLUP_1M/);
  });
});
