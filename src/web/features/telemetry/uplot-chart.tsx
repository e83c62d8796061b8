/**
 * The time-series canvas, drawn by uPlot. Its own module, imported only where a canvas can be drawn:
 * uPlot and its stylesheet load with the first chart, not with the app.
 */
import { useComputedColorScheme } from '@mantine/core';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartSeries } from './metric-chart.tsx';

export interface UplotChartProps {
  /** The end of each step, epoch milliseconds. */
  times: number[];
  /** The step, milliseconds. */
  step: number;
  series: ChartSeries[];
  /** Labels of the series the reader hid. */
  hidden: ReadonlySet<string>;
  height: number;
  formatValue(v: number): string;
  /** The step under the pointer, or null when it leaves the chart. */
  onCursor(index: number | null): void;
}

const AXIS = {
  light: { text: '#495057', grid: 'rgba(0, 0, 0, 0.08)' },
  dark: { text: '#c9c9c9', grid: 'rgba(255, 255, 255, 0.1)' },
};

/** A y axis as wide as its longest label (uPlot's fixed 50 px cuts "1.23 MiB/s"). */
function axisWidth(u: uPlot, values: string[] | undefined, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx]!;
  if (cycleNum > 1) return (axis as { _size?: number })._size ?? 50;
  const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), '');
  u.ctx.font = (axis.font as [string, ...unknown[]] | undefined)?.[0] ?? u.ctx.font;
  return Math.ceil((axis.ticks?.size ?? 10) + (axis.gap ?? 5) + u.ctx.measureText(longest).width / devicePixelRatio) + 4;
}

/**
 * Steps without data are gaps, except where a series simply reports less often than the step (an
 * SDK exporting every minute, charted in 15-second steps): gaps no longer than twice the series'
 * usual spacing are drawn through.
 */
function usualSpacing(values: (number | null)[]): number {
  const spacings: number[] = [];
  let last = -1;
  values.forEach((v, i) => {
    if (v === null) return;
    if (last >= 0) spacings.push(i - last);
    last = i;
  });
  spacings.sort((a, b) => a - b);
  return spacings[Math.floor(spacings.length / 2)] ?? 1;
}

/** The chart itself; redrawn in place when only the values change (the half-minute refresh). */
export default function UplotChart({ times, step, series, hidden, height, formatValue, onCursor }: UplotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useComputedColorScheme('light');
  const latest = useRef({ formatValue, onCursor, times, series, step });
  latest.current = { formatValue, onCursor, times, series, step };
  // a new plot when the lines or the colours change; new values alone go through setData
  const shape = JSON.stringify([scheme, height, series.map((s) => [s.label, s.color, s.dash])]);

  useEffect(() => {
    const el = box.current!;
    const colors = AXIS[scheme];
    const axis = { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid, width: 1 } };
    const { series: lines } = latest.current;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: true },
        // rates, durations and sizes read best from zero; a series below zero keeps its range
        y: { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min), max, 0.1, true) },
      },
      axes: [axis, { ...axis, size: axisWidth, values: (_u, splits) => splits.map((v) => latest.current.formatValue(v)) }],
      series: [
        {},
        ...lines.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          ...(s.dash ? { dash: s.dash } : {}),
          show: !hidden.has(s.label),
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : latest.current.formatValue(v)),
          gaps: (u: uPlot, seriesIdx: number, _i0: number, _i1: number, nullGaps: uPlot.Series.Gaps) => {
            const s = latest.current.series[seriesIdx - 1];
            const t0 = latest.current.times[0];
            if (!s || t0 === undefined) return nullGaps;
            const stepPx = Math.abs(u.valToPos((t0 + latest.current.step) / 1000, 'x', true) - u.valToPos(t0 / 1000, 'x', true));
            const allowed = stepPx * (2 * usualSpacing(s.values) + 0.5);
            return nullGaps.filter(([from, to]) => to - from > allowed);
          },
        })),
      ],
      hooks: { setCursor: [(u) => latest.current.onCursor(u.cursor.idx ?? null)] },
    };
    const u = new uPlot(opts, data(latest.current.times, lines), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // hidden is applied by the effect below; the plot is rebuilt only when its shape changes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    // a reader who zoomed in (dragging across the chart) keeps the zoom when the values refresh
    const x = u.scales.x!;
    const ts = u.data[0];
    const zoomed = ts.length > 0 && ((x.min ?? -Infinity) > ts[0]! || (x.max ?? Infinity) < ts[ts.length - 1]!);
    u.setData(data(times, series), !zoomed);
  }, [times, series]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    series.forEach((s, i) => {
      if (u.series[i + 1] && u.series[i + 1]!.show === hidden.has(s.label)) u.setSeries(i + 1, { show: !hidden.has(s.label) });
    });
  }, [hidden, series]);

  return <div ref={box} aria-hidden="true" />;
}

function data(times: number[], series: ChartSeries[]): uPlot.AlignedData {
  return [times.map((t) => t / 1000), ...series.map((s) => s.values)];
}
