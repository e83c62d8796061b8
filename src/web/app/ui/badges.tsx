import { Badge, Group } from '@mantine/core';

const LIFECYCLE: Record<string, string> = { production: 'green', experimental: 'yellow', deprecated: 'gray' };

/** A service's lifecycle as a coloured badge. */
export function LifecycleBadge({ lifecycle }: { lifecycle: unknown }) {
  if (typeof lifecycle !== 'string') return null;
  return (
    <Badge color={LIFECYCLE[lifecycle] ?? 'blue'} variant="light" title={`lifecycle: ${lifecycle}`} className="keep-width">
      {lifecycle}
    </Badge>
  );
}

/** A service's tier, when it has one. */
export function TierBadge({ tier }: { tier: unknown }) {
  if (typeof tier !== 'string' || !tier) return null;
  return (
    <Badge color="grape" variant="outline" title={`tier ${tier}`} className="keep-width">
      tier {tier}
    </Badge>
  );
}

const CR_STATE: Record<string, string> = { open: 'blue', merged: 'violet', closed: 'gray' };

/** A change request's state. */
export function StateBadge({ state }: { state: string }) {
  return (
    <Badge color={CR_STATE[state] ?? 'gray'} variant="filled" className="keep-width">
      {state}
    </Badge>
  );
}

const VERDICT: Record<string, [string, string]> = {
  approve: ['green', 'approved'],
  request_changes: ['orange', 'requested changes'],
  comment: ['gray', 'commented'],
};

/** A review's verdict. */
export function VerdictBadge({ verdict }: { verdict: string }) {
  const [color, label] = VERDICT[verdict] ?? ['gray', verdict];
  return (
    <Badge color={color} variant="light">
      {label}
    </Badge>
  );
}

/** Labels as `key=value` chips. */
export function Labels({ labels, max }: { labels: Record<string, string> | undefined; max?: number }) {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return null;
  const shown = max ? entries.slice(0, max) : entries;
  return (
    <Group gap={4}>
      {shown.map(([k, v]) => (
        <Badge key={k} variant="default" tt="none" fw={500} radius="sm">
          {v ? `${k}=${v}` : k}
        </Badge>
      ))}
      {shown.length < entries.length && (
        <Badge variant="transparent" tt="none" c="dimmed">
          +{entries.length - shown.length}
        </Badge>
      )}
    </Group>
  );
}
