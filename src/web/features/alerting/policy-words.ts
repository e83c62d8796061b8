import type { NotificationPolicySpec } from '../../../shared/alerting.schema.ts';

/* A notification policy in words, for the routing page. */

type Route = Partial<NotificationPolicySpec['routes'][number]>;

/** A policy's route: "severity=page → payments-pager, grouped by alertname, service; wait 0s, interval 1m, repeat 4h". */
export function routeText(r: Route): string {
  const match = r.matchers?.length ? r.matchers.join(', ') : 'every alert';
  const groupBy = r.groupBy ?? ['alertname', 'service'];
  const grouped = groupBy.includes('...') ? 'each alert alone' : groupBy.length ? `grouped by ${groupBy.join(', ')}` : 'all in one group';
  const timing = `wait ${r.groupWait ?? '0s'}, interval ${r.groupInterval ?? '1m'}, repeat ${r.repeatInterval ?? '4h'}`;
  const extra = [
    r.muteTimeIntervals?.length ? `muted during ${r.muteTimeIntervals.join(', ')}` : '',
    r.activeTimeIntervals?.length ? `only during ${r.activeTimeIntervals.join(', ')}` : '',
    r.continue ? 'then the next routes too' : '',
  ].filter(Boolean);
  return `${match} → ${(r.contactPoints ?? []).join(', ')}, ${grouped}; ${timing}${extra.length ? `; ${extra.join('; ')}` : ''}`;
}

type InhibitRule = Partial<NotificationPolicySpec['inhibitRules'][number]>;

/** An inhibition: "alertname=checkout-down mutes alertname=queue-deep with the same service". */
export function inhibitText(r: InhibitRule): string {
  const same = r.equal?.length ? ` with the same ${r.equal.join(', ')}` : '';
  return `${(r.sourceMatchers ?? []).join(', ')} mutes ${(r.targetMatchers ?? []).join(', ')}${same}`;
}
