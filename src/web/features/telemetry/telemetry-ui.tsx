import { Badge, SegmentedControl, Stack, Text } from '@mantine/core';
import { RANGES, type Range } from './telemetry.api.ts';

/** A time range for a reader: "the last 6 hours" reads `No data in the last ${RANGE_LABELS[range]}`. */
export const RANGE_LABELS: Record<Range, string> = { '15m': '15 minutes', '1h': '1 hour', '6h': '6 hours', '24h': '24 hours', '7d': '7 days', '30d': '30 days', '90d': '90 days' };

/** The time range of a chart or search, ending now: 15m … 7d (metrics: up to 90d). */
export function TimeRangeControl({ value, onChange, ranges = RANGES }: { value: Range; onChange(range: Range): void; ranges?: readonly Range[] }) {
  return (
    <Stack gap={4}>
      <Text size="xs" fw={500} aria-hidden>
        Time range
      </Text>
      <SegmentedControl aria-label="Time range" size="xs" value={value} onChange={(v) => onChange(v as Range)} data={ranges.map((r) => ({ value: r, label: r }))} />
    </Stack>
  );
}

const LEVEL_COLORS: Record<string, [color: string, variant: 'light' | 'filled']> = {
  trace: ['gray', 'light'],
  debug: ['teal', 'light'],
  info: ['blue', 'light'],
  warn: ['yellow', 'light'],
  error: ['red', 'filled'],
  fatal: ['grape', 'filled'],
};

/** A log record's level, coloured by how serious it is (errors and worse filled). */
export function LevelBadge({ level, title }: { level: string; title?: string }) {
  const [color, variant] = LEVEL_COLORS[level] ?? ['gray', 'outline'];
  return (
    <Badge color={color} variant={variant} size="sm" radius="sm" miw={62} className="keep-width" title={title}>
      {level}
    </Badge>
  );
}

const STATUS_COLORS: Record<string, string> = { error: 'red', ok: 'green', unset: 'gray' };

/** A span's or trace's status: error, ok or unset. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant={status === 'error' ? 'filled' : 'light'} size="sm" className="keep-width">
      {status}
    </Badge>
  );
}

// Mantine palette names, in an order that keeps neighbours apart; red is left for errors
const SERVICE_COLORS = ['blue', 'teal', 'grape', 'orange', 'cyan', 'lime', 'pink', 'indigo', 'yellow', 'violet', 'green'];

/** The colour of the i-th service of a trace (a CSS value that suits light and dark mode). */
export function serviceColor(i: number): string {
  return `var(--mantine-color-${SERVICE_COLORS[i % SERVICE_COLORS.length]}-6)`;
}

const EXCEPTION_COLORS: Record<string, [color: string, variant: 'light' | 'filled' | 'outline']> = { unresolved: ['red', 'light'], resolved: ['green', 'light'], ignored: ['gray', 'outline'] };

/** An exception group's status; a group that came back after it was resolved reads "regressed". */
export function ExceptionStatusBadge({ status, regressed }: { status: string; regressed: boolean }) {
  const [color, variant] = regressed ? (['orange', 'filled'] as const) : (EXCEPTION_COLORS[status] ?? ['gray', 'light']);
  return (
    <Badge color={color} variant={variant} size="sm" className="keep-width" title={regressed ? 'resolved, then seen again in a later version' : undefined}>
      {regressed ? 'regressed' : status}
    </Badge>
  );
}
