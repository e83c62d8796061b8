import type { ResourceView } from '../../app/types.ts';
import type { AlertRuleSpec, Condition } from '../../../shared/alerting.schema.ts';
import { ALERT_RULE_KIND, newResourceUrl } from './alerting.api.ts';

/* A rule's condition in words, for the service's Alerts tab, and a new rule to start from. */

type Where = Record<string, string> | undefined;

const whereText = (where: Where) => {
  const parts = Object.entries(where ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` where ${parts.join(', ')}` : '';
};

const isZero = (d: string | undefined) => !d || /^(0+(ms|s|m|h|d|w))+$/.test(d);

/** A condition as a sentence: "max of queue.depth over 5m > 100". */
export function conditionText(c: Partial<Condition> & { type?: string }): string {
  switch (c.type) {
    case 'metric': {
      const by = c.by?.length ? ` by ${c.by.join(', ')}` : '';
      return `${c.fn ?? 'avg'} of ${c.metric}${whereText(c.where)} over ${c.window ?? '5m'}${by} ${c.op ?? '>'} ${c.threshold}`;
    }
    case 'exceptions':
      if (c.event === 'new') return 'a new exception group';
      if (c.event === 'regression') return 'a resolved exception group comes back';
      return `exceptions over ${c.window ?? '5m'} ${c.op ?? '>'} ${c.threshold ?? 0}`;
    case 'logs': {
      const words = c.query ? ` containing “${c.query}”` : '';
      const level = c.severity ? ` at ${c.severity} or above` : '';
      return `log records${words}${level}${whereText(c.where)} over ${c.window ?? '5m'} ${c.op ?? '>'} ${c.threshold ?? 0}`;
    }
    case 'absence':
      return `no sample of ${c.metric}${whereText(c.where)} for ${c.for ?? '5m'}`;
    default:
      return 'an unknown condition';
  }
}

/** A rule's condition with its timing: "max of queue.depth over 5m > 100, for 30s". */
export function ruleText(spec: Partial<AlertRuleSpec>): string {
  const parts = [conditionText(spec.condition ?? {})];
  if (!isZero(spec.for)) parts.push(`for ${spec.for}`);
  if (!isZero(spec.keepFiringFor)) parts.push(`keeps firing for ${spec.keepFiringFor} after`);
  return parts.join(', ');
}

/** The editor on a new rule of a service, with an example condition (its p95 latency) to change. */
export function newRuleUrl(service: ResourceView): string {
  const name = service.metadata.name;
  return newResourceUrl(ALERT_RULE_KIND, {
    name: `${name}-slow`.slice(0, 63),
    owner: service.metadata.owner,
    spec: {
      service: name,
      severity: 'ticket',
      condition: { type: 'metric', metric: 'red.duration', fn: 'p95', window: '5m', op: '>', threshold: 0.5 },
      for: '5m',
      annotations: { summary: 'p95 latency of {{ $labels.service }} is {{ $value }} s' },
    },
  });
}
