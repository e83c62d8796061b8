/**
 * The rule preview's canvas, drawn by uPlot: each group's values, the threshold as a dashed line and
 * where the rule would have fired shaded. Its own module, loaded only where a canvas can be drawn.
 */
import { useComputedColorScheme } from '@mantine/core';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface PreviewChartProps {
  /** Evaluation times, epoch milliseconds. */
  times: number[];
  series: { label: string; color: string; values: (number | null)[] }[];
  threshold: number;
  /** Where it would have fired, epoch milliseconds. */
  firing: { from: number; to: number }[];
  height: number;
  formatValue(v: number): string;
}

const THEME = {
  light: { text: '#495057', grid: 'rgba(0, 0, 0, 0.08)', fired: 'rgba(250, 82, 82, 0.16)', threshold: '#e03131' },
  dark: { text: '#c9c9c9', grid: 'rgba(255, 255, 255, 0.1)', fired: 'rgba(255, 107, 107, 0.22)', threshold: '#ff6b6b' },
};

/** Shades the firing intervals under the lines and draws the threshold over them. */
function overlay(get: () => Pick<PreviewChartProps, 'threshold' | 'firing'>, colors: (typeof THEME)['light']): uPlot.Plugin {
  const clip = (u: uPlot) => {
    const { left, top, width, height } = u.bbox;
    u.ctx.save();
    u.ctx.beginPath();
    u.ctx.rect(left, top, width, height);
    u.ctx.clip();
  };
  return {
    hooks: {
      drawAxes: (u) => {
        clip(u);
        u.ctx.fillStyle = colors.fired;
        for (const f of get().firing) {
          const x0 = u.valToPos(f.from / 1000, 'x', true);
          const x1 = u.valToPos(f.to / 1000, 'x', true);
          // an interval that began at the last step is still a visible sliver
          u.ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 2 * devicePixelRatio), u.bbox.height);
        }
        u.ctx.restore();
      },
      draw: (u) => {
        clip(u);
        const y = Math.round(u.valToPos(get().threshold, 'y', true));
        u.ctx.strokeStyle = colors.threshold;
        u.ctx.lineWidth = 1.5 * devicePixelRatio;
        u.ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        u.ctx.beginPath();
        u.ctx.moveTo(u.bbox.left, y);
        u.ctx.lineTo(u.bbox.left + u.bbox.width, y);
        u.ctx.stroke();
        u.ctx.restore();
      },
    },
  };
}

/** The chart; rebuilt when the groups or the colours change, redrawn in place when only the values do. */
export default function PreviewChart({ times, series, threshold, firing, height, formatValue }: PreviewChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useComputedColorScheme('light');
  const latest = useRef({ times, series, threshold, firing, formatValue });
  latest.current = { times, series, threshold, firing, formatValue };
  const shape = JSON.stringify([scheme, height, series.map((s) => [s.label, s.color])]);

  useEffect(() => {
    const el = box.current!;
    const colors = THEME[scheme];
    const axis = { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: true },
        // the threshold is always in sight, even far above or below the values
        y: { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min ?? 0, latest.current.threshold), Math.max(max ?? 0, latest.current.threshold), 0.1, true) },
      },
      axes: [axis, { ...axis, size: 64, values: (_u, splits) => splits.map((v) => latest.current.formatValue(v)) }],
      series: [{}, ...latest.current.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: false }))],
      plugins: [overlay(() => latest.current, colors)],
    };
    const u = new uPlot(opts, data(latest.current.times, latest.current.series), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, height, scheme]);

  useEffect(() => {
    plot.current?.setData(data(times, series));
  }, [times, series, threshold, firing]);

  return <div ref={box} aria-hidden="true" />;
}

function data(times: number[], series: PreviewChartProps['series']): uPlot.AlignedData {
  return [times.map((t) => t / 1000), ...series.map((s) => s.values)];
}
