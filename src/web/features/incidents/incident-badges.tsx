import { Badge } from '@mantine/core';
import type { IncidentStatus } from './incidents.api.ts';

const STATUS_COLORS: Record<IncidentStatus, [color: string, variant: 'filled' | 'light']> = {
  investigating: ['red', 'filled'],
  identified: ['orange', 'filled'],
  monitoring: ['yellow', 'light'],
  resolved: ['green', 'light'],
};
const SEVERITY_COLORS: Record<string, string> = { page: 'red', ticket: 'orange', info: 'blue' };

/** An incident's status, coloured by how far from restored it is. */
export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  const [color, variant] = STATUS_COLORS[status] ?? ['gray', 'light'];
  return (
    <Badge color={color} variant={variant} size="sm" className="keep-width">
      {status}
    </Badge>
  );
}

/** An incident's severity: page, ticket or info. */
export function IncidentSeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge color={SEVERITY_COLORS[severity] ?? 'gray'} variant="outline" size="sm" className="keep-width">
      {severity}
    </Badge>
  );
}

/** How long from start to resolution (or until now): "1 h 5 min". */
export function duration(fromIso: string, toIso: string | null, now = Date.now()): string {
  const ms = Math.max(0, (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso));
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'under a minute';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
