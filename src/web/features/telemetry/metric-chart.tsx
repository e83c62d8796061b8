import { Box, Checkbox, ColorSwatch, Table, Text } from '@mantine/core';
import { lazy, Suspense, useMemo, useState } from 'react';
import type { MetricQueryResult } from './telemetry.api.ts';
import { formatValue, seriesLabel } from './metric-format.ts';
import classes from './telemetry.module.css';

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** Dashes and gaps, in pixels, for a line drawn dashed (a threshold); none: solid. */
  dash?: number[];
}

// Mantine's shade 6 of its palette, in an order that keeps neighbours apart
const COLORS = ['#228be6', '#fa5252', '#12b886', '#fd7e14', '#be4bdb', '#15aabf', '#82c91e', '#e64980', '#4c6ef5', '#fab005', '#40c057', '#7950f2'];

const UplotChart = lazy(() => import('./uplot-chart.tsx'));

/** Whether this browser draws on a canvas (happy-dom, and some locked-down browsers, do not). */
function canDraw(): boolean {
  try {
    return !!document.createElement('canvas').getContext('2d');
  } catch {
    return false;
  }
}

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

function lastValue(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}

function extreme(values: (number | null)[], pick: (a: number, b: number) => number): number | null {
  return values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : pick(m, v)), null);
}

/**
 * A metric's values over time: the uPlot chart where a canvas can be drawn, and always a table of
 * each series (its colour, latest, lowest and highest value, or the value under the pointer), where
 * a series can be hidden from the chart.
 */
export function MetricChart({ result, unit, name, height = 280 }: { result: MetricQueryResult; unit: { unit: string; perSecond: boolean }; name: string; height?: number }) {
  const series = useMemo<ChartSeries[]>(() => result.series.map((s, i) => ({ label: seriesLabel(s.labels), color: COLORS[i % COLORS.length]!, values: s.values })), [result.series]);
  return <SeriesChart times={result.times} step={result.step} series={series} name={name} height={height} format={(v) => formatValue(v, unit)} />;
}

/**
 * Lines over time on one axis, as MetricChart draws a metric's: the uPlot chart where a canvas can
 * be drawn, and always the table of each series. `format` writes a value ("—" for none).
 */
export function SeriesChart({ times, step, series, name, format, height = 280 }: { times: number[]; step: number; series: ChartSeries[]; name: string; format(v: number | null): string; height?: number }) {
  const [drawable] = useState(canDraw);
  const [cursor, setCursor] = useState<number | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const at = cursor === null ? null : times[cursor];
  const toggle = (label: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (!next.delete(label)) next.add(label);
      return next;
    });

  return (
    <Box>
      {drawable && (
        <Suspense fallback={<Box h={height} />}>
          <UplotChart times={times} step={step} series={series} hidden={hidden} height={height} formatValue={format} onCursor={setCursor} />
        </Suspense>
      )}
      <Table.ScrollContainer minWidth={0} mt="xs">
        <Table aria-label={`Series of ${name}`} className={classes.legend} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Series</Table.Th>
              <Table.Th ta="right">{at === undefined || at === null ? 'Latest' : `At ${time.format(at)}`}</Table.Th>
              <Table.Th ta="right">Lowest</Table.Th>
              <Table.Th ta="right">Highest</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {series.map((s) => (
              <Table.Tr key={s.label} aria-label={s.label} className={hidden.has(s.label) ? classes.off : undefined}>
                <Table.Td>
                  {drawable ? (
                    <Checkbox
                      size="xs"
                      checked={!hidden.has(s.label)}
                      onChange={() => toggle(s.label)}
                      label={
                        <span className={classes.series}>
                          <ColorSwatch color={s.color} size={12} withShadow={false} aria-hidden />
                          {s.label}
                        </span>
                      }
                    />
                  ) : (
                    <Text size="sm">{s.label}</Text>
                  )}
                </Table.Td>
                <Table.Td ta="right" className={classes.number}>
                  {format(cursor === null ? lastValue(s.values) : (s.values[cursor] ?? null))}
                </Table.Td>
                <Table.Td ta="right" className={classes.number}>
                  {format(extreme(s.values, Math.min))}
                </Table.Td>
                <Table.Td ta="right" className={classes.number}>
                  {format(extreme(s.values, Math.max))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Box>
  );
}
