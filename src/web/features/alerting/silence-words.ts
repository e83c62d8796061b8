import type { ResourceView } from '../../app/types.ts';
import type { SilenceSpec } from '../../../shared/alerting.schema.ts';

/* A silence's status, and its spec once expired, for the Silences page. */

export type SilenceStatus = 'active' | 'pending' | 'expired';

/**
 * When a silence starts and ends, and whether it mutes now. Without `startsAt` it started when it
 * was written (as the server reads it: its revision's time).
 */
export function silenceTimes(s: ResourceView, now = Date.now()): { startsAt: string; endsAt: string; status: SilenceStatus } {
  const spec = s.spec as Partial<SilenceSpec>;
  const startsAt = spec.startsAt ?? s.metadata.updatedAt;
  const endsAt = spec.endsAt ?? startsAt;
  const status = now >= Date.parse(endsAt) ? 'expired' : now < Date.parse(startsAt) ? 'pending' : 'active';
  return { startsAt, endsAt, status };
}

/**
 * The spec of an expired silence: it ends now. A silence that has not started yet loses its start
 * too (an end before the start is refused), so it ends as it is written.
 */
export function expiredSpec(s: ResourceView, now = new Date()): Record<string, unknown> {
  const { startsAt: _start, ...rest } = s.spec as Partial<SilenceSpec>;
  const pending = silenceTimes(s, now.getTime()).status === 'pending';
  return { ...(pending ? rest : s.spec), endsAt: now.toISOString() };
}
